// The whole training-step graph: its loss against a float64 reference on the inference graph's
// logits, and its gradients against finite differences of its own loss output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchNorm, Dense, Dropout, Emitter, Flatten, NAMES, compileInference, compileTrainStep, emitForward, freeze, initWeights, modelParams, openSession, runSession, scalar, sequential } from '../../src/engine/index.js';
import { serializeModel, valueInfo } from '../../src/engine/onnx.js';
import type { HostTensor, Model, TrainStepGraph, Weights } from '../../src/engine/index.js';
import { rng, sizeOf, uniform } from './gradcheck.js';
import { bnModel, tinyChain, tinyDag } from './models.js';

const WEIGHTS = [2, 1, 1, 1, 1, 1];


/** Stable weighted BCE in float64, as the metric defines it (without clipping). */
function referenceLoss(logits: Float32Array, labels: Float32Array, k: number): number {
  const total = WEIGHTS.reduce((a, b) => a + b, 0);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i];
    const y = labels[i];
    sum += (WEIGHTS[i % k] / total) * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
  }
  return sum / (logits.length / k);
}

function labelsFor(random: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n * 6 }, () => (random() < 0.4 ? 1 : 0));
}

function trainFeeds(graph: TrainStepGraph, weights: Weights, batch: HostTensor, labels: HostTensor): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { [NAMES.batch]: batch, [NAMES.labels]: labels, [NAMES.step]: scalar(1), [NAMES.learningRate]: scalar(0.01) };
  for (const p of [...graph.params, ...graph.buffers, ...graph.constants]) feeds[p.input] = { data: weights.get(p.name) as Float32Array, dims: p.shape };
  for (const s of graph.state) feeds[s.input] = { data: new Float32Array(sizeOf(s.shape)), dims: s.shape };
  return feeds;
}

/** Forward only, parameters as inputs, logits out: the loss is then summed in float64 here. */
function logitsGraph(model: Model): Uint8Array {
  const e = new Emitter();
  const params = modelParams(model);
  e.reserve('x', ...params.map((p) => p.name));
  const fwd = emitForward(e, model, 'x', (name) => name, { training: true, differentiate: false });
  e.rename(fwd.output, 'logits');
  const inputs = [valueInfo('x', 'float32', ['N', ...model.inputShape]), ...params.map((p) => valueInfo(p.name, 'float32', p.shape))];
  return serializeModel(e.graph('logits', inputs, [valueInfo('logits', 'float32', ['N', 6])]));
}

async function checkModel(model: Model, n: number, seed: number): Promise<void> {
  const random = rng(seed);
  const weights = initWeights(model, seed);
  for (const [name, w] of weights) {
    for (let i = 0; i < w.length; i++) {
      if (name.endsWith('moving_variance')) w[i] = 0.5 + random(); // moving statistics away from their start values
      else if (w[i] === 0 || name.endsWith('gamma')) w[i] += 0.2 * (random() - 0.5); // nonzero biases
    }
  }
  const batch = { data: uniform(random, n * sizeOf([...model.inputShape])), dims: [n, ...model.inputShape] };
  const labels = { data: labelsFor(random, n), dims: [n, 6] };

  const graph = compileTrainStep(model, { optimizer: { kind: 'sgd' }, outputGradients: true });
  const session = await openSession(graph.bytes);
  const feeds = trainFeeds(graph, weights, batch, labels);
  const out = await runSession(session, feeds);

  // The loss equals the float64 reference computed from a training-mode forward graph's logits, and
  // from the inference graph's logits too when no layer behaves differently in training.
  const forward = await openSession(logitsGraph(model));
  const paramFeeds: Record<string, HostTensor> = { x: batch };
  for (const p of [...graph.params, ...graph.buffers, ...graph.constants]) paramFeeds[p.name] = feeds[p.input];
  const trainLogits = (await runSession(forward, paramFeeds)).logits.data;
  const expected = referenceLoss(trainLogits, labels.data, 6);
  assert.ok(Math.abs(out[NAMES.loss].data[0] - expected) < 1e-5 * expected, `loss ${out[NAMES.loss].data[0]} vs reference ${expected}`);
  const inference = await openSession(compileInference(model, weights, { logits: true }));
  const { logits } = await runSession(inference, { [NAMES.input]: batch });
  if (graph.buffers.length === 0) logits.data.forEach((z, i) => assert.ok(Math.abs(z - trainLogits[i]) < 1e-5, `inference logit ${i}`));

  // Every parameter's gradient against central differences of the loss of the forward graph.
  const lossWith = async (name: string, data: Float32Array, dims: number[]): Promise<number> => {
    const { logits: z } = await runSession(forward, { ...paramFeeds, [name]: { data, dims } });
    return referenceLoss(z.data, labels.data, 6);
  };
  // Small enough that no max-pool argmax or activation kink moves, large enough for float32 logits.
  const eps = 3e-4;
  for (const p of graph.params) {
    const base = weights.get(p.name) as Float32Array;
    const g = out[p.gradient as string].data;
    const picks = Array.from({ length: Math.min(base.length, 24) }, () => Math.floor(random() * base.length));
    let maxDiff = 0;
    let scale = 0;
    let analytic = 0;
    for (const i of picks) {
      const copy = Float32Array.from(base);
      copy[i] = base[i] + eps;
      const plus = await lossWith(p.name, copy, p.shape);
      copy[i] = base[i] - eps;
      const minus = await lossWith(p.name, copy, p.shape);
      const numeric = (plus - minus) / (Math.fround(base[i] + eps) - Math.fround(base[i] - eps));
      maxDiff = Math.max(maxDiff, Math.abs(numeric - g[i]));
      scale = Math.max(scale, Math.abs(numeric));
      analytic = Math.max(analytic, Math.abs(g[i]));
    }
    if (process.env.GRADCHECK_VERBOSE) console.log(p.name, (maxDiff / scale).toExponential(2));
    const owner = p.name.slice(0, p.name.lastIndexOf('.'));
    const consumer = model.nodes.find((n) => n.inputs.includes(owner));
    if (p.name.endsWith('.bias') && consumer?.layer.kind === 'BatchNorm' && !consumer.frozen) {
      // A bias just before a training-mode BatchNorm is subtracted out with the batch mean: zero gradient.
      assert.ok(scale < 1e-4 && analytic < 1e-5, `${p.name}: gradient should vanish, numeric ${scale}, analytic ${analytic}`);
      continue;
    }
    assert.ok(scale > 1e-4, `${p.name}: gradient ~0 everywhere sampled`);
    assert.ok(maxDiff <= 1e-2 * scale, `${p.name}: max |analytic − numeric| ${maxDiff.toExponential(2)} against max |numeric| ${scale.toExponential(2)}`);
  }
  await Promise.all([session.release(), inference.release(), forward.release()]);
}

test('train step of a baseline-like chain: loss matches the reference, gradients match finite differences', async () => {
  await checkModel(tinyChain(), 3, 11);
});

test('train step of a DAG (branch, reused value, concat, overlapping max-pool, global pool)', async () => {
  await checkModel(tinyDag(), 2, 12);
});

test('train step with BatchNorm in training mode (batch statistics)', async () => {
  await checkModel(bnModel(), 4, 13);
});

test('train step with frozen nodes: a frozen Conv and a frozen BatchNorm (moving statistics) take no update', async () => {
  const model = freeze(bnModel(), ['conv1', 'bn1']);
  const graph = compileTrainStep(model);
  assert.deepEqual(graph.constants.map((c) => c.name), ['conv1.weight', 'conv1.bias', 'bn1.gamma', 'bn1.beta', 'bn1.moving_mean', 'bn1.moving_variance']);
  assert.deepEqual(graph.buffers.map((b) => b.name), ['bn2.moving_mean', 'bn2.moving_variance']);
  assert.ok(!graph.params.some((p) => p.name.startsWith('conv1') || p.name.startsWith('bn1')));
  await checkModel(model, 3, 14);
});

test('BatchNorm moving statistics: momentum 0.99 toward the batch mean and unbiased variance', async () => {
  const model = sequential([2, 3, 3], [['bn', new BatchNorm()], new Flatten(), ['head', new Dense({ units: 6 })]]);
  const graph = compileTrainStep(model);
  assert.deepEqual(graph.buffers.map((b) => [b.input, b.output]), [['bn.moving_mean', 'bn.moving_mean/next'], ['bn.moving_variance', 'bn.moving_variance/next']]);
  const weights = initWeights(model, 2);
  weights.set('bn.moving_mean', Float32Array.from([0.5, -1]));
  weights.set('bn.moving_variance', Float32Array.from([2, 0.25]));
  const random = rng(5);
  const n = 4;
  const x = uniform(random, n * 18, -2, 3);
  const session = await openSession(graph.bytes);
  const out = await runSession(session, trainFeeds(graph, weights, { data: x, dims: [n, 2, 3, 3] }, { data: labelsFor(random, n), dims: [n, 6] }));
  for (let c = 0; c < 2; c++) {
    const v: number[] = [];
    for (let s = 0; s < n; s++) for (let i = 0; i < 9; i++) v.push(x[s * 18 + c * 9 + i]);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const unbiased = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
    const mm = (weights.get('bn.moving_mean') as Float32Array)[c];
    const mv = (weights.get('bn.moving_variance') as Float32Array)[c];
    assert.ok(Math.abs(out['bn.moving_mean/next'].data[c] - (0.99 * mm + 0.01 * mean)) < 1e-6);
    assert.ok(Math.abs(out['bn.moving_variance/next'].data[c] - (0.99 * mv + 0.01 * unbiased)) < 1e-6);
  }
  await session.release();
});

test('Dropout: kept values scaled by 1/(1 − rate), the gradient through the same mask; inference passes through', async () => {
  const layer = new Dropout(0.5);
  const e = new Emitter();
  e.reserve('x', 'dy');
  const fwd = layer.forward(e, { inputs: ['x'], inputShapes: [[50]], params: {}, training: true, differentiate: true });
  e.rename(fwd.output, 'y');
  const bwd = layer.backward(e, { saved: fwd.saved, gradOutput: 'dy', inputShapes: [[50]], outputShape: [50], params: {}, needInputGrads: [true], needParamGrads: false, training: true });
  e.rename(bwd.gradInputs[0] as string, 'dx');
  const bytes = serializeModel(e.graph('dropout', [valueInfo('x', 'float32', [4, 50]), valueInfo('dy', 'float32', [4, 50])], [valueInfo('y', 'float32', [4, 50]), valueInfo('dx', 'float32', [4, 50])]));
  const session = await openSession(bytes);
  const x = uniform(rng(3), 200, 0.1, 1);
  const out = await runSession(session, { x: { data: x, dims: [4, 50] }, dy: { data: new Float32Array(200).fill(1), dims: [4, 50] } });
  let kept = 0;
  out.y.data.forEach((y, i) => {
    if (y !== 0) { kept++; assert.ok(Math.abs(y - 2 * x[i]) < 1e-6); assert.equal(out.dx.data[i], 2); } else assert.equal(out.dx.data[i], 0);
  });
  assert.ok(kept > 60 && kept < 140, `kept ${kept} of 200 at rate 0.5`);
  await session.release();
  const plain = sequential([5], [['head', new Dense({ units: 6 })]]);
  const dropped = sequential([5], [new Dropout(0.3), ['head', new Dense({ units: 6 })]]);
  const w = initWeights(plain, 1);
  const [a, b] = await Promise.all([openSession(compileInference(plain, w)), openSession(compileInference(dropped, w))]);
  const input = { [NAMES.input]: { data: uniform(rng(4), 10), dims: [2, 5] } };
  assert.deepEqual((await runSession(a, input))[NAMES.probabilities].data, (await runSession(b, input))[NAMES.probabilities].data);
});

test('the loss stays finite and exact for logits of ±60', async () => {
  const model = sequential([1], [['head', new Dense({ units: 6 })]]);
  const weights: Weights = new Map([
    ['head.weight', Float32Array.from([60, -60, 60, -60, 0.5, -0.5])],
    ['head.bias', new Float32Array(6)],
  ]);
  const graph = compileTrainStep(model, { outputGradients: true });
  const session = await openSession(graph.bytes);
  const batch = { data: Float32Array.from([1, -1]), dims: [2, 1] };
  const labels = { data: Float32Array.from([0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1]), dims: [2, 6] };
  const out = await runSession(session, trainFeeds(graph, weights, batch, labels));
  const logits = Float32Array.from([60, -60, 60, -60, 0.5, -0.5, -60, 60, -60, 60, -0.5, 0.5]);
  const expected = referenceLoss(logits, labels.data, 6);
  const loss = out[NAMES.loss].data[0];
  assert.ok(Number.isFinite(loss) && Math.abs(loss - expected) < 1e-5 * expected, `loss ${loss} vs ${expected}`);
  for (const p of graph.params) assert.ok(out[p.gradient as string].data.every(Number.isFinite), `${p.name} gradient finite`);
  await session.release();
});

test('compileTrainStep rejects label weights that do not match the outputs', () => {
  assert.throws(() => compileTrainStep(tinyChain(), { labelWeights: [1, 1] }), /2 label weights for 6 outputs/);
  assert.equal(modelParams(tinyChain()).length, 8);
});
