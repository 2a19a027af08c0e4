// predictFiles(): DICOM files or folders in, six probabilities per slice out, through a model folder's model.onnx.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LABELS, type Label } from '../data/labels.js';
import { batches, defaultThreads } from '../data/pool.js';
import { scanForDicom } from '../data/scan.js';
import type { PredictRecord, PredictTask } from '../data/workers/predict-worker.js';
import { asDicomError } from '../dicom/errors.js';
import { NAMES } from '../engine/compile.js';
import { openSession, ort } from '../engine/session.js';
import { aggregateStudies, calibrateStudy, type StudyAggregate, type StudyCalibrationCard, triageOrder } from '../evaluate/study.js';
import { assessStudy, byStudy, type LeftOutSlice, type NotAnalysedStudy, notAnalysedStudies, type SliceOod, type StudyAssessment } from './assessment.js';
import { type Decoder, decodeInOrder, openDecoder } from './decode-ahead.js';
import { predictBySeries, type SeriesSummary, seriesAware } from './predict-series.js';
import { type ModelCard, readModelCard } from './folder.js';

export interface PredictOptions {
  /** Worker threads decoding files (default one per core; 0 decodes on the main thread); also ORT's intra-op threads when > 0. */
  threads?: number;
  /** Slices per ORT batch (and per decoding task); default 32. */
  batch?: number;
  /** Called after each batch: files finished (predicted or rejected) and files in all. */
  onProgress?: (done: number, total: number) => void;
  /** Check input conformance and leave out slices that fail it (default true; false analyses every usable slice). */
  conformance?: boolean;
}

export interface SlicePrediction {
  path: string;
  /** SOPInstanceUID: the RSNA `ID_<hex>`. */
  sop: string;
  study: string;
  series: string;
  patient: string;
  /** Position along the slice normal (mm), when the header gives it. */
  position?: number;
  /** Six probabilities in LABELS order. */
  probs: Float32Array;
  /** The out-of-distribution score and flag (models whose card has `ood`). */
  ood?: SliceOod;
}

export interface RejectedFile {
  path: string;
  /** The index's rejection codes (`truncated`, `not-dicom`, `decode-failed`, …) or `duplicate` (a SOPInstanceUID seen in an earlier file). */
  code: string;
  /** One line: what went wrong. */
  reason: string;
}

/** A study: its raw scores (each label's maximum over the slices) and driving slices, and, when the model card has a study calibration, its calibrated probabilities. */
export interface StudyPrediction extends StudyAggregate {
  /** Study-level raw `any`: the maximum over its slices (= perLabel.any). */
  any: number;
  /** The slice with the highest `any` (= drivers.any[0]). */
  topSlice: { sop: string; path: string; any: number };
  /** Each label's probability through the card's Platt calibration (absent when the card has none). */
  calibrated?: Record<Label, number>;
  /** Whether the study was assessed (mostly in distribution) and which of its slices were left out. */
  assessment?: StudyAssessment;
}

/** How study probabilities are formed: the maximum over slices, then Platt scaling when the card has a study calibration. */
export type StudyAggregation = 'max-over-slices' | 'max-over-slices+platt';

export interface PredictResult {
  /** The model folder (resolved) and its card. */
  model: string;
  card: ModelCard;
  /** Predicted slices, in input order (folders scanned recursively, sorted by path). */
  slices: SlicePrediction[];
  /** Files that could not be predicted, each with its reason, in input order. */
  rejected: RejectedFile[];
  /** Usable slices left out because they fail input conformance, each with its failures, in input order. */
  leftOut: LeftOutSlice[];
  /** Studies none of whose slices conforms (listed apart: nothing was analysed). */
  notAnalysed: NotAnalysedStudy[];
  /** Files inside folders passed over because their extension says they are not DICOM (e.g. labels.csv, *.json). */
  skipped: string[];
  /** Models that read series (2.5-D or sequence): each series as assembled, with what is odd about it. */
  series?: SeriesSummary[];
  /** One row per analysed study, most urgent first (triageOrder: assessed studies by calibrated `any` when available, then raw `any`; not-assessed studies after them). */
  studies: StudyPrediction[];
  /** How study-level probabilities are formed from slices. */
  studyAggregation: StudyAggregation;
  seconds: number;
}

/** Expands files and folders (recursively, sorted) into candidate files; missing inputs are rejected, duplicates dropped. */
export async function expandInputs(inputs: readonly string[]): Promise<{ files: string[]; rejected: RejectedFile[]; skipped: string[] }> {
  const files: string[] = [];
  const rejected: RejectedFile[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  const add = (path: string) => {
    if (!seen.has(path)) {
      seen.add(path);
      files.push(path);
    }
  };
  for (const input of inputs) {
    const path = resolve(input);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      const e = asDicomError(err);
      rejected.push({ path, code: e.code, reason: e.message });
      continue;
    }
    if (!isDir) {
      add(path); // a file named explicitly is tried whatever its extension
      continue;
    }
    const scan = await scanForDicom(path);
    scan.candidates.forEach(add);
    skipped.push(...scan.skipped);
  }
  return { files, rejected, skipped };
}

/**
 * A model folder opened for prediction: its card, one ONNX Runtime session of `model.onnx` and one
 * pool of decoding threads, kept for any number of `predict` calls (a service analysing study after
 * study opens one); `close` releases them.
 */
/** The model card of `model` (a resolved folder), checked to predict the six labels in LABELS order. */
export function readPredictionCard(model: string): ModelCard {
  const card = readModelCard(model);
  if (card.labels.join() !== LABELS.join()) throw new Error(`${model}: the model's labels (${card.labels.join(', ')}) are not ${LABELS.join(', ')}`);
  return card;
}

export class Predictor {
  private constructor(
    readonly model: string,
    readonly card: ModelCard,
    private readonly session: ort.InferenceSession,
    private readonly decoder: Decoder,
  ) {}

  /** Opens `modelDir` with `threads` decoding threads (default one per core; 0 decodes on the main thread), also ORT's intra-op threads when > 0. */
  static async open(modelDir: string, opts: { threads?: number } = {}): Promise<Predictor> {
    const model = resolve(modelDir);
    const card = readPredictionCard(model);
    const threads = opts.threads ?? defaultThreads();
    const session = await openSession(readFileSync(join(model, 'model.onnx')), { threads: threads > 0 ? threads : undefined });
    return new Predictor(model, card, session, openDecoder(threads));
  }

  /** Predicts every slice in `inputs`, as predictFiles does. */
  async predict(inputs: readonly string[], options: Omit<PredictOptions, 'threads'> = {}): Promise<PredictResult> {
    const started = performance.now();
    const { card, session, decoder } = this;
    const { size, channels, windows } = card.input;
    const batchSize = options.batch ?? 32;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`batch ${batchSize}: expected an integer ≥ 1`);
    const input = await expandInputs(inputs);
    const conformance = options.conformance === false ? undefined : { ranges: card.conformance };
    const outcomes: SliceOutcome[] = [];
    let series: SeriesSummary[] | undefined;
    if (seriesAware(card)) {
      const r = await predictBySeries(session, card, input.files, { decoder, batch: batchSize, conformance, onProgress: options.onProgress });
      outcomes.push(...r.outcomes);
      series = r.series;
    } else {
      const tasks: PredictTask[] = batches(input.files, batchSize).map((paths) => ({ paths, size, windows, conformance }));
      let done = 0;
      await decodeInOrder(tasks, decoder, async (result) => {
        const ok = result.records.filter((r) => r.ok).length;
        const out = ok > 0 ? await runModel(session, result.tensors, [ok, channels, size, size]) : undefined;
        outcomes.push(...sliceOutcomes(result.records, out, card.ood?.threshold));
        done += result.records.length;
        options.onProgress?.(done, input.files.length);
      });
    }
    const slices: SlicePrediction[] = [];
    const leftOut: LeftOutSlice[] = [];
    const rejected: RejectedFile[] = [...input.rejected];
    const firstPath = new Map<string, string>();
    for (const o of outcomes) {
      if ('failures' in o) {
        if (isFirstOfSop(firstPath, o, rejected)) leftOut.push(o);
      } else if (!('probs' in o)) rejected.push(o);
      else if (isFirstOfSop(firstPath, o, rejected)) slices.push(o);
    }
    return { model: this.model, card, slices, rejected, leftOut, skipped: input.skipped, ...(series ? { series } : {}), ...studyLevel(slices, card, leftOut), seconds: (performance.now() - started) / 1000 };
  }

  async close(): Promise<void> {
    await this.decoder.pool?.destroy();
    await this.session.release();
  }
}

/**
 * Predicts every slice in `inputs` (DICOM files or folders, scanned recursively) with the model
 * folder `modelDir`: files are read, checked and windowed as the model card says in worker threads
 * (with `threads: 0`, on the main thread), and their tensors go through one ONNX Runtime session of
 * `model.onnx` in batches while the next batches decode. Nothing is dropped silently: every file
 * that cannot be used is in `rejected` with its reason; a second file with an already seen
 * SOPInstanceUID is rejected as `duplicate` (the submission holds each ID once).
 */
export async function predictFiles(modelDir: string, inputs: readonly string[], options: PredictOptions = {}): Promise<PredictResult> {
  const predictor = await Predictor.open(modelDir, { threads: options.threads });
  try {
    return await predictor.predict(inputs, options);
  } finally {
    await predictor.close();
  }
}

/** What one inference gives: six probabilities per row, and the out-of-distribution score per row when the graph has it. */
export interface ModelOutputs {
  probs: Float32Array;
  ood?: Float32Array;
}

/** A model session's `probabilities` (and `ood_score`, when the graph has it) for one input tensor. */
export async function runModel(session: ort.InferenceSession, x: Float32Array, dims: number[]): Promise<ModelOutputs> {
  const out = await session.run({ input: new ort.Tensor('float32', x, dims) });
  const ood = out[NAMES.oodScore]?.data as Float32Array | undefined;
  return { probs: out[NAMES.probabilities]!.data as Float32Array, ...(ood ? { ood } : {}) };
}

/** What became of one file: predicted, rejected, or left out for failing conformance. */
export type SliceOutcome = SlicePrediction | RejectedFile | LeftOutSlice;

/**
 * Decoded records and the model's outputs (one row per ok record, in order) as slice predictions,
 * rejections or left-out slices; a slice's OOD score is flagged above `oodThreshold`.
 */
export function sliceOutcomes(records: readonly PredictRecord[], out: ModelOutputs | undefined, oodThreshold?: number): SliceOutcome[] {
  let k = 0;
  return records.map((r): SliceOutcome => {
    if (!r.ok) {
      const { path, code, reason } = r;
      return 'failures' in r ? { path, sop: r.sop, study: r.study, series: r.series, patient: r.patient, position: r.position, failures: r.failures } : { path, code, reason };
    }
    const p = out!.probs.slice(k * 6, k * 6 + 6);
    const score = out!.ood?.[k];
    k++;
    const ood = score !== undefined && oodThreshold !== undefined ? { ood: { score, flagged: score > oodThreshold } } : {};
    return { path: r.path, sop: r.sop, study: r.study, series: r.series, patient: r.patient, position: r.position, probs: p, ...ood };
  });
}

/**
 * The first file of each SOPInstanceUID is kept (true, remembered in `firstPath`); a later one is
 * rejected as a `duplicate` naming the first (false).
 */
export function isFirstOfSop(firstPath: Map<string, string>, file: { path: string; sop: string }, rejected: RejectedFile[]): boolean {
  const first = firstPath.get(file.sop);
  if (first !== undefined) {
    rejected.push({ path: file.path, code: 'duplicate', reason: `same SOPInstanceUID ${file.sop} as ${first}` });
    return false;
  }
  firstPath.set(file.sop, file.path);
  return true;
}

/**
 * Per-study summary: slice and series counts, each label's maximum over the slices, the driving
 * slices, and with a study calibration (a model card's `study`) the calibrated probabilities; most
 * urgent first (triageOrder).
 */
export function summarizeStudies(slices: readonly SlicePrediction[], study?: StudyCalibrationCard, leftOut: readonly LeftOutSlice[] = []): StudyPrediction[] {
  const leftOutOf = byStudy(leftOut);
  const slicesOf = byStudy(slices);
  const studies = aggregateStudies(slices).map((s): StudyPrediction => {
    const top = s.drivers.any[0]!;
    return {
      ...s, any: s.perLabel.any, topSlice: { sop: top.sop, path: top.path, any: top.probability },
      ...(study ? { calibrated: calibrateStudy(s.perLabel, study.calibration) } : {}),
      assessment: assessStudy(slicesOf.get(s.studyInstanceUID)!, leftOutOf.get(s.studyInstanceUID) ?? []),
    };
  });
  return triageOrder(studies);
}

/** The study-level part of a PredictResult: per-study summaries (most urgent first), studies with nothing analysed, and how they were formed. */
export function studyLevel(slices: readonly SlicePrediction[], card: ModelCard, leftOut: readonly LeftOutSlice[] = []): Pick<PredictResult, 'studies' | 'studyAggregation' | 'notAnalysed'> {
  const analysed = new Set(slices.map((s) => s.study));
  return { studies: summarizeStudies(slices, card.study, leftOut), notAnalysed: notAnalysedStudies(leftOut, analysed), studyAggregation: card.study ? 'max-over-slices+platt' : 'max-over-slices' };
}
