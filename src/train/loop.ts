import type { CacheInfo } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { type Model, type OptimizerConfig, TrainSession, type Weights, initWeights } from '../engine/index.js';
import { weightedLogLoss } from '../evaluate/index.js';
import { type ModelCard, saveModelFolder } from '../models/folder.js';
import type { ContextSpec } from '../preprocess/context.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { BatchLoader, cachedSamples, type Sample, type SampleSource } from './dataset.js';
import { predictLoader } from './predict-set.js';
import { RunRecord } from './runs.js';

export interface TrainOptions {
  out: string;
  epochs: number;
  batch: number;
  optimizer: OptimizerConfig;
  lr: number;
  seed: number;
  /** Stop after the epoch during which this many minutes have passed. */
  maxMinutes?: number;
  /** Stop when the validation loss has not improved for this many epochs. */
  patience: number;
  resume?: boolean;
  balance?: boolean;
  augment?: boolean;
  /** Scanner-appearance augmentation: blur, HU gain and offset, correlated noise (appearance.ts). */
  appearance?: boolean;
  /** 2.5-D inputs: each slice with its neighbours along the series. */
  context?: ContextSpec;
  /** File ids of the train part withheld from training (a fold held out for out-of-fold predictions). */
  exclude?: ReadonlySet<number>;
  threads?: number;
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number; imagesPerS: number }) => void;
  onEpoch?: (info: EpochResult) => void;
}

/** What a run trains on: its train and val sources and a key naming the data (recorded with the run). */
export interface TrainData {
  train: SampleSource;
  val: SampleSource;
  key: string;
}

/** How a trained model becomes its model folder, when the trained graph is not the whole model (a head over cached features). */
export interface TrainTarget {
  model: Model;
  card: ModelCard;
  /** Starting weights (default: fresh ones from the seed). */
  initial?: Weights;
  /** The model folder's graph and weights from the trained weights (default: the trained model as it is). */
  exportModel?: (trained: Weights) => { model: Model; weights: Weights };
}

/** Train and val sources over the image tensor cache (the val part unshuffled, never augmented). */
/** The train part's labelled, cached slices, without the withheld ones. */
export function trainSamples(db: Db, cache: CacheInfo, exclude?: ReadonlySet<number>): Sample[] {
  const all = cachedSamples(db, cache, 'train');
  return exclude ? all.filter((s) => !exclude.has(s.fileId)) : all;
}

export function imageTrainData(db: Db, cache: CacheInfo, opts: Pick<TrainOptions, 'batch' | 'seed' | 'balance' | 'augment' | 'appearance' | 'context' | 'exclude'>): TrainData {
  const { context } = opts;
  const train = new BatchLoader(db, cache, trainSamples(db, cache, opts.exclude), { batch: opts.batch, seed: opts.seed, shuffle: true, balance: opts.balance, augment: opts.augment, appearance: opts.appearance, context });
  const val = new BatchLoader(db, cache, cachedSamples(db, cache, 'val'), { batch: 64, seed: 0, context });
  return { train, val, key: context?.slices ? `${cache.key}/context-${context.slices}-${context.windows}` : cache.key };
}

export interface EpochResult {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  best: boolean;
  seconds: number;
  imagesPerS: number;
}

export interface TrainResult {
  epochs: EpochResult[];
  bestEpoch: number;
  bestValLoss: number;
  stopped: 'epochs' | 'plateau' | 'time';
  resumedFrom?: number;
}

/**
 * Trains a model on the train source, validating each epoch with the RSNA weighted log loss on the
 * val source; keeps the best weights as a model folder in `out`, checkpoints every completed epoch
 * (resume continues from the last one, with identical results to an uninterrupted run of the same
 * seed), stops early on a plateau, and records the run in `out/runs.db`. Closes the sources.
 */
export async function trainModel(data: TrainData, target: TrainTarget, opts: TrainOptions): Promise<TrainResult> {
  const { train, val } = data;
  const { model, card } = target;
  if (!train.samples.length) throw new Error('no labelled, cached training slices: run ich index --labels, ich split and ich preprocess first');
  if (!val.samples.length) throw new Error('no labelled, cached validation slices: the split has an empty val part');
  const checkpoint = opts.resume ? loadCheckpoint(opts.out) : undefined;
  const weights: Weights = checkpoint?.weights ?? target.initial ?? initWeights(model, opts.seed);
  const session = await TrainSession.open(model, weights, {
    optimizer: opts.optimizer,
    threads: opts.threads,
    resume: checkpoint ? { state: checkpoint.optimizerState, steps: checkpoint.steps } : undefined,
  });
  const record = new RunRecord(opts.out, { ...opts, onStep: undefined, onEpoch: undefined, architecture: card.architecture, cache: data.key }, checkpoint?.epoch);
  const result: TrainResult = { epochs: [], bestEpoch: checkpoint?.bestEpoch ?? -1, bestValLoss: checkpoint?.bestValLoss ?? Infinity, stopped: 'epochs', resumedFrom: checkpoint?.epoch };
  const started = performance.now();
  const shape = (n: number) => [n, ...train.inputShape];
  try {
    for (let epoch = (checkpoint?.epoch ?? -1) + 1; epoch < opts.epochs; epoch++) {
      const epochStart = performance.now();
      let lossSum = 0;
      let images = 0;
      let step = 0;
      for (const batch of train.epoch(epoch)) {
        const loss = await session.step(batch.x, batch.y, shape(batch.n), opts.lr);
        lossSum += loss * batch.n;
        images += batch.n;
        opts.onStep?.({ epoch, step: ++step, steps: train.batchesPerEpoch, loss, imagesPerS: images / ((performance.now() - epochStart) / 1000) });
      }
      const current = session.weights();
      const v = await predictLoader(model, current, val, opts.threads);
      const valLoss = weightedLogLoss(v.probs, v.labels, v.n);
      const seconds = (performance.now() - epochStart) / 1000;
      const best = valLoss < result.bestValLoss;
      if (best) {
        result.bestValLoss = valLoss;
        result.bestEpoch = epoch;
        const exported = target.exportModel?.(current) ?? { model, weights: current };
        saveModelFolder(opts.out, { card: { ...card, training: { ...card.training, ...trainingSettings(opts), bestEpoch: epoch }, metrics: { val_weighted_log_loss: valLoss, val_n: v.n } }, ...exported });
      }
      const e: EpochResult = { epoch, trainLoss: lossSum / images, valLoss, best, seconds, imagesPerS: images / seconds };
      result.epochs.push(e);
      record.epoch(epoch, e.trainLoss, valLoss, seconds, e.imagesPerS);
      saveCheckpoint(opts.out, { epoch, steps: session.steps, bestEpoch: result.bestEpoch, bestValLoss: result.bestValLoss, weights: current, optimizerState: session.optimizerState() });
      opts.onEpoch?.(e);
      if (epoch - result.bestEpoch >= opts.patience) {
        result.stopped = 'plateau';
        break;
      }
      if (opts.maxMinutes !== undefined && (performance.now() - started) / 60000 >= opts.maxMinutes) {
        result.stopped = 'time';
        break;
      }
    }
    record.artifact('model', opts.out);
    record.finish(result.stopped);
  } finally {
    await session.release();
    train.close();
    val.close();
  }
  return result;
}

function trainingSettings(o: TrainOptions): Record<string, unknown> {
  // A fold model says which slices it did not see.
  return { epochs: o.epochs, batch: o.batch, optimizer: o.optimizer, lr: o.lr, seed: o.seed, patience: o.patience, balance: !!o.balance, augment: !!o.augment, ...(o.appearance ? { appearance: true } : {}), ...(o.context?.slices ? { context: o.context } : {}), ...(o.exclude ? { withheld: o.exclude.size } : {}) };
}
