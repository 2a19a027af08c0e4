// evaluateModel(): a model folder's predictions on the labelled slices of a data folder (by default the test part of its split), and the report.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDbPath, openIndexDb } from '../data/db.js';
import { LABELS, type LabelReport, readLabelsCsv } from '../data/labels.js';
import { hasSplit, type Part, partFiles } from '../data/split.js';
import { calibrationFigure, type CalibrationSeries } from '../figures/calibration.js';
import { rocFigure, type RocOperatingPoint } from '../figures/roc.js';
import { predictFiles, type PredictResult } from '../predict/predictor.js';
import { type RejectedFile, type SlicePrediction } from '../predict/outcomes.js';
import { labelPrevalence } from './log-loss.js';
import { type EvaluateOptions, type EvaluationReport, evaluate, evaluationJson } from './report.js';
import { type StudyEvaluation, type StudyTable, evaluateStudies, studyEvaluationJson, studyTable } from './study.js';

/** Which labelled slices of a data folder to predict, and how. */
export interface PredictPartOptions {
  /** RSNA labels CSV; default DIR/labels.csv. */
  labelsCsv?: string;
  /** Which slices: a part of the index's split, or every file under DIR; default `test` when DIR's index has a split, else `all`. */
  part?: Part | 'all';
  /** Index database; default DIR/.ich/index.db. */
  db?: string;
  threads?: number;
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EvaluateModelOptions extends PredictPartOptions {
  threshold?: number;
  sensitivityTarget?: number;
}

/** A model's predictions on the labelled slices of a data folder's part. */
export interface LabelledPrediction {
  data: string;
  part: Part | 'all';
  labelsCsv: string;
  labelReport: LabelReport;
  /** The train part's label prevalence, when predicting val or test of a split. */
  trainPrevalence?: number[];
  predicted: PredictResult;
  /** Predicted slices with a complete label row, in prediction order, and their labels. */
  labelled: { slice: SlicePrediction; labels: Float32Array }[];
  /** Predicted slices without a complete label row (their SOPInstanceUIDs). */
  unlabelled: string[];
}

export interface ModelEvaluation {
  model: string;
  data: string;
  part: Part | 'all';
  /** Where the slice list came from: the index's split, or a scan of DIR. */
  selection: 'index-split' | 'scan';
  /** Whose prevalence the baseline uses: the train part's (when evaluating val or test of a split) or the evaluated set's own. */
  baselinePrevalence: 'train-part' | 'evaluated-set';
  /** Files given to the model, slices it predicted, and those with a complete row in the labels CSV (= report.n). */
  files: number;
  predicted: number;
  /** Predicted slices without a complete label row (left out of the report). */
  unlabelled: string[];
  rejected: RejectedFile[];
  /** Usable slices left out for failing input conformance (not in the report). */
  leftOut: number;
  /** The labelled slices flagged out of distribution (models with an OOD score): all, and among the `any` positives. */
  ood?: OodShare;
  labelReport: LabelReport;
  report: EvaluationReport;
  /** The same slices per study (each label's maximum over the study's slices; calibrated too when the model card has a study calibration). */
  study: StudyEvaluation;
  seconds: number;
}

/**
 * Predicts the slices of `dataDir` with the model folder `modelDir` and pairs them with their labels.
 * With an index (DIR/.ich/index.db) that has a split, the slices are the usable files of one part
 * (default `test`), and the train part's prevalence comes along; otherwise every file under DIR is
 * predicted. Files are read fresh (not from the tensor cache), so stale or broken files show up in
 * `predicted.rejected`. Throws when no predicted slice has a complete label row.
 */
export async function predictLabelled(modelDir: string, dataDir: string, options: PredictPartOptions = {}): Promise<LabelledPrediction> {
  const data = resolve(dataDir);
  const labelsCsv = options.labelsCsv ?? join(data, 'labels.csv');
  if (!existsSync(labelsCsv)) throw new Error(`no labels: ${labelsCsv} does not exist (pass --labels CSV)`);
  const labelTable = await readLabelsCsv(labelsCsv);
  const labels = labelTable.labels;

  const dbPath = options.db ?? defaultDbPath(data);
  const db = existsSync(dbPath) ? openIndexDb(dbPath) : undefined;
  let part: Part | 'all';
  let inputs: string[];
  let trainPrevalence: number[] | undefined;
  try {
    const split = db !== undefined && hasSplit(db);
    part = options.part ?? (split ? 'test' : 'all');
    if (part === 'all') {
      inputs = [data];
    } else {
      if (!db) throw new Error(`--part ${part}: ${data} has no index (${dbPath}); run ich index and ich split, or use --part all`);
      if (!split) throw new Error(`--part ${part}: the index ${dbPath} has no split; run ich split, or use --part all`);
      inputs = partFiles(db, part).map((f) => f.path);
      if (inputs.length === 0) throw new Error(`the ${part} part of ${dbPath} holds no usable slices`);
      if (part !== 'train') {
        const train = partFiles(db, 'train').map((f) => labels.get(f.sop)).filter((v): v is Float32Array => v !== undefined && !v.some(Number.isNaN));
        if (train.length > 0) {
          const flat = new Float32Array(train.length * LABELS.length);
          train.forEach((v, i) => flat.set(v, i * LABELS.length));
          trainPrevalence = labelPrevalence(flat, train.length);
        }
      }
    }
  } finally {
    db?.close();
  }

  const predicted = await predictFiles(modelDir, inputs, { threads: options.threads, batch: options.batch, onProgress: options.onProgress });
  const unlabelled: string[] = [];
  const labelled: LabelledPrediction['labelled'] = [];
  for (const s of predicted.slices) {
    const y = labels.get(s.sop);
    if (!y || y.some(Number.isNaN)) unlabelled.push(s.sop);
    else labelled.push({ slice: s, labels: y });
  }
  if (labelled.length === 0) throw new Error(`none of the ${predicted.slices.length} predicted slices (${part}) has a complete row in ${labelsCsv}`);
  return { data, part, labelsCsv, labelReport: labelTable.report, trainPrevalence, predicted, labelled, unlabelled };
}

/** The labelled slices of a prediction grouped into studies, with study labels (positive when any slice is). */
export function labelledStudyTable(p: LabelledPrediction): StudyTable {
  const labelOf = new Map(p.labelled.map((l) => [l.slice.sop, l.labels]));
  return studyTable(p.labelled.map((l) => l.slice), (s) => labelOf.get(s.sop)!);
}

/**
 * Predicts the labelled slices of `dataDir` with the model folder `modelDir` and evaluates them
 * (weighted log loss, per-label AUC, operating points, calibration, the prevalence-only baseline),
 * per slice and per study. The slices are chosen as predictLabelled does (default: the test part
 * of the index's split); the baseline predicts the train part's prevalence when there is one, else
 * the evaluated set's own.
 */
export async function evaluateModel(modelDir: string, dataDir: string, options: EvaluateModelOptions = {}): Promise<ModelEvaluation> {
  const started = performance.now();
  const p = await predictLabelled(modelDir, dataDir, options);
  const k = LABELS.length;
  const n = p.labelled.length;
  const probs = new Float32Array(n * k);
  const y = new Float32Array(n * k);
  p.labelled.forEach((s, i) => {
    probs.set(s.slice.probs, i * k);
    y.set(s.labels, i * k);
  });
  const evalOptions: EvaluateOptions = { prevalence: p.trainPrevalence, threshold: options.threshold, sensitivityTarget: options.sensitivityTarget };
  const report = evaluate(probs, y, n, evalOptions);
  return {
    model: p.predicted.model,
    data: p.data,
    part: p.part,
    selection: p.part === 'all' ? 'scan' : 'index-split',
    baselinePrevalence: p.trainPrevalence ? 'train-part' : 'evaluated-set',
    files: p.predicted.slices.length + p.predicted.rejected.length + p.predicted.leftOut.length,
    predicted: p.predicted.slices.length,
    unlabelled: p.unlabelled,
    rejected: p.predicted.rejected,
    leftOut: p.predicted.leftOut.length,
    ...(p.predicted.card.ood ? { ood: oodShare(p.labelled, p.predicted.card.ood.threshold) } : {}),
    labelReport: p.labelReport,
    report,
    study: evaluateStudies(labelledStudyTable(p), p.predicted.card.study?.calibration),
    seconds: (performance.now() - started) / 1000,
  };
}

/** How many labelled slices are above the OOD threshold, and how many of the `any` positives. */
export interface OodShare {
  threshold: number;
  slices: number;
  flagged: number;
  share: number;
  positives: number;
  flaggedPositives: number;
}

function oodShare(labelled: LabelledPrediction['labelled'], threshold: number): OodShare {
  const flagged = labelled.filter((l) => l.slice.ood?.flagged);
  const positives = labelled.filter((l) => l.labels[0]! >= 0.5).length;
  const flaggedPositives = flagged.filter((l) => l.labels[0]! >= 0.5).length;
  return { threshold, slices: labelled.length, flagged: flagged.length, share: flagged.length / Math.max(1, labelled.length), positives, flaggedPositives };
}

/** The `ich eval --json` object: evaluationJson's keys (n, weighted_log_loss, auc, …) and where the slices came from. */
export function modelEvaluationJson(e: ModelEvaluation): Record<string, unknown> {
  return {
    ...evaluationJson(e.report),
    study: studyEvaluationJson(e.study),
    baseline_prevalence_source: e.baselinePrevalence,
    model: e.model,
    data: e.data,
    part: e.part,
    selection: e.selection,
    files: e.files,
    predicted: e.predicted,
    unlabelled: e.unlabelled.length,
    rejected: e.rejected.length,
    rejected_files: e.rejected,
    left_out: e.leftOut,
    ...(e.ood ? { ood: e.ood } : {}),
    seconds: e.seconds,
  };
}

/** ROC curves with the operating points at the report's threshold (every label) and at the target sensitivity (`any`). */
export function rocFigureOf(r: EvaluationReport, title?: string): Buffer {
  const curves = LABELS.map((l) => ({ label: l, fpr: r.roc[l]?.fpr ?? [], tpr: r.roc[l]?.tpr ?? [], auc: r.auc[l] ?? undefined }));
  const points: RocOperatingPoint[] = [];
  for (const l of LABELS) {
    const p = r.atThreshold[l];
    if (Number.isFinite(p.sensitivity) && Number.isFinite(p.specificity)) points.push({ label: l, fpr: 1 - p.specificity, tpr: p.sensitivity, name: `threshold ${p.threshold}` });
  }
  const s = r.anyAtSensitivity;
  if (s.point && Number.isFinite(s.point.specificity)) {
    points.push({ label: 'any', fpr: 1 - s.point.specificity, tpr: s.point.sensitivity, name: `≥${(s.target * 100).toFixed(0)}% sensitivity (threshold ${s.threshold!.toPrecision(3)})` });
  }
  return rocFigure(curves, { title, operatingPoints: points });
}

/** The reliability diagram of every label's calibration bins. */
export function calibrationFigureOf(r: EvaluationReport, title?: string): Buffer {
  const series: CalibrationSeries[] = LABELS.map((l) => ({
    label: l,
    bins: r.calibration[l].bins.map((b) => (b.count > 0 ? { meanPredicted: b.meanPredicted, observed: b.observed, count: b.count, lower: b.lo, upper: b.hi } : { meanPredicted: (b.lo + b.hi) / 2, observed: 0, count: 0, lower: b.lo, upper: b.hi })),
  }));
  return calibrationFigure(series, { title });
}

/** Writes DIR/roc.png, DIR/calibration.png and DIR/report.json (the --json object plus curves, bins and label-file problems). */
export function writeEvaluationReport(dir: string, e: ModelEvaluation): string[] {
  mkdirSync(dir, { recursive: true });
  const title = `${e.part === 'all' ? 'all slices' : `${e.part} part`}, n = ${e.report.n}`;
  const files = [join(dir, 'roc.png'), join(dir, 'calibration.png'), join(dir, 'report.json')];
  writeFileSync(files[0]!, rocFigureOf(e.report, `ROC, ${title}`));
  writeFileSync(files[1]!, calibrationFigureOf(e.report, `Calibration, ${title}`));
  const full = {
    ...modelEvaluationJson(e),
    unlabelled_slices: e.unlabelled,
    label_report: e.labelReport,
    roc: e.report.roc,
    calibration: e.report.calibration,
    at_threshold_counts: e.report.atThreshold,
  };
  writeFileSync(files[2]!, JSON.stringify(full, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  return files;
}
