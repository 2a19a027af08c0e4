import type { CacheInfo } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { type Model, type OptimizerConfig, TrainSession, type Weights, initWeights } from '../engine/index.js';
import { weightedLogLoss } from '../evaluate/index.js';
import { type ModelCard, saveModelFolder } from '../models/folder.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { BatchLoader, cachedSamples } from './dataset.js';
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
  threads?: number;
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number; imagesPerS: number }) => void;
  onEpoch?: (info: EpochResult) => void;
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
 * Trains a model on the cached train part, validating each epoch with the RSNA weighted log loss on
 * the val part; keeps the best weights as a model folder in `out`, checkpoints every completed epoch
 * (resume continues from the last one, with identical results to an uninterrupted run of the same
 * seed), stops early on a plateau, and records the run in `out/runs.db`.
 */
export async function trainModel(db: Db, cache: CacheInfo, model: Model, card: ModelCard, opts: TrainOptions): Promise<TrainResult> {
  const train = new BatchLoader(db, cache, cachedSamples(db, cache, 'train'), { batch: opts.batch, seed: opts.seed, shuffle: true, balance: opts.balance, augment: opts.augment });
  const val = new BatchLoader(db, cache, cachedSamples(db, cache, 'val'), { batch: 64, seed: 0 });
  if (!train.samples.length) throw new Error('no labelled, cached training slices: run ich index --labels, ich split and ich preprocess first');
  if (!val.samples.length) throw new Error('no labelled, cached validation slices: the split has an empty val part');
  const checkpoint = opts.resume ? loadCheckpoint(opts.out) : undefined;
  const weights: Weights = checkpoint?.weights ?? initWeights(model, opts.seed);
  const session = await TrainSession.open(model, weights, {
    optimizer: opts.optimizer,
    threads: opts.threads,
    resume: checkpoint ? { state: checkpoint.optimizerState, steps: checkpoint.steps } : undefined,
  });
  const record = new RunRecord(opts.out, { ...opts, onStep: undefined, onEpoch: undefined, architecture: card.architecture, cache: cache.key }, checkpoint?.epoch);
  const result: TrainResult = { epochs: [], bestEpoch: checkpoint?.bestEpoch ?? -1, bestValLoss: checkpoint?.bestValLoss ?? Infinity, stopped: 'epochs', resumedFrom: checkpoint?.epoch };
  const started = performance.now();
  const shape = (n: number) => [n, cache.channels, cache.size, cache.size];
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
        saveModelFolder(opts.out, { card: { ...card, training: { ...trainingSettings(opts), bestEpoch: epoch }, metrics: { val_weighted_log_loss: valLoss, val_n: v.n } }, model, weights: current });
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
  return { epochs: o.epochs, batch: o.batch, optimizer: o.optimizer, lr: o.lr, seed: o.seed, patience: o.patience, balance: !!o.balance, augment: !!o.augment };
}
