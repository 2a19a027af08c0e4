import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import type { SequenceHeadOptions } from '../../models/sequence.js';
import { type ContextSpec, checkContext } from '../../preprocess/context.js';
import { ARCHITECTURES, type TrainRunOptions, trainRun } from '../../workflow/train-run.js';
import { DEFAULT_OOD_SHARE, describeOodThreshold } from '../../models/ood.js';
import { intOption, shareOption } from '../options.js';
import { progressBar } from '../progress.js';

/** The command's flags: the run options (derived, not retyped) plus output format. */
/** How --context K and --context-windows arrive from the command line. */
export interface ContextFlags {
  context?: number;
  contextWindows: ContextSpec['windows'];
}

/** How the sequence head's shape arrives from the command line. */
export interface HeadFlags {
  seqFilters?: number;
  seqKernel?: number;
  seqLayers?: number;
  seqDropout?: number;
  seqMean?: boolean;
}

/** The flags with --context K and --context-windows turned into the run's ContextSpec, and --seq-* into its head. */
export function withContext<F extends ContextFlags & HeadFlags>(f: F): Omit<F, keyof ContextFlags | keyof HeadFlags> & { context?: ContextSpec; head?: SequenceHeadOptions } {
  const { context, contextWindows, seqFilters, seqKernel, seqLayers, seqDropout, seqMean, ...rest } = f;
  const head = Object.fromEntries(Object.entries({ filters: seqFilters, kernel: seqKernel, layers: seqLayers, dropout: seqDropout, seriesMean: seqMean }).filter(([, v]) => v !== undefined));
  return { ...rest, context: context ? checkContext({ slices: context, windows: contextWindows }) : undefined, ...(Object.keys(head).length ? { head } : {}) };
}

type TrainFlags = Omit<TrainRunOptions, 'onStep' | 'onEpoch' | 'onStage' | 'context' | 'head'> & ContextFlags & HeadFlags & { json?: boolean };

function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

/** The options `ich train` and `ich compare-optimizers` share: data, architecture and schedule. */
export function trainingOptions(command: Command, defaultModel: string): Command {
  return command
    .requiredOption('--data <dir>', 'folder of DICOM slices (RSNA layout)')
    .option('--labels <csv>', 'RSNA labels CSV (default DIR/labels.csv)')
    .option('--model <name>', `architecture: ${ARCHITECTURES.join(', ')} (inception: InceptionV3 transfer; +seq: temporal convolutions over the series of a trained 2-D model's embeddings)`, defaultModel)
    .option('--base-model <dir>', '+seq models: the trained 2-D model folder whose per-slice embeddings and logits the sequence head reads')
    .option('--folds <k>', "+seq models: train the head on out-of-fold logits of the train part from K fold models trained with the base model's recipe (kept in OUT/folds/)", intOption('--folds', 0))
    .option('--seq-filters <n>', '+seq models: filters of each temporal convolution (default 64)', intOption('--seq-filters'))
    .option('--seq-kernel <n>', '+seq models: slices each temporal convolution spans, odd (default 5)', intOption('--seq-kernel'))
    .option('--seq-layers <n>', '+seq models: temporal convolutions (default 2)', intOption('--seq-layers'))
    .option('--seq-dropout <x>', '+seq models: dropout on the per-slice inputs in training (default 0.3)', (v: string) => {
      const x = Number(v);
      if (!(x >= 0 && x < 1)) throw new InvalidArgumentError('--seq-dropout must be in [0, 1)');
      return x;
    })
    .option('--seq-mean', "+seq models: give every slice the series' mean input too (whole-series context)")
    .option('--context <k>', '2.5-D input: stack each slice with K neighbours on each side along its series (edges repeat the end slice)', intOption('--context', 0))
    .option('--context-windows <which>', "which windows of the neighbours: 'first' (the brain window) or 'all'", 'first')
    .option('--base-until <block>', 'inception: last block of the pretrained base (mixed5, mixed7, mixed10; any mixedK)')
    .option('--fine-tune-from <block>', 'inception: train the blocks from this one on (BatchNorm frozen); default: frozen base, cached features')
    .option('--epochs <n>', 'epochs (default 10; 100 for a head over a frozen inception base)', intOption('--epochs'))
    .option('--batch <n>', 'batch size', intOption('--batch'), 32)
    .option('--size <n>', 'input side N', intOption('--size', 16), 128)
    .option('--seed <n>', 'seed for split, initialisation and batch order', intOption('--seed', 0), 1)
    .option('--patience <n>', 'stop after N epochs without a better validation loss (default 3; 10 for a frozen inception base)', intOption('--patience'))
    .option('--threads <n>', 'threads', intOption('--threads'))
    .option('--db <file>', 'index database (default DATA/.ich/index.db)');
}

export function registerTrain(program: Command): void {
  trainingOptions(
    program.command('train').description('train a model: index → patient-level split → tensor cache as needed, then epochs validated with the RSNA weighted log loss'),
    'baseline',
  )
    .requiredOption('--out <dir>', 'model folder to write (model.json, weights.safetensors, model.onnx, checkpoint/, runs.db)')
    .option('--optimizer <name>', 'adam, sgd (momentum 0.9) or rmsprop', 'adam')
    .option('--lr <x>', 'learning rate', positive('--lr'), 1e-3)
    .option('--max-minutes <m>', 'stop after the epoch in which M minutes have passed', positive('--max-minutes'))
    .option('--resume', 'continue from the last completed epoch in OUT/checkpoint')
    .option('--balance', 'sample positive and negative slices (on any) equally often')
    .option('--augment', 'light augmentation: random flips, rotations within ±8°, shifts within ±4 %')
    .option('--appearance', "scanner-appearance augmentation: blur (σ ≤ 1.2 px, half the slices), HU gain ±6 % and offset ±6 HU, correlated noise σ ≤ 12 HU, in each window's units")
    .option('--ood-share <x>', 'share of in-distribution (train and val) slices the out-of-distribution threshold flags', shareOption('--ood-share'), DEFAULT_OOD_SHARE)
    .option('--json', 'print one JSON object at the end')
    .action(async (f: TrainFlags) => {
      const stages = new Map<string, ReturnType<typeof progressBar>>();
      const stopStages = () => stages.forEach((b) => b.stop());
      const bar = progressBar('train', 'batches');
      const result = await trainRun({
        ...withContext(f),
        onStage: (stage, done, total) => {
          let b = stages.get(stage);
          if (!b) {
            stopStages();
            stages.set(stage, (b = progressBar(stage, 'slices')));
          }
          b.update(done, total);
        },
        onStep: (s) => {
          stopStages();
          bar.update(s.step, s.steps);
        },
        onEpoch: (e) => {
          bar.stop();
          if (!f.json) process.stdout.write(`epoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)}, val weighted log loss ${e.valLoss.toFixed(4)}${e.best ? ' (best)' : ''}, ${e.imagesPerS.toFixed(0)} images/s, ${e.seconds.toFixed(1)} s\n`);
        },
      });
      stopStages();
      const out = result.out;
      if (f.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${result.resumedFrom !== undefined ? `resumed after epoch ${result.resumedFrom + 1}; ` : ''}stopped: ${result.stopped}; best epoch ${result.bestEpoch + 1}, val weighted log loss ${result.bestValLoss.toFixed(4)}; model folder ${out} (${join(out, 'model.onnx')})${result.study ? `; study calibration fitted on ${result.study.fitted.studies} ${result.study.fitted.part} studies` : ''}${result.ood ? `; out-of-distribution threshold ${describeOodThreshold(result.ood)}` : ''}\n`);
    });
}
