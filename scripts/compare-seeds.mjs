#!/usr/bin/env node
// `npm run compare:seeds -- DIR…`: several `compare:torch` runs (one per seed, each DIR holding its
// compare.json) summarised: per seed, the test weighted log loss of ichdetect and of the PyTorch
// reference and their difference; over the seeds, the means, standard deviations and the paired
// difference with its 95 % confidence interval (Student t), and how many seeds each side won.
// One training is chaotic (Adam at lr 1e-3 amplifies float rounding: two runs from the same start
// part within an epoch), so "no worse than the reference" is a statement about the mean over seeds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length < 2) {
  process.stderr.write('usage: npm run compare:seeds -- DIR DIR [DIR…] (compare:torch --out folders)\n');
  process.exit(2);
}
// Two-sided 97.5 % quantiles of Student's t for 1 … 10 degrees of freedom, then the normal value.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
const runs = dirs.map((dir) => {
  const c = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8'));
  return {
    dir, seed: c.settings.seed, sameStart: c.settings.sameStart, ours: c.ours.weighted_log_loss, torch: c.torch.test_weighted_log_loss,
    prevalence: c.torch.prevalence_weighted_log_loss, aucOurs: c.ours.auc.any, aucTorch: c.torch.auc.any, split: c.torch.n,
    setup: `${c.settings.epochs} epochs, lr ${c.settings.lr ?? 0.001}, ${c.settings.size}²`,
  };
});
const splits = new Set(runs.map((r) => `${r.split.train}/${r.split.val}/${r.split.test}`));
if (splits.size !== 1) throw new Error(`the runs are on different splits (${[...splits].join(', ')}): compare seeds on one --data folder`);
const setups = new Set(runs.map((r) => r.setup));
if (setups.size !== 1) throw new Error(`the runs differ in their settings (${[...setups].join('; ')})`);
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));
const f = (x, d = 4) => x.toFixed(d);
const diffs = runs.map((r) => r.ours - r.torch);
const n = runs.length;
const half = (T975[n - 2] ?? 1.96) * sd(diffs) / Math.sqrt(n);
const lines = [
  `split ${[...splits][0]} (train/val/test slices), ${[...setups][0]}; prevalence-only test loss ${f(runs[0].prevalence)}`,
  '',
  '| seed | start | ichdetect | PyTorch | ichdetect − PyTorch | AUC any (ours / PyTorch) |',
  '|---|---|---|---|---|---|',
  ...runs.map((r) => `| ${r.seed} | ${r.sameStart ? 'shared' : 'independent'} | ${f(r.ours)} | ${f(r.torch)} | ${r.ours - r.torch >= 0 ? '+' : ''}${f(r.ours - r.torch)} | ${f(r.aucOurs, 3)} / ${f(r.aucTorch, 3)} |`),
  `| mean ± sd | | ${f(mean(runs.map((r) => r.ours)))} ± ${f(sd(runs.map((r) => r.ours)))} | ${f(mean(runs.map((r) => r.torch)))} ± ${f(sd(runs.map((r) => r.torch)))} | ${mean(diffs) >= 0 ? '+' : ''}${f(mean(diffs))} (95 % CI ${f(mean(diffs) - half)} … ${f(mean(diffs) + half)}) | ${f(mean(runs.map((r) => r.aucOurs)), 3)} / ${f(mean(runs.map((r) => r.aucTorch)), 3)} |`,
  '',
  `ichdetect lower on ${diffs.filter((d) => d < 0).length} of ${n} seeds; mean ichdetect / prevalence-only ${f(mean(runs.map((r) => r.ours)) / runs[0].prevalence, 3)}, PyTorch / prevalence-only ${f(mean(runs.map((r) => r.torch)) / runs[0].prevalence, 3)}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
