// Files an attacker or a broken scanner would send: each built from a plausible CT slice and broken in
// one way (the reproductions), plus a seeded mutator for the fuzz test.
import { readFileSync, writeFileSync } from 'node:fs';
import { createDeflateRaw, inflateRawSync } from 'node:zlib';
import { encodeFrame } from '../../src/dicom/codecs/encode.js';
import { type CtSliceToWrite, encodeCtSlice } from '../../src/dicom/write.js';
import { dcmtk } from './dcmtk.js';
import type { TempDir } from './paths.js';

/** A head-like 64² slice: air, a skull ring, brain, stored as HU + 1024 (signed, intercept −1024). */
export function headSlice(uid: string, overrides: Partial<CtSliceToWrite> = {}): CtSliceToWrite {
  const n = 64;
  const pixels = new Int16Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const r = Math.hypot(x - 31.5, y - 31.5);
      const hu = r < 22 ? 35 + ((x * 7 + y * 13) % 11) : r < 26 ? 1100 : -1000 + ((x + y) % 5);
      pixels[y * n + x] = hu + 1024;
    }
  }
  return {
    sopInstanceUID: `${uid}.1`, studyInstanceUID: uid, seriesInstanceUID: `${uid}.2`, patientID: 'HOSTILE',
    rows: n, columns: n, bitsStored: 16, pixelRepresentation: 1, rescaleSlope: 1, rescaleIntercept: -1024,
    imagePositionPatient: [0, 0, 0], imageOrientationPatient: [1, 0, 0, 0, 1, 0], pixels, ...overrides,
  };
}

/** Offset of the value of the first element (group, element) in explicit-VR little-endian bytes. */
export function elementValue(bytes: Uint8Array, group: number, element: number): number {
  for (let o = 132; o + 8 <= bytes.length; o++) {
    if (bytes[o] === (group & 0xff) && bytes[o + 1] === group >> 8 && bytes[o + 2] === (element & 0xff) && bytes[o + 3] === element >> 8) {
      const vr = String.fromCharCode(bytes[o + 4]!, bytes[o + 5]!);
      return ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr) ? o + 12 : o + 8;
    }
  }
  throw new Error(`no (${group.toString(16)},${element.toString(16)})`);
}

/** The slice with one US attribute (e.g. Rows 0028,0010) overwritten in place. */
export function withUs(bytes: Buffer, group: number, element: number, value: number): Buffer {
  const out = Buffer.from(bytes);
  out.writeUInt16LE(value, elementValue(out, group, element));
  return out;
}

/** An RLE slice whose frame is the 64² head but whose header says rows × columns. */
export async function rleClaiming(uid: string, rows: number, columns: number): Promise<Buffer> {
  const slice = headSlice(uid);
  const frame = await encodeFrame('rle', slice.pixels as Int16Array, { rows: 64, columns: 64, bitsStored: 16, pixelRepresentation: 1 });
  return Buffer.from(encodeCtSlice({ ...slice, rows, columns, pixels: frame }));
}

/** The RLE head slice with a NumberOfFrames its one fragment cannot hold. */
async function rleFrames(uid: string, frames: string): Promise<Buffer> {
  const slice = headSlice(uid);
  const frame = await encodeFrame('rle', slice.pixels as Int16Array, { rows: 64, columns: 64, bitsStored: 16, pixelRepresentation: 1 });
  return Buffer.from(encodeCtSlice({ ...slice, pixels: frame, extra: { NumberOfFrames: frames } }));
}

/** A JPEG-lossless slice whose codestream is 64² but whose header says rows × columns. */
export async function jpegClaiming(uid: string, rows: number, columns: number): Promise<Buffer> {
  const slice = headSlice(uid);
  const frame = await encodeFrame('jpeg-lossless', slice.pixels as Int16Array, { rows: 64, columns: 64, bitsStored: 16, pixelRepresentation: 1 });
  return Buffer.from(encodeCtSlice({ ...slice, rows, columns, pixels: frame }));
}

/**
 * A Deflated Explicit VR Little Endian slice whose data set inflates to about `inflatedBytes`: the
 * head slice converted by dcmtk, its PixelData length raised and that many zeros deflated after it
 * (streamed: the bomb is never whole in memory).
 */
export async function inflateBomb(tmp: TempDir, uid: string, inflatedBytes: number): Promise<Buffer> {
  const plain = tmp.file(`${uid}-plain.dcm`);
  const deflated = tmp.file(`${uid}-deflated.dcm`);
  writeFileSync(plain, encodeCtSlice(headSlice(uid)));
  dcmtk('dcmconv', ['+td', plain, deflated]);
  const file = readFileSync(deflated);
  const metaEnd = 144 + file.readUInt32LE(140);
  const dataSet = inflateRawSync(file.subarray(metaEnd));
  const pixelTag = dataSet.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57, 0, 0]));
  const head = Buffer.from(dataSet.subarray(0, pixelTag + 12));
  head.writeUInt32LE(inflatedBytes, pixelTag + 8);
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [file.subarray(0, metaEnd)];
  deflate.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  deflate.write(head);
  const zeros = Buffer.alloc(2 ** 20);
  for (let left = inflatedBytes; left > 0; left -= zeros.length) {
    if (!deflate.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return Buffer.concat(out);
}

/** The hostile files of issue 17, by name, each with the rejection code it must get. */
export async function hostileFiles(tmp: TempDir, uidRoot: string): Promise<{ name: string; bytes: Buffer; code: string }[]> {
  const uid = (k: number) => `${uidRoot}.${k}`;
  const plain = (k: number, o: Partial<CtSliceToWrite> = {}) => Buffer.from(encodeCtSlice(headSlice(uid(k), o)));
  return [
    { name: 'xss-uid', bytes: plain(1, { studyInstanceUID: '"><img src=x onerror=alert(document.domain)>' }), code: 'invalid-uid' },
    { name: 'inflate-bomb', bytes: await inflateBomb(tmp, uid(2), 2 ** 30), code: 'too-large' },
    { name: 'rle-16384', bytes: await rleClaiming(uid(3), 16384, 16384), code: 'too-large' },
    { name: 'rle-1x65535', bytes: await rleClaiming(uid(4), 1, 65535), code: 'too-large' },
    { name: 'rle-48x48', bytes: await rleClaiming(uid(5), 48, 48), code: 'decode-failed' },
    { name: 'jpeg-lossless-32x32', bytes: await jpegClaiming(uid(6), 32, 32), code: 'decode-failed' },
    { name: 'frames-50-one-fragment', bytes: await rleFrames(uid(11), '50'), code: 'invalid-header' },
    { name: 'frames-99999999999', bytes: await rleFrames(uid(12), '99999999999'), code: 'too-large' },
    { name: 'slope-1e30', bytes: plain(7, { rescaleSlope: 1e30 }), code: 'implausible-rescale' },
    { name: 'pixel-representation-5', bytes: withUs(plain(8), 0x0028, 0x0103, 5), code: 'invalid-header' },
    { name: 'high-bit-8', bytes: withUs(plain(9), 0x0028, 0x0102, 8), code: 'invalid-header' },
    { name: 'hu-out-of-range', bytes: plain(10, { rescaleIntercept: 3000 }), code: 'implausible-hu' },
  ];
}
