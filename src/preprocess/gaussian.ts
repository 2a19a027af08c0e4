// Gaussian image operations shared by the phantom scanner and the training augmentation.

/** Separable Gaussian blur of a size×size image, in place, via `scratch` (edges clamp); the kernel reaches `radius` pixels (default 2σ). */
export function blurInPlace(img: Float32Array, size: number, sigma: number, scratch: Float32Array, radius = Math.max(1, Math.ceil(2 * sigma))): void {
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

/**
 * Unit-variance noise correlated over σ = `grain` pixels, written into `field` (size×size): white
 * noise from `noise()` blurred, then rescaled to mean 0 and σ 1.
 */
export function grainNoise(field: Float32Array, size: number, grain: number, noise: () => number, scratch: Float32Array): Float32Array {
  const n = size * size;
  for (let i = 0; i < n; i++) field[i] = noise();
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
