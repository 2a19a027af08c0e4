// compareOptimizers(): the seed's choice of Adam, re-made on our data — the same architecture, data
// and seed trained once per optimizer, each judged on the val part (best epoch) and the test part.
import { join, resolve } from 'node:path';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { type OptimizerKind, trainRun, type TrainRunOptions } from './train-run.js';

export interface OptimizerTrial {
  optimizer: OptimizerKind;
  lr: number;
  bestEpoch: number;
  epochs: number;
  valLoss: number;
  testLoss: number;
  testAucAny: number | null;
  /** The prevalence-only predictor's test loss (same for every trial). */
  prevalenceLoss: number;
  trainSeconds: number;
  model: string;
}

export interface CompareOptimizersOptions extends Omit<TrainRunOptions, 'optimizer' | 'lr' | 'resume'> {
  optimizers: readonly OptimizerKind[];
  /** Learning rate per optimizer (default: Adam and RMSprop 1e-3, SGD with momentum 1e-2). */
  lrs?: Partial<Record<OptimizerKind, number>>;
  onTrial?: (optimizer: OptimizerKind, index: number) => void;
}

export const DEFAULT_LRS: Record<OptimizerKind, number> = { adam: 1e-3, rmsprop: 1e-3, sgd: 1e-2 };

/** Trains one model per optimizer into OUT/<optimizer>/ and evaluates each on the test part. */
export async function compareOptimizers(o: CompareOptimizersOptions): Promise<OptimizerTrial[]> {
  const trials: OptimizerTrial[] = [];
  for (const [i, optimizer] of o.optimizers.entries()) {
    o.onTrial?.(optimizer, i);
    const lr = o.lrs?.[optimizer] ?? DEFAULT_LRS[optimizer];
    const out = join(resolve(o.out), optimizer);
    const started = performance.now();
    const result = await trainRun({ ...o, optimizer, lr, out });
    const trainSeconds = (performance.now() - started) / 1000;
    const e = await evaluateModel(out, o.data, { labelsCsv: o.labels, db: o.db, part: 'test', threads: o.threads });
    trials.push({
      optimizer, lr, bestEpoch: result.bestEpoch + 1, epochs: result.epochs.length, valLoss: result.bestValLoss,
      testLoss: e.report.weightedLogLoss, testAucAny: e.report.auc.any,
      prevalenceLoss: e.report.baseline.weightedLogLoss, trainSeconds, model: out,
    });
  }
  return trials;
}
