// Platt scaling applied: a study's raw probability p → σ(a·logit(p) + b), logit clipped as the metric clips.
import { LABELS, type Label, LOG_LOSS_EPS, byLabel } from '../data/labels.js';
import type { PlattParams } from '../models/folder.js';

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** logit(p) with p clipped to [LOG_LOSS_EPS, 1 − LOG_LOSS_EPS], as the metric clips. */
export const clippedLogit = (p: number): number => {
  const q = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  return Math.log(q) - Math.log1p(-q);
};

/** One probability through a Platt scaling. */
export function applyPlatt(p: number, c: PlattParams): number {
  return sigmoid(c.a * clippedLogit(p) + c.b);
}

/** Each label's study probability through its calibration. */
export function calibrateStudy(perLabel: Record<Label, number>, calibration: Record<Label, PlattParams>): Record<Label, number> {
  return byLabel(LABELS.map((l) => applyPlatt(perLabel[l], calibration[l])));
}
