// Explanations shown and scored where a bleed can be: attribution outside the intracranial region
// (the skull, the scalp, the air) is set to 0, and how much of it there was is kept.
import { checkChoice, type Explanation } from './types.js';

/**
 * The empty head of a model input x (C×N×N): the pixels of `soft` (N×N: the brain's soft tissue,
 * no bone) set, per channel, to their median there — a brain with nothing in it — and every other
 * pixel as in x. Explained against it, only what differs from a uniform brain gets attribution; the
 * skull, identical in both, gets none.
 */
export function emptyHead(x: Float32Array, soft: Uint8Array, channels: number): Float32Array {
  const plane = soft.length;
  const out = Float32Array.from(x);
  const values = new Float32Array(plane);
  for (let c = 0; c < channels; c++) {
    let k = 0;
    for (let p = 0; p < plane; p++) if (soft[p]) values[k++] = x[c * plane + p]!;
    if (k === 0) continue;
    const median = values.subarray(0, k).sort()[k >> 1]!;
    for (let p = 0; p < plane; p++) if (soft[p]) out[c * plane + p] = median;
  }
  return out;
}

/** What an input is explained against: an empty head of itself (default, where a brain region is found) or the explainer's own default (the training background, the blurred slice). */
export type ExplainReference = 'empty-head' | 'default';
export const EXPLAIN_REFERENCES: readonly ExplainReference[] = ['empty-head', 'default'];

export function checkReference(value: unknown, who: string): ExplainReference {
  return checkChoice(value, EXPLAIN_REFERENCES, who, 'reference');
}

/** Where maps are kept: inside the skull (default) or over the whole image. */
export type ExplainRegion = 'intracranial' | 'image';
export const EXPLAIN_REGIONS: readonly ExplainRegion[] = ['intracranial', 'image'];

export function checkRegion(value: unknown, who: string): ExplainRegion {
  return checkChoice(value, EXPLAIN_REGIONS, who, 'region');
}

/**
 * Zeroes each map outside `mask` (N×N, 1 inside) in place and records the share of |attribution|
 * that lay outside, and its sum (the map plus it still adds up to what the explainer's did). The additivity error stays that of the whole map (the explainer's own check).
 */
export function restrictToRegion(explanations: Explanation[], mask: Uint8Array): void {
  for (const e of explanations) {
    let all = 0;
    let outside = 0;
    let sum = 0;
    for (let i = 0; i < e.map.length; i++) {
      const v = Math.abs(e.map[i]!);
      all += v;
      if (!mask[i]) {
        outside += v;
        sum += e.map[i]!;
        e.map[i] = 0;
      }
    }
    e.outsideShare = all > 0 ? outside / all : 0;
    e.outsideSum = sum;
  }
}
