import { blurInPlace, grainNoise } from '../../preprocess/gaussian.js';
import type { StoragePlan } from './plan.js';
import type { Rng } from '../../shared/rng.js';

/** Radius of the scan field of view, in pixels: pixels beyond it were never measured. */
export function scanRadius(size: number): number {
  return size / 2 - 1;
}

/**
 * The scanner's side of a slice: blur, noise of σ HU inside the scan circle, then HU → stored values
 * as the storage plan says (rescale, BitsStored range, the RSNA 12-bit wrap, padding outside the
 * circle). Writes the stored values into `stored`.
 */
export function acquire(hu: Float32Array, size: number, storage: StoragePlan, rng: Rng, scratch: Float32Array, stored: Int16Array | Uint16Array, motion?: { dx: number; dy: number; weight: number }): void {
  blurInPlace(hu, size, storage.blur, scratch);
  if (motion) ghost(hu, size, motion, scratch);
  const grain = storage.grain ? grainNoise(new Float32Array(size * size), size, storage.grain, () => rng.noise(), scratch) : undefined;
  const r2 = scanRadius(size) ** 2;
  const c = size / 2;
  const { rsnaWrap, noise, rescaleSlope, rescaleIntercept } = storage;
  const padding = storage.padding ?? NaN;
  const signed = storage.pixelRepresentation === 1;
  const maxStored = signed ? 2 ** (storage.bitsStored - 1) - 1 : 2 ** storage.bitsStored - 1;
  const minStored = signed ? -(2 ** (storage.bitsStored - 1)) : 0;
  for (let y = 0; y < size; y++) {
    const dy = y + 0.5 - c;
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const dx = x + 0.5 - c;
      const inside = dx * dx + dy * dy <= r2;
      if (!inside && !Number.isNaN(padding)) {
        stored[p] = padding;
        continue;
      }
      const value = inside ? hu[p]! + noise * (grain ? grain[p]! : rng.noise()) : -1000;
      if (rsnaWrap) {
        // Stored = HU modulo 4096 (readers unwrap with +1000, −4096 above 4095, intercept −1000).
        const h = Math.min(3095, Math.max(-1000, Math.round(value)));
        stored[p] = h < 0 ? h + 4096 : h;
      } else {
        const s = Math.round((value - rescaleIntercept) / rescaleSlope);
        stored[p] = s < minStored ? minStored : s > maxStored ? maxStored : s;
      }
    }
  }
}

/** Motion ghosting: the image blended in place with a copy shifted by (dx, dy) pixels (clamped at the edges). */
function ghost(img: Float32Array, size: number, m: { dx: number; dy: number; weight: number }, scratch: Float32Array): void {
  scratch.set(img.subarray(0, size * size));
  const dx = Math.round(m.dx);
  const dy = Math.round(m.dy);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(size - 1, Math.max(0, y - dy));
    for (let x = 0; x < size; x++) {
      const sx = Math.min(size - 1, Math.max(0, x - dx));
      img[y * size + x] = (1 - m.weight) * scratch[y * size + x]! + m.weight * scratch[sy * size + sx]!;
    }
  }
}
