#!/usr/bin/env node
// `npm run compare:models -- --data DIR [options]`: issue 6's comparison. On one data folder (its
// index, patient-level split and tensor cache, made as needed), trains the baseline CNN and
// InceptionV3 transfer models — a frozen base cut at each --cuts block (head on cached features),
// then fine-tuned from --fine-tune-from at the best cut — evaluates each model folder on the test
// part with `evaluateModel` (RSNA weighted log loss, AUC) and prints one table, also written to
// OUT/compare-models.json.
//
// Options: --data DIR (required) --out .compare-models --cuts mixed2,mixed5,mixed7,mixed10
// --epochs 10 (baseline) --head-epochs (frozen heads; default ich train's 100, patience 10) --fine-tune-epochs 5 --fine-tune-from (default: the best cut itself) --seed 1
// --fine-tune-lr 1e-4 --threads 2 --size 128 --skip baseline,fine-tune
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateModel } from '../dist/src/evaluate/evaluate-model.js';
import { trainRun } from '../dist/src/workflow/train-run.js';

const root = join(import.meta.dirname, '..');
const { values: o } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: join(root, '.compare-models') },
    cuts: { type: 'string', default: 'mixed2,mixed5,mixed7,mixed10' },
    epochs: { type: 'string', default: '10' },
    'head-epochs': { type: 'string' },
    'fine-tune-epochs': { type: 'string', default: '5' },
    'fine-tune-from': { type: 'string' },
    'fine-tune-lr': { type: 'string', default: '1e-4' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    size: { type: 'string', default: '128' },
    skip: { type: 'string', default: '' },
  },
});
if (!o.data) throw new Error('--data DIR is required (e.g. a folder written by ich synth)');
const out = resolve(o.out);
mkdirSync(out, { recursive: true });
const skip = new Set(o.skip.split(',').filter(Boolean));
const common = { data: o.data, optimizer: 'adam', lr: 1e-3, size: Number(o.size), batch: 32, seed: Number(o.seed), threads: Number(o.threads) };
const rows = [];

async function trial(name, options) {
  process.stderr.write(`\n== ${name}\n`);
  const dir = join(out, name.replace(/[^a-z0-9]+/gi, '-'));
  const t0 = performance.now();
  const r = await trainRun({ ...common, ...options, out: dir, onEpoch: (e) => process.stderr.write(`  epoch ${e.epoch + 1}: train ${e.trainLoss.toFixed(4)}, val ${e.valLoss.toFixed(4)}${e.best ? ' (best)' : ''}, ${e.seconds.toFixed(1)} s\n`) });
  const seconds = (performance.now() - t0) / 1000;
  const e = await evaluateModel(dir, o.data, { part: 'test', threads: common.threads });
  const aucs = Object.values(e.report.auc).filter((a) => a !== null);
  const row = {
    name, model: dir, seconds, bestEpoch: r.bestEpoch + 1, epochs: r.epochs.length, valLoss: r.bestValLoss,
    testLoss: e.report.weightedLogLoss, prevalenceLoss: e.report.baseline.weightedLogLoss, n: e.report.n,
    aucAny: e.report.auc.any, aucMean: aucs.reduce((a, b) => a + b, 0) / aucs.length,
  };
  rows.push(row);
  process.stderr.write(`  test weighted log loss ${row.testLoss.toFixed(4)} (prevalence-only ${row.prevalenceLoss.toFixed(4)}), AUC any ${row.aucAny?.toFixed(3)}, ${seconds.toFixed(0)} s\n`);
  return row;
}

const epochs = Number(o.epochs);
if (!skip.has('baseline')) await trial('baseline CNN', { model: 'baseline', epochs, patience: epochs });
const frozen = [];
// Heads over frozen features keep ich train's own schedule (100 epochs, patience 10) unless --head-epochs says otherwise.
const head = o['head-epochs'] ? { epochs: Number(o['head-epochs']), patience: Number(o['head-epochs']) } : {};
for (const cut of o.cuts.split(',')) frozen.push(await trial(`inception frozen to ${cut}`, { model: 'inception', baseUntil: cut, ...head }));
const best = frozen.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
const bestCut = best.name.split(' ').pop();
if (!skip.has('fine-tune')) {
  const from = o['fine-tune-from'] ?? bestCut;
  const ftEpochs = Number(o['fine-tune-epochs']);
  await trial(`inception to ${bestCut}, fine-tuned from ${from}`, { model: 'inception', baseUntil: bestCut, fineTuneFrom: from, epochs: ftEpochs, patience: ftEpochs, lr: Number(o['fine-tune-lr']) });
}

const f = (x, d = 4) => (x === null || x === undefined ? '–' : x.toFixed(d));
const lines = [
  `data ${resolve(o.data)}: test part ${rows[0].n} slices; input ${o.size}²; Adam lr 1e-3 (fine-tuning ${o['fine-tune-lr']}), batch 32, seed ${o.seed}, ${o.threads} threads`,
  '',
  '| model | test weighted log loss | AUC any | mean AUC | val loss (best epoch) | train s |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${f(r.testLoss)} | ${f(r.aucAny, 3)} | ${f(r.aucMean, 3)} | ${f(r.valLoss)} (${r.bestEpoch}/${r.epochs}) | ${f(r.seconds, 0)} |`),
  `| prevalence-only | ${f(rows[0].prevalenceLoss)} | 0.500 | 0.500 | – | – |`,
  '',
  `best frozen cut on val: ${bestCut}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(join(out, 'compare-models.json'), `${JSON.stringify({ settings: o, rows, bestCut }, null, 1)}\n`);
