import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { openIndexDb } from '../../src/data/db.js';
import { LABELS, readLabelsCsv } from '../../src/data/labels.js';
import { synthesize, type SynthSummary } from '../../src/data/phantom/synth.js';
import { initWeights } from '../../src/engine/index.js';
import { weightedLogLoss } from '../../src/evaluate/log-loss.js';
import { baselineModel } from '../../src/models/baseline.js';
import { modelCard, saveModelFolder } from '../../src/models/folder.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { parseWindows } from '../../src/preprocess/window.js';
import { runCli } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';

interface EvalJson {
  n: number;
  weighted_log_loss: number;
  baseline_weighted_log_loss: number;
  baseline_prevalence: Record<string, number>;
  baseline_prevalence_source: string;
  auc: Record<string, number | null>;
  log_loss: Record<string, number>;
  at_threshold: Record<string, { threshold: number; sensitivity: number | null; specificity: number | null }>;
  any_at_sensitivity: { target: number; threshold: number | null; sensitivity: number | null; specificity: number | null };
  part: string;
  selection: string;
  rejected: number;
  rejected_files: { path: string; code: string; reason: string }[];
  unlabelled: number;
}

let tmp: TempDir;
let data: string;
let model: string;
let synth: SynthSummary;
let labels: Map<string, Float32Array>;

before(async () => {
  tmp = new TempDir();
  data = tmp.file('data');
  synth = await synthesize({ out: data, studies: 10, seed: 21, size: 64, positiveShare: 0.3, corrupt: 1 });
  labels = (await readLabelsCsv(join(data, 'labels.csv'))).labels;
  for (const args of [['index', data, '--labels', join(data, 'labels.csv')], ['split', data, '--seed', '2', '--val', '0.2', '--test', '0.3']]) {
    const run = runCli(args);
    assert.equal(run.status, 0, run.stderr);
  }
  const architecture = { name: 'baseline' as const, options: { size: 32, channels: 3 } };
  const net = baselineModel(architecture.options);
  model = tmp.file('model');
  saveModelFolder(model, { card: modelCard(architecture, parseWindows('brain,subdural,soft'), 32), model: net, weights: initWeights(net, 4) });
});
after(() => tmp.remove());

/** The labelled, usable slices of one split part, straight from the index. */
function partSlices(part: string): { path: string; sop: string }[] {
  const db = openIndexDb(join(data, '.ich', 'index.db'));
  try {
    return db
      .prepare(`SELECT f.path AS path, f.sop_instance_uid AS sop FROM files f JOIN split s ON s.patient_id = f.patient_id WHERE f.status = 'ok' AND s.part = ? AND f.y_any IS NOT NULL ORDER BY f.path`)
      .all(part) as { path: string; sop: string }[];
  } finally {
    db.close();
  }
}

function evalJson(args: string[]): EvalJson {
  const run = runCli(['eval', '--model', model, '--data', data, '--json', '--threads', '2', ...args]);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as EvalJson;
}

test('ich eval --json: the test part of the split by default, with the metric, AUCs, operating points and the train-prevalence baseline', async () => {
  const j = evalJson([]);
  const test = partSlices('test');
  assert.ok(test.length > 0);
  assert.equal(j.part, 'test');
  assert.equal(j.selection, 'index-split');
  assert.equal(j.n, test.length, 'n = labelled slices of the test part');
  assert.equal(j.rejected, 0);
  assert.equal(j.unlabelled, 0);
  assert.deepEqual(Object.keys(j.auc), [...LABELS]);
  assert.deepEqual(Object.keys(j.at_threshold), [...LABELS]);
  for (const l of LABELS) assert.equal(j.at_threshold[l]!.threshold, 0.5);
  assert.equal(j.any_at_sensitivity.target, 0.95);
  assert.ok(Number.isFinite(j.weighted_log_loss) && j.weighted_log_loss > 0);
  assert.ok(Number.isFinite(j.baseline_weighted_log_loss) && j.baseline_weighted_log_loss > 0);

  // The metric matches predictions of the same files scored independently.
  const p = await predictFiles(model, test.map((s) => s.path), { threads: 0 });
  const probs = p.slices.flatMap((s) => [...s.probs]);
  const y = p.slices.flatMap((s) => [...labels.get(s.sop)!]);
  assert.ok(Math.abs(weightedLogLoss(probs, y, p.slices.length) - j.weighted_log_loss) < 1e-6);

  // The baseline predicts the train part's prevalence.
  const train = partSlices('train').map((s) => labels.get(s.sop)!);
  assert.equal(j.baseline_prevalence_source, 'train-part');
  LABELS.forEach((l, k) => assert.ok(Math.abs(j.baseline_prevalence[l]! - train.reduce((a, v) => a + v[k]!, 0) / train.length) < 1e-12, l));
});

test('ich eval --part val and --part all: n follows the part; without an index every file is scanned and the truncated one is rejected', () => {
  assert.equal(evalJson(['--part', 'val']).n, partSlices('val').length);
  const all = evalJson(['--part', 'all']);
  assert.equal(all.selection, 'scan');
  assert.equal(all.n, synth.slices - 1);
  const noIndex = evalJson(['--db', tmp.file('none.db')]);
  assert.equal(noIndex.part, 'all');
  assert.equal(noIndex.baseline_prevalence_source, 'evaluated-set');
  assert.equal(noIndex.n, synth.slices - 1);
  assert.equal(noIndex.rejected, 1);
  assert.equal(basename(noIndex.rejected_files[0]!.path), basename(synth.corrupted[0]!));
  assert.equal(noIndex.rejected_files[0]!.code, 'truncated');
  const bad = runCli(['eval', '--model', model, '--data', data, '--db', tmp.file('none.db'), '--part', 'test']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /no index/);
});

test('ich eval --report writes roc.png, calibration.png and report.json; the text report prints the metric beside the baseline', () => {
  const dir = tmp.file('report');
  const run = runCli(['eval', '--model', model, '--data', data, '--report', dir, '--threads', '2']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /weighted log loss: \d\.\d+ {2}\(prevalence-only baseline: \d\.\d+/);
  assert.match(run.stdout, /any at ≥95% sensitivity/);
  for (const png of ['roc.png', 'calibration.png']) assert.deepEqual([...readFileSync(join(dir, png)).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], png);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as EvalJson & { roc: Record<string, unknown>; calibration: Record<string, unknown> };
  assert.equal(report.n, partSlices('test').length);
  assert.deepEqual(Object.keys(report.calibration), [...LABELS]);
});
