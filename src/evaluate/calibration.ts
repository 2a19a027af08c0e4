// Calibration: reliability bins (mean predicted probability against observed frequency).
import { checkPaired, checkProbabilities } from './validate.js';

export interface ReliabilityBin {
  /** Bin edges; a score s falls in [lo, hi), the last bin also takes s = 1. */
  lo: number;
  hi: number;
  count: number;
  /** Mean score in the bin; NaN when empty. */
  meanPredicted: number;
  /** Mean label (observed positive rate) in the bin; NaN when empty. */
  observed: number;
}

/** `bins` equal-width bins over [0, 1] (default 10) of the scores, each with its observed frequency. */
export function reliabilityBins(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  checkPaired(scores, labels);
  checkProbabilities('scores', scores);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    const b = Math.min(bins - 1, Math.floor(s * bins));
    count[b]++;
    sumP[b] += s;
    sumY[b] += labels[i];
  }
  return count.map((c, b) => ({ lo: b / bins, hi: (b + 1) / bins, count: c, meanPredicted: c ? sumP[b] / c : NaN, observed: c ? sumY[b] / c : NaN }));
}

/** Expected calibration error: Σ_b (count_b / n)·|observed_b − meanPredicted_b| over non-empty bins. */
export function expectedCalibrationError(bins: readonly ReliabilityBin[]): number {
  const n = bins.reduce((a, b) => a + b.count, 0);
  let ece = 0;
  for (const b of bins) if (b.count) ece += (b.count / n) * Math.abs(b.observed - b.meanPredicted);
  return n ? ece : NaN;
}
