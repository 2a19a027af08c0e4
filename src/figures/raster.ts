/** Float images in [0, 1] to RGBA bytes for ImageData, without per-pixel allocation. */
import { ImageData } from '@napi-rs/canvas';

/** Writes plane[offset .. offset + n) (values in [0, 1]) as opaque grey into rgba (4n bytes). */
export function greyToRgba(plane: Float32Array, offset: number, n: number, rgba: Uint8ClampedArray, invert = false): Uint8ClampedArray {
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    rgba[o] = plane[offset + i]! * 255;
    // Invert the rounded byte, so that inverted + plain is exactly 255.
    const g = invert ? 255 - rgba[o]! : rgba[o]!;
    rgba[o] = g;
    rgba[o + 1] = g;
    rgba[o + 2] = g;
    rgba[o + 3] = 255;
  }
  return rgba;
}

/**
 * Writes up to three planes of a channel-first tensor (values in [0, 1]) as R, G, B; `offsets`
 * holds each channel's start in `planes`, or -1 to leave that channel black.
 */
export function channelsToRgba(planes: Float32Array, offsets: readonly [number, number, number], n: number, rgba: Uint8ClampedArray): Uint8ClampedArray {
  for (let c = 0; c < 3; c++) {
    const off = offsets[c]!;
    if (off < 0) {
      for (let i = 0; i < n; i++) rgba[i * 4 + c] = 0;
    } else {
      for (let i = 0; i < n; i++) rgba[i * 4 + c] = planes[off + i]! * 255;
    }
  }
  for (let i = 0; i < n; i++) rgba[i * 4 + 3] = 255;
  return rgba;
}

export function imageData(rgba: Uint8ClampedArray, width: number, height: number): ImageData {
  return new ImageData(rgba, width, height);
}

/** Linearly maps values (any numeric array) from [lo, hi] to [0, 1], clipped, into `out`. */
export function normalizeLinear(values: ArrayLike<number>, n: number, lo: number, hi: number, out: Float32Array): Float32Array {
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  for (let i = 0; i < n; i++) {
    const v = (values[i]! - lo) * scale;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

export { minMax } from '../dicom/min-max.js';
