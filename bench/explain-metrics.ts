// The measures of bench:explain: pointing game, positive share and top-k precision against the
// ground-truth mask, and deletion / insertion curves through the model.
import { LABELS } from '../src/data/labels.js';
import { blurInPlace } from '../src/preprocess/gaussian.js';
import { type openSession, runSession } from '../src/engine/session.js';

export function dilate(mask: Uint8Array, n: number, r: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (!mask[y * n + x]) continue;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (dx * dx + dy * dy <= r * r && yy >= 0 && xx >= 0 && yy < n && xx < n) out[yy * n + xx] = 1;
        }
      }
    }
  }
  return out;
}

export const share = (mask: Uint8Array) => mask.reduce((s, v) => s + v, 0) / mask.length;

/**
 * The pointing game's point: the pixel of largest attribution. Where several pixels share the
 * maximum (partition SHAP's unexpanded regions are constant blocks), the tied pixel nearest to their
 * centroid, so that a block points at its middle rather than at its top-left corner.
 */
export function topPixel(map: Float32Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) if (map[i]! > max) max = map[i]!;
  let count = 0;
  let cy = 0;
  let cx = 0;
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== max) continue;
    count++;
    cy += Math.floor(i / n);
    cx += i % n;
  }
  cy /= count;
  cx /= count;
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== max) continue;
    const d = (Math.floor(i / n) - cy) ** 2 + ((i % n) - cx) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  }
  return best;
}

export function positiveShareInside(map: Float32Array, mask: Uint8Array): number {
  let inside = 0;
  let all = 0;
  for (let i = 0; i < map.length; i++) {
    const v = Math.max(0, map[i]!);
    all += v;
    if (mask[i]) inside += v;
  }
  return all > 0 ? inside / all : 0;
}

/** Separable Gaussian blur of every channel (σ in pixels, the kernel out to 3σ, edges clamped). */
export function gaussianBlur(x: Float32Array, c: number, n: number, sigma: number): Float32Array {
  const out = Float32Array.from(x);
  const scratch = new Float32Array(n * n);
  for (let ch = 0; ch < c; ch++) blurInPlace(out.subarray(ch * n * n, (ch + 1) * n * n), n, sigma, scratch, Math.ceil(3 * sigma));
  return out;
}

/** How far a deletion or insertion curve goes: `steps` equal steps up to `max` of the pixels. */
export interface CurveSpec {
  steps: number;
  max: number;
}

/** Pixel counts changed at each step: 0, …, max·N² in `steps` equal steps. */
export function curveCounts(pixels: number, spec: CurveSpec): number[] {
  return Array.from({ length: spec.steps + 1 }, (_, k) => Math.round((k / spec.steps) * spec.max * pixels));
}

/** Area under a curve sampled at equal steps of the normalised deleted fraction (trapezoids): its mean value. */
export function auc(curve: readonly number[]): number {
  let a = 0;
  for (let k = 1; k < curve.length; k++) a += (curve[k]! + curve[k - 1]!) / 2;
  return a / (curve.length - 1);
}

export type Session = Awaited<ReturnType<typeof openSession>>;

/**
 * Probabilities (steps+1 × 6) as the pixels of `order` (all channels) are taken from `to` into a copy
 * of `from`, cumulatively: deletion is (x → blurred), insertion (blurred → x).
 */
export async function pixelCurve(session: Session, from: Float32Array, to: Float32Array, order: ArrayLike<number>, c: number, n: number, spec: CurveSpec): Promise<Float32Array> {
  const plane = n * n;
  const counts = curveCounts(plane, spec);
  const batch = new Float32Array(counts.length * from.length);
  const cur = Float32Array.from(from);
  let done = 0;
  counts.forEach((count, k) => {
    for (; done < count; done++) {
      const p = order[done]!;
      for (let ch = 0; ch < c; ch++) cur[ch * plane + p] = to[ch * plane + p]!;
    }
    batch.set(cur, k * from.length);
  });
  const r = await runSession(session, { input: { data: batch, dims: [counts.length, c, n, n] } }, ['probabilities']);
  return r.probabilities!.data;
}

/** Pixels from most to least attributed (ties by index). */
export function attributionOrder(map: Float32Array): number[] {
  return Array.from({ length: map.length }, (_, i) => i).sort((a, b) => map[b]! - map[a]! || a - b);
}

/** Precision of the top `fraction` of pixels by attribution: the share of them inside `mask`. */
export function topPrecision(order: readonly number[], mask: Uint8Array, fraction: number): number {
  const k = Math.max(1, Math.round(fraction * order.length));
  let inside = 0;
  for (let i = 0; i < k; i++) inside += mask[order[i]!]!;
  return inside / k;
}

export function column(probs: Float32Array, label: number): number[] {
  return Array.from({ length: probs.length / LABELS.length }, (_, k) => probs[k * LABELS.length + label]!);
}
