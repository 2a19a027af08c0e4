// explainFiles(): DICOM files or folders in, one attribution map per slice and label out, through a
// model folder and one of the explainers (gradient SHAP or partition SHAP).
import { resolve } from 'node:path';
import { LABELS, type Label } from '../data/labels.js';
import decodeForPrediction from '../predict/decode-worker.js';
import { type ModelCard, loadModelFolder } from '../models/folder.js';
import { type RejectedFile, isFirstOfSop } from '../predict/outcomes.js';
import { expandInputs, readPredictionCard } from '../predict/predictor.js';
import { fileBrainRegion } from '../preprocess/intracranial.js';
import { readBackground } from './background.js';
import { checkReference, checkRegion, emptyHead, type ExplainReference, type ExplainRegion, restrictToRegion } from './region.js';
import { GradientExplainer } from './gradient.js';
import type { MaskerKind } from './masker.js';
import { explainModel } from './model.js';
import { PartitionExplainer } from './partition.js';
import type { ExplainMethod, Explainer, ExplainerOptions, Explanation } from './types.js';

export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['gradient', 'partition'];
export const MASKERS: readonly MaskerKind[] = ['blur', 'inpaint'];
/** Defaults of the explainers' budgets: expected-gradient samples and partition evaluations. */
export const DEFAULT_SAMPLES = 200;
export const DEFAULT_MAX_EVALS = 500;

/**
 * Label names or 'all' → label indices in LABELS order as given ('all': every label). Throws on
 * unknown or repeated names, naming the valid ones.
 */
export function parseLabels(spec: string | readonly string[]): number[] {
  const names = (typeof spec === 'string' ? spec.split(',') : [...spec]).map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new Error(`no labels given: expected all or a comma-separated list of ${LABELS.join(', ')}`);
  if (names.length === 1 && names[0]!.toLowerCase() === 'all') return LABELS.map((_, i) => i);
  const out: number[] = [];
  for (const name of names) {
    const i = LABELS.indexOf(name.toLowerCase() as Label);
    if (i < 0) throw new Error(`unknown label '${name}': expected all or a comma-separated list of ${LABELS.join(', ')}`);
    if (out.includes(i)) throw new Error(`label '${name}' is given twice`);
    out.push(i);
  }
  return out;
}

export function checkMethod(method: string): ExplainMethod {
  if (!EXPLAIN_METHODS.includes(method as ExplainMethod)) throw new Error(`unknown method '${method}': expected ${EXPLAIN_METHODS.join(' or ')}`);
  return method as ExplainMethod;
}

export interface OpenExplainerOptions extends ExplainerOptions {
  /** Gradient: expected-gradient samples per input (default 200). */
  samples?: number;
  /** Gradient: σ of the noise added to each path point (shap's local_smoothing; default 0). */
  smoothing?: number;
  /** Partition: model evaluations per input and label (default 500). */
  maxEvals?: number;
  /** Partition: how hidden regions are filled (default the explainer's, blur). */
  masker?: MaskerKind;
  /** Inputs per ONNX Runtime run. */
  batch?: number;
}

/**
 * Opens an explainer of `method` for the model folder `modelDir`: gradient SHAP over the background
 * sample `ich train` stored in the folder, or partition SHAP over the ONNX graph.
 */
export async function openExplainer(modelDir: string, method: ExplainMethod, opts: OpenExplainerOptions = {}): Promise<Explainer> {
  const dir = resolve(modelDir);
  const m = explainModel(loadModelFolder(dir));
  const base: ExplainerOptions = { labels: opts.labels, threads: opts.threads, seed: opts.seed, output: opts.output };
  switch (checkMethod(method)) {
    case 'gradient': {
      const background = readBackground(dir);
      return GradientExplainer.open(m, background.data, { ...base, samples: opts.samples, batch: opts.batch, smoothing: opts.smoothing });
    }
    case 'partition':
      return PartitionExplainer.open(m, { ...base, maxEvals: opts.maxEvals, masker: opts.masker, batch: opts.batch });
  }
}

export interface ExplainFilesOptions extends Omit<OpenExplainerOptions, 'labels'> {
  /** Default 'gradient'. */
  method?: ExplainMethod;
  /** Label indices, names, or 'all' / 'any,subdural' (default all six). */
  labels?: readonly number[] | readonly string[] | string;
  /** Called after each file (explained or rejected): files finished and files in all. */
  onProgress?: (done: number, total: number) => void;
  /** Called with each explained file as soon as it is done (e.g. to write its figure). */
  onFile?: (file: FileExplanation) => void | Promise<void>;
  /** Keep every FileExplanation in the result (default true; false when onFile consumes them, to keep memory flat). */
  keep?: boolean;
  /** Where maps are kept (default 'intracranial': zero outside the skull's inner table, found from the HU image). */
  region?: ExplainRegion;
  /** What each slice is explained against (default 'empty-head' where a brain region is found; see emptyHead). */
  reference?: ExplainReference;
}

export interface FileExplanation {
  path: string;
  /** SOPInstanceUID. */
  sop: string;
  study: string;
  series: string;
  patient: string;
  /** The model input of the slice, C×N×N in [0, 1] (windowed as the model card says). */
  input: Float32Array;
  /** One per requested label, in the order asked. */
  explanations: Explanation[];
  /** Wall-clock seconds explaining this slice (all labels). */
  seconds: number;
  /** The intracranial region at N×N the maps were restricted to; undefined with region 'image' or when none was found. */
  region?: Uint8Array;
}

export interface ExplainFilesResult {
  /** The model folder (resolved) and its card. */
  model: string;
  card: ModelCard;
  method: ExplainMethod;
  /** Explained label indices, in order. */
  labels: number[];
  /** Side N of the model input (and of every map). */
  size: number;
  channels: number;
  /** Explained files in input order (empty when `keep: false`). */
  files: FileExplanation[];
  explained: number;
  /** Files that could not be explained, with reasons (as ich predict), in input order. */
  rejected: RejectedFile[];
  /** Files inside folders passed over for their non-DICOM extension. */
  skipped: string[];
  seconds: number;
}

function labelIndices(labels: ExplainFilesOptions['labels']): number[] {
  if (labels === undefined) return LABELS.map((_, i) => i);
  if (typeof labels === 'string') return parseLabels(labels);
  if (labels.every((l) => typeof l === 'number')) {
    const idx = labels as readonly number[];
    for (const i of idx) if (!(Number.isInteger(i) && i >= 0 && i < LABELS.length)) throw new Error(`label index ${i}: expected 0 … ${LABELS.length - 1}`);
    if (idx.length === 0) throw new Error('no labels given');
    return [...idx];
  }
  return parseLabels(labels as readonly string[]);
}

/**
 * Explains every slice in `inputs` (DICOM files or folders, scanned recursively, as ich predict)
 * with the model folder `modelDir`: each file is read, checked and windowed exactly as predictFiles
 * does (the same decoding, rounded to the uint8 cache's 1/255 steps), then explained for each
 * requested label. Unusable files and repeated SOPInstanceUIDs are in `rejected` with reasons.
 */
export async function explainFiles(modelDir: string, inputs: readonly string[], options: ExplainFilesOptions = {}): Promise<ExplainFilesResult> {
  const started = performance.now();
  const model = resolve(modelDir);
  const method = checkMethod(options.method ?? 'gradient');
  const labels = labelIndices(options.labels);
  const region = checkRegion(options.region ?? 'intracranial', 'explainFiles');
  const reference = checkReference(options.reference ?? 'empty-head', 'explainFiles');
  const card = readPredictionCard(model);
  const { size, channels, windows } = card.input;

  const input = await expandInputs(inputs);
  const rejected: RejectedFile[] = [...input.rejected];
  const files: FileExplanation[] = [];
  const firstPath = new Map<string, string>();
  const keep = options.keep ?? true;
  let explained = 0;
  const explainer = input.files.length > 0 ? await openExplainer(model, method, { ...options, labels }) : undefined;
  try {
    let done = 0;
    for (const path of input.files) {
      // One file per task on the main thread: the same reading, checks and windowing as predictFiles.
      const decoded = await decodeForPrediction({ paths: [path], size, windows });
      const r = decoded.records[0]!;
      if (!r.ok) {
        rejected.push({ path: r.path, code: r.code, reason: r.reason });
      } else if (isFirstOfSop(firstPath, r, rejected)) {
        const t0 = performance.now();
        const brain = region === 'intracranial' || reference === 'empty-head' ? await fileBrainRegion(r.path, size) : undefined;
        const context = brain && reference === 'empty-head' ? { reference: emptyHead(decoded.tensors, brain.soft, channels), focus: brain.region } : {};
        const explanations = await explainer!.explain(decoded.tensors, labels, context);
        const mask = region === 'intracranial' ? brain?.region : undefined;
        if (mask) restrictToRegion(explanations, mask);
        const file: FileExplanation = { path: r.path, sop: r.sop, study: r.study, series: r.series, patient: r.patient, input: decoded.tensors, explanations, seconds: (performance.now() - t0) / 1000, region: mask };
        explained++;
        await options.onFile?.(file);
        if (keep) files.push(file);
      }
      options.onProgress?.(++done, input.files.length);
    }
  } finally {
    await explainer?.release();
  }
  return { model, card, method, labels, size, channels, files, explained, rejected, skipped: input.skipped, seconds: (performance.now() - started) / 1000 };
}
