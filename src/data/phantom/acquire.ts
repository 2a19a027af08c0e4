import type { StoragePlan } from './plan.js';
import type { Rng } from './random.js';

/** Separable Gaussian blur (partial-volume effect) of a size×size image, in place, via `scratch`. */
export function blurInPlace(img: Float32Array, size: number, sigma: number, scratch: Float32Array): void {
  const radius = Math.max(1, Math.ceil(2.5 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= sum;
  // Rows into scratch, then columns back into img; edges clamp.
  for (let y = 0; y < size; y++) {
    const row = y * size;
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k < 0 ? 0 : x + k >= size ? size - 1 : x + k;
        acc += kernel[k + radius]! * img[row + xx]!;
      }
      scratch[row + x] = acc;
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k < 0 ? 0 : y + k >= size ? size - 1 : y + k;
        acc += kernel[k + radius]! * scratch[yy * size + x]!;
      }
      img[y * size + x] = acc;
    }
  }
}

/** Radius of the scan field of view, in pixels: pixels beyond it were never measured. */
export function scanRadius(size: number): number {
  return size / 2 - 1;
}

/**
 * The scanner's side of a slice: blur, noise of σ HU inside the scan circle, then HU → stored values
 * as the storage plan says (rescale, BitsStored range, the RSNA 12-bit wrap, padding outside the
 * circle). Writes the stored values into `stored`.
 */
export function acquire(hu: Float32Array, size: number, storage: StoragePlan, rng: Rng, scratch: Float32Array, stored: Int16Array | Uint16Array): void {
  blurInPlace(hu, size, storage.blur, scratch);
  const r2 = scanRadius(size) ** 2;
  const c = size / 2;
  const signed = storage.pixelRepresentation === 1;
  const maxStored = signed ? 2 ** (storage.bitsStored - 1) - 1 : 2 ** storage.bitsStored - 1;
  const minStored = signed ? -(2 ** (storage.bitsStored - 1)) : 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const inside = (x + 0.5 - c) ** 2 + (y + 0.5 - c) ** 2 <= r2;
      if (!inside && storage.padding !== undefined) {
        stored[p] = storage.padding;
        continue;
      }
      const value = inside ? hu[p]! + storage.noise * rng.normal() : -1000;
      if (storage.rsnaWrap) {
        // Stored = HU modulo 4096 (readers unwrap with +1000, −4096 above 4095, intercept −1000).
        const h = Math.min(3095, Math.max(-1000, Math.round(value)));
        stored[p] = h < 0 ? h + 4096 : h;
      } else {
        const s = Math.round((value - storage.rescaleIntercept) / storage.rescaleSlope);
        stored[p] = s < minStored ? minStored : s > maxStored ? maxStored : s;
      }
    }
  }
}
