import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openIndexDb } from '../../src/data/db.js';
import { synthesize } from '../../src/data/phantom/synth.js';
import { Dense, sequential } from '../../src/engine/index.js';
import { loadModelFolder } from '../../src/models/folder.js';
import { inceptionV3Blocks, inceptionV3Weights } from '../../src/models/inception.js';
import { BatchLoader, cachedSamples } from '../../src/train/dataset.js';
import { FeatureSource, type FeatureTable } from '../../src/train/features.js';
import { predictLoader } from '../../src/train/predict-set.js';
import { trainRun, type TrainRunOptions } from '../../src/workflow/train-run.js';
import type { CacheInfo } from '../../src/data/cache.js';
import { runCli } from '../helpers/hu.js';
import { realCtFiles, TempDir } from '../helpers/paths.js';
import { predictFiles } from '../../src/predict/predictor.js';

let tmp: TempDir;
let data: string;
const SIZE = 80;

before(async () => {
  tmp = new TempDir();
  data = tmp.file('data');
  await synthesize({ out: data, studies: 10, seed: 4, size: 96, positiveShare: 0.4, corrupt: 0 });
});
after(() => tmp.remove());

const run = (out: string, extra: Partial<TrainRunOptions> = {}) =>
  trainRun({ data, out: tmp.file(out), model: 'inception', optimizer: 'adam', lr: 1e-3, size: SIZE, epochs: 2, batch: 16, seed: 2, patience: 5, threads: 1, ...extra });

function cacheOf(): { db: ReturnType<typeof openIndexDb>; cache: CacheInfo } {
  const db = openIndexDb(join(data, '.ich', 'index.db'));
  const row = db.prepare(`SELECT value FROM meta WHERE key LIKE 'cache:%'`).all() as { value: string }[];
  const cache = row.map((r) => JSON.parse(r.value) as CacheInfo).find((c) => c.size === SIZE);
  assert.ok(cache, `a ${SIZE}² cache`);
  return { db, cache };
}

function featureFile(cache: CacheInfo): string {
  const f = readdirSync(cache.dir).find((n) => n.startsWith('features-inception-mixed5') && n.endsWith('.f32'));
  assert.ok(f, 'the frozen base wrote its features beside the tensor cache');
  return join(cache.dir, f);
}

test('a frozen base trains a head on cached features, and the saved whole model predicts what base + head do', async () => {
  const r = await run('frozen');
  assert.equal(r.epochs.length, 2);
  const { db, cache } = cacheOf();
  const file = featureFile(cache);
  const folder = loadModelFolder(r.out);
  assert.equal(folder.card.architecture.name, 'inception');
  // The whole model (pretrained base + trained head) on the val images...
  const images = new BatchLoader(db, cache, cachedSamples(db, cache, 'val'), { batch: 16, seed: 0 });
  const whole = await predictLoader(folder.model, folder.weights, images, 1);
  // ...against the head alone on the cached features.
  const index = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { dim: number; ids: number[] };
  const raw = readFileSync(file);
  const table: FeatureTable = { dim: index.dim, ids: index.ids, data: new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) };
  assert.equal(table.dim, 768, 'mixed5 pools to 768 features');
  const head = sequential([table.dim], [['head', new Dense({ units: 6 })]]);
  const headWeights = new Map([...folder.weights].filter(([k]) => k.startsWith('head.')));
  const viaFeatures = await predictLoader(head, headWeights, new FeatureSource(cachedSamples(db, cache, 'val'), table, { batch: 16, seed: 0 }), 1);
  images.close();
  db.close();
  assert.equal(whole.n, viaFeatures.n);
  let maxDiff = 0;
  for (let i = 0; i < whole.probs.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole.probs[i]! - viaFeatures.probs[i]!));
  assert.ok(maxDiff < 1e-4, `whole model vs head on cached features: max diff ${maxDiff}`);
  // The base in the folder is the pretrained one, untouched.
  const pretrained = inceptionV3Weights(folder.model);
  for (const [name, w] of pretrained) assert.deepEqual(folder.weights.get(name), w, `${name} unchanged`);

  // A second run reuses the cached features (the file is not rewritten) and, same seed, ends the same.
  const before = statSync(file).mtimeMs;
  const again = await run('frozen-again');
  assert.equal(statSync(file).mtimeMs, before, 'features read back, not recomputed');
  assert.equal(again.bestValLoss, r.bestValLoss);
});

test('the frozen-base InceptionV3 model flags real CT slices out of distribution (its stem’s feature statistics)', async () => {
  const dir = tmp.file('frozen');
  const { ood } = loadModelFolder(dir).card;
  assert.deepEqual(ood?.nodes, ['activation_1']);
  assert.equal(ood?.dim, 64, 'the 32 stem feature maps’ means and deviations');
  const p = await predictFiles(dir, realCtFiles(), { threads: 0, conformance: false });
  assert.equal(p.slices.length, 5, JSON.stringify(p.rejected));
  for (const s of p.slices) assert.ok(s.ood?.flagged, `${s.path}: ood_score ${s.ood?.score} ≤ ${ood!.threshold}`);
  const own = await predictFiles(dir, [join(data, 'images')], { threads: 0 });
  const flagged = own.slices.filter((s) => s.ood!.flagged).length;
  assert.ok(flagged < 0.2 * own.slices.length, `${flagged} of ${own.slices.length} phantom slices flagged`);
});

test('a head over a frozen base defaults to a long schedule (100 epochs, patience 10): its epochs take milliseconds', async () => {
  const r = await run('frozen-default', { epochs: undefined, patience: undefined });
  assert.ok(r.epochs.length > 10, `${r.epochs.length} epochs`);
  assert.ok(r.epochs.length === 100 || r.stopped === 'plateau');
  assert.ok(r.epochs.length - 1 - r.bestEpoch <= 10);
});

test('fine-tuning from mixed5 trains that block and the head only, with every BatchNorm frozen', async () => {
  const r = await run('fine-tune', { fineTuneFrom: 'mixed5', epochs: 1 });
  const folder = loadModelFolder(r.out);
  const pretrained = inceptionV3Weights(folder.model);
  const changed = [...pretrained.keys()].filter((k) => {
    const a = folder.weights.get(k)!;
    const b = pretrained.get(k)!;
    return a.some((v, i) => v !== b[i]);
  });
  assert.ok(changed.length > 0, 'some pretrained weights were trained');
  const bnNodes = new Set(folder.model.nodes.filter((n) => n.layer.kind === 'BatchNorm').map((n) => n.name));
  const mixed5 = new Set(inceptionV3Blocks(folder.model).find((b) => b.name === 'mixed5')!.nodes);
  for (const k of changed) {
    const node = k.slice(0, k.indexOf('.'));
    assert.ok(!bnNodes.has(node), `${k} belongs to a frozen BatchNorm`);
    assert.ok(mixed5.has(node), `${k} is not in mixed5`);
  }
  assert.ok(changed.some((k) => k.startsWith('conv2d_')), 'mixed5 convolutions were trained');
});

test('inception flags are checked: augmentation needs fine-tuning, blocks must exist and be in order', async () => {
  await assert.rejects(run('bad1', { augment: true }), /--augment needs --fine-tune-from/);
  await assert.rejects(run('bad1', { appearance: true }), /--appearance needs --fine-tune-from/);
  await assert.rejects(run('bad2', { baseUntil: 'mixed3', fineTuneFrom: 'mixed5' }), /lies after --base-until/);
  await assert.rejects(run('bad3', { fineTuneFrom: 'mixedX' }), /not an InceptionV3 block/);
  await assert.rejects(trainRun({ data, out: tmp.file('bad4'), model: 'baseline', baseUntil: 'mixed5', optimizer: 'adam', lr: 1e-3, size: 32, epochs: 1, batch: 8, seed: 1, patience: 1 }), /apply to --model inception only/);
});

test('ich compare-optimizers trains one model per optimizer and prints val and test losses side by side', () => {
  const out = tmp.file('compare');
  const r = runCli(['compare-optimizers', '--data', data, '--out', out, '--optimizers', 'adam,sgd', '--epochs', '2', '--size', String(SIZE), '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^\| (adam|sgd) \|/.test(l));
  assert.equal(rows.length, 2, r.stdout);
  assert.match(r.stdout, /prevalence-only test weighted log loss \d\.\d{4}; best on val: (adam|sgd)/);
  for (const k of ['adam', 'sgd']) assert.ok(existsSync(join(out, k, 'model.onnx')), `${k} model folder`);
  const json = runCli(['compare-optimizers', '--data', data, '--out', tmp.file('compare-json'), '--optimizers', 'rmsprop', '--epochs', '1', '--size', String(SIZE), '--threads', '1', '--json']);
  assert.equal(json.status, 0, json.stderr);
  const trial = JSON.parse(json.stdout.trim()) as { optimizer: string; lr: number; testLoss: number; valLoss: number };
  assert.equal(trial.optimizer, 'rmsprop');
  assert.ok(trial.testLoss > 0 && Number.isFinite(trial.valLoss));
});
