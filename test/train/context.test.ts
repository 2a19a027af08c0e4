// Study context: 2.5-D inputs and sequence models, trained with ich train and predicted series by series.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openIndexDb } from '../../src/data/db.js';
import { synthesize } from '../../src/data/phantom/synth.js';
import { compileInference, initWeights, openSession, ort } from '../../src/engine/index.js';
import { loadModelFolder } from '../../src/models/folder.js';
import { predictFiles, type PredictResult } from '../../src/predict/predictor.js';
import { sequenceModel } from '../../src/models/sequence.js';
import { contextChannels, stackContext } from '../../src/preprocess/context.js';
import { runCli } from '../helpers/hu.js';
import { realCtFiles, TempDir } from '../helpers/paths.js';

let tmp: TempDir;
let data: string;
const TRAIN = ['--size', '32', '--batch', '16', '--seed', '3', '--threads', '1'];

before(async () => {
  tmp = new TempDir();
  data = tmp.file('data');
  await synthesize({ out: data, studies: 8, seed: 7, size: 64, positiveShare: 0.4, corrupt: 0 });
});
after(() => tmp.remove());

/** The data set's slices copied under shuffled names (so path order is not slice order). */
function shuffledCopy(name: string): string {
  const dir = tmp.file(name);
  mkdirSync(dir);
  const files = readdirSync(join(data, 'images')).sort();
  files.forEach((f, i) => copyFileSync(join(data, 'images', f), join(dir, `${String((i * 7919) % files.length).padStart(4, '0')}-${i % 3}.dcm`)));
  return dir;
}

const bySop = (r: PredictResult) => new Map(r.slices.map((s) => [s.sop, [...s.probs]]));

function assertSameProbabilities(a: PredictResult, b: PredictResult): void {
  const pa = bySop(a);
  const pb = bySop(b);
  assert.equal(pa.size, pb.size);
  for (const [sop, p] of pa) p.forEach((v, j) => assert.ok(Math.abs(v - pb.get(sop)![j]!) < 1e-6, `${sop} label ${j}: ${v} vs ${pb.get(sop)![j]}`));
}

test('stackContext: the slice\'s windows, then each neighbour\'s first (or every) window; series ends repeat the end slice', () => {
  const [c, plane, length] = [3, 2, 4];
  // Slice j's window w holds the value 10·j + w in both pixels.
  const slices = Array.from({ length }, (_, j) => Uint8Array.from({ length: c * plane }, (_, i) => 10 * j + Math.floor(i / plane)));
  const at = (j: number) => slices[j]!;
  const channelValues = (out: Uint8Array) => Array.from({ length: out.length / plane }, (_, k) => out[k * plane]);
  const first = new Uint8Array(contextChannels(c, { slices: 2, windows: 'first' }) * plane);
  assert.equal(first.length / plane, 3 + 4);
  stackContext(at, 0, length, c, plane, { slices: 2, windows: 'first' }, first, 0);
  assert.deepEqual(channelValues(first), [0, 1, 2, 0, 0, 10, 20]);
  stackContext(at, 3, length, c, plane, { slices: 2, windows: 'first' }, first, 0);
  assert.deepEqual(channelValues(first), [30, 31, 32, 10, 20, 30, 30]);
  const all = new Uint8Array(contextChannels(c, { slices: 1, windows: 'all' }) * plane);
  stackContext(at, 1, length, c, plane, { slices: 1, windows: 'all' }, all, 0);
  assert.deepEqual(channelValues(all), [10, 11, 12, 0, 1, 2, 20, 21, 22]);
});

test('a 2.5-D baseline (--context 1, --appearance) trains, reads 5 channels, and predicts a slice from its neighbours whatever the file names', async () => {
  const out = tmp.file('ctx');
  const r = runCli(['train', '--data', data, '--out', out, '--epochs', '2', '--context', '1', '--appearance', ...TRAIN]);
  assert.equal(r.status, 0, r.stderr);
  const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.equal(card.input.channels, 5);
  assert.equal(card.training.recipe.appearance, true, 'the recipe keeps the augmentation, for fold models to repeat');
  assert.deepEqual(card.input.context, { slices: 1, windows: 'first' });
  const inOrder = await predictFiles(out, [join(data, 'images')], { threads: 0 });
  assert.equal(inOrder.rejected.length, 0);
  assert.equal(inOrder.series?.length, 8);
  assertSameProbabilities(inOrder, await predictFiles(out, [shuffledCopy('ctx-shuffled')], { threads: 1 }));
  // A slice alone is its own neighbour: a different input than within its series.
  const middle = inOrder.slices[Math.floor(inOrder.slices.length / 2)]!;
  const alone = await predictFiles(out, [middle.path], { threads: 0 });
  assert.ok([...alone.slices[0]!.probs].some((v, j) => Math.abs(v - middle.probs[j]!) > 1e-5), 'the neighbours change the prediction');
});

test('baseline+seq trains on a baseline\'s series of embeddings; its model.onnx takes a whole series and uses it', async () => {
  const base = tmp.file('base');
  assert.equal(runCli(['train', '--data', data, '--out', base, '--epochs', '2', ...TRAIN]).status, 0);
  const missing = runCli(['train', '--data', data, '--out', tmp.file('no-base'), '--model', 'baseline+seq', ...TRAIN]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /--model baseline\+seq needs --base-model DIR/);
  const wrong = runCli(['train', '--data', data, '--out', tmp.file('wrong'), '--model', 'inception+seq', '--base-model', base, ...TRAIN]);
  assert.match(wrong.stderr, /is a baseline model; --model inception\+seq needs a inception one/);

  // A fresh head adds zero corrections: the untrained sequence model computes the 2-D model's outputs.
  const folder = loadModelFolder(base);
  const fresh = sequenceModel(folder.model, 'act4');
  const x = Float32Array.from({ length: 5 * 3 * 32 * 32 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const run = async (m: typeof fresh, w: Map<string, Float32Array>) => {
    const session = await openSession(compileInference(m, w));
    const p = (await session.run({ input: new ort.Tensor('float32', x, [5, 3, 32, 32]) })).probabilities!.data as Float32Array;
    await session.release();
    return p;
  };
  const [p2d, pSeq] = [await run(folder.model, folder.weights), await run(fresh, new Map([...initWeights(fresh, 1), ...folder.weights]))];
  p2d.forEach((v, i) => assert.ok(Math.abs(v - pSeq[i]!) < 1e-6, `row ${Math.floor(i / 6)} label ${i % 6}: ${v} vs ${pSeq[i]}`));

  const seq = tmp.file('seq');
  const r = runCli(['train', '--data', data, '--out', seq, '--model', 'baseline+seq', '--base-model', base, '--epochs', '5', '--json', ...TRAIN]);
  assert.equal(r.status, 0, r.stderr);
  const card = JSON.parse(readFileSync(join(seq, 'model.json'), 'utf8'));
  assert.equal(card.architecture.name, 'baseline+seq');
  assert.equal(card.input.series, true);
  assert.equal(card.architecture.options.embedding, 'act4');

  const whole = await predictFiles(seq, [join(data, 'images')], { threads: 0 });
  assert.equal(whole.slices.length, (await predictFiles(base, [join(data, 'images')], { threads: 0 })).slices.length);
  assertSameProbabilities(whole, await predictFiles(seq, [shuffledCopy('seq-shuffled')], { threads: 1 }));
  // Leaving out one slice of a series changes its neighbours' outputs (the temporal convolutions
  // reach them) but not the slices of other series.
  const series = whole.slices.filter((s) => s.series === whole.slices[0]!.series).sort((a, b) => a.position! - b.position!);
  const dropped = series[Math.floor(series.length / 2)]!;
  const partial = bySop(await predictFiles(seq, whole.slices.filter((s) => s !== dropped).map((s) => s.path), { threads: 0 }));
  const next = series[series.indexOf(dropped) + 1]!;
  assert.ok(partial.get(next.sop)!.some((v, j) => Math.abs(v - next.probs[j]!) > 1e-6), 'the neighbour of the left-out slice changes');
  const other = whole.slices.find((s) => s.series !== dropped.series)!;
  partial.get(other.sop)!.forEach((v, j) => assert.ok(Math.abs(v - other.probs[j]!) < 1e-6));

  // The out-of-distribution score rides in the sequence model too: its 2-D base's first block, fitted
  // on the same train part, so every slice, real CT slices (each a series of one) included, scores as
  // under the base, and the flags and study assessments agree.
  assert.deepEqual(card.ood.nodes, ['act1']);
  const baseCard = JSON.parse(readFileSync(join(base, 'model.json'), 'utf8'));
  assert.ok(Math.abs(card.ood.threshold - baseCard.ood.threshold) < 1e-9, `threshold ${card.ood.threshold} vs the base's ${baseCard.ood.threshold}`);
  const files = [...whole.slices.map((s) => s.path), ...realCtFiles()];
  const [s2d, sSeq] = [await predictFiles(base, files, { threads: 0, conformance: false }), await predictFiles(seq, files, { threads: 0, conformance: false })];
  const score2d = new Map(s2d.slices.map((s) => [s.path, s.ood!]));
  assert.equal(sSeq.slices.length, whole.slices.length + 5);
  for (const s of sSeq.slices) {
    const want = score2d.get(s.path)!;
    assert.ok(Math.abs(s.ood!.score - want.score) < 1e-3 * Math.max(1, want.score), `${s.path}: ${s.ood!.score} vs ${want.score}`);
    assert.equal(s.ood!.flagged, want.flagged);
  }
  const status = (r: PredictResult) => new Map(r.studies.map((s) => [s.studyInstanceUID, s.assessment?.status]));
  assert.deepEqual(status(sSeq), status(s2d));
});

test('baseline+seq --folds 2: fold models of the base\'s recipe give the train part out-of-fold logits; the head reads logits only; a rerun reuses the folds', async () => {
  const base = tmp.file('base');
  const recipe = JSON.parse(readFileSync(join(base, 'model.json'), 'utf8')).training.recipe;
  assert.deepEqual({ model: recipe.model, epochs: recipe.epochs, size: recipe.size, seed: recipe.seed }, { model: 'baseline', epochs: 2, size: 32, seed: 3 });
  const out = tmp.file('stacked');
  const args = ['train', '--data', data, '--out', out, '--model', 'baseline+seq', '--base-model', base, '--folds', '2', '--epochs', '3', '--seq-kernel', '3', '--seq-layers', '1', ...TRAIN];
  const r = runCli(args);
  assert.equal(r.status, 0, r.stderr);
  const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.equal(card.architecture.options.embedding, 'head');
  assert.deepEqual(card.architecture.options.head, { kernel: 3, layers: 1 });
  assert.match(card.training.stacking, /out of 2 folds/);
  const folds = readdirSync(join(out, 'folds')).sort();
  assert.deepEqual(folds, ['fold-1-of-2', 'fold-2-of-2']);
  const withheld = folds.map((f) => JSON.parse(readFileSync(join(out, 'folds', f, 'model.json'), 'utf8')).training.withheld as number);
  const db = openIndexDb(join(data, '.ich', 'index.db'));
  const trainSlices = (db.prepare(`SELECT COUNT(*) AS n FROM files f JOIN split s ON s.patient_id = f.patient_id WHERE f.status = 'ok' AND s.part = 'train'`).get() as { n: number }).n;
  db.close();
  assert.ok(withheld.every((n) => n > 0));
  assert.equal(withheld[0]! + withheld[1]!, trainSlices, 'every train slice is withheld by exactly one fold');
  const p = await predictFiles(out, [join(data, 'images')], { threads: 0 });
  assert.equal(p.rejected.length, 0);
  assert.ok(p.slices.every((s) => s.probs.every((v) => v > 0 && v < 1)));
  const stamp = statSync(join(out, 'folds', folds[0]!, 'weights.safetensors')).mtimeMs;
  assert.equal(runCli(args).status, 0);
  assert.equal(statSync(join(out, 'folds', folds[0]!, 'weights.safetensors')).mtimeMs, stamp, 'the fold model is reused');
});
