import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seededRandom } from '../../src/shared/random.js';
import { Conv2d, Dense, Flatten, LeakyReLU, type Model, type Weights, compileInference, initWeights, sequential } from '../../src/engine/index.js';
import { type ImageShape, ImageMasker, blurKernelSize, boxBlur, fillRect, inpaint, partitionTree, reflect101 } from '../../src/explain/masker.js';
import { type BatchEvaluate, PartitionExplainer, partitionShap } from '../../src/explain/partition.js';
import type { ExplainModel, Explanation } from '../../src/explain/types.js';

const C = 2;
const N = 8;
const SHAPE: ImageShape = [C, N, N];
const PLANE = N * N;
const K = 6;
const ALL = [0, 1, 2, 3, 4, 5];
/** Expansions to reach every pixel of an 8×8 tree: a node at depth d has 2^d contexts, Σ_{d<6} 4^d = 1365. */
const FULL_EVALS = 2 + 2 * 1365;

function randomImage(seed: number, n = C * PLANE): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: n }, () => random());
}

/** A linear model: Flatten + Dense(6) with seeded weights (W [C·H·W, 6], b). */
function linearModel(): { em: ExplainModel; W: Float32Array; b: Float32Array } {
  const model = sequential([C, N, N], [['flatten', new Flatten()], ['head', new Dense({ units: K })]]);
  const random = seededRandom(5);
  const W = Float32Array.from({ length: C * PLANE * K }, () => 2 * random() - 1);
  const b = Float32Array.from({ length: K }, () => random() - 0.5);
  const weights: Weights = new Map([['head.weight', W], ['head.bias', b]]);
  return { em: { model, weights, inputShape: SHAPE, onnx: compileInference(model, weights, { logits: true }) }, W, b };
}

/** A small nonlinear CNN (conv, LeakyReLU, dense). */
function cnnModel(): ExplainModel {
  const model: Model = sequential([C, N, N], [
    ['conv', new Conv2d({ filters: 4, kernel: 3, padding: 'same' })],
    ['act', new LeakyReLU(0.1)],
    ['flatten', new Flatten()],
    ['head', new Dense({ units: K })],
  ]);
  const weights = initWeights(model, 9);
  return { model, weights, inputShape: SHAPE, onnx: compileInference(model, weights) };
}

/** The exact per-pixel Owen (= Shapley) values of the linear model: Σ_c W[c,p,k]·(x − masked)[c,p]. */
function linearPixelValues(W: Float32Array, x: Float32Array, masked: Float32Array): Float64Array {
  const out = new Float64Array(PLANE * K);
  for (let p = 0; p < PLANE; p++) {
    for (let k = 0; k < K; k++) {
      let v = 0;
      for (let c = 0; c < C; c++) v += W[(c * PLANE + p) * K + k] * (x[c * PLANE + p] - masked[c * PLANE + p]);
      out[p * K + k] = v;
    }
  }
  return out;
}

/** The linear model in plain JS (logits), counting the evaluations it is asked for. */
function jsLinear(W: Float32Array, b: Float32Array): { evaluate: BatchEvaluate; calls: number[] } {
  const calls: number[] = [];
  const evaluate: BatchEvaluate = async (batch, n) => {
    calls.push(n);
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        let v = b[k];
        for (let j = 0; j < C * PLANE; j++) v += W[j * K + k] * batch[i * C * PLANE + j];
        out[i * K + k] = v;
      }
    }
    return out;
  };
  return { evaluate, calls };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

let linear: ReturnType<typeof linearModel>;
let cnn: ExplainModel;
let x: Float32Array;
const opened: PartitionExplainer[] = [];
const open = async (...args: Parameters<typeof PartitionExplainer.open>): Promise<PartitionExplainer> => {
  const e = await PartitionExplainer.open(...args);
  opened.push(e);
  return e;
};

before(() => {
  linear = linearModel();
  cnn = cnnModel();
  x = randomImage(1);
});
after(async () => {
  for (const e of opened) await e.release();
});

test('partitionTree: shap’s image partition (longer side halved, rows on ties), leaves are the pixels', () => {
  for (const [h, w] of [[8, 8], [5, 3], [1, 7], [128, 128]] as const) {
    const t = partitionTree(h, w);
    assert.equal(t.count, 2 * h * w - 1);
    const seen = new Uint8Array(h * w);
    for (let i = 0; i < t.count; i++) {
      const [r0, r1, c0, c1] = t.rects.subarray(4 * i, 4 * i + 4);
      assert.equal(t.size[i], (r1 - r0) * (c1 - c0));
      const l = t.left[i];
      const r = t.right[i];
      if (l < 0) {
        assert.equal(t.size[i], 1);
        seen[r0 * w + c0]++;
        continue;
      }
      assert.ok(l > i && r > i, 'children after their parent');
      assert.equal(t.parent[l], i);
      assert.equal(t.size[l] + t.size[r], t.size[i]);
      const rows = r1 - r0;
      const cols = c1 - c0;
      if (rows >= cols) assert.deepEqual([...t.rects.subarray(4 * l, 4 * l + 4), ...t.rects.subarray(4 * r, 4 * r + 4)], [r0, r0 + (rows >> 1), c0, c1, r0 + (rows >> 1), r1, c0, c1]);
      else assert.deepEqual([...t.rects.subarray(4 * l, 4 * l + 4), ...t.rects.subarray(4 * r, 4 * r + 4)], [r0, r1, c0, c0 + (cols >> 1), r0, r1, c0 + (cols >> 1), c1]);
    }
    assert.ok(seen.every((s) => s === 1), `${h}×${w}: every pixel is one leaf`);
  }
  assert.equal(partitionTree(8, 8).depth.reduce((a, b) => Math.max(a, b), 0), 6);
});

test('boxBlur: cv2.blur (k×k mean, BORDER_REFLECT_101), constant images unchanged, default kernel scaled from shap’s blur(128,128) at 224', () => {
  assert.equal(blurKernelSize(224), 129);
  assert.equal(blurKernelSize(128), 73);
  assert.equal(blurKernelSize(8), 5);
  assert.deepEqual([-3, -2, -1, 0, 4, 5, 6, 7, 8].map((i) => reflect101(i, 5)), [3, 2, 1, 0, 4, 3, 2, 1, 0]);
  const shape: ImageShape = [2, 7, 9];
  const img = randomImage(3, 2 * 7 * 9);
  for (const [kh, kw] of [[3, 5], [4, 4], [7, 9], [15, 2]] as const) {
    const got = boxBlur(img, shape, [kh, kw]);
    const want = new Float64Array(img.length);
    for (let c = 0; c < 2; c++) {
      for (let r = 0; r < 7; r++) {
        for (let col = 0; col < 9; col++) {
          let s = 0;
          for (let i = -Math.floor(kh / 2); i < kh - Math.floor(kh / 2); i++) {
            for (let j = -Math.floor(kw / 2); j < kw - Math.floor(kw / 2); j++) s += img[c * 63 + reflect101(r + i, 7) * 9 + reflect101(col + j, 9)];
          }
          want[c * 63 + r * 9 + col] = s / (kh * kw);
        }
      }
    }
    assert.ok(maxAbs(got, want) < 1e-6, `${kh}×${kw}: ${maxAbs(got, want)}`);
  }
  const constant = new Float32Array(3 * 128 * 128).fill(0.37);
  const blurred = boxBlur(constant, [3, 128, 128]);
  assert.ok(blurred.every((v) => Math.abs(v - 0.37) < 1e-6));
});

test('inpaint: kept pixels unchanged, filled ones within the kept range, a constant image stays constant, all hidden → channel mean', () => {
  const shape: ImageShape = [3, 16, 12];
  const plane = 16 * 12;
  const img = randomImage(4, 3 * plane);
  const random = seededRandom(8);
  const tree = partitionTree(16, 12);
  for (let trial = 0; trial < 20; trial++) {
    const keep = new Uint8Array(plane);
    // A union of random tree regions, as partition SHAP's masks are.
    for (let j = 0; j < 3; j++) fillRect(tree, 1 + Math.floor(random() * (tree.count - 1)), keep);
    const out = new Float32Array(3 * plane + 5).fill(NaN);
    inpaint(img, shape, keep, out, 5);
    for (let c = 0; c < 3; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let p = 0; p < plane; p++) {
        if (keep[p]) {
          lo = Math.min(lo, img[c * plane + p]);
          hi = Math.max(hi, img[c * plane + p]);
        }
      }
      for (let p = 0; p < plane; p++) {
        const v = out[5 + c * plane + p];
        if (keep[p]) assert.equal(v, img[c * plane + p]);
        else assert.ok(v >= lo - 1e-6 && v <= hi + 1e-6, `filled ${v} outside the kept range [${lo}, ${hi}]`);
      }
    }
    const constant = new Float32Array(3 * plane).fill(0.25);
    const masker = new ImageMasker('inpaint', constant, shape);
    const filled = new Float32Array(3 * plane);
    masker.compose(keep, filled);
    assert.ok(filled.every((v) => Math.abs(v - 0.25) < 1e-6), 'inpainting a constant image gives the constant');
  }
  const none = new Float32Array(3 * plane);
  inpaint(img, shape, new Uint8Array(plane), none);
  for (let c = 0; c < 3; c++) {
    const mean = img.subarray(c * plane, (c + 1) * plane).reduce((a, b) => a + b, 0) / plane;
    assert.ok(none.subarray(c * plane, (c + 1) * plane).every((v) => Math.abs(v - mean) < 1e-6));
  }
  // Inpainting a smooth ramp from its left half continues it sensibly (no value outside the ramp).
  const ramp = Float32Array.from({ length: plane }, (_, p) => (p % 12) / 11);
  const keep = new Uint8Array(plane);
  fillRect(tree, tree.left[0], keep);
  const out = new Float32Array(plane);
  inpaint(ramp, [1, 16, 12], keep, out);
  assert.ok(out.every((v) => v >= 0 && v <= 1));
});

test('ImageMasker blur: kept pixels are x, hidden ones the blurred copy; a constant image keeps its mean', () => {
  const blurred = boxBlur(x, SHAPE);
  const masker = new ImageMasker('blur', x, SHAPE);
  const keep = new Uint8Array(PLANE);
  fillRect(partitionTree(N, N), 1, keep);
  const out = new Float32Array(C * PLANE);
  masker.compose(keep, out);
  for (let c = 0; c < C; c++) for (let p = 0; p < PLANE; p++) assert.equal(out[c * PLANE + p], keep[p] ? x[c * PLANE + p] : blurred[c * PLANE + p]);
  const constant = new Float32Array(C * PLANE).fill(0.6);
  const none = new Float32Array(C * PLANE);
  new ImageMasker('blur', constant, SHAPE).compose(new Uint8Array(PLANE), none);
  assert.ok(Math.abs(none.reduce((a, b) => a + b, 0) / none.length - 0.6) < 1e-6);
});

test('linear model, budget reaching every pixel: each pixel’s value is Σ_c w·(x − blurred) exactly (ORT, logits), all six labels', async () => {
  const e = await open(linear.em, { output: 'logit', maxEvals: 5000, threads: 1 });
  const r = await e.owen(x);
  assert.equal(r.evaluations, FULL_EVALS);
  assert.ok(r.exactRegions.every((v) => v === 1));
  const want = linearPixelValues(linear.W, x, boxBlur(x, SHAPE));
  const err = maxAbs(r.values, want);
  assert.ok(err < 2e-6, `per-pixel error ${err}`);
  const explanations = await e.explain(x);
  assert.deepEqual(explanations.map((s) => s.label), ALL);
  for (const s of explanations) {
    assert.equal(s.method, 'partition');
    for (let p = 0; p < PLANE; p++) assert.ok(Math.abs(s.map[p] - want[p * K + s.label]) < 2e-6);
    assert.ok(Math.abs(s.additivityError) < 1e-5, `additivity ${s.additivityError}`);
    assert.ok(s.seconds > 0);
    assert.ok(s.probability > 0 && s.probability < 1);
  }
  console.log(`linear, full tree: max per-pixel error ${err.toExponential(2)}, max |additivity error| ${Math.max(...explanations.map((s) => Math.abs(s.additivityError))).toExponential(2)}`);
});

test('linear model, small budget: every region whose ancestors were all expanded holds exactly Σ w·(x − blurred) over it; Σ map = f(x) − f(masked)', async () => {
  const want = linearPixelValues(linear.W, x, boxBlur(x, SHAPE));
  const e = await open(linear.em, { output: 'logit', maxEvals: 60, threads: 1 });
  const r = await e.owen(x);
  assert.equal(r.evaluations, 60);
  let checked = 0;
  let worst = 0;
  const t = r.tree;
  for (let i = 0; i < t.count; i++) {
    if (!r.exactRegions[i]) continue;
    const [r0, r1, c0, c1] = t.rects.subarray(4 * i, 4 * i + 4);
    for (let k = 0; k < K; k++) {
      let got = 0;
      let exact = 0;
      for (let row = r0; row < r1; row++) {
        for (let col = c0; col < c1; col++) {
          got += r.values[(row * N + col) * K + k];
          exact += want[(row * N + col) * K + k];
        }
      }
      worst = Math.max(worst, Math.abs(got - exact));
    }
    checked++;
  }
  assert.ok(checked >= 7, `only ${checked} exact regions`);
  assert.ok(r.exactRegions.some((v) => v === 0), 'the budget stops short of the pixels');
  assert.ok(worst < 2e-6, `region error ${worst}`);
  for (const s of await e.explain(x)) assert.ok(Math.abs(s.additivityError) < 1e-5);
  console.log(`linear, 60 evaluations: ${checked} exact regions, max region-sum error ${worst.toExponential(2)}`);
});

test('maxEvals is respected: evaluations counted by the model function, odd and even budgets, batch sizes', async () => {
  for (const [maxEvals, batch] of [[2, 10], [3, 10], [4, 2], [51, 10], [100, 7], [500, 64], [10_000, 16]] as const) {
    const { evaluate, calls } = jsLinear(linear.W, linear.b);
    const r = await partitionShap(x, SHAPE, evaluate, { maxEvals, batch });
    const total = calls.reduce((a, b) => a + b, 0);
    assert.equal(total, r.evaluations);
    assert.ok(total <= maxEvals, `${total} > ${maxEvals}`);
    assert.ok(total >= Math.min(maxEvals - 1, FULL_EVALS), `budget ${maxEvals} left unused: ${total}`);
    assert.ok(calls.every((n) => n <= Math.max(2, batch)), 'no ORT run over the batch size');
    let sum = 0;
    for (let p = 0; p < PLANE; p++) sum += r.values[p * K];
    assert.ok(Math.abs(sum - (r.fx[0] - r.fMasked[0])) < 1e-9);
  }
  const e = await open(cnn, { maxEvals: 77, batch: 8, threads: 1 });
  await e.explain(x);
  assert.ok(e.lastEvaluations <= 77 && e.lastEvaluations >= 76);
});

test('the ORT path equals the same function in plain JS', async () => {
  const { evaluate } = jsLinear(linear.W, linear.b);
  const js = await partitionShap(x, SHAPE, evaluate, { maxEvals: 200 });
  const e = await open(linear.em, { output: 'logit', maxEvals: 200, threads: 1 });
  const ortRun = await e.owen(x);
  assert.ok(maxAbs(js.values, ortRun.values) < 1e-5);
});

test('all six labels at once equal each label alone (full tree, nonlinear CNN, probabilities)', async () => {
  const e = await open(cnn, { maxEvals: 5000, threads: 1 });
  const six = await e.explain(x);
  let worst = 0;
  for (const label of [0, 3, 5]) {
    const [one] = await e.explain(x, [label]);
    assert.equal(one.label, label);
    worst = Math.max(worst, maxAbs(one.map, six[label].map));
    assert.equal(one.expectedSum, six[label].expectedSum);
  }
  assert.ok(worst < 1e-7, `per-label vs six: ${worst}`);
  console.log(`CNN, full tree: max |one label alone − six at once| ${worst.toExponential(2)}`);
  for (const s of six) assert.ok(Math.abs(s.additivityError) < 1e-5);
  const two = await e.explain(x, [4, 1]);
  assert.deepEqual(two.map((s) => s.label), [4, 1]);
});

test('nonlinear CNN under a budget: additivity ~0 for every label; deterministic (same explainer twice, a fresh one with the same seed)', async () => {
  const a = await open(cnn, { maxEvals: 120, threads: 1, seed: 3 });
  const first = await a.explain(x);
  const again = await a.explain(x);
  const b = await open(cnn, { maxEvals: 120, threads: 2, seed: 3 });
  const fresh = await b.explain(x);
  let worstAdd = 0;
  for (let i = 0; i < K; i++) {
    assert.deepEqual(again[i].map, first[i].map);
    assert.ok(maxAbs(fresh[i].map, first[i].map) < 1e-6);
    worstAdd = Math.max(worstAdd, Math.abs(first[i].additivityError));
    assert.ok(first[i].map.every(Number.isFinite));
    assert.ok(Math.abs(first[i].expectedSum) > 0);
  }
  assert.ok(worstAdd < 1e-6, `additivity ${worstAdd}`);
  console.log(`CNN, 120 evaluations: max |additivity error| ${worstAdd.toExponential(2)} (probability units)`);
});

test('inpaint masker: additive, f(fully masked) is f of the mean image; a logit output of a graph without `logits` compiles them from the layer graph', async () => {
  const e = await open(linear.em, { output: 'logit', masker: 'inpaint', maxEvals: 300, threads: 1 });
  const r = await e.owen(x);
  const mean = new Float32Array(C * PLANE);
  for (let c = 0; c < C; c++) mean.fill(x.subarray(c * PLANE, (c + 1) * PLANE).reduce((s, v) => s + v, 0) / PLANE, c * PLANE, (c + 1) * PLANE);
  const { evaluate } = jsLinear(linear.W, linear.b);
  const fm = await evaluate(mean, 1);
  for (let k = 0; k < K; k++) assert.ok(Math.abs(r.fMasked[k] - fm[k]) < 1e-5);
  const explanations: Explanation[] = await e.explain(x);
  for (const s of explanations) {
    assert.ok(Math.abs(s.additivityError) < 1e-5);
    assert.ok(s.map.every(Number.isFinite));
  }
  // The same model compiled without `logits`.
  const noLogits: ExplainModel = { ...linear.em, onnx: compileInference(linear.em.model, linear.em.weights) };
  const viaP = await open(noLogits, { output: 'logit', maxEvals: 300, threads: 1 });
  const direct = await open(linear.em, { output: 'logit', maxEvals: 300, threads: 1 });
  const p = await viaP.explain(x);
  const d = await direct.explain(x);
  let worst = 0;
  for (let i = 0; i < K; i++) {
    worst = Math.max(worst, maxAbs(p[i].map, d[i].map));
    assert.ok(Math.abs(p[i].probability - d[i].probability) < 1e-6);
  }
  assert.ok(worst < 1e-6, `recompiled logits vs logits: ${worst}`);
});

test('a focus and a reference: the budget covers the focus bounding box only, pixels outside get nothing, each inside exactly Σ w·(x − reference), Σ map = f(x) − f(box hidden)', async () => {
  const [, h, w] = SHAPE;
  const focus = new Uint8Array(h * w);
  focus[2 * w + 3] = focus[5 * w + 6] = 1; // bounding box rows 2–5, columns 3–6
  const reference = randomImage(7);
  const e = await open(linear.em, { output: 'logit', maxEvals: 5000, threads: 1 });
  const explanations = await e.explain(x, ALL, { reference, focus });
  const want = linearPixelValues(linear.W, x, reference);
  for (const s of explanations) {
    for (let p = 0; p < h * w; p++) {
      const [r, col] = [Math.floor(p / w), p % w];
      const inBox = r >= 2 && r < 6 && col >= 3 && col < 7;
      assert.ok(Math.abs(s.map[p]! - (inBox ? want[p * K + s.label]! : 0)) < 2e-6, `pixel ${p}: ${s.map[p]}`);
    }
    assert.ok(Math.abs(s.additivityError) < 1e-5);
  }
  // A 4×4 box is a tree of depth 4 whose depth-d level is expanded in 4^d (node, context) entries, as FULL_EVALS counts the whole image's.
  assert.equal(e.lastEvaluations, 2 + 2 * (1 + 4 + 16 + 64));
});
