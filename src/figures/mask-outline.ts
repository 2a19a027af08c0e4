// A bleed's ground-truth mask at a figure panel's resolution, and the ring just outside it.
import { resampleArea } from '../preprocess/resample.js';

const COVERAGE_EPS = 1e-4;

export interface MaskOutline {
  /** size × size; 1 where the mask covers any of the panel pixel (the bleed as the panel shows it). */
  covered: Uint8Array;
  /** size × size; 1 on the ring of `width` pixels around `covered` (8-neighbourhood), never on it. */
  outline: Uint8Array;
}

/**
 * The mask at panel resolution and its outline: the mask is area-resampled like the image (centred
 * on a square for non-square slices), every panel pixel it touches counts as bleed, and the outline
 * is the ring just outside — it hugs the bleed without covering any of it, even a bleed thinner
 * than a panel pixel.
 */
export function maskOutline(mask: Uint8Array, rows: number, columns: number, size: number, width = 1): MaskOutline {
  const n = rows * columns;
  const full = new Float32Array(n);
  for (let i = 0; i < n; i++) full[i] = mask[i] !== 0 ? 1 : 0;
  const coverage = new Float32Array(size * size);
  resampleArea(full, rows, columns, size, 0, coverage);
  const covered = new Uint8Array(size * size);
  for (let i = 0; i < covered.length; i++) covered[i] = coverage[i]! > COVERAGE_EPS ? 1 : 0;

  // Dilate by `width` (square structuring element: a horizontal then a vertical max filter).
  const horizontal = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0;
      for (let d = Math.max(0, x - width); d <= Math.min(size - 1, x + width) && !v; d++) v = covered[y * size + d]!;
      horizontal[y * size + x] = v;
    }
  }
  const outline = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (covered[y * size + x]) continue;
      let v = 0;
      for (let d = Math.max(0, y - width); d <= Math.min(size - 1, y + width) && !v; d++) v = horizontal[d * size + x]!;
      outline[y * size + x] = v;
    }
  }
  return { covered, outline };
}
