import type { StoragePlan } from './plan.js';
import type { Rng } from './random.js';

/** Separable Gaussian blur (partial-volume effect) of a size×size image, in place, via `scratch`. */
export function blurInPlace(img: Float32Array, size: number, sigma: number, scratch: Float32Array): void {
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= sum;
  convolve(img, scratch, size, kernel, 1, size); // rows
  convolve(scratch, img, size, kernel, size, 1); // columns
}

/** 1-D convolution along `step` (1: rows, size: columns); `lineStep` moves between lines; edges clamp. */
function convolve(src: Float32Array, dst: Float32Array, size: number, kernel: Float32Array, lineStep: number, step: number): void {
  const radius = (kernel.length - 1) / 2;
  for (let line = 0; line < size; line++) {
    const base = line * lineStep;
    for (let i = 0; i < size; i++) {
      let acc = 0;
      if (i >= radius && i < size - radius) {
        const center = base + i * step;
        for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * src[center + k * step]!;
      } else {
        for (let k = -radius; k <= radius; k++) {
          const j = i + k < 0 ? 0 : i + k >= size ? size - 1 : i + k;
          acc += kernel[k + radius]! * src[base + j * step]!;
        }
      }
      dst[base + i * step] = acc;
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
export function acquire(hu: Float32Array, size: number, storage: StoragePlan, rng: Rng, scratch: Float32Array, stored: Int16Array | Uint16Array, motion?: { dx: number; dy: number; weight: number }): void {
  blurInPlace(hu, size, storage.blur, scratch);
  if (motion) ghost(hu, size, motion, scratch);
  const grain = storage.grain ? grainNoise(size, storage.grain, rng, scratch) : undefined;
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

/** Unit-variance noise correlated over σ = `grain` pixels (white noise blurred, then rescaled to σ 1). */
function grainNoise(size: number, grain: number, rng: Rng, scratch: Float32Array): Float32Array {
  const n = size * size;
  const field = new Float32Array(n);
  for (let i = 0; i < n; i++) field[i] = rng.noise();
  blurInPlace(field, size, grain, scratch);
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    sum += field[i]!;
    sq += field[i]! * field[i]!;
  }
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(1e-12, sq / n - mean * mean));
  for (let i = 0; i < n; i++) field[i] = (field[i]! - mean) / sd;
  return field;
}
