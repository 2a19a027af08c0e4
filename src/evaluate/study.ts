// Study-level evaluation: study labels from slice labels, Platt calibration fitted on studies, and
// study metrics (what is applied at inference is in predict/studies.ts and predict/platt.ts).
import { LABELS, type Label, byLabel } from '../data/labels.js';
import type { PlattParams } from '../models/folder.js';
import { byStudy } from '../predict/assessment.js';
import type { SlicePrediction } from '../predict/outcomes.js';
import { applyPlatt, clippedLogit, sigmoid } from '../predict/platt.js';
import { aggregateStudies, type StudyAggregate } from '../predict/studies.js';
import { logLosses } from './log-loss.js';
import { rocAuc } from './roc.js';
import { checkBinary, checkPaired, column } from './validate.js';

/** Precision (1/variance) of the Gaussian prior on a Platt fit's a − 1 and b: standard deviation 1, weak beside tens of studies. */
export const PLATT_PRIOR_PRECISION = 1;

/** Study-level metrics, on the raw scores and (with a calibration) on the calibrated probabilities. */
export interface StudyEvaluation {
  n: number;
  positives: Record<Label, number>;
  /** ROC AUC per label (LABELS order, `any` first); null when the label has one class only. */
  auc: Record<Label, number | null>;
  /** The RSNA weighted log loss over studies. */
  weightedLogLoss: number;
  calibrated?: { auc: Record<Label, number | null>; weightedLogLoss: number };
}

/** Studies' raw scores and labels, `n × 6` row-major (LABELS order), in `studies` order. */
export interface StudyTable {
  studies: StudyAggregate[];
  scores: Float64Array;
  labels: Float64Array;
}

/**
 * Aggregates labelled slices into studies with their labels: a study is positive for a label when
 * any of its slices is. `labelOf` gives a slice's six labels (LABELS order).
 */
export function studyTable(slices: readonly SlicePrediction[], labelOf: (slice: SlicePrediction) => ArrayLike<number>): StudyTable {
  const k = LABELS.length;
  const studies = aggregateStudies(slices);
  const groups = [...byStudy(slices).values()];
  const scores = new Float64Array(studies.length * k);
  const labels = new Float64Array(studies.length * k);
  studies.forEach((s, i) => {
    LABELS.forEach((l, j) => (scores[i * k + j] = s.perLabel[l]));
    for (const slice of groups[i]!) {
      const y = labelOf(slice);
      for (let j = 0; j < k; j++) labels[i * k + j] = Math.max(labels[i * k + j]!, y[j]!);
    }
  });
  return { studies, scores, labels };
}

/** ln(1 + e^z) without overflow. */
const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

/**
 * Fits Platt scaling y ~ σ(a·logit(p) + b) by Newton's method (IRLS) with a Gaussian prior of
 * precision `priorPrecision` on (a − 1, b): the maximum a posteriori, so few positives pull little
 * away from the identity and separable scores do not run off to infinity. Labels with one class
 * only keep the identity.
 */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>, priorPrecision = PLATT_PRIOR_PRECISION): PlattParams {
  checkPaired(scores, labels);
  checkBinary('labels', labels);
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]!;
  if (positives === 0 || positives === n) return { a: 1, b: 0 };
  const x = Float64Array.from({ length: n }, (_, i) => clippedLogit(scores[i]!));
  const lambda = priorPrecision;
  const objective = (a: number, b: number): number => {
    let sum = (lambda / 2) * ((a - 1) ** 2 + b ** 2);
    for (let i = 0; i < n; i++) {
      const z = a * x[i]! + b;
      sum += softplus(z) - labels[i]! * z;
    }
    return sum;
  };
  let a = 1;
  let b = 0;
  let current = objective(a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = lambda * (a - 1);
    let gb = lambda * b;
    let haa = lambda;
    let hab = 0;
    let hbb = lambda;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(a * x[i]! + b);
      const r = p - labels[i]!;
      const w = p * (1 - p);
      ga += r * x[i]!;
      gb += r;
      haa += w * x[i]! * x[i]!;
      hab += w * x[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Backtracking keeps every step downhill (the objective is strictly convex).
    let step = 1;
    let next = objective(a - da, b - db);
    while (next > current && step > 1e-10) {
      step /= 2;
      next = objective(a - step * da, b - step * db);
    }
    a -= step * da;
    b -= step * db;
    current = Math.min(next, current);
    if (Math.max(Math.abs(step * da), Math.abs(step * db)) < 1e-10) break;
  }
  return { a, b };
}

/** Fits one Platt scaling per label on a study table's raw scores. */
export function fitStudyCalibration(table: StudyTable, priorPrecision = PLATT_PRIOR_PRECISION): Record<Label, PlattParams> {
  const n = table.studies.length;
  const k = LABELS.length;
  return byLabel(LABELS.map((_, j) => fitPlatt(column(table.scores, n, k, j), column(table.labels, n, k, j), priorPrecision)));
}

/** Positive studies, AUC and weighted log loss of an `n × 6` score matrix. */
function studyMetrics(scores: Float64Array, labels: Float64Array, n: number): { auc: Record<Label, number | null>; weightedLogLoss: number } {
  const k = LABELS.length;
  const auc = LABELS.map((_, j) => {
    const a = rocAuc(column(scores, n, k, j), column(labels, n, k, j));
    return Number.isNaN(a) ? null : a;
  });
  return { auc: byLabel(auc), weightedLogLoss: logLosses(scores, labels, n).weighted };
}

/** Study-level metrics of a table: on the raw scores, and with `calibration` on the calibrated probabilities. */
export function evaluateStudies(table: StudyTable, calibration?: Record<Label, PlattParams>): StudyEvaluation {
  const n = table.studies.length;
  if (n === 0) throw new RangeError('no studies to evaluate');
  const k = LABELS.length;
  const positives = byLabel(LABELS.map((_, j) => column(table.labels, n, k, j).reduce((s, v) => s + v, 0)));
  const evaluation: StudyEvaluation = { n, positives, ...studyMetrics(table.scores, table.labels, n) };
  if (calibration) {
    const calibrated = table.scores.map((p, i) => applyPlatt(p, calibration[LABELS[i % k]!]));
    evaluation.calibrated = studyMetrics(calibrated, table.labels, n);
  }
  return evaluation;
}

/** The `study` object of `ich eval --json` and `ich calibrate --json` (snake_case). */
export function studyEvaluationJson(e: StudyEvaluation): Record<string, unknown> {
  return {
    n: e.n,
    positives: e.positives,
    auc: e.auc,
    weighted_log_loss: e.weightedLogLoss,
    calibrated: e.calibrated ? { auc: e.calibrated.auc, weighted_log_loss: e.calibrated.weightedLogLoss } : null,
  };
}

const num = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? 'n/a' : v.toFixed(digits));

/** Study-level metrics as text: one row per label, with each label's Platt a, b when `calibration` is given. */
export function formatStudyEvaluation(e: StudyEvaluation, calibration?: Record<Label, PlattParams>): string {
  const c = e.calibrated;
  const lines = [
    `studies: ${e.n} (study score: each label's maximum over the study's slices)`,
    `study weighted log loss: raw ${num(e.weightedLogLoss)}${c ? `, calibrated ${num(c.weightedLogLoss)}` : ''}`,
    '',
    `${'label'.padEnd(17)} ${'positives'.padStart(9)} ${'AUC raw'.padStart(8)}${c ? ` ${'AUC cal'.padStart(8)}` : ''}${calibration ? ` ${'a'.padStart(8)} ${'b'.padStart(8)}` : ''}`,
  ];
  for (const l of LABELS) {
    const ab = calibration ? ` ${num(calibration[l].a).padStart(8)} ${num(calibration[l].b).padStart(8)}` : '';
    lines.push(`${l.padEnd(17)} ${String(e.positives[l]).padStart(9)} ${num(e.auc[l]).padStart(8)}${c ? ` ${num(c.auc[l]).padStart(8)}` : ''}${ab}`);
  }
  return lines.join('\n');
}

