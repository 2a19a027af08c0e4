// predictFiles(): DICOM files or folders in, six probabilities per slice out, through a model folder's model.onnx.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LABELS } from '../data/labels.js';
import { batches, defaultThreads } from '../data/pool.js';
import { scanForDicom } from '../data/scan.js';
import { asDicomError } from '../dicom/errors.js';
import { openSession, type ort } from '../engine/session.js';
import { type ModelCard, readModelCard } from '../models/folder.js';
import type { LeftOutSlice, NotAnalysedStudy } from './assessment.js';
import { type Decoder, decodeInOrder, openDecoder } from './decode-ahead.js';
import type { PredictTask } from './decode-worker.js';
import { isFirstOfSop, type RejectedFile, runModel, type SliceOutcome, type SlicePrediction, sliceOutcomes } from './outcomes.js';
import { predictBySeries, type SeriesSummary, seriesAware } from './series.js';
import { type StudyAggregation, type StudyPrediction, studyLevel } from './studies.js';

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

/** The model card of `model` (a resolved folder), checked to predict the six labels in LABELS order. */
export function readPredictionCard(model: string): ModelCard {
  const card = readModelCard(model);
  if (card.labels.join() !== LABELS.join()) throw new Error(`${model}: the model's labels (${card.labels.join(', ')}) are not ${LABELS.join(', ')}`);
  return card;
}

/**
 * A model folder opened for prediction: its card, one ONNX Runtime session of `model.onnx` and one
 * pool of decoding threads, kept for any number of `predict` calls (a service analysing study after
 * study opens one); `close` releases them.
 */
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
