import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { LABELS, parseLabelsCsv, readLabelsCsv } from '../../src/data/labels.js';
import { synthesize, type SynthSummary } from '../../src/data/phantom/synth.js';
import { initWeights } from '../../src/engine/index.js';
import { baselineModel } from '../../src/models/baseline.js';
import { modelCard, saveModelFolder } from '../../src/models/folder.js';
import { predictFiles, type PredictResult } from '../../src/predict/predictor.js';
import { parseWindows } from '../../src/preprocess/window.js';
import { runCli } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';

let tmp: TempDir;
let data: string;
let model: string;
let synth: SynthSummary;
/** SOPInstanceUID → labels of every slice synth wrote, and the SOPs of the files it truncated. */
let truth: Map<string, Float32Array>;
let corruptSops: Set<string>;
let viaWorkers: PredictResult;

before(async () => {
  tmp = new TempDir();
  data = tmp.file('data');
  synth = await synthesize({ out: data, studies: 4, seed: 11, size: 64, positiveShare: 0.3, corrupt: 1 });
  truth = (await readLabelsCsv(join(data, 'labels.csv'))).labels;
  corruptSops = new Set(synth.corrupted.map((p) => basename(p, '.dcm')));
  // A freshly initialised baseline (input 32: the 64-pixel phantoms are downscaled).
  const architecture = { name: 'baseline' as const, options: { size: 32, channels: 3 } };
  const net = baselineModel(architecture.options);
  model = tmp.file('model');
  saveModelFolder(model, { card: modelCard(architecture, parseWindows('brain,subdural,soft'), 32), model: net, weights: initWeights(net, 3) });
  viaWorkers = await predictFiles(model, [data], { threads: 2, batch: 16 });
});
after(() => tmp.remove());

test('predictFiles: every readable slice once, the truncated file rejected with its reason, non-DICOM files skipped', () => {
  const r = viaWorkers;
  assert.equal(synth.corrupted.length, 1);
  assert.equal(r.slices.length, synth.slices - 1);
  assert.deepEqual(new Set(r.slices.map((s) => s.sop)), new Set([...truth.keys()].filter((sop) => !corruptSops.has(sop))));
  assert.equal(r.rejected.length, 1);
  assert.equal(r.rejected[0]!.path, join(data, synth.corrupted[0]!));
  assert.equal(r.rejected[0]!.code, 'truncated');
  assert.match(r.rejected[0]!.reason, /file ends at/);
  assert.ok(r.skipped.some((p) => p.endsWith('labels.csv')), 'labels.csv is skipped, and listed');
  for (const s of r.slices) {
    assert.equal(s.probs.length, 6);
    assert.ok(s.probs.every((p) => p >= 0 && p <= 1), `${s.sop}: probabilities in [0, 1]`);
    assert.ok(s.study && s.series && s.patient, `${s.sop}: identifiers`);
  }
});

test('predictFiles: per-study summary is the maximum over each study’s slices, highest any first', () => {
  const r = viaWorkers;
  assert.equal(r.studyAggregation, 'max-over-slices');
  assert.equal(r.studies.length, 4);
  assert.equal(r.studies.reduce((a, s) => a + s.slices, 0), r.slices.length);
  for (const study of r.studies) {
    const mine = r.slices.filter((s) => s.study === study.studyInstanceUID);
    assert.equal(study.slices, mine.length);
    LABELS.forEach((l, j) => assert.equal(study.perLabel[l], Math.max(...mine.map((s) => s.probs[j]!)), `${study.studyInstanceUID} ${l}`));
    assert.equal(study.any, study.perLabel.any);
    const top = mine.find((s) => s.sop === study.topSlice.sop)!;
    assert.equal(top.probs[0], study.any);
  }
  for (let i = 1; i < r.studies.length; i++) assert.ok(r.studies[i - 1]!.any >= r.studies[i]!.any);
});

test('predictFiles: decoding on the main thread gives the same probabilities as worker threads', async () => {
  const main = await predictFiles(model, [data], { threads: 0, batch: 7 });
  assert.deepEqual(main.slices.map((s) => s.path), viaWorkers.slices.map((s) => s.path));
  for (let i = 0; i < main.slices.length; i++) {
    for (let j = 0; j < 6; j++) assert.ok(Math.abs(main.slices[i]!.probs[j]! - viaWorkers.slices[i]!.probs[j]!) < 1e-6);
  }
});

test('predictFiles: a missing input, a non-DICOM file named explicitly and a second file with a seen SOPInstanceUID are rejected, not dropped', async () => {
  const first = viaWorkers.slices[0]!;
  const copies = tmp.file('copies');
  mkdirSync(copies);
  const copy = join(copies, 'again.dcm');
  copyFileSync(first.path, copy);
  const r = await predictFiles(model, [first.path, copies, join(data, 'labels.csv'), tmp.file('nowhere.dcm')], { threads: 0 });
  assert.deepEqual(r.slices.map((s) => s.path), [first.path]);
  const byPath = new Map(r.rejected.map((x) => [x.path, x]));
  assert.equal(byPath.get(copy)?.code, 'duplicate');
  assert.match(byPath.get(copy)!.reason, new RegExp(first.sop));
  assert.equal(byPath.get(join(data, 'labels.csv'))?.code, 'not-dicom');
  assert.equal(byPath.get(tmp.file('nowhere.dcm'))?.code, 'unreadable');
  assert.equal(r.rejected.length, 3);
});

test('ich predict writes an RSNA submission: header, six rows per slice, every ID once, probabilities in [0, 1]; it round-trips through readLabelsCsv', async () => {
  const out = tmp.file('submission.csv');
  const studies = tmp.file('studies.json');
  const run = runCli(['predict', '--model', model, data, '--out', out, '--studies', studies, '--json', '--threads', '2']);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { slices: number; rows: number; rejected: { path: string; code: string; reason: string }[]; studies: unknown[] };
  assert.equal(summary.slices, synth.slices - 1);
  assert.equal(summary.rows, 6 * summary.slices);
  assert.deepEqual(summary.rejected.map((x) => x.code), ['truncated']);

  const text = readFileSync(out, 'utf8');
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'ID,Label');
  const rows = lines.slice(1);
  assert.equal(rows.length, 6 * summary.slices);
  const ids = new Set<string>();
  for (const row of rows) {
    const m = /^(ID_[0-9a-f]+_(any|epidural|intraparenchymal|intraventricular|subarachnoid|subdural)),([0-9.]+)$/.exec(row);
    assert.ok(m, `row "${row}"`);
    assert.ok(!ids.has(m[1]!), `${m[1]} once`);
    ids.add(m[1]!);
    const p = Number(m[3]);
    assert.ok(p >= 0 && p <= 1, row);
  }
  const expected = [...truth.keys()].filter((sop) => !corruptSops.has(sop)).flatMap((sop) => LABELS.map((l) => `${sop}_${l}`));
  assert.deepEqual([...ids].sort(), expected.sort(), 'every ID_<sop>_<subtype> of the input exactly once');

  const back = await readLabelsCsv(out, { probabilities: true });
  assert.deepEqual(back.report, { rows: rows.length, duplicates: [], conflicts: [], unknownSubtypes: [], incomplete: [], malformed: [] });
  assert.equal(back.labels.size, summary.slices);
  for (const s of viaWorkers.slices) {
    const v = back.labels.get(s.sop)!;
    for (let j = 0; j < 6; j++) assert.ok(Math.abs(v[j]! - s.probs[j]!) <= 5e-7 + 1e-6, `${s.sop} ${LABELS[j]}`);
  }
  // The same file read as 0/1 labels fails: the values are probabilities.
  assert.ok(parseLabelsCsv(text).report.malformed.length > 0);

  const studyFile = JSON.parse(readFileSync(studies, 'utf8')) as { studyAggregation: string; studies: { studyInstanceUID: string; any: number }[] };
  assert.equal(studyFile.studyAggregation, 'max-over-slices');
  assert.equal(studyFile.studies.length, 4);
});

test('ich predict without --out prints the submission on stdout and the summary on stderr', () => {
  const run = runCli(['predict', '--model', model, join(data, 'images'), '--threads', '1']);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.stdout.startsWith('ID,Label\n'));
  assert.equal(run.stdout.trimEnd().split('\n').length, 1 + 6 * (synth.slices - 1));
  assert.match(run.stderr, /predicted \d+ slices of 4 studies/);
  assert.match(run.stderr, /truncated/);
  const noOut = runCli(['predict', '--model', model, data, '--json']);
  assert.notEqual(noOut.status, 0);
  assert.match(noOut.stderr, /--out/);
});
