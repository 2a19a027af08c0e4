// Expected gradients against values known in closed form, its additivity, determinism and label
// batching; the background sample a model folder keeps, and that trainRun writes it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cacheInfo, type CacheInfo } from '../../src/data/cache.js';
import { type Db, openIndexDb } from '../../src/data/db.js';
import { synthesize } from '../../src/data/phantom/synth.js';
import { TensorReader } from '../../src/data/tensor-reader.js';
import { compileInference, Dense, Flatten, initWeights, type Model, sequential, type Weights } from '../../src/engine/index.js';
import { BACKGROUND_FILE, readBackground, writeBackground } from '../../src/explain/background.js';
import { GradientExplainer, type GradientExplainerOptions, gradientPoints } from '../../src/explain/gradient.js';
import { explainModel } from '../../src/explain/model.js';
import type { ExplainModel } from '../../src/explain/types.js';
import { loadModelFolder } from '../../src/models/folder.js';
import { tensorSpec } from '../../src/preprocess/tensor.js';
import { DEFAULT_WINDOWS } from '../../src/preprocess/window.js';
import { cachedSamples } from '../../src/train/dataset.js';
import { trainRun } from '../../src/workflow/train-run.js';
import { rng, uniform } from '../engine/gradcheck.js';
import { tinyChain } from '../engine/models.js';
import { TempDir } from '../helpers/paths.js';

const SHAPE = [2, 4, 4] as const;
const PER = SHAPE[0] * SHAPE[1] * SHAPE[2];
const PIXELS = SHAPE[1] * SHAPE[2];
const K = 6;

/** logit_l(x) = Σ_i W[i, l] x_i + c_l: Flatten + Dense with known weights. */
function linearModel(): { m: ExplainModel; w: Float32Array; bias: Float32Array } {
  const model = sequential([...SHAPE], [new Flatten(), ['head', new Dense({ units: K })]]);
  const random = rng(11);
  const w = Float32Array.from({ length: PER * K }, () => 2 * random() - 1);
  const bias = Float32Array.from({ length: K }, (_, l) => 0.1 * (l - 2));
  const weights: Weights = new Map([['head.weight', w], ['head.bias', bias]]);
  return { m: asExplainModel(model, weights), w, bias };
}

function asExplainModel(model: Model, weights: Weights): ExplainModel {
  const [c, h, w] = model.inputShape;
  return { model, weights, inputShape: [c, h, w], onnx: compileInference(model, weights) };
}

const logitOf = (w: Float32Array, bias: Float32Array, x: Float32Array, l: number) => x.reduce((a, v, i) => a + v * w[i * K + l], bias[l]);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Σ_c W[c·HW + p, l] · d[c·HW + p]: the per-pixel map of a linear attribution w ⊙ d. */
function linearMap(w: Float32Array, d: Float64Array, l: number, scale = 1): Float64Array {
  const map = new Float64Array(PIXELS);
  for (let i = 0; i < PER; i++) map[i % PIXELS] += w[i * K + l] * d[i] * scale;
  return map;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

async function explainWith(m: ExplainModel, background: Float32Array, x: Float32Array, opts: GradientExplainerOptions, labels?: readonly number[]) {
  const explainer = await GradientExplainer.open(m, background, { threads: 1, ...opts });
  try {
    return await explainer.explain(x, labels);
  } finally {
    await explainer.release();
  }
}

test('logit of a linear model, one background image: φ = w ⊙ (x − b) exactly, additive', async (t) => {
  const { m, w, bias } = linearModel();
  const random = rng(3);
  const x = uniform(random, PER, 0, 1);
  const b = uniform(random, PER, 0, 1);
  for (const sampling of ['iid', 'stratified'] as const) {
    const result = await explainWith(m, b, x, { output: 'logit', samples: 50, seed: 1, sampling });
    assert.deepEqual(result.map((e) => e.label), [0, 1, 2, 3, 4, 5]);
    let worst = 0;
    let worstAdd = 0;
    for (const e of result) {
      const exact = linearMap(w, Float64Array.from(x, (v, i) => v - b[i]), e.label);
      worst = Math.max(worst, maxDiff(e.map, exact));
      const expectedSum = logitOf(w, bias, x, e.label) - logitOf(w, bias, b, e.label);
      assert.ok(Math.abs(e.expectedSum - expectedSum) < 1e-5, `expectedSum ${e.expectedSum} vs ${expectedSum}`);
      worstAdd = Math.max(worstAdd, Math.abs(e.additivityError));
      assert.equal(e.method, 'gradient');
      assert.ok(Math.abs(e.probability - sigmoid(logitOf(w, bias, x, e.label))) < 1e-6);
      assert.ok(e.seconds > 0);
    }
    t.diagnostic(`${sampling}: max |φ − w⊙(x−b)| = ${worst.toExponential(2)}, max |additivity error| = ${worstAdd.toExponential(2)}`);
    assert.ok(worst < 1e-5, `map error ${worst}`);
    assert.ok(worstAdd < 1e-5, `additivity error ${worstAdd}`);
  }
});

test('logit of a linear model, five background images: φ = w ⊙ (x − E b) (stratified: exactly; iid: the mean of the drawn b)', async (t) => {
  const { m, w } = linearModel();
  const random = rng(4);
  const x = uniform(random, PER, 0, 1);
  const count = 5;
  const background = uniform(random, count * PER, 0, 1);
  const samples = 200;
  const bgMean = new Float64Array(PER);
  for (let j = 0; j < count; j++) for (let i = 0; i < PER; i++) bgMean[i] += background[j * PER + i] / count;

  const stratified = await explainWith(m, background, x, { output: 'logit', samples, seed: 9 });
  let worst = 0;
  for (const e of stratified) worst = Math.max(worst, maxDiff(e.map, linearMap(w, Float64Array.from(x, (v, i) => v - bgMean[i]), e.label)), Math.abs(e.additivityError));
  t.diagnostic(`stratified, ${samples} samples over ${count} images: max error (map and additivity) ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-5, `stratified error ${worst}`);

  // iid: E over the drawn background images, which this seed's points name.
  const points = gradientPoints(9, samples, count, 'iid');
  const drawnMean = new Float64Array(PER);
  for (const j of points.background) for (let i = 0; i < PER; i++) drawnMean[i] += background[j * PER + i] / samples;
  const iid = await explainWith(m, background, x, { output: 'logit', samples, seed: 9, sampling: 'iid' });
  let worstIid = 0;
  let addIid = 0;
  for (const e of iid) {
    worstIid = Math.max(worstIid, maxDiff(e.map, linearMap(w, Float64Array.from(x, (v, i) => v - drawnMean[i]), e.label)));
    addIid = Math.max(addIid, Math.abs(e.additivityError));
  }
  t.diagnostic(`iid: max |φ − w⊙(x − mean of drawn b)| = ${worstIid.toExponential(2)}; additivity error (sampling, not arithmetic) up to ${addIid.toExponential(2)}`);
  assert.ok(worstIid < 1e-5, `iid error ${worstIid}`);
  assert.ok(addIid > 1e-4, 'iid draws are not balanced over the background, so the sum is off by the sampling error');
});

test('probability of a linear model, one background image: φ = w ⊙ (x − b) · (σ(z_x) − σ(z_b)) / (z_x − z_b)', async (t) => {
  // Along the straight path the logit is linear in α, so E_α σ'(z(α)) = (σ(z_x) − σ(z_b)) / (z_x − z_b).
  const { m, w, bias } = linearModel();
  const random = rng(5);
  const x = uniform(random, PER, 0, 1);
  const b = uniform(random, PER, 0, 1);
  const d = Float64Array.from(x, (v, i) => v - b[i]);
  const errors: string[] = [];
  for (const samples of [20, 200]) {
    const result = await explainWith(m, b, x, { samples, seed: 2 });
    let rel = 0;
    let add = 0;
    for (const e of result) {
      const zx = logitOf(w, bias, x, e.label);
      const zb = logitOf(w, bias, b, e.label);
      const exact = linearMap(w, d, e.label, (sigmoid(zx) - sigmoid(zb)) / (zx - zb));
      const scale = Math.max(...exact.map(Math.abs));
      rel = Math.max(rel, maxDiff(e.map, exact) / scale);
      add = Math.max(add, Math.abs(e.additivityError) / Math.abs(e.expectedSum));
      assert.ok(Math.abs(e.expectedSum - (sigmoid(zx) - sigmoid(zb))) < 1e-6);
    }
    errors.push(`${samples} samples: map ${rel.toExponential(2)}, additivity ${add.toExponential(2)} (relative)`);
    assert.ok(rel < (samples === 20 ? 1e-2 : 1e-3), `relative map error ${rel} at ${samples} samples`);
    assert.ok(add < (samples === 20 ? 1e-2 : 1e-3), `relative additivity error ${add} at ${samples} samples`);
  }
  t.diagnostic(`stratified α: ${errors.join('; ')}`);
});

test('a small CNN: additivity error shrinks with samples; one seed gives one result; all six labels at once equal one at a time', async (t) => {
  const model = tinyChain();
  const m = asExplainModel(model, initWeights(model, 7));
  const [c, h, w] = m.inputShape;
  const per = c * h * w;
  const random = rng(6);
  const x = uniform(random, per, 0, 1);
  const background = uniform(random, 8 * per, 0, 1);

  const meanAbsError = (es: { additivityError: number; expectedSum: number }[]) => es.reduce((a, e) => a + Math.abs(e.additivityError), 0) / es.length;
  const scale = (es: { expectedSum: number }[]) => es.reduce((a, e) => a + Math.abs(e.expectedSum), 0) / es.length;
  const lines: string[] = [];
  const errs: Record<string, number> = {};
  for (const sampling of ['iid', 'stratified'] as const) {
    for (const samples of [16, 256, 2048]) {
      const es = await explainWith(m, background, x, { samples, seed: 3, sampling, batch: 64 });
      errs[`${sampling}${samples}`] = meanAbsError(es);
      lines.push(`${sampling} ${samples}: ${meanAbsError(es).toExponential(2)}`);
      if (samples === 16) lines.push(`(mean |f(x) − E f(b)| ${scale(es).toExponential(2)})`);
    }
  }
  t.diagnostic(`mean |additivity error| over the six labels: ${lines.join(', ')}`);
  assert.ok(errs.stratified2048 < errs.stratified16, 'more samples, smaller error (stratified)');
  assert.ok(errs.iid2048 < errs.iid16, 'more samples, smaller error (iid)');
  assert.ok(errs.stratified256 < errs.iid256 && errs.stratified2048 < errs.iid2048, 'stratified points, smaller error');
  assert.ok(errs.stratified2048 < 1e-4, `stratified at 2048 samples: ${errs.stratified2048}`);

  // Determinism (one ORT thread): same seed, same bits; another seed, other points.
  const opts = { samples: 60, seed: 21, batch: 10 };
  const a = await explainWith(m, background, x, opts);
  const b = await explainWith(m, background, x, opts);
  for (let l = 0; l < K; l++) assert.deepEqual(a[l].map, b[l].map, `label ${l}: same seed, same map`);
  const other = await explainWith(m, background, x, { ...opts, seed: 22 });
  assert.ok(maxDiff(a[0].map, other[0].map) > 0, 'another seed draws other points');

  // All six in one pass (rows = points × labels, batches cutting across points) against one label at a time.
  let worst = 0;
  for (let l = 0; l < K; l++) {
    const [one] = await explainWith(m, background, x, { ...opts, batch: 7 }, [l]);
    assert.equal(one.label, l);
    worst = Math.max(worst, maxDiff(one.map, a[l].map));
    assert.equal(one.additivityError.toFixed(6), a[l].additivityError.toFixed(6));
  }
  t.diagnostic(`all six labels at once vs one at a time: max |Δφ| = ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-7, `all-six vs per-label: ${worst}`);

  // Labels come back in the order asked; the labels option is the default set.
  const asked = await explainWith(m, background, x, { ...opts, labels: [4, 1] });
  assert.deepEqual(asked.map((e) => e.label), [4, 1]);
  assert.ok(maxDiff(asked[0].map, a[4].map) < 1e-7);
  const reordered = await explainWith(m, background, x, opts, [5, 0]);
  assert.deepEqual(reordered.map((e) => e.label), [5, 0]);
});

test('the explainer rejects bad inputs with clear errors', async () => {
  const { m } = linearModel();
  await assert.rejects(GradientExplainer.open(m, new Float32Array(PER + 1)), /background holds 33 values/);
  await assert.rejects(GradientExplainer.open(m, new Float32Array(PER), { samples: 0 }), /samples 0 must be a positive integer/);
  const explainer = await GradientExplainer.open(m, new Float32Array(PER), { samples: 4 });
  await assert.rejects(explainer.explain(new Float32Array(PER - 1)), /input holds 31 values/);
  await assert.rejects(explainer.explain(new Float32Array(PER), [6]), /label 6 is not one of the model's 6 outputs/);
  await explainer.release();
});

test('gradientPoints: stratified points use every background slice equally often, each with one α per stratum', () => {
  const p = gradientPoints(5, 200, 8);
  const uses = new Array(8).fill(0);
  for (const j of p.background) uses[j]++;
  assert.deepEqual(uses, new Array(8).fill(25));
  for (let j = 0; j < 8; j++) {
    const strata = [...p.alpha].filter((_, s) => p.background[s] === j).map((a) => Math.floor(a * 25)).sort((a, b) => a - b);
    assert.deepEqual(strata, Array.from({ length: 25 }, (_, i) => i), `slice ${j}: one α in each 25th of [0, 1)`);
  }
  assert.deepEqual(gradientPoints(5, 200, 8), p, 'deterministic');
  const iid = gradientPoints(5, 1000, 8, 'iid');
  assert.ok([...iid.alpha].every((a) => a >= 0 && a < 1) && [...iid.background].every((j) => j >= 0 && j < 8));
});

describe('the background sample', () => {
  let tmp: TempDir;
  let data: string;
  let db: Db;
  let cache: CacheInfo;
  let out: string;
  const SIZE = 32;

  before(async () => {
    tmp = new TempDir();
    data = tmp.file('data');
    await synthesize({ out: data, studies: 6, seed: 8, size: 64, positiveShare: 0.4, corrupt: 0 });
    out = tmp.file('model');
    await trainRun({ data, out, model: 'baseline', optimizer: 'adam', lr: 1e-3, size: SIZE, epochs: 1, batch: 16, seed: 4, patience: 5, threads: 1 });
    db = openIndexDb(join(data, '.ich', 'index.db'));
    cache = cacheInfo(db, tensorSpec(SIZE, DEFAULT_WINDOWS));
  });
  after(() => {
    db?.close();
    tmp?.remove();
  });

  test('trainRun writes the background sample: slices of the train part, exactly their cached bytes', () => {
    assert.ok(existsSync(join(out, BACKGROUND_FILE)));
    const train = cachedSamples(db, cache, 'train');
    const bg = readBackground(out);
    assert.equal(bg.count, Math.min(64, train.length));
    assert.deepEqual(bg.shape, [3, SIZE, SIZE]);
    assert.equal(bg.data.length, bg.count * 3 * SIZE * SIZE);
    assert.equal(bg.meta.seed, 4);
    assert.equal(bg.meta.cache, cache.key);
    const trainIds = new Set(train.map((s) => s.fileId));
    assert.ok(bg.meta.files.every((f) => trainIds.has(f.id)), 'train slices only');
    assert.equal(new Set(bg.meta.files.map((f) => f.id)).size, bg.count, 'no slice twice');
    const reader = new TensorReader(db, cache);
    bg.meta.files.forEach((f, i) => {
      const record = reader.read(f.id)!;
      const slice = bg.data.subarray(i * cache.recordBytes, (i + 1) * cache.recordBytes);
      assert.ok(record.every((v, j) => slice[j] === Math.fround(v / 255)), `record ${i} (file ${f.id}) round-trips`);
    });
    reader.close();
  });

  test('writeBackground: count and seed choose the slices; same seed, same bytes; missing sample named', () => {
    const dir = tmp.file('bg');
    mkdirSync(dir);
    assert.throws(() => readBackground(dir), /this model folder has no background sample: retrain with ich train/);
    const a = writeBackground(dir, db, cache, { count: 10, seed: 1 });
    const bytesA = readFileSync(join(dir, BACKGROUND_FILE));
    assert.equal(a.count, 10);
    assert.equal(bytesA.length, 10 * cache.recordBytes);
    assert.deepEqual(a.files.map((f) => f.id), [...a.files.map((f) => f.id)].sort((x, y) => x - y), 'file-id order');
    const again = writeBackground(dir, db, cache, { count: 10, seed: 1 });
    assert.deepEqual(again, a);
    assert.ok(readFileSync(join(dir, BACKGROUND_FILE)).equals(bytesA));
    const other = writeBackground(dir, db, cache, { count: 10, seed: 2 });
    assert.notDeepEqual(other.files, a.files);
    const all = writeBackground(dir, db, cache, { count: 100000, seed: 1 });
    assert.equal(all.count, cachedSamples(db, cache, 'train').length, 'a small train part is kept whole');
    assert.throws(() => writeBackground(dir, db, cache, { count: 0 }), /positive integer/);
  });

  test('a trained model folder explains a cached slice with its own background', async (t) => {
    const folder = loadModelFolder(out);
    const m = explainModel(folder);
    assert.deepEqual(m.inputShape, [3, SIZE, SIZE]);
    const bg = readBackground(out);
    const explainer = await GradientExplainer.open(m, bg.data, { threads: 1, samples: 128, seed: 1 });
    const x = bg.data.slice(0, cache.recordBytes);
    const es = await explainer.explain(x);
    await explainer.release();
    assert.equal(es.length, 6);
    for (const e of es) {
      assert.equal(e.map.length, SIZE * SIZE);
      assert.ok(e.map.every(Number.isFinite));
      assert.ok(e.probability > 0 && e.probability < 1);
    }
    const rel = es.map((e) => Math.abs(e.additivityError) / Math.max(1e-6, Math.abs(e.expectedSum)));
    t.diagnostic(`trained baseline at ${SIZE}², 128 samples, ${bg.count} background slices: |additivity error| ${es.map((e) => e.additivityError.toExponential(1)).join(', ')} (expected sums ${es.map((e) => e.expectedSum.toExponential(1)).join(', ')}); ${es[0].seconds.toFixed(2)} s`);
    assert.ok(Math.max(...es.map((e) => Math.abs(e.additivityError))) < 0.02, `additivity errors ${rel}`);
  });
});
