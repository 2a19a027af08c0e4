/** Test helpers for the probability plots: colour matching and the dashed reference diagonal. */
import type { PlotRect } from '../../src/figures/index.js';
import { type Pixels, hexRgb } from './png.js';

/** Sum of absolute RGB differences between the pixel at (x, y) and `hex`. */
export function colorDistance(px: Pixels, x: number, y: number, hex: string): number {
  const [r, g, b] = hexRgb(hex);
  const p = px.at(x, y);
  return Math.abs(p[0] - r) + Math.abs(p[1] - g) + Math.abs(p[2] - b);
}

/** Pixels within `radius` of (x, y) (a square) whose colour is within `tolerance` of `hex`. */
export function countNear(px: Pixels, x: number, y: number, radius: number, hex: string, tolerance = 0): number {
  let n = 0;
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      const xx = Math.round(x) + dx;
      const yy = Math.round(y) + dy;
      if (xx >= 0 && yy >= 0 && xx < px.width && yy < px.height && colorDistance(px, xx, yy, hex) <= tolerance) n++;
    }
  }
  return n;
}

export interface DiagonalSample {
  grey: number;
  background: number;
  other: number;
  /** Changes between grey and background runs along the line. */
  transitions: number;
}

/**
 * Walks the pixels whose centres lie on the plot's (0, 0)–(1, 1) diagonal (the ends left out) and
 * sorts them into grey ink (r ≈ g ≈ b, far from the background's brightness), background, and other.
 */
export function sampleDiagonal(px: Pixels, plot: PlotRect, background: [number, number, number]): DiagonalSample {
  const out = { grey: 0, background: 0, other: 0, transitions: 0 };
  let last: 'grey' | 'background' | undefined;
  const n = plot.width;
  for (let k = Math.round(n * 0.04); k < Math.round(n * 0.96); k++) {
    // Pixel (x, y) has its centre (x + ½, y + ½) on the line x + y = plot.x + plot.y + plot.height.
    const [r, g, b] = px.at(plot.x + k, plot.y + plot.height - k - 1);
    const isGrey = Math.max(r, g, b) - Math.min(r, g, b) <= 16 && Math.abs((r + g + b - background[0] - background[1] - background[2]) / 3) >= 50;
    const isBg = Math.abs(r - background[0]) + Math.abs(g - background[1]) + Math.abs(b - background[2]) <= 6;
    const kind = isGrey ? 'grey' : isBg ? 'background' : undefined;
    if (kind === undefined) {
      out.other++;
      continue;
    }
    out[kind]++;
    if (last !== undefined && kind !== last) out.transitions++;
    last = kind;
  }
  return out;
}
