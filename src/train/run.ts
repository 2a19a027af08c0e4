// trainRun(): what `ich train` does, as a library call — prepare the data folder (index → split →
// cache), build the architecture's training plan (images, or cached features for a frozen base),
// train, fit the study-level calibration on the val part, and return the result.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultDbPath, openIndexDb } from '../data/db.js';
import { defaultThreads } from '../data/pool.js';
import type { OptimizerConfig } from '../engine/index.js';
import { calibrateStudies } from '../evaluate/calibrate-model.js';
import type { StudyCalibrationCard } from '../evaluate/study.js';
import { writeBackground } from '../explain/background.js';
import { modelCard, readModelCard, writeModelCard } from '../models/folder.js';
import { type Architecture, buildModel } from '../models/registry.js';
import { contextChannels } from '../preprocess/context.js';
import { tensorSpec } from '../preprocess/tensor.js';
import { DEFAULT_WINDOWS } from '../preprocess/window.js';
import { inceptionPlan } from './inception.js';
import { imageTrainData, type TrainData, type TrainOptions, type TrainResult, type TrainTarget, trainModel } from './loop.js';
import { fitOodDetector, recordConformanceRanges } from './ood-fit.js';
import { prepareData } from './pipeline.js';
import type { OodCard } from '../models/ood.js';
import type { SequenceHeadOptions } from '../models/sequence.js';
import { SEQUENCE_ARCHITECTURES, type SequenceArchitecture, sequenceBase, sequencePlan } from './sequence.js';

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
      plan = await sequencePlan(db, cache, sequence, base, { ...options, head: o.head, folds: o.folds, foldData: { data: o.data, labels: o.labels, db: o.db }, onStage: o.onStage, onFeatures: (d, t) => o.onStage?.('embeddings', d, t) });
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
