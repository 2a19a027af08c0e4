import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { compareOptimizers, DEFAULT_LRS, type OptimizerTrial } from '../../train/compare-optimizers.js';
import { ARCHITECTURES, OPTIMIZERS, type OptimizerKind, type TrainRunOptions } from '../../train/run.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

type Flags = Omit<TrainRunOptions, 'optimizer' | 'lr' | 'resume' | 'onStep' | 'onEpoch' | 'onStage'> & { optimizers: OptimizerKind[]; lr: Partial<Record<OptimizerKind, number>>; json?: boolean };

function optimizerList(v: string): OptimizerKind[] {
  const list = v.split(',').map((s) => s.trim()) as OptimizerKind[];
  for (const k of list) if (!OPTIMIZERS.includes(k)) throw new InvalidArgumentError(`'${k}': expected ${OPTIMIZERS.join(', ')}`);
  return list;
}

function lrList(v: string, prev: Partial<Record<OptimizerKind, number>>): Partial<Record<OptimizerKind, number>> {
  const out = { ...prev };
  for (const item of v.split(',')) {
    const [k, x] = item.split('=') as [OptimizerKind, string | undefined];
    const n = Number(x);
    if (!OPTIMIZERS.includes(k) || !(n > 0)) throw new InvalidArgumentError(`'${item}': expected OPTIMIZER=RATE, e.g. sgd=0.01`);
    out[k] = n;
  }
  return out;
}

export function formatTrials(trials: OptimizerTrial[]): string {
  const rows = trials.map((t) => `| ${t.optimizer} | ${t.lr} | ${t.bestEpoch}/${t.epochs} | ${t.valLoss.toFixed(4)} | ${t.testLoss.toFixed(4)} | ${t.testAucAny === null ? '–' : t.testAucAny.toFixed(3)} | ${t.trainSeconds.toFixed(1)} |`);
  const best = trials.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
  return [
    '| optimizer | lr | best epoch | val weighted log loss | test weighted log loss | test AUC any | seconds |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `prevalence-only test weighted log loss ${trials[0]!.prevalenceLoss.toFixed(4)}; best on val: ${best.optimizer} (${best.model})`,
  ].join('\n');
}

export function registerCompareOptimizers(program: Command): void {
  program
    .command('compare-optimizers')
    .description('train the same model once per optimizer (same data, split and seed) and print val and test weighted log loss side by side')
    .requiredOption('--data <dir>', 'folder of DICOM slices (RSNA layout)')
    .option('--labels <csv>', 'RSNA labels CSV (default DIR/labels.csv)')
    .option('--model <name>', `architecture: ${ARCHITECTURES.join(' or ')}`, 'inception')
    .option('--base-until <block>', 'inception: last block of the pretrained base')
    .option('--fine-tune-from <block>', 'inception: train the blocks from this one on')
    .requiredOption('--out <dir>', 'folder for one model folder per optimizer (OUT/adam, OUT/sgd, …)')
    .option('--optimizers <list>', 'comma-separated', optimizerList, [...OPTIMIZERS])
    .option('--lr <list>', `learning rates as OPT=RATE,… (default ${Object.entries(DEFAULT_LRS).map(([k, v]) => `${k}=${v}`).join(',')})`, lrList, {})
    .option('--epochs <n>', 'epochs (default 10; 100 for a head over a frozen inception base)', intOption('--epochs'))
    .option('--batch <n>', 'batch size', intOption('--batch'), 32)
    .option('--size <n>', 'input side N', intOption('--size', 16), 128)
    .option('--seed <n>', 'seed for split, initialisation and batch order', intOption('--seed', 0), 1)
    .option('--patience <n>', 'stop after N epochs without a better validation loss (default 3; 10 for a frozen inception base)', intOption('--patience'))
    .option('--threads <n>', 'threads', intOption('--threads'))
    .option('--db <file>', 'index database (default DATA/.ich/index.db)')
    .option('--json', 'print one JSON object per optimizer')
    .action(async (f: Flags) => {
      const bar = progressBar('train', 'batches');
      const trials = await compareOptimizers({
        ...f,
        lrs: f.lr,
        onTrial: (k, i) => {
          bar.stop();
          process.stderr.write(`optimizer ${i + 1}/${f.optimizers.length}: ${k}\n`);
        },
        onStep: (s) => bar.update(s.step, s.steps),
        onEpoch: () => bar.stop(),
      });
      if (f.json) for (const t of trials) process.stdout.write(`${JSON.stringify(t)}\n`);
      else process.stdout.write(`${formatTrials(trials)}\n`);
    });
}
