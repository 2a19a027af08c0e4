// Study-level results end to end on phantoms: trainRun fits the study calibration on the val part,
// ich calibrate refits it (only model.json's `study` changes), ich triage orders studies by
// calibrated P(any), ich eval reports study AUCs.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openIndexDb } from '../../src/data/db.js';
import { LABELS, type Label } from '../../src/data/labels.js';
import { synthesize, type SynthSummary } from '../../src/data/phantom/synth.js';
import { applyPlatt } from '../../src/predict/platt.js';
import { type PlattParams } from '../../src/models/folder.js';
import { type TriageEntry } from '../../src/predict/triage.js';
import { readModelCard, writeModelCard } from '../../src/models/folder.js';
import { trainRun } from '../../src/workflow/train-run.js';
import { runCli } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';

let tmp: TempDir;
let data: string;
let model: string;
let synth: SynthSummary;

before(async () => {
  tmp = new TempDir();
  data = tmp.file('data');
  synth = await synthesize({ out: data, studies: 10, seed: 21, size: 64, positiveShare: 0.14, corrupt: 0 });
  model = tmp.file('model');
  await trainRun({ data, out: model, model: 'baseline', optimizer: 'adam', lr: 1e-3, size: 32, epochs: 1, batch: 16, seed: 4, patience: 5, threads: 1 });
});
after(() => tmp.remove());

/** Distinct studies of one split part, from the index. */
function partStudies(part: string): number {
  const db = openIndexDb(join(data, '.ich', 'index.db'));
  try {
    const row = db.prepare(`SELECT COUNT(DISTINCT f.study_instance_uid) AS n FROM files f JOIN split s ON s.patient_id = f.patient_id WHERE f.status = 'ok' AND s.part = ? AND f.y_any IS NOT NULL`).get(part);
    return (row as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A copy of the trained model folder (model.json, model.onnx, weights.safetensors). */
function copyModel(name: string): string {
  const dir = tmp.file(name);
  for (const f of ['model.json', 'model.onnx', 'weights.safetensors', 'ood.safetensors']) cpSync(join(model, f), join(dir, f));
  return dir;
}

test('trainRun leaves a study calibration in model.json, fitted on the val part’s studies', () => {
  const study = readModelCard(model).study;
  assert.ok(study, 'card.study after training');
  assert.equal(study.aggregation, 'max-over-slices');
  assert.equal(study.fitted.part, 'val');
  assert.equal(study.fitted.studies, partStudies('val'));
  assert.deepEqual(Object.keys(study.calibration), [...LABELS]);
  for (const l of LABELS) {
    const { a, b } = study.calibration[l];
    assert.ok(Number.isFinite(a) && Number.isFinite(b), l);
    const oneClass = study.fitted.positives[l] === 0 || study.fitted.positives[l] === study.fitted.studies;
    if (oneClass) assert.deepEqual(study.calibration[l], { a: 1, b: 0 }, `${l}: one class keeps the identity`);
  }
});

test('ich calibrate --part train rewrites only model.json’s study, and prints a, b and AUC before/after', () => {
  const dir = copyModel('recalibrated');
  const before = readModelCard(dir);
  const run = runCli(['calibrate', '--model', dir, '--data', data, '--part', 'train', '--threads', '1']);
  assert.equal(run.status, 0, run.stderr);
  const after = readModelCard(dir);
  assert.equal(after.study!.fitted.part, 'train');
  assert.equal(after.study!.fitted.studies, partStudies('train'));
  assert.deepEqual({ ...after, study: undefined }, { ...before, study: undefined }, 'nothing else changes');
  assert.match(run.stdout, new RegExp(`fitted on ${partStudies('train')} studies of the train part`));
  assert.match(run.stdout, /AUC raw +AUC cal +a +b/);
  const row = run.stdout.split('\n').find((l) => l.startsWith('any '))!;
  assert.ok(row.includes(after.study!.calibration.any.a.toFixed(4)) && row.includes(after.study!.calibration.any.b.toFixed(4)), row);
  const json = runCli(['calibrate', '--model', dir, '--data', data, '--json', '--threads', '1']);
  assert.equal(json.status, 0, json.stderr);
  const j = JSON.parse(json.stdout) as { study: { fitted: { part: string } }; evaluation: { n: number; auc: Record<string, number | null>; calibrated: { auc: Record<string, number | null> } } };
  assert.equal(j.study.fitted.part, 'val', '--part defaults to val');
  assert.equal(j.evaluation.n, partStudies('val'));
  assert.deepEqual(Object.keys(j.evaluation.calibrated.auc), [...LABELS]);
});

interface TriageJson {
  calibrated: boolean;
  study_aggregation: string;
  studies: (TriageEntry & { calibrated: Record<Label, number> | null; raw: Record<Label, number>; drivers: Record<Label, { sop: string }[]> })[];
}

test('ich triage --json lists every study, ordered by calibrated P(any), each with its top subtype and key slice', () => {
  const run = runCli(['triage', '--model', model, data, '--json', '--threads', '1']);
  assert.equal(run.status, 0, run.stderr);
  const j = JSON.parse(run.stdout) as TriageJson;
  const calibration = readModelCard(model).study!.calibration as Record<Label, PlattParams>;
  assert.equal(j.calibrated, true);
  assert.equal(j.study_aggregation, 'max-over-slices+platt');
  assert.equal(j.studies.length, synth.studies, 'every study');
  assert.deepEqual(j.studies.map((s) => s.rank), j.studies.map((_, i) => i + 1));
  // Assessed studies by P(any), then those not assessed (mostly out of distribution), by P(any) too.
  const apart = (s: { status: string }) => Number(s.status === 'not-assessed');
  for (let i = 1; i < j.studies.length; i++) {
    const [a, b] = [j.studies[i - 1]!, j.studies[i]!];
    assert.ok(apart(a) < apart(b) || (apart(a) === apart(b) && a.any >= b.any), `rank ${i} before ${i + 1}`);
  }
  for (const s of j.studies) {
    assert.ok(Math.abs(s.any - applyPlatt(s.raw.any, calibration.any)) < 1e-12, 'P(any) is the calibrated maximum');
    assert.equal(s.any, s.calibrated!.any);
    const subtypes = LABELS.slice(1);
    assert.equal(s.topSubtype.probability, Math.max(...subtypes.map((l) => s.calibrated![l])));
    assert.equal(s.keySlice.sop, s.drivers.any[0]!.sop);
  }
  const text = runCli(['triage', '--model', model, data, '--limit', '2', '--threads', '1']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /probabilities: calibrated/);
  const rows = text.stdout.split('\n').filter((l) => /^ +\d+ {2}/.test(l));
  assert.deepEqual(rows.map((r) => r.trim().split(/ +/)[1]), j.studies.slice(0, 2).map((s) => s.studyInstanceUID));
  assert.match(text.stdout, new RegExp(`… ${synth.studies - 2} more studies`));
});

test('ich triage on a model without a study calibration says so and ranks by the raw maximum', () => {
  const dir = copyModel('uncalibrated');
  writeModelCard(dir, { ...readModelCard(dir), study: undefined });
  const j = JSON.parse(runCli(['triage', '--model', dir, data, '--json', '--threads', '1']).stdout) as TriageJson;
  assert.equal(j.calibrated, false);
  assert.equal(j.study_aggregation, 'max-over-slices');
  assert.ok(j.studies.every((s) => s.calibrated === null && s.any === s.raw.any));
  assert.match(runCli(['triage', '--model', dir, data, '--threads', '1']).stdout, /NOT calibrated/);
});

test('ich eval reports study-level results: --json `study` with n and AUC per label (any first), raw and calibrated', () => {
  const run = runCli(['eval', '--model', model, '--data', data, '--part', 'all', '--json', '--threads', '1']);
  assert.equal(run.status, 0, run.stderr);
  const j = JSON.parse(run.stdout) as { study: { n: number; positives: Record<string, number>; auc: Record<string, number | null>; weighted_log_loss: number; calibrated: { auc: Record<string, number | null>; weighted_log_loss: number } | null } };
  assert.equal(j.study.n, synth.studies);
  assert.deepEqual(Object.keys(j.study.auc), [...LABELS]);
  assert.ok(j.study.positives.any > 0 && j.study.positives.any < synth.studies, 'both classes among the studies');
  assert.equal(typeof j.study.auc.any, 'number');
  assert.ok(j.study.calibrated && Number.isFinite(j.study.calibrated.weighted_log_loss));
  const text = runCli(['eval', '--model', model, '--data', data, '--part', 'all', '--threads', '1']);
  assert.match(text.stdout, new RegExp(`studies: ${synth.studies} \\(study score`));
  assert.match(text.stdout, /study weighted log loss: raw \d\.\d+, calibrated \d\.\d+/);
});
