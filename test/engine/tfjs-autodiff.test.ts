// The training-step graph's gradients (and the input-gradient graph's) against TensorFlow.js's
// autodiff on its cpu backend: the same model is rebuilt from TF.js ops with the same weights (our
// NCHW / OIHW / [in, out] tensors transposed inside the TF.js function, so its gradients come back in
// our layouts), the same weighted BCE-with-logits loss is taken, and tf.grads differentiates it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  AvgPool2d, BatchNorm, Concat, Conv2d, Dense, Flatten, GlobalAveragePool, GraphBuilder, INPUT, LeakyReLU, MaxPool2d, NAMES, ReLU, Sigmoid,
  compileInputGradient, compileTrainStep, freeze, initWeights, modelParams, openSession, runSession, scalar, sequential,
} from '../../src/engine/index.js';
import type { HostTensor, Layer, Model, Weights } from '../../src/engine/index.js';
import { baselineModel } from '../../src/models/baseline.js';
import { distinct, rng, sizeOf, uniform } from './gradcheck.js';
import { bnModel, tinyChain, tinyDag } from './models.js';

const LABEL_WEIGHTS = [2, 1, 1, 1, 1, 1];
/** Largest |ours − TF.js| allowed, relative to the largest |TF.js| value of the same tensor. */
const RTOL = 1e-4;

before(async () => {
  tf.env().set('PROD', true); // no "install tfjs-node" banner
  assert.ok(await tf.setBackend('cpu'), 'TF.js cpu backend');
});

after(() => tf.disposeVariables());

// ---- The model in TF.js ops -------------------------------------------------------------------

const nhwc = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 2, 3, 1]);
const nchw = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 3, 1, 2]);
const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

function conv(layer: Conv2d, x: tf.Tensor4D, p: Record<string, tf.Tensor>): tf.Tensor4D {
  const { padding = 'valid', stride = 1, kernel } = layer.config;
  const pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
    padding === 'same' || padding === 'valid' ? padding
      : typeof padding === 'number' ? [[0, 0], [padding, padding], [padding, padding], [0, 0]]
        : [[0, 0], [padding[0], padding[2]], [padding[1], padding[3]], [0, 0]];
  const w = tf.transpose(p.weight, [2, 3, 1, 0]) as tf.Tensor4D; // OIHW → HWIO
  assert.deepEqual(w.shape.slice(0, 2), pair(kernel));
  let y = tf.conv2d(nhwc(x), w, pair(stride), pad);
  if (p.bias) y = tf.add(y, p.bias);
  return nchw(y);
}

function avgPool(layer: AvgPool2d, x: tf.Tensor4D): tf.Tensor4D {
  const { kernel: k, stride: s, padding } = layer.config;
  if (padding === 'valid') return nchw(tf.avgPool(nhwc(x), k, s, 'valid'));
  // TF.js 4.22's cpu AvgPoolGrad divides every window by k² although its 'same' forward divides by
  // the in-bounds count, so its own gradient disagrees with its forward at the borders. Take the
  // forward as a depthwise window sum over the in-bounds count instead (equal to tf.avgPool 'same').
  const c = x.shape[1] as number;
  const ones = tf.ones([k, k, c, 1]) as tf.Tensor4D;
  const sum = tf.depthwiseConv2d(nhwc(x), ones, s, 'same');
  const count = tf.depthwiseConv2d(tf.onesLike(nhwc(x)), ones, s, 'same');
  return nchw(tf.div(sum, count));
}

function batchNorm(layer: BatchNorm, x: tf.Tensor, p: Record<string, tf.Tensor>, training: boolean): tf.Tensor {
  const { epsilon, scale, center } = layer.config;
  const image = x.rank === 4;
  const c = x.shape[1] as number;
  const bshape = image ? [1, c, 1, 1] : [1, c];
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (training) {
    ({ mean, variance } = tf.moments(x, image ? [0, 2, 3] : [0], true));
  } else {
    mean = tf.reshape(p.moving_mean, bshape);
    variance = tf.reshape(p.moving_variance, bshape);
  }
  let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
  if (scale) y = tf.mul(y, tf.reshape(p.gamma, bshape));
  if (center) y = tf.add(y, tf.reshape(p.beta, bshape));
  return y;
}

function apply(layer: Layer, xs: tf.Tensor[], p: Record<string, tf.Tensor>, training: boolean): tf.Tensor {
  const x = xs[0];
  if (layer instanceof Conv2d) return conv(layer, x as tf.Tensor4D, p);
  if (layer instanceof Dense) return p.bias ? tf.add(tf.matMul(x as tf.Tensor2D, p.weight as tf.Tensor2D), p.bias) : tf.matMul(x as tf.Tensor2D, p.weight as tf.Tensor2D);
  if (layer instanceof ReLU) return tf.relu(x);
  if (layer instanceof LeakyReLU) return tf.leakyRelu(x, layer.alpha);
  if (layer instanceof Sigmoid) return tf.sigmoid(x);
  if (layer instanceof MaxPool2d) return nchw(tf.maxPool(nhwc(x as tf.Tensor4D), layer.config.kernel, layer.config.stride, 'valid'));
  if (layer instanceof AvgPool2d) return avgPool(layer, x as tf.Tensor4D);
  if (layer instanceof GlobalAveragePool) return tf.mean(x, [2, 3]);
  if (layer instanceof Flatten) return tf.reshape(x, [x.shape[0], -1]);
  if (layer instanceof Concat) return tf.concat(xs, 1);
  if (layer instanceof BatchNorm) return batchNorm(layer, x, p, training);
  throw new Error(`no TF.js rendering of ${layer.kind}`);
}

/** The model's logits; `params` by full parameter name, in our layouts. */
function tfForward(model: Model, input: tf.Tensor, params: Map<string, tf.Tensor>, training: boolean): tf.Tensor {
  const values = new Map<string, tf.Tensor>([[INPUT, input]]);
  const owned = new Map<string, string[]>();
  for (const p of modelParams(model)) owned.set(p.node, [...(owned.get(p.node) ?? []), p.local]);
  for (const n of model.nodes) {
    const p = Object.fromEntries((owned.get(n.name) ?? []).map((local) => [local, params.get(`${n.name}.${local}`) as tf.Tensor]));
    values.set(n.name, apply(n.layer, n.inputs.map((i) => values.get(i) as tf.Tensor), p, training && !n.frozen));
  }
  return values.get(model.output) as tf.Tensor;
}

/** TF.js's own sigmoid cross-entropy, weighted per label and normalised like src/engine/loss.ts. */
function tfLoss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const total = LABEL_WEIGHTS.reduce((a, b) => a + b, 0);
  const perLabel = tf.losses.sigmoidCrossEntropy(labels, logits, undefined, 0, tf.Reduction.NONE);
  return tf.mean(tf.sum(tf.mul(perLabel, tf.tensor2d(LABEL_WEIGHTS.map((w) => w / total), [1, 6])), 1));
}

// ---- Comparison -------------------------------------------------------------------------------

function assertClose(name: string, ours: Float32Array, theirs: Float32Array): number {
  assert.equal(ours.length, theirs.length, `${name}: ${ours.length} values, TF.js ${theirs.length}`);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < ours.length; i++) {
    scale = Math.max(scale, Math.abs(theirs[i]));
    diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
  }
  assert.ok(scale > 1e-6, `${name}: TF.js's gradient is ~0 everywhere (max ${scale}); the check would prove nothing`);
  const rel = diff / scale;
  if (process.env.GRADCHECK_VERBOSE) console.log(name, rel.toExponential(2));
  assert.ok(rel <= RTOL, `${name}: max |ours − TF.js| = ${diff.toExponential(3)}, ${rel.toExponential(2)} of max |TF.js| ${scale.toExponential(3)}`);
  return rel;
}

interface CompareOptions {
  batch?: number;
  seed?: number;
  /** Input values (default uniform(−1, 1)). */
  input?: (random: () => number, n: number) => Float32Array;
  /** Also compare the input-gradient graph (inference mode) with TF.js (default true). */
  inputGradient?: boolean;
  /** Compile without the exact rewrites (max-pool before activation). */
  unoptimized?: boolean;
}

async function compareWithTfjs(model: Model, options: CompareOptions = {}): Promise<void> {
  const { batch: n = 2, seed = 1 } = options;
  const random = rng(seed);
  const weights: Weights = initWeights(model, seed);
  for (const [name, w] of weights) {
    for (let i = 0; i < w.length; i++) {
      if (name.endsWith('moving_variance')) w[i] = 0.5 + random();
      else if (name.endsWith('moving_mean')) w[i] = 0.4 * (random() - 0.5);
      else if (w[i] === 0 || name.endsWith('gamma')) w[i] += 0.4 * (random() - 0.5); // nonzero biases and β, γ ≠ 1
    }
  }
  const inputDims = [n, ...model.inputShape];
  const x = (options.input ?? uniform)(random, sizeOf(inputDims));
  const labels = Float32Array.from({ length: n * 6 }, () => (random() < 0.4 ? 1 : 0));
  const seedOut = uniform(random, n * 6);
  const optimize = !options.unoptimized;

  // Ours: one training step (gradients as outputs), and the input-gradient graph.
  const graph = compileTrainStep(model, { optimizer: { kind: 'sgd' }, outputGradients: true, optimize });
  const feeds: Record<string, HostTensor> = {
    [NAMES.batch]: { data: x, dims: inputDims }, [NAMES.labels]: { data: labels, dims: [n, 6] }, [NAMES.step]: scalar(1), [NAMES.learningRate]: scalar(0.01),
  };
  for (const p of [...graph.params, ...graph.buffers, ...graph.constants]) feeds[p.input] = { data: weights.get(p.name) as Float32Array, dims: p.shape };
  for (const s of graph.state) feeds[s.input] = { data: new Float32Array(sizeOf(s.shape)), dims: s.shape };
  const session = await openSession(graph.bytes);
  const out = await runSession(session, feeds);
  await session.release();
  assert.ok(graph.params.length > 0);

  // TF.js: the same loss, differentiated with respect to every trainable parameter.
  const all = modelParams(model);
  const trainable = graph.params.map((p) => p.name);
  const tfResults = tf.tidy(() => {
    const consts = new Map(all.filter((p) => !trainable.includes(p.name)).map((p) => [p.name, tf.tensor(weights.get(p.name) as Float32Array, p.shape)]));
    const xT = tf.tensor(x, inputDims);
    const yT = tf.tensor2d(labels, [n, 6]);
    const lossOf = (...ps: tf.Tensor[]): tf.Scalar => {
      const params = new Map(consts);
      trainable.forEach((name, i) => params.set(name, ps[i]));
      return tfLoss(tfForward(model, xT, params, true), yT);
    };
    const args = graph.params.map((p) => tf.tensor(weights.get(p.name) as Float32Array, p.shape));
    const loss = lossOf(...args);
    return { loss, grads: tf.grads(lossOf)(args) };
  });
  const tfLossValue = tfResults.loss.dataSync()[0];
  const ourLoss = out[NAMES.loss].data[0];
  assert.ok(Math.abs(ourLoss - tfLossValue) <= 1e-5 * Math.abs(tfLossValue), `loss ${ourLoss} vs TF.js ${tfLossValue}`);
  graph.params.forEach((p, i) => {
    const theirs = tfResults.grads[i].dataSync() as Float32Array;
    assert.deepEqual(tfResults.grads[i].shape, p.shape, `${p.name}: TF.js gradient shape`);
    const owner = p.name.slice(0, p.name.lastIndexOf('.'));
    const consumer = model.nodes.find((m) => m.inputs.includes(owner));
    if (p.name.endsWith('.bias') && consumer?.layer instanceof BatchNorm && !consumer.frozen) {
      // A bias just before a training-mode BatchNorm cancels with the batch mean: both sides ~0.
      const ours = out[p.gradient as string].data;
      assert.ok(ours.every((v, j) => Math.abs(v) < 1e-5 && Math.abs(theirs[j]) < 1e-5), `${p.name}: gradient should vanish`);
      return;
    }
    assertClose(p.name, out[p.gradient as string].data, theirs);
  });
  tf.dispose(tfResults);

  if (options.inputGradient === false) return;
  // The input-gradient graph (inference mode): d Σ_j seed[n, j]·logits[n, j] / d input.
  const inputGrad = await openSession(compileInputGradient(model, weights, { optimize }));
  const { gradient } = await runSession(inputGrad, { [NAMES.input]: { data: x, dims: inputDims }, [NAMES.seed]: { data: seedOut, dims: [n, 6] } });
  await inputGrad.release();
  const theirs = tf.tidy(() => {
    const params = new Map(all.map((p) => [p.name, tf.tensor(weights.get(p.name) as Float32Array, p.shape)]));
    const s = tf.tensor2d(seedOut, [n, 6]);
    return tf.grad((xT: tf.Tensor) => tf.sum(tf.mul(tfForward(model, xT, params, false), s)))(tf.tensor(x, inputDims));
  });
  assertClose('input gradient', gradient.data, theirs.dataSync() as Float32Array);
  theirs.dispose();
}

// ---- Models -----------------------------------------------------------------------------------

type Entry = Layer | readonly [string, Layer];

/** An image layer under test between a trained 1×1 conv (so its input gradient is on the training path) and a dense head. */
function imageWrap(shape: [number, number, number], layers: Entry[], preFilters = 3): Model {
  return sequential(shape, [['pre', new Conv2d({ filters: preFilters, kernel: 1 })], ...layers, new Flatten(), ['head', new Dense({ units: 6 })]]);
}

/** A flat layer under test between a trained Dense and a dense head. */
function flatWrap(shape: [number, number, number], layers: Entry[]): Model {
  return sequential(shape, [new Flatten(), ['pre', new Dense({ units: 5 })], ...layers, ['head', new Dense({ units: 6 })]]);
}

const distinctInput = (random: () => number, n: number): Float32Array => distinct(random, n, 0.05);

for (const weightGrad of ['im2col', 'conv'] as const) {
  test(`Conv2d 3×3 same, stride 1 (weight gradient by ${weightGrad})`, async () => {
    await compareWithTfjs(imageWrap([2, 5, 6], [['conv', new Conv2d({ filters: 4, kernel: 3, padding: 'same', weightGrad })]]));
  });
  test(`Conv2d 3×3 same, stride 2, odd size: asymmetric pads (${weightGrad})`, async () => {
    await compareWithTfjs(imageWrap([2, 7, 6], [['conv', new Conv2d({ filters: 3, kernel: 3, stride: 2, padding: 'same', weightGrad })]]));
  });
  test(`Conv2d 2×3 valid, stride 2, no bias, rows dropped by the floor (${weightGrad})`, async () => {
    await compareWithTfjs(imageWrap([2, 5, 8], [['conv', new Conv2d({ filters: 2, kernel: [2, 3], stride: 2, bias: false, weightGrad })]]));
  });
  test(`Conv2d explicit padding: 1×1 padded by 1, and 3×3 stride 2 padded [0, 2, 1, 0] (${weightGrad})`, async () => {
    await compareWithTfjs(imageWrap([2, 4, 5], [
      ['conv', new Conv2d({ filters: 3, kernel: 1, padding: 1, weightGrad })],
      ['conv2', new Conv2d({ filters: 2, kernel: 3, stride: 2, padding: [0, 2, 1, 0], weightGrad })],
    ]));
  });
}

test('Conv2d as the first layer (its input gradient only in the input-gradient graph)', async () => {
  await compareWithTfjs(sequential([3, 5, 5], [['conv', new Conv2d({ filters: 2, kernel: 3, stride: 2, padding: 'same' })], new Flatten(), ['head', new Dense({ units: 6 })]]));
});

test('Dense with and without bias', async () => {
  await compareWithTfjs(flatWrap([2, 2, 2], [['mid', new Dense({ units: 4, bias: false })]]), { batch: 3 });
});

test('ReLU', async () => {
  await compareWithTfjs(imageWrap([2, 3, 3], [new ReLU()], 4), { batch: 3 });
});

test('LeakyReLU, slopes 0.3 and 1.5', async () => {
  await compareWithTfjs(imageWrap([2, 3, 3], [new LeakyReLU(0.3)], 4), { batch: 3 });
  await compareWithTfjs(flatWrap([2, 2, 2], [new LeakyReLU(1.5)]), { batch: 3 });
});

test('Sigmoid', async () => {
  await compareWithTfjs(flatWrap([2, 2, 2], [new Sigmoid()]), { batch: 3 });
});

test('MaxPool 2×2 on an odd width (no ties)', async () => {
  await compareWithTfjs(imageWrap([2, 4, 5], [new MaxPool2d()]), { input: distinctInput });
});

test('MaxPool 3×3 stride 2, overlapping windows (no ties)', async () => {
  await compareWithTfjs(imageWrap([2, 7, 7], [new MaxPool2d({ kernel: 3, stride: 2 })]), { input: distinctInput });
});

test('MaxPool after LeakyReLU and ReLU, with and without the pool-before-activation rewrite', async () => {
  const model = imageWrap([2, 4, 6], [new LeakyReLU(0.2), new MaxPool2d(), ['c2', new Conv2d({ filters: 3, kernel: 1 })], new ReLU(), new MaxPool2d()]);
  await compareWithTfjs(model, { input: distinctInput });
  await compareWithTfjs(model, { input: distinctInput, unoptimized: true });
});

test('AvgPool 2×2 valid on an odd width', async () => {
  await compareWithTfjs(imageWrap([2, 4, 5], [new AvgPool2d()]));
});

test('AvgPool 3×3 stride 1 same, and 3×3 stride 2 same on an odd size (in-bounds counts)', async () => {
  await compareWithTfjs(imageWrap([2, 5, 4], [new AvgPool2d({ kernel: 3, stride: 1, padding: 'same' })]));
  await compareWithTfjs(imageWrap([2, 7, 6], [new AvgPool2d({ kernel: 3, stride: 2, padding: 'same' })]));
});

test('GlobalAveragePool', async () => {
  await compareWithTfjs(sequential([2, 4, 5], [['pre', new Conv2d({ filters: 3, kernel: 3 })], new GlobalAveragePool(), ['head', new Dense({ units: 6 })]]));
});

test('Flatten', async () => {
  // Flatten's order (C, H, W) decides which head weight meets which pixel.
  await compareWithTfjs(imageWrap([2, 3, 4], []));
});

test('Concat along channels, one input twice', async () => {
  const g = new GraphBuilder([2, 4, 4]);
  const a = g.add(new Conv2d({ filters: 2, kernel: 1 }), INPUT, 'a');
  const b = g.add(new Conv2d({ filters: 3, kernel: 3, padding: 'same' }), INPUT, 'b');
  const cat = g.add(new Concat(), [a, a, b]);
  g.add(new Dense({ units: 6 }), g.add(new Flatten(), cat), 'head');
  await compareWithTfjs(g.build());
});

test('BatchNorm training mode on C×H×W, and on [C] without γ (batch statistics)', async () => {
  await compareWithTfjs(imageWrap([2, 3, 4], [['bn', new BatchNorm()]]), { batch: 3 });
  await compareWithTfjs(flatWrap([2, 2, 2], [['bn', new BatchNorm({ scale: false })]]), { batch: 4 });
});

test('BatchNorm frozen (moving statistics) inside a training step', async () => {
  await compareWithTfjs(freeze(imageWrap([2, 3, 4], [['bn', new BatchNorm()], new ReLU()]), ['bn']), { batch: 3 });
});

test('whole model: a baseline-like chain (conv, LeakyReLU, max-pool, stride-2 conv, ReLU, dense)', async () => {
  await compareWithTfjs(tinyChain(), { batch: 3, seed: 11 });
  await compareWithTfjs(tinyChain(), { batch: 3, seed: 11, unoptimized: true });
});

test('whole model: the DAG (branch, reused value, concat, overlapping max-pool, global pool)', async () => {
  await compareWithTfjs(tinyDag(), { seed: 12 });
});

test('whole model: the real baseline CNN at 8×8 with 8 hidden units', async () => {
  await compareWithTfjs(baselineModel({ size: 8, dense: 8 }), { seed: 13 });
});

test('whole model: convolutions with BatchNorm in training mode', async () => {
  await compareWithTfjs(bnModel(), { batch: 4, seed: 14 });
});
