#!/usr/bin/env node
// `npm run compare:torch [-- options]`: issue 5's acceptance check. Synthesises a phantom set, trains
// ichdetect's baseline with `ich train`, evaluates its best model on the test part, trains the same
// network in PyTorch (bench/reference/train_cache_reference.py) on the same index and cached tensors
// for the same epochs, and prints ours vs PyTorch vs the prevalence-only predictor: the test weighted
// log loss (RSNA metric) and the time. Everything goes to OUT (default .compare/), the numbers also
// to OUT/compare.json.
//
// Options: --studies 60 --synth-size 128 (phantom side; 512 is the real size) --size 128 (model
// input side) --epochs 10 --lr 1e-3 (Adam's, both sides) --seed 1 --threads 2 --out .compare --python /usr/bin/python3
// --data DIR: reuse a phantom folder made earlier (its index and split stay; no synthesis), so that
// several --seed values train on one split.
// --same-start (the default): the PyTorch side starts from ichdetect's initial weights for --seed
// (initWeights of the baseline `ich train` builds, written to OUT/init.safetensors in ichdetect's
// layout, dense kernels [in, out]) and visits the train part's batches in ichdetect's order (each
// epoch's file ids, as BatchLoader orders them, in OUT/order.json), so that the difference between
// the two sides is the implementations', not the seeds'. The first steps are then checked: the loss of
// ichdetect's first batches (a TrainSession from the same weights) against PyTorch's on the same
// batches. --no-same-start (or --independent): each side draws its own initial weights and shuffle
// from --seed, as before.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { openIndexDb } from '../dist/src/data/db.js';
import { Rng, subSeed } from '../dist/src/shared/rng.js';
import { TrainSession, initWeights, modelParams } from '../dist/src/engine/index.js';
import { buildModel } from '../dist/src/models/registry.js';
import { writeSafetensors } from '../dist/src/models/safetensors.js';
import { BatchLoader, cachedSamples, epochOrder } from '../dist/src/train/dataset.js';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'dist/src/cli/main.js');
const { values: o } = parseArgs({
  options: {
    studies: { type: 'string', default: '60' },
    'synth-size': { type: 'string', default: '128' },
    size: { type: 'string', default: '128' },
    epochs: { type: 'string', default: '10' },
    lr: { type: 'string', default: '1e-3' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string', default: join(root, '.compare') },
    python: { type: 'string', default: '/usr/bin/python3' },
    data: { type: 'string' },
    'same-start': { type: 'boolean', default: true },
    independent: { type: 'boolean', default: false },
  },
  allowNegative: true,
});
const sameStart = o['same-start'] && !o.independent;
const BATCH = 32; // ich train's default, passed to PyTorch as --batch
const CHECK_STEPS = 3; // first training steps whose losses are compared with --same-start
const out = resolve(o.out);
const data = o.data ? resolve(o.data) : join(out, 'data');
const modelDir = join(out, 'model');
const dbPath = join(data, '.ich', 'index.db');
const LABELS = ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'];
const WEIGHTS = [2, 1, 1, 1, 1, 1];
const EPS = 1e-7;

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** Runs a command with stderr shown; returns stdout's last JSON line and the wall-clock seconds. */
function runJson(cmd, args) {
  log(`\n$ ${[cmd, ...args].join(' ')}`);
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args[0]} failed (status ${r.status})\n${r.stdout ?? ''}`);
  const last = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!last) throw new Error(`${cmd} ${args[0]} printed no JSON:\n${r.stdout}`);
  return { json: JSON.parse(last), seconds };
}

/** RSNA metric: clip p to [1e-7, 1 − 1e-7], per slice Σ w_j BCE_j / Σ w_j, mean over slices. */
function weightedLogLoss(probs, labels, n) {
  const wSum = WEIGHTS.reduce((a, b) => a + b, 0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < 6; j++) {
      const p = Math.min(Math.max(probs[i * 6 + j], EPS), 1 - EPS);
      const y = labels[i * 6 + j];
      s -= WEIGHTS[j] * (y * Math.log(p) + (1 - y) * Math.log1p(-p));
    }
    sum += s / wSum;
  }
  return sum / n;
}

/** ROC AUC of one label column (Mann–Whitney, ties count half); null with one class only. */
function auc(probs, labels, n, j) {
  const rows = Array.from({ length: n }, (_, i) => [probs[i * 6 + j], labels[i * 6 + j] >= 0.5]);
  rows.sort((a, b) => a[0] - b[0]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let k = i;
    while (k + 1 < n && rows[k + 1][0] === rows[i][0]) k++;
    const rank = (i + k) / 2 + 1;
    for (let m = i; m <= k; m++) if (rows[m][1]) { pos++; rankSum += rank; }
    i = k + 1;
  }
  const neg = n - pos;
  return pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : null;
}

/** The index and its tensor cache of the model's input size. */
function openCache() {
  const db = openIndexDb(dbPath);
  const caches = db.prepare(`SELECT value FROM meta WHERE key LIKE 'cache:%'`).all().map((r) => JSON.parse(r.value));
  const cache = caches.find((c) => c.size === Number(o.size));
  if (!cache) throw new Error(`no ${o.size}² cache in ${dbPath}`);
  return { db, cache };
}

/** The baseline exactly as `ich train` builds it (src/train/run.ts) and its initial weights for the seed (src/train/loop.ts). */
function initialModel() {
  const model = buildModel({ name: 'baseline', options: { size: Number(o.size), channels: 3 } });
  return { model, weights: initWeights(model, Number(o.seed)) };
}

/** ichdetect's initial weights as safetensors, its own names and layouts (conv [O, I, kh, kw], dense [in, out]). */
function writeInit(path) {
  const { model, weights } = initialModel();
  const tensors = new Map(modelParams(model).map((p) => [p.name, { shape: p.shape, data: weights.get(p.name) }]));
  writeSafetensors(path, tensors, { format: 'ichdetect-init', architecture: 'baseline', seed: o.seed, size: o.size, dense_layout: 'in,out' });
}

/**
 * ichdetect's batch order: per epoch, the train part's file ids in the order BatchLoader visits them
 * (cachedSamples in file-id order, epochOrder with Rng(subSeed(seed, epoch)), shuffled). Checked
 * against BatchLoader.epoch itself for epochs 0 and 1. Also returns ichdetect's losses of its first
 * CHECK_STEPS training steps from the initial weights (the first is the initial weights' loss on the
 * first batch).
 */
async function writeOrder(path) {
  const seed = Number(o.seed);
  const { db, cache } = openCache();
  const samples = cachedSamples(db, cache, 'train');
  const epochs = Array.from({ length: Number(o.epochs) }, (_, epoch) =>
    epochOrder(samples, new Rng(subSeed(seed, epoch)), { shuffle: true }).map((i) => samples[i].fileId));
  const loader = new BatchLoader(db, cache, samples, { batch: BATCH, seed, shuffle: true });
  const { model, weights } = initialModel();
  const session = await TrainSession.open(model, weights, { optimizer: { kind: 'adam' }, threads: Number(o.threads) });
  const firstSteps = [];
  try {
    for (let epoch = 0; epoch < Math.min(2, epochs.length); epoch++) {
      const seen = [];
      for (const b of loader.epoch(epoch)) {
        if (epoch === 0 && firstSteps.length < CHECK_STEPS) {
          firstSteps.push(await session.step(b.x, b.y, [b.n, cache.channels, cache.size, cache.size], Number(o.lr)));
        }
        seen.push(...b.samples.map((s) => s.fileId));
      }
      if (seen.length !== epochs[epoch].length || seen.some((id, i) => id !== epochs[epoch][i])) {
        throw new Error(`epoch ${epoch}: the reproduced batch order differs from BatchLoader's`);
      }
    }
  } finally {
    await session.release();
    loader.close();
    db.close();
  }
  writeFileSync(path, JSON.stringify({ seed, batch: BATCH, cache: cache.key, train: samples.length, epochs }) + '\n');
  log(`same start: ${path} (${epochs.length} epochs of ${samples.length} file ids; epochs 0–1 checked against BatchLoader)`);
  return firstSteps;
}

/** Our best model (model.onnx in ONNX Runtime) on the test part's cached tensors; prevalence from train. */
async function evaluateOurs() {
  const { db, cache } = openCache();
  const test = new BatchLoader(db, cache, cachedSamples(db, cache, 'test'), { batch: 64, seed: 0 });
  const train = cachedSamples(db, cache, 'train');
  const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'), { intraOpNumThreads: Number(o.threads), interOpNumThreads: 1 });
  const n = test.samples.length;
  const probs = new Float32Array(n * 6);
  const labels = new Float32Array(n * 6);
  let at = 0;
  for (const b of test.epoch(0)) {
    const r = await session.run({ input: new ort.Tensor('float32', b.x, [b.n, cache.channels, cache.size, cache.size]) });
    probs.set(r.probabilities.data, at * 6);
    labels.set(b.y, at * 6);
    at += b.n;
  }
  await session.release();
  test.close();
  db.close();
  const prevalence = LABELS.map((_, j) => train.reduce((s, t) => s + t.labels[j], 0) / train.length);
  const prevProbs = Float32Array.from({ length: n * 6 }, (_, k) => prevalence[k % 6]);
  return {
    n,
    cache: cache.key,
    weighted_log_loss: weightedLogLoss(probs, labels, n),
    prevalence_weighted_log_loss: weightedLogLoss(prevProbs, labels, n),
    auc: Object.fromEntries(LABELS.map((l, j) => [l, auc(probs, labels, n, j)])),
  };
}

/** `ich eval --json` on our model, when the command exists (a cross-check of evaluateOurs). */
function ichEval() {
  const help = spawnSync(process.execPath, [cli, 'eval', '--help'], { encoding: 'utf8' });
  if (help.status !== 0) return undefined;
  try {
    return runJson(process.execPath, [cli, 'eval', '--model', modelDir, '--data', data, '--json']).json;
  } catch (e) {
    log(`ich eval failed, ignored: ${e.message}`);
    return undefined;
  }
}

const fmt = (x, d = 4) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
const started = performance.now();
rmSync(o.data ? modelDir : out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const synth = o.data
  ? { json: { slices: (await import('../dist/src/data/db.js')).openIndexDb(dbPath).prepare(`SELECT COUNT(*) AS n FROM files WHERE status = 'ok'`).get().n, reused: data }, seconds: 0 }
  : runJson(process.execPath, [cli, 'synth', '--out', data, '--studies', o.studies, '--seed', o.seed, '--size', o['synth-size'], '--threads', o.threads, '--json']);
const initPath = join(out, 'init.safetensors');
const orderPath = join(out, 'order.json');
rmSync(initPath, { force: true });
rmSync(orderPath, { force: true });
if (sameStart) writeInit(initPath);
const train = runJson(process.execPath, [cli, 'train', '--data', data, '--out', modelDir, '--epochs', o.epochs, '--lr', o.lr, '--size', o.size, '--seed', o.seed, '--patience', o.epochs, '--threads', o.threads, '--json']);
const oursEpochSeconds = train.json.epochs.reduce((s, e) => s + e.seconds, 0);
train.json.epochs.forEach((e) => log(`  epoch ${e.epoch + 1}: train ${fmt(e.trainLoss)}, val ${fmt(e.valLoss)}${e.best ? ' (best)' : ''}, ${fmt(e.seconds, 1)} s`));
const ours = await evaluateOurs();
const oursEval = ichEval();
// The batch order needs the cache, which ich train makes (prepareData) on a fresh phantom folder.
const oursFirstSteps = sameStart ? await writeOrder(orderPath) : undefined;
const torch = runJson(o.python, [join(root, 'bench/reference/train_cache_reference.py'), dbPath, '--epochs', o.epochs, '--batch', String(BATCH), '--lr', o.lr, '--seed', o.seed, '--threads', o.threads,
  ...(sameStart ? ['--init', initPath, '--order', orderPath] : [])]);
const t = torch.json;
const firstSteps = sameStart ? oursFirstSteps.map((ours, i) => ({ step: i + 1, ours, torch: t.first_step_losses[i], diff: ours - t.first_step_losses[i] })) : undefined;
if (t.n.test !== ours.n) throw new Error(`test parts differ: ours ${ours.n} slices, PyTorch ${t.n.test}`);

const rows = [
  ['ichdetect baseline (ONNX Runtime)', ours.weighted_log_loss, train.json.bestEpoch + 1, oursEpochSeconds, train.seconds],
  ['PyTorch reference (same network)', t.test_weighted_log_loss, t.best_epoch, t.seconds, torch.seconds],
  ['prevalence-only predictor', t.prevalence_weighted_log_loss, null, null, null],
];
const lines = [
  `${o.data ? `phantoms: reused ${data}` : `phantoms: ich synth --studies ${o.studies} --seed ${o.seed} --size ${o['synth-size']} → ${synth.json.slices} slices`}; split ${t.n.train}/${t.n.val}/${t.n.test} (train/val/test, patient level); cache ${ours.cache} (model input ${o.size}²); ${o.epochs} epochs, batch 32, Adam lr ${o.lr}, ${o.threads} threads`,
  '',
  '| | test weighted log loss | best epoch (val) | 10-epoch train + val seconds | wall clock s |'.replace('10-epoch', `${o.epochs}-epoch`),
  '|---|---|---|---|---|',
  ...rows.map(([name, loss, best, secs, wall]) => `| ${name} | ${fmt(loss)} | ${best ?? '–'} | ${fmt(secs, 1)} | ${fmt(wall, 1)} |`),
  '',
  `per-label test AUC (ours / PyTorch): ${LABELS.map((l) => `${l} ${fmt(ours.auc[l], 3)} / ${fmt(t.auc[l], 3)}`).join(', ')}`,
  `ours / prevalence-only: ${fmt(ours.weighted_log_loss / t.prevalence_weighted_log_loss, 3)}; ours − PyTorch: ${fmt(ours.weighted_log_loss - t.test_weighted_log_loss)} (${ours.weighted_log_loss <= t.test_weighted_log_loss ? 'no worse' : 'WORSE'} than the reference)`,
  sameStart
    ? `start: shared (PyTorch from ichdetect's initial weights for seed ${o.seed} and its batch order); first-epoch train loss ours ${fmt(train.json.epochs[0].trainLoss, 6)}, PyTorch ${fmt(t.epochs[0].train_loss, 6)}; first steps' loss ours / PyTorch: ${firstSteps.map((s) => `${s.ours.toFixed(6)} / ${s.torch.toFixed(6)}`).join(', ')} (max |diff| ${Math.max(...firstSteps.map((s) => Math.abs(s.diff))).toExponential(1)})`
    : `start: independent (each side's own initial weights and shuffle from seed ${o.seed}); first-epoch train loss ours ${fmt(train.json.epochs[0].trainLoss, 6)}, PyTorch ${fmt(t.epochs[0].train_loss, 6)}`,
  `per-epoch train loss, ours − PyTorch: ${train.json.epochs.map((e, i) => (e.trainLoss - t.epochs[i].train_loss).toExponential(1)).join(', ')}; val loss: ${train.json.epochs.map((e, i) => (e.valLoss - t.epochs[i].val_loss).toExponential(1)).join(', ')}`,
  `check: prevalence-only loss from ichdetect's side ${fmt(ours.prevalence_weighted_log_loss, 6)}, from Python ${fmt(t.prevalence_weighted_log_loss, 6)}`,
];
if (oursEval) lines.push(`ich eval --json: weighted log loss ${fmt(oursEval.weighted_log_loss)} on ${oursEval.n} slices`);
lines.push(`total ${fmt((performance.now() - started) / 1000, 0)} s`);
process.stdout.write(`\n${lines.join('\n')}\n`);
writeFileSync(join(out, 'compare.json'), JSON.stringify({
  settings: { studies: Number(o.studies), synthSize: Number(o['synth-size']), size: Number(o.size), epochs: Number(o.epochs), lr: Number(o.lr), seed: Number(o.seed), threads: Number(o.threads), sameStart },
  synth: { slices: synth.json.slices, seconds: synth.seconds },
  ours: { ...ours, best_epoch: train.json.bestEpoch + 1, epochs: train.json.epochs, epoch_seconds: oursEpochSeconds, wall_seconds: train.seconds, ich_eval: oursEval },
  torch: { ...t, wall_seconds: torch.seconds },
  same_start: sameStart ? { init: initPath, order: orderPath, first_steps: firstSteps } : false,
  node: process.version,
  ort: JSON.parse(readFileSync(join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version,
}, null, 1) + '\n');
