// evaluate(): every number `ich eval` prints, for one set of predictions against its labels.
import { LABELS, type Label, byLabel } from '../data/labels.js';
import { expectedCalibrationError, reliabilityBins, type ReliabilityBin } from './calibration.js';
import { METRIC_WEIGHTS, logLosses, prevalenceLogLosses } from './log-loss.js';
import { aucFromGroups, rocCurveFromGroups, tieGroups, type RocCurve } from './roc.js';
import { sensitivitySpecificity, thresholdForSensitivity, type OperatingPoint } from './threshold.js';
import { checkBinary, checkMatrix, checkProbabilities, column } from './validate.js';

export interface EvaluateOptions {
  /** The baseline's per-label probabilities (LABELS order), e.g. the training set's prevalence; default the evaluated set's own. */
  prevalence?: ArrayLike<number>;
  /** Operating threshold for sensitivity / specificity; default 0.5. */
  threshold?: number;
  /** Target sensitivity for `any`; default 0.95. */
  sensitivityTarget?: number;
  /** Reliability bins per label; default 10. */
  bins?: number;
  /** Passed to rocCurve; default true (fewer points, same curve). */
  rocDropIntermediate?: boolean;
}

export interface CalibrationReport {
  bins: ReliabilityBin[];
  /** Expected calibration error over the bins. */
  ece: number;
}

export interface EvaluationReport {
  /** Slices evaluated. */
  n: number;
  /** Positive slices per label. */
  positives: Record<Label, number>;
  /** The RSNA weighted log loss. */
  weightedLogLoss: number;
  /** Mean clipped BCE per label. */
  logLoss: Record<Label, number>;
  /** The prevalence-only predictor on the same slices. */
  baseline: {
    /** Where the probabilities came from: the caller's (e.g. training prevalence) or the evaluated set's own. */
    source: 'given' | 'evaluated-set';
    prevalence: Record<Label, number>;
    weightedLogLoss: number;
    logLoss: Record<Label, number>;
  };
  /** ROC AUC per label; null when the label has only one class in this set (undefined AUC). */
  auc: Record<Label, number | null>;
  /** ROC curve per label (for a figure); null when the label has only one class. */
  roc: Record<Label, RocCurve | null>;
  /** Sensitivity / specificity per label at `options.threshold` (0.5). */
  atThreshold: Record<Label, OperatingPoint>;
  /** `any` at the largest threshold reaching the target sensitivity; threshold and point null without positives. */
  anyAtSensitivity: { target: number; threshold: number | null; point: OperatingPoint | null };
  calibration: Record<Label, CalibrationReport>;
}

/**
 * Evaluates `probs` against `labels`, both `n × 6` row-major in LABELS order (probabilities in
 * [0, 1], labels 0 | 1; anything else throws).
 */
export function evaluate(probs: ArrayLike<number>, labels: ArrayLike<number>, n: number, options: EvaluateOptions = {}): EvaluationReport {
  const k = LABELS.length;
  checkMatrix('probs', probs, n, k);
  checkMatrix('labels', labels, n, k);
  if (n === 0) throw new RangeError('nothing to evaluate: n = 0');
  checkProbabilities('probs', probs, n * k);
  checkBinary('labels', labels, n * k);
  const threshold = options.threshold ?? 0.5;
  const target = options.sensitivityTarget ?? 0.95;

  const losses = logLosses(probs, labels, n, METRIC_WEIGHTS);
  const base = prevalenceLogLosses(labels, n, options.prevalence, METRIC_WEIGHTS);
  const scores = LABELS.map((_, j) => column(probs, n, k, j));
  const truth = LABELS.map((_, j) => column(labels, n, k, j));

  const groups = LABELS.map((_, j) => tieGroups(scores[j], truth[j]));
  const auc = groups.map((g) => {
    const a = aucFromGroups(g);
    return Number.isNaN(a) ? null : a;
  });
  const roc = groups.map((g) => rocCurveFromGroups(g, { dropIntermediate: options.rocDropIntermediate }) ?? null);
  const atThreshold = LABELS.map((_, j) => sensitivitySpecificity(scores[j], truth[j], threshold));
  const anyThreshold = thresholdForSensitivity(scores[0], truth[0], target);
  const calibration = LABELS.map((_, j) => {
    const bins = reliabilityBins(scores[j], truth[j], options.bins ?? 10);
    return { bins, ece: expectedCalibrationError(bins) };
  });

  return {
    n,
    positives: byLabel(truth.map((t) => t.reduce((a, b) => a + b, 0))),
    weightedLogLoss: losses.weighted,
    logLoss: byLabel(losses.perLabel),
    baseline: {
      source: options.prevalence ? 'given' : 'evaluated-set',
      prevalence: byLabel(base.prevalence),
      weightedLogLoss: base.weighted,
      logLoss: byLabel(base.perLabel),
    },
    auc: byLabel(auc),
    roc: byLabel(roc),
    atThreshold: byLabel(atThreshold),
    anyAtSensitivity: Number.isNaN(anyThreshold)
      ? { target, threshold: null, point: null }
      : { target, threshold: anyThreshold, point: sensitivitySpecificity(scores[0], truth[0], anyThreshold) },
    calibration: byLabel(calibration),
  };
}

const num = (v: number | null, digits = 4): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));

/** The report as the text `ich eval` prints: the metric beside the baseline, then one row per label. */
export function formatEvaluation(r: EvaluationReport): string {
  const t = r.atThreshold.any.threshold;
  const lines = [
    `slices: ${r.n}`,
    `weighted log loss: ${num(r.weightedLogLoss)}  (prevalence-only baseline: ${num(r.baseline.weightedLogLoss)}, ${r.baseline.source === 'given' ? 'given prevalence' : "this set's prevalence"})`,
    '',
    `${'label'.padEnd(17)} ${'positives'.padStart(9)} ${'log loss'.padStart(8)} ${'baseline'.padStart(8)} ${'AUC'.padStart(6)} ${`sens@${t}`.padStart(8)} ${`spec@${t}`.padStart(8)} ${'ECE'.padStart(6)}`,
  ];
  for (const l of LABELS) {
    const p = r.atThreshold[l];
    lines.push(
      `${l.padEnd(17)} ${String(r.positives[l]).padStart(9)} ${num(r.logLoss[l]).padStart(8)} ${num(r.baseline.logLoss[l]).padStart(8)} ${(r.auc[l] === null ? 'n/a' : num(r.auc[l])).padStart(6)} ${num(p.sensitivity, 3).padStart(8)} ${num(p.specificity, 3).padStart(8)} ${num(r.calibration[l].ece).padStart(6)}`,
    );
  }
  const oneClass = LABELS.filter((l) => r.auc[l] === null);
  if (oneClass.length) lines.push(`AUC n/a: only one class in this set for ${oneClass.join(', ')}`);
  const s = r.anyAtSensitivity;
  lines.push(
    s.point
      ? `any at ≥${(s.target * 100).toFixed(0)}% sensitivity: threshold ${s.threshold}, sensitivity ${num(s.point.sensitivity, 3)}, specificity ${num(s.point.specificity, 3)}`
      : `any at ≥${(s.target * 100).toFixed(0)}% sensitivity: n/a (no positive slices)`,
  );
  return lines.join('\n');
}

const nullIfNaN = (v: number): number | null => (Number.isNaN(v) ? null : v);
const mapLabels = <T, U>(rec: Record<Label, T>, f: (v: T) => U): Record<Label, U> => byLabel(LABELS.map((l) => f(rec[l])));

/** The `--json` object (snake_case; NaN as null; curves and bins left out — they go to the figures). */
export function evaluationJson(r: EvaluationReport): Record<string, unknown> {
  const point = (p: OperatingPoint) => ({ threshold: p.threshold, sensitivity: nullIfNaN(p.sensitivity), specificity: nullIfNaN(p.specificity) });
  return {
    n: r.n,
    weighted_log_loss: r.weightedLogLoss,
    baseline_weighted_log_loss: r.baseline.weightedLogLoss,
    baseline_prevalence: r.baseline.prevalence,
    auc: r.auc,
    log_loss: r.logLoss,
    positives: r.positives,
    at_threshold: mapLabels(r.atThreshold, point),
    any_at_sensitivity: { target: r.anyAtSensitivity.target, ...(r.anyAtSensitivity.point ? point(r.anyAtSensitivity.point) : { threshold: null, sensitivity: null, specificity: null }) },
    ece: mapLabels(r.calibration, (c) => nullIfNaN(c.ece)),
  };
}
