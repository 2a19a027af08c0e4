// The RSNA 2019 metric: weighted multi-label log loss (shared/README.md, "The metric").
import { LABEL_WEIGHTS, LOG_LOSS_EPS } from '../data/labels.js';
import { checkMatrix } from './validate.js';

export { LOG_LOSS_EPS };

/** The metric's label weights in LABELS order: 2 for `any`, 1 for each subtype. */
export const METRIC_WEIGHTS: readonly number[] = LABEL_WEIGHTS;

/** −[y·ln p + (1 − y)·ln(1 − p)] with p clipped to [eps, 1 − eps]. */
export function binaryCrossEntropy(y: number, p: number, eps = LOG_LOSS_EPS): number {
  const q = Math.min(Math.max(p, eps), 1 - eps);
  return -(y * Math.log(q) + (1 - y) * Math.log1p(-q));
}

export interface LogLosses {
  /** Mean over slices of Σ_j w_j·BCE(y_j, p_j) / Σ_j w_j. */
  weighted: number;
  /** Mean BCE over slices, one per label (LABELS order). */
  perLabel: number[];
}

/** The weighted log loss and the per-label mean BCE in one pass; NaN when n = 0. */
export function logLosses(probs: ArrayLike<number>, labels: ArrayLike<number>, n: number, weights: readonly number[] = METRIC_WEIGHTS): LogLosses {
  const k = weights.length;
  checkMatrix('probs', probs, n, k);
  checkMatrix('labels', labels, n, k);
  const wSum = weights.reduce((a, b) => a + b, 0);
  const perLabel = new Array<number>(k).fill(0);
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    let slice = 0;
    for (let j = 0; j < k; j++) {
      const bce = binaryCrossEntropy(labels[i * k + j], probs[i * k + j]);
      perLabel[j] += bce;
      slice += weights[j] * bce;
    }
    weighted += slice / wSum;
  }
  return { weighted: weighted / n, perLabel: perLabel.map((s) => s / n) };
}

/**
 * The RSNA metric. `probs` and `labels` are `n × 6` row-major (LABELS order): per slice
 * Σ_j w_j·BCE(y_j, clip(p_j)) / Σ_j w_j with w = [2, 1, 1, 1, 1, 1], averaged over slices.
 */
export function weightedLogLoss(probs: ArrayLike<number>, labels: ArrayLike<number>, n: number, weights: readonly number[] = METRIC_WEIGHTS): number {
  return logLosses(probs, labels, n, weights).weighted;
}

/** Mean BCE per label (clipped as in the metric), LABELS order. */
export function perLabelLogLoss(probs: ArrayLike<number>, labels: ArrayLike<number>, n: number, k = METRIC_WEIGHTS.length): number[] {
  return logLosses(probs, labels, n, new Array<number>(k).fill(1)).perLabel;
}

/** Each label's positive rate (mean of its column) over `n` slices. */
export function labelPrevalence(labels: ArrayLike<number>, n: number, k = METRIC_WEIGHTS.length): number[] {
  checkMatrix('labels', labels, n, k);
  const sums = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) sums[j] += labels[i * k + j];
  return sums.map((s) => s / n);
}

/** `n` rows, each a copy of `row` (e.g. a constant predictor). */
export function repeatRows(row: ArrayLike<number>, n: number): Float64Array {
  const k = row.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = row[j];
  return out;
}

/**
 * The prevalence-only predictor's losses: every slice gets `prevalence` (e.g. the training set's
 * label rates; default the evaluated set's own). A model must beat this to have learned anything.
 */
export function prevalenceLogLosses(labels: ArrayLike<number>, n: number, prevalence?: ArrayLike<number>, weights: readonly number[] = METRIC_WEIGHTS): LogLosses & { prevalence: number[] } {
  const prev = prevalence ? Array.from(prevalence) : labelPrevalence(labels, n, weights.length);
  if (prev.length !== weights.length) throw new RangeError(`prevalence holds ${prev.length} values for ${weights.length} labels`);
  return { ...logLosses(repeatRows(prev, n), labels, n, weights), prevalence: prev };
}
