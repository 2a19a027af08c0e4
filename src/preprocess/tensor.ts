import type { HuImage } from '../dicom/hu.js';
import { resampleArea } from './resample.js';
import { type HuWindow, parseWindows, DEFAULT_WINDOWS, windowImage } from './window.js';

export const DEFAULT_SIZE = 128;
export const ALLOWED_SIZES: readonly number[] = [64, 128, 224, 256, 299, 512];

/** How a slice becomes a model input. */
export interface TensorSpec {
  size: number;
  windows: HuWindow[];
}

export function tensorSpec(size = DEFAULT_SIZE, windows: string | HuWindow[] = DEFAULT_WINDOWS): TensorSpec {
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`size ${size}: expected an integer from 16 to 1024 (e.g. 128, 256, 512)`);
  return { size, windows: typeof windows === 'string' ? parseWindows(windows) : windows };
}

let windowed = new Float32Array(0);

/**
 * The model input of one slice: each window applied at full resolution, then area-averaged to
 * size×size. Channel-first (C×N×N, the NCHW layout ONNX models take), values in [0, 1].
 */
export function sliceTensor(image: HuImage, spec: TensorSpec, out = new Float32Array(spec.windows.length * spec.size * spec.size)): Float32Array {
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
