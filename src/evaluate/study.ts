// Study-level results: slice probabilities aggregated per study, Platt calibration of the study
// scores, study labels and metrics, and the triage order (most urgent study first).
import { LABELS, type Label, byLabel } from '../data/labels.js';
import type { SlicePrediction, StudyPrediction } from '../models/predict.js';
import { LOG_LOSS_EPS, logLosses } from './log-loss.js';
import { rocAuc } from './roc.js';
import { checkBinary, checkPaired, column } from './validate.js';

/** Slices kept per label as the ones driving a study's score. */
export const DRIVING_SLICES = 3;

/** Precision (1/variance) of the Gaussian prior on a Platt fit's a − 1 and b: standard deviation 1, weak beside tens of studies. */
export const PLATT_PRIOR_PRECISION = 1;

/** One slice behind a study's score for a label: its probability of that label. */
export interface DrivingSlice {
  sop: string;
  path: string;
  probability: number;
}

/** A study's slices reduced to its raw scores: each label's maximum, and the slices that reach it. */
export interface StudyAggregate {
  studyInstanceUID: string;
  patientID: string;
  slices: number;
  series: number;
  /** Each label's maximum over the slices (the raw study score). */
  perLabel: Record<Label, number>;
  /** Per label, the DRIVING_SLICES slices with the highest probability of it, highest first (input order among ties). */
  drivers: Record<Label, DrivingSlice[]>;
}

/** Platt scaling of one label: p' = σ(a·logit(p) + b). Identity: a = 1, b = 0. */
export interface PlattParams {
  a: number;
  b: number;
}

/** `model.json`'s `study`: how study probabilities are formed from slice probabilities, and where the calibration came from. */
export interface StudyCalibrationCard {
  aggregation: 'max-over-slices';
  calibration: Record<Label, PlattParams>;
  fitted: { part: string; studies: number; positives: Record<Label, number> };
}

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

/** Items grouped by `study`, groups in order of first appearance. */
function groupByStudy<T extends { study: string }>(items: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const g = groups.get(item.study);
    if (g) g.push(item);
    else groups.set(item.study, [item]);
  }
  return [...groups.values()];
}

/** Per study (in order of first appearance): slice and series counts, each label's maximum over the slices, and the driving slices. */
export function aggregateStudies(slices: readonly SlicePrediction[]): StudyAggregate[] {
  return groupByStudy(slices).map((group) => {
    const drivers = LABELS.map((_, j) =>
      group
        .map((s) => ({ sop: s.sop, path: s.path, probability: s.probs[j]! }))
        .sort((x, y) => y.probability - x.probability) // stable: input order among ties
        .slice(0, DRIVING_SLICES),
    );
    return {
      studyInstanceUID: group[0]!.study,
      patientID: group[0]!.patient,
      slices: group.length,
      series: new Set(group.map((s) => s.series)).size,
      perLabel: byLabel(drivers.map((d) => d[0]!.probability)),
      drivers: byLabel(drivers),
    };
  });
}

/**
 * Aggregates labelled slices into studies with their labels: a study is positive for a label when
 * any of its slices is. `labelOf` gives a slice's six labels (LABELS order).
 */
export function studyTable(slices: readonly SlicePrediction[], labelOf: (slice: SlicePrediction) => ArrayLike<number>): StudyTable {
  const k = LABELS.length;
  const studies = aggregateStudies(slices);
  const groups = groupByStudy(slices);
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

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** ln(1 + e^z) without overflow. */
const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
/** logit(p) with p clipped to [LOG_LOSS_EPS, 1 − LOG_LOSS_EPS], as the metric clips. */
const clippedLogit = (p: number): number => {
  const q = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  return Math.log(q) - Math.log1p(-q);
};

/** One probability through a Platt scaling. */
export function applyPlatt(p: number, c: PlattParams): number {
  return sigmoid(c.a * clippedLogit(p) + c.b);
}

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

/** Each label's study probability through its calibration. */
export function calibrateStudy(perLabel: Record<Label, number>, calibration: Record<Label, PlattParams>): Record<Label, number> {
  return byLabel(LABELS.map((l) => applyPlatt(perLabel[l], calibration[l])));
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

/** A study's P(any) for triage: calibrated when it can be, else the raw maximum. */
export const triageAny = (s: StudyPrediction): number => s.calibrated?.any ?? s.any;

/** Whether a study is listed apart from the triage order (mostly out of distribution). */
export const notAssessed = (s: StudyPrediction): boolean => s.assessment?.status === 'not-assessed';

/** Most urgent first: assessed studies by P(any) (calibrated when available) descending, then the raw maximum, then StudyInstanceUID; not-assessed studies after every assessed one, in the same order among themselves. */
export function triageOrder<T extends StudyPrediction>(studies: readonly T[]): T[] {
  const uid = (a: T, b: T) => (a.studyInstanceUID < b.studyInstanceUID ? -1 : a.studyInstanceUID > b.studyInstanceUID ? 1 : 0);
  return [...studies].sort((a, b) => Number(notAssessed(a)) - Number(notAssessed(b)) || triageAny(b) - triageAny(a) || b.any - a.any || uid(a, b));
}

/** One row of `ich triage`. */
export interface TriageEntry {
  rank: number;
  studyInstanceUID: string;
  patientID: string;
  /** P(any): calibrated when the model has a study calibration, else the raw maximum over slices. */
  any: number;
  /** The subtype with the highest study probability (calibrated when available), and that probability. */
  topSubtype: { label: Label; probability: number };
  /** The slice with the highest `any`. */
  keySlice: { sop: string; path: string; any: number };
  slices: number;
  /** `not-assessed`: mostly out of distribution, ranked after every assessed study. */
  status: 'assessed' | 'not-assessed';
  /** Why it is not assessed or partly conforming. */
  reason?: string;
}

/** Studies most urgent first, each with its P(any), its most likely subtype and its key slice. */
export function triageList(studies: readonly StudyPrediction[]): TriageEntry[] {
  return triageOrder(studies).map((s, i) => {
    const probs = s.calibrated ?? s.perLabel;
    const label = LABELS.slice(1).reduce((best, l) => (probs[l] > probs[best] ? l : best), LABELS[1]);
    const reason = s.assessment?.reason;
    return { rank: i + 1, studyInstanceUID: s.studyInstanceUID, patientID: s.patientID, any: triageAny(s), topSubtype: { label, probability: probs[label] }, keySlice: s.topSlice, slices: s.slices, status: notAssessed(s) ? 'not-assessed' : 'assessed', ...(reason ? { reason } : {}) };
  });
}
