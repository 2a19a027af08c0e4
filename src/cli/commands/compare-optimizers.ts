import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { compareOptimizers, DEFAULT_LRS, type OptimizerTrial } from '../../workflow/compare-optimizers.js';
import { OPTIMIZERS, type OptimizerKind, type TrainRunOptions } from '../../workflow/train-run.js';
import { type ContextFlags, type HeadFlags, trainingOptions, withContext } from './train.js';
import { progressBar } from '../progress.js';

type Flags = Omit<TrainRunOptions, 'optimizer' | 'lr' | 'resume' | 'onStep' | 'onEpoch' | 'onStage' | 'context' | 'head'> & ContextFlags & HeadFlags & { optimizers: OptimizerKind[]; lr: Partial<Record<OptimizerKind, number>>; json?: boolean };

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
  trainingOptions(
    program.command('compare-optimizers').description('train the same model once per optimizer (same data, split and seed) and print val and test weighted log loss side by side'),
    'inception',
  )
    .requiredOption('--out <dir>', 'folder for one model folder per optimizer (OUT/adam, OUT/sgd, …)')
    .addOption(new Option('--optimizers <list>', 'comma-separated').argParser(optimizerList).default([...OPTIMIZERS], OPTIMIZERS.join(',')))
    .addOption(new Option('--lr <list>', 'learning rates as OPT=RATE,…').argParser(lrList).default({}, Object.entries(DEFAULT_LRS).map(([k, v]) => `${k}=${v}`).join(',')))
    .option('--json', 'print one JSON object per optimizer')
    .action(async (f: Flags) => {
      const bar = progressBar('train', 'batches');
      const trials = await compareOptimizers({
        ...withContext(f),
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
