import type { HuImage } from '../dicom/hu.js';
import { resampleArea } from './resample.js';
import { type HuWindow, parseWindows, DEFAULT_WINDOWS, windowImage } from './window.js';

export const DEFAULT_SIZE = 128;

/** How a slice becomes a model input. */
export interface TensorSpec {
  size: number;
  windows: HuWindow[];
}

export function tensorSpec(size = DEFAULT_SIZE, windows: string | HuWindow[] = DEFAULT_WINDOWS): TensorSpec {
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`size ${size}: expected an integer from 16 to 1024 (e.g. 128, 256, 512)`);
  return { size, windows: typeof windows === 'string' ? parseWindows(windows) : windows };
}

/**
 * The model input of one slice: each window applied at full resolution, then area-averaged to
 * size×size. Channel-first (C×N×N, the NCHW layout ONNX models take), values in [0, 1].
 */
export function sliceTensor(image: HuImage, spec: TensorSpec, out: Float32Array = new Float32Array(spec.windows.length * spec.size * spec.size)): Float32Array {
  const side = Math.max(image.rows, image.columns);
  return side % spec.size === 0 ? windowAndBin(image, spec, side / spec.size, out) : windowAndResample(image, spec, out);
}

let windowed = new Float32Array(0);

/** The general path: a full-resolution windowed copy per window, then resampleArea. */
function windowAndResample(image: HuImage, spec: TensorSpec, out: Float32Array): Float32Array {
  const n = image.rows * image.columns;
  if (windowed.length < n) windowed = new Float32Array(n);
  const plane = spec.size * spec.size;
  const view = windowed.subarray(0, n);
  spec.windows.forEach((w, c) => {
    windowImage(image.hu, w, view);
    resampleArea(view, image.rows, image.columns, spec.size, 0, out, c * plane);
  });
  return out;
}

/**
 * The fast path when the square-padded side is a whole multiple k of N (512 → 128, 256, 512):
 * one pass over the HU image windows each pixel, three windows at a time in registers, and sums
 * it into its k×k bin. Padding is 0 in every window, so it adds nothing. Equal to
 * windowAndResample up to float rounding (a test checks it).
 */
function windowAndBin(image: HuImage, spec: TensorSpec, k: number, out: Float32Array): Float32Array {
  const plane = spec.size * spec.size;
  const length = spec.windows.length * plane;
  out.fill(0, 0, length);
  for (let first = 0; first < spec.windows.length; first += 3) {
    binThreeWindows(image, spec.size, k, spec.windows.slice(first, first + 3), out, first * plane);
  }
  const norm = 1 / (k * k);
  for (let i = 0; i < length; i++) out[i]! *= norm;
  return out;
}

/** Sums up to three windows of every pixel into their k×k bins; channel c goes to out[offset + c·N²…]. */
function binThreeWindows(image: HuImage, size: number, k: number, windows: HuWindow[], out: Float32Array, offset: number): void {
  const { rows, columns, hu } = image;
  const plane = size * size;
  const rowOffset = Math.floor((size * k - rows) / 2);
  const colOffset = Math.floor((size * k - columns) / 2);
  const w = [0, 1, 2].map((i) => windows[Math.min(i, windows.length - 1)]!);
  const l0 = w[0]!.center - w[0]!.width / 2, s0 = 1 / w[0]!.width;
  const l1 = w[1]!.center - w[1]!.width / 2, s1 = 1 / w[1]!.width;
  const l2 = w[2]!.center - w[2]!.width / 2, s2 = 1 / w[2]!.width;
  const o1 = windows.length > 1 ? plane : 0;
  const o2 = windows.length > 2 ? 2 * plane : 0;
  for (let r = 0; r < rows; r++) {
    const outRow = offset + Math.floor((r + rowOffset) / k) * size;
    const src = r * columns;
    for (let b = 0; b < size; b++) {
      const c0 = Math.max(0, b * k - colOffset);
      const c1 = Math.min(columns, (b + 1) * k - colOffset);
      if (c1 <= c0) continue;
      let a0 = 0, a1 = 0, a2 = 0;
      for (let i = src + c0; i < src + c1; i++) {
        const h = hu[i]!;
        let v = (h - l0) * s0;
        a0 += v < 0 ? 0 : v > 1 ? 1 : v;
        v = (h - l1) * s1;
        a1 += v < 0 ? 0 : v > 1 ? 1 : v;
        v = (h - l2) * s2;
        a2 += v < 0 ? 0 : v > 1 ? 1 : v;
      }
      out[outRow + b]! += a0;
      if (o1) out[outRow + o1 + b]! += a1;
      if (o2) out[outRow + o2 + b]! += a2;
    }
  }
}
