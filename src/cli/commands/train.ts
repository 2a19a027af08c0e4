import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { openIndexDb } from '../../data/db.js';
import type { OptimizerConfig } from '../../engine/index.js';
import { modelCard } from '../../models/folder.js';
import { buildModel, type Architecture } from '../../models/registry.js';
import { tensorSpec } from '../../preprocess/tensor.js';
import { DEFAULT_WINDOWS } from '../../preprocess/window.js';
import { prepareData } from '../../train/pipeline.js';
import { type TrainOptions, trainModel } from '../../train/loop.js';
import { defaultDbPath, intOption } from '../options.js';
import { progressBar } from '../progress.js';

/** The command's flags: the training options (derived, not retyped) plus the data and model choices. */
type TrainFlags = Omit<TrainOptions, 'optimizer' | 'onStep' | 'onEpoch'> & {
  data: string;
  labels?: string;
  model: string;
  optimizer: OptimizerConfig['kind'];
  size: number;
  db?: string;
  json?: boolean;
};

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model: index → patient-level split → tensor cache as needed, then epochs validated with the RSNA weighted log loss')
    .requiredOption('--data <dir>', 'folder of DICOM slices (RSNA layout)')
    .option('--labels <csv>', 'RSNA labels CSV (default DIR/labels.csv)')
    .option('--model <name>', 'architecture: baseline', 'baseline')
    .requiredOption('--out <dir>', 'model folder to write (model.json, weights.safetensors, model.onnx, checkpoint/, runs.db)')
    .option('--epochs <n>', 'epochs', intOption('--epochs'), 10)
    .option('--batch <n>', 'batch size', intOption('--batch'), 32)
    .option('--optimizer <name>', 'adam, sgd (momentum 0.9) or rmsprop', 'adam')
    .option('--lr <x>', 'learning rate', positive('--lr'), 1e-3)
    .option('--size <n>', 'input side N', intOption('--size', 16), 128)
    .option('--seed <n>', 'seed for split, initialisation and batch order', intOption('--seed', 0), 1)
    .option('--max-minutes <m>', 'stop after the epoch in which M minutes have passed', positive('--max-minutes'))
    .option('--patience <n>', 'stop after N epochs without a better validation loss', intOption('--patience'), 3)
    .option('--resume', 'continue from the last completed epoch in OUT/checkpoint')
    .option('--balance', 'sample positive and negative slices (on any) equally often')
    .option('--augment', 'light augmentation: random flips, rotations within ±8°, shifts within ±4 %')
    .option('--threads <n>', 'threads', intOption('--threads'))
    .option('--db <file>', 'index database (default DATA/.ich/index.db)')
    .option('--json', 'print one JSON object at the end')
    .action(async (f: TrainFlags) => {
      if (!['adam', 'sgd', 'rmsprop'].includes(f.optimizer)) throw new Error(`--optimizer ${f.optimizer}: expected adam, sgd or rmsprop`);
      if (f.model !== 'baseline') throw new Error(`--model ${f.model}: only baseline is available so far`);
      const db = openIndexDb(f.db ?? defaultDbPath(f.data));
      const out = resolve(f.out);
      mkdirSync(out, { recursive: true });
      const spec = tensorSpec(f.size, DEFAULT_WINDOWS);
      const stageBar = progressBar('data', 'items');
      const cache = await prepareData(db, f.data, { labelsCsv: f.labels, spec, seed: f.seed, threads: f.threads, onStage: (_s, d, t) => stageBar.update(d, t) });
      stageBar.stop();
      const architecture: Architecture = { name: 'baseline', options: { size: f.size, channels: spec.windows.length } };
      const optimizer: OptimizerConfig = f.optimizer === 'sgd' ? { kind: 'sgd', momentum: 0.9 } : { kind: f.optimizer };
      const bar = progressBar('train', 'batches');
      const result = await trainModel(db, cache, buildModel(architecture), modelCard(architecture, spec.windows, f.size), {
        out, epochs: f.epochs, batch: f.batch, optimizer, lr: f.lr, seed: f.seed, maxMinutes: f.maxMinutes, patience: f.patience,
        resume: f.resume, balance: f.balance, augment: f.augment, threads: f.threads,
        onStep: (s) => bar.update(s.step, s.steps),
        onEpoch: (e) => {
          bar.stop();
          if (!f.json) process.stdout.write(`epoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)}, val weighted log loss ${e.valLoss.toFixed(4)}${e.best ? ' (best)' : ''}, ${e.imagesPerS.toFixed(0)} images/s, ${e.seconds.toFixed(1)} s\n`);
        },
      });
      db.close();
      if (f.json) process.stdout.write(JSON.stringify({ out, ...result }) + '\n');
      else process.stdout.write(`${result.resumedFrom !== undefined ? `resumed after epoch ${result.resumedFrom + 1}; ` : ''}stopped: ${result.stopped}; best epoch ${result.bestEpoch + 1}, val weighted log loss ${result.bestValLoss.toFixed(4)}; model folder ${out} (${join(out, 'model.onnx')})\n`);
    });
}
