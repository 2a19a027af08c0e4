// trainRun(): what `ich train` does, as a library call — prepare the data folder (index → split →
// cache), build the architecture's training plan (images, or cached features for a frozen base),
// train, fit the study-level calibration on the val part, and return the result.
//
// Out-of-fold logits for stacking: the train part's patients are dealt into K folds; for each fold
// the 2-D model's own recipe (model.json's training.recipe) trains again without that fold's slices,
// and predicts them. So every train slice gets logits from a model that never saw it, as the val and
// test slices get from the 2-D model itself — a sequence head trained on them learns how far the
// 2-D model's outputs can be trusted, not how well it remembers its training slices.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CacheInfo } from '../data/cache.js';
import { type Db, defaultDbPath, openIndexDb } from '../data/db.js';
import { Rng } from '../shared/rng.js';
import { defaultThreads } from '../data/pool.js';
import { patientsOfFiles } from '../data/split.js';
import type { OptimizerConfig } from '../engine/index.js';
import { calibrateStudies } from '../evaluate/calibrate-model.js';
import { writeBackground } from '../explain/background.js';
import { loadModelFolder, modelCard, type ModelFolder, readModelCard, type StudyCalibrationCard, writeModelCard } from '../models/folder.js';
import type { OodCard } from '../models/ood.js';
import { type Architecture, buildModel } from '../models/registry.js';
import type { SequenceHeadOptions } from '../models/sequence.js';
import { contextChannels } from '../preprocess/context.js';
import { tensorSpec } from '../preprocess/tensor.js';
import { DEFAULT_WINDOWS } from '../preprocess/window.js';
import { cachedSamples, type Sample } from '../train/dataset.js';
import { extractFeatures, type FeatureTable } from '../train/features.js';
import { inceptionPlan } from '../train/inception.js';
import { imageTrainData, type TrainData, type TrainOptions, type TrainResult, type TrainTarget, trainModel } from '../train/loop.js';
import { fitOodDetector, recordConformanceRanges } from '../train/ood-fit.js';
import { prepareData } from '../train/pipeline.js';
import { SEQUENCE_ARCHITECTURES, type SequenceArchitecture, sequenceBase, sequencePlan } from '../train/sequence.js';

export const ARCHITECTURES = ['baseline', 'inception', ...SEQUENCE_ARCHITECTURES] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

/** Epochs and patience when not given: images, or a head over cached features (seconds per hundred epochs). */
export const DEFAULT_SCHEDULE = { images: { epochs: 10, patience: 3 }, features: { epochs: 100, patience: 10 } } as const;

export interface TrainRunOptions extends Omit<TrainOptions, 'optimizer' | 'epochs' | 'patience'> {
  /** Default DEFAULT_SCHEDULE.images.epochs, or .features.epochs for a frozen inception base. */
  epochs?: number;
  /** Default DEFAULT_SCHEDULE.images.patience, or .features.patience for a frozen inception base. */
  patience?: number;
  /** Folder of DICOM slices. */
  data: string;
  labels?: string;
  /** Index database (default DATA/.ich/index.db). */
  db?: string;
  model: (typeof ARCHITECTURES)[number];
  optimizer: OptimizerKind;
  /** Input side N. */
  size: number;
  /** Inception: the last block of the base (mixed0 … mixed10). */
  baseUntil?: string;
  /** Inception: train the blocks from this one on (BatchNorm frozen); without it the base is frozen and its features cached. */
  fineTuneFrom?: string;
  /** baseline+seq / inception+seq: the trained 2-D model folder whose embeddings the sequence head reads. */
  baseModel?: string;
  /** +seq models: the head's shape (filters, kernel, layers, dropout). */
  head?: SequenceHeadOptions;
  /** +seq models: train the head on out-of-fold logits from this many fold models of the base's recipe (0: the base's own embeddings). */
  folds?: number;
  /** Share of in-distribution (train and val) slices the out-of-distribution threshold flags; default DEFAULT_OOD_SHARE. */
  oodShare?: number;
  onStage?: (stage: string, done: number, total: number) => void;
}

export function optimizerConfig(kind: OptimizerKind): OptimizerConfig {
  if (!OPTIMIZERS.includes(kind)) throw new Error(`optimizer '${kind}': expected ${OPTIMIZERS.join(', ')}`);
  return kind === 'sgd' ? { kind: 'sgd', momentum: 0.9 } : { kind };
}

/** What `ich train` was asked for, kept in model.json's training.recipe so the same training can run again (on other slices: folds). */
export type TrainRecipe = Pick<TrainRunOptions, 'model' | 'size' | 'batch' | 'optimizer' | 'lr' | 'seed' | 'balance' | 'augment' | 'appearance' | 'context' | 'baseUntil' | 'fineTuneFrom' | 'baseModel'> & { epochs: number; patience: number };

function recordRecipe(dir: string, recipe: TrainRecipe): void {
  const card = readModelCard(dir);
  writeModelCard(dir, { ...card, training: { ...card.training, recipe: JSON.parse(JSON.stringify(recipe)) as TrainRecipe } });
}

export async function trainRun(o: TrainRunOptions): Promise<TrainResult & { out: string; study?: StudyCalibrationCard; ood?: OodCard }> {
  if (!ARCHITECTURES.includes(o.model)) throw new Error(`--model ${o.model}: expected ${ARCHITECTURES.join(' or ')}`);
  if (o.model !== 'inception' && (o.baseUntil || o.fineTuneFrom)) throw new Error('--base-until and --fine-tune-from apply to --model inception only');
  const sequence = SEQUENCE_ARCHITECTURES.includes(o.model as SequenceArchitecture) ? (o.model as SequenceArchitecture) : undefined;
  if (!sequence && o.folds) throw new Error(`--folds applies to ${SEQUENCE_ARCHITECTURES.join(' and ')}`);
  if (!sequence && o.baseModel) throw new Error(`--base-model applies to ${SEQUENCE_ARCHITECTURES.join(' and ')}`);
  const base = sequence ? sequenceBase(sequence, o.baseModel) : undefined;
  if (base && o.context?.slices) throw new Error(`--context applies to 2-D models; --model ${sequence} takes its input (and any context) from --base-model`);
  if (base && o.size !== base.card.input.size) throw new Error(`--size ${o.size}: the base model ${o.baseModel} reads ${base.card.input.size}² inputs`);
  const optimizer = optimizerConfig(o.optimizer);
  const db = openIndexDb(o.db ?? defaultDbPath(o.data));
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  try {
    const spec = tensorSpec(o.size, base?.card.input.windows ?? DEFAULT_WINDOWS);
    const cache = await prepareData(db, o.data, { labelsCsv: o.labels, spec, seed: o.seed, threads: o.threads, onStage: o.onStage });
    const schedule = sequence || (o.model === 'inception' && !o.fineTuneFrom) ? DEFAULT_SCHEDULE.features : DEFAULT_SCHEDULE.images;
    const options: TrainOptions = { ...o, out, optimizer, epochs: o.epochs ?? schedule.epochs, patience: o.patience ?? schedule.patience };
    let plan: { data: TrainData; target: TrainTarget };
    if (sequence && base) {
      plan = await sequencePlan(db, cache, sequence, base, { ...options, head: o.head, folds: o.folds, outOfFoldLogits: () => outOfFoldLogits(db, cache, base, { data: o.data, labels: o.labels, db: o.db, folds: o.folds!, threads: o.threads, out, onStage: o.onStage }), onStage: o.onStage, onFeatures: (d, t) => o.onStage?.('embeddings', d, t) });
    } else if (o.model === 'inception') {
      plan = await inceptionPlan(db, cache, { ...options, baseUntil: o.baseUntil, fineTuneFrom: o.fineTuneFrom, onFeatures: (d, t) => o.onStage?.('features', d, t) });
    } else {
      const architecture: Architecture = { name: 'baseline', options: { size: o.size, channels: contextChannels(spec.windows.length, o.context) } };
      plan = { data: imageTrainData(db, cache, o), target: { model: buildModel(architecture), card: modelCard(architecture, spec.windows, o.size, { context: o.context }) } };
    }
    const trained = await trainModel(plan.data, plan.target, options);
    recordRecipe(out, { model: o.model, size: o.size, epochs: options.epochs, patience: options.patience, batch: o.batch, optimizer: o.optimizer, lr: o.lr, seed: o.seed, balance: o.balance, augment: o.augment, appearance: o.appearance, context: o.context, baseUntil: o.baseUntil, fineTuneFrom: o.fineTuneFrom, baseModel: o.baseModel });
    // A fold model only gives out-of-fold predictions: no explainer background, no study calibration.
    if (o.exclude) return { out, ...trained, study: undefined };
    // The background sample the gradient explainer needs (background.u8 + .json), from the train part;
    // the explainers take one slice, so 2.5-D and sequence models have none.
    if (!sequence && !o.context?.slices) writeBackground(out, db, cache, { seed: o.seed });
    // Knowing when not to answer: the train part's header ranges and the out-of-distribution score.
    await recordConformanceRanges(out, db, o.threads ?? defaultThreads());
    const ood = await fitOodDetector(out, db, cache, { threads: o.threads, share: o.oodShare, onProgress: (d, t) => o.onStage?.('ood', d, t) });
    // Study-level probabilities: Platt scaling of the per-study maxima, fitted on the val part (model.json's `study`).
    const { card: study } = await calibrateStudies(out, o.data, { part: 'val', labelsCsv: o.labels, db: o.db, threads: o.threads, onProgress: (d, t) => o.onStage?.('calibrate', d, t) });
    return { out, ...trained, study, ood };
  } finally {
    db.close();
  }
}

export interface FoldOptions {
  /** The data folder (and labels, index) the 2-D model was trained on. */
  data: string;
  labels?: string;
  db?: string;
  folds: number;
  threads?: number;
  /** Fold models go to OUT/folds/fold-<k>/ (kept: a second run with the same folds reuses them). */
  out: string;
  onStage?: (stage: string, done: number, total: number) => void;
}

/** The train part's samples dealt into `k` folds by patient (shuffled from the seed). */
export function foldsByPatient(db: Db, samples: readonly Sample[], k: number, seed: number): Sample[][] {
  const ids = samples.map((s) => s.fileId);
  const patient = new Map(patientsOfFiles(db, ids).map((p, i) => [ids[i]!, p]));
  const patients = new Rng(seed).shuffle([...new Set(patient.values())].sort());
  const fold = new Map(patients.map((p, i) => [p, i % k]));
  const out: Sample[][] = Array.from({ length: k }, () => []);
  for (const s of samples) out[fold.get(patient.get(s.fileId)!)!]!.push(s);
  return out;
}

/** Logits (6 per slice) of every cached sample: out-of-fold for the train part, the 2-D model's own elsewhere. */
export async function outOfFoldLogits(db: Db, cache: CacheInfo, base: ModelFolder & { dir: string }, o: FoldOptions): Promise<FeatureTable> {
  if (!(Number.isInteger(o.folds) && o.folds >= 2)) throw new Error(`--folds ${o.folds}: expected an integer ≥ 2`);
  const recipe = base.card.training?.recipe as TrainRecipe | undefined;
  if (!recipe) throw new Error(`--folds: ${base.dir}/model.json has no training.recipe to train fold models with (train the 2-D model with this version of ich train)`);
  const context = base.card.input.context;
  const train = cachedSamples(db, cache, 'train');
  // Folds follow the 2-D model's seed, so heads trained with other seeds reuse the same fold models.
  const folds = foldsByPatient(db, train, o.folds, recipe.seed);
  const ids: number[] = [];
  const parts: Float32Array[] = [];
  for (const [k, held] of folds.entries()) {
    const dir = join(o.out, 'folds', `fold-${k + 1}-of-${o.folds}`);
    const withheld = new Set(held.map((s) => s.fileId));
    if (!sameFold(dir, withheld.size)) {
      o.onStage?.(`fold ${k + 1}/${o.folds}`, 0, held.length);
      await trainRun({ ...recipe, data: o.data, labels: o.labels, db: o.db, out: dir, threads: o.threads, exclude: withheld, optimizer: recipe.optimizer });
    }
    const model = loadModelFolder(dir);
    const t = await extractFeatures(db, cache, model.model, model.weights, held, { threads: o.threads, context });
    ids.push(...t.ids);
    parts.push(t.data);
  }
  const inTrain = new Set(train.map((s) => s.fileId));
  const rest = await extractFeatures(db, cache, base.model, base.weights, cachedSamples(db, cache).filter((s) => !inTrain.has(s.fileId)), { threads: o.threads, context });
  ids.push(...rest.ids);
  parts.push(rest.data);
  const data = new Float32Array(ids.length * 6);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { dim: 6, data, ids };
}

/** A finished fold model in `dir` that withheld as many slices as this fold holds. */
function sameFold(dir: string, withheld: number): boolean {
  if (!existsSync(join(dir, 'model.json'))) return false;
  const card = readModelCard(dir);
  return card.training?.withheld === withheld && card.training?.recipe !== undefined;
}
