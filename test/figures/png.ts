/** Test helpers: PNG header checks and pixel decoding through @napi-rs/canvas. */
import assert from 'node:assert/strict';
import { createCanvas, loadImage } from '@napi-rs/canvas';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Checks the signature and the IHDR chunk; returns the declared size. */
export function pngHeader(png: Buffer): { width: number; height: number } {
  assert.ok(png.length > 33, 'PNG too short');
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, 'PNG signature');
  assert.equal(png.readUInt32BE(8), 13, 'IHDR length');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR', 'first chunk is IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export interface Pixels {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  /** [r, g, b, a] at (x, y). */
  at(x: number, y: number): [number, number, number, number];
}

/** Decodes a PNG to RGBA pixels. */
export async function decodePng(png: Buffer): Promise<Pixels> {
  const { width, height } = pngHeader(png);
  const img = await loadImage(png);
  assert.equal(img.width, width);
  assert.equal(img.height, height);
  const ctx = createCanvas(width, height).getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, width, height).data;
  return {
    width,
    height,
    data,
    at(x, y) {
      const o = (y * width + x) * 4;
      return [data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!];
    },
  };
}

/** "#e69f00" → [230, 159, 0]. */
export function hexRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  assert.ok(m, `not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** Bytes as Uint8ClampedArray stores them (round half to even, clamped), for expected values. */
export function toByte(v: number): number {
  const b = new Uint8ClampedArray(1);
  b[0] = v;
  return b[0]!;
}
