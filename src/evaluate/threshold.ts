// Sensitivity and specificity at an operating threshold, and the threshold reaching a target sensitivity.
import { checkBinary, checkPaired } from './validate.js';

/** The confusion counts at one threshold; a slice is called positive iff its score ≥ threshold. */
export interface OperatingPoint {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** TP / (TP + FN); NaN without positives. */
  sensitivity: number;
  /** TN / (TN + FP); NaN without negatives. */
  specificity: number;
}

/** Sensitivity and specificity of `score ≥ threshold` (default 0.5) against binary `labels`. */
export function sensitivitySpecificity(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): OperatingPoint {
  checkPaired(scores, labels);
  checkBinary('labels', labels);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`scores[${i}] is NaN`);
    const called = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (called) tp++;
      else fn++;
    } else if (called) fp++;
    else tn++;
  }
  return { threshold, tp, fp, tn, fn, sensitivity: tp / (tp + fn), specificity: tn / (tn + fp) };
}

/**
 * The largest threshold whose sensitivity (score ≥ threshold) is at least `target` (default 0.95):
 * the k-th highest positive score, k = ⌈target·P⌉. NaN when there are no positives.
 */
export function thresholdForSensitivity(scores: ArrayLike<number>, labels: ArrayLike<number>, target = 0.95): number {
  checkPaired(scores, labels);
  checkBinary('labels', labels);
  if (!(target > 0 && target <= 1)) throw new RangeError(`target sensitivity must be in (0, 1], got ${target}`);
  const kept: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`scores[${i}] is NaN`);
    if (labels[i] === 1) kept.push(scores[i]);
  }
  const p = kept.length;
  if (p === 0) return NaN;
  const ascending = Float64Array.from(kept).sort();
  let k = Math.ceil(target * p);
  if (k > 1 && (k - 1) / p >= target) k--; // target·P a hair above an integer through rounding
  return ascending[p - Math.min(k, p)]; // the k-th highest
}
