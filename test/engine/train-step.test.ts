// The whole training-step graph: its loss against a float64 reference on the inference graph's
// logits, and its gradients against finite differences of its own loss output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dense, Emitter, NAMES, compileInference, compileTrainStep, emitForward, initWeights, modelParams, openSession, runSession, scalar, sequential } from '../../src/engine/index.js';
import { serializeModel, valueInfo } from '../../src/engine/onnx.js';
import type { HostTensor, Model, TrainStepGraph, Weights } from '../../src/engine/index.js';
import { rng, sizeOf, uniform } from './gradcheck.js';
import { tinyChain, tinyDag } from './models.js';

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
  for (const p of graph.params) feeds[p.input] = { data: weights.get(p.name) as Float32Array, dims: p.shape };
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
  for (const w of weights.values()) for (let i = 0; i < w.length; i++) if (w[i] === 0) w[i] = 0.2 * (random() - 0.5); // nonzero biases
  const batch = { data: uniform(random, n * sizeOf([...model.inputShape])), dims: [n, ...model.inputShape] };
  const labels = { data: labelsFor(random, n), dims: [n, 6] };

  const graph = compileTrainStep(model, { optimizer: { kind: 'sgd' }, outputGradients: true });
  const session = await openSession(graph.bytes);
  const feeds = trainFeeds(graph, weights, batch, labels);
  const out = await runSession(session, feeds);

  // The loss equals the float64 reference computed from the inference graph's logits.
  const inference = await openSession(compileInference(model, weights, { logits: true }));
  const { logits } = await runSession(inference, { [NAMES.input]: batch });
  const expected = referenceLoss(logits.data, labels.data, 6);
  assert.ok(Math.abs(out[NAMES.loss].data[0] - expected) < 1e-5 * expected, `loss ${out[NAMES.loss].data[0]} vs reference ${expected}`);

  // Every parameter's gradient against central differences of the loss of a forward-only graph.
  const forward = await openSession(logitsGraph(model));
  const paramFeeds: Record<string, HostTensor> = { x: batch };
  for (const p of graph.params) paramFeeds[p.name] = feeds[p.input];
  const lossWith = async (name: string, data: Float32Array, dims: number[]): Promise<number> => {
    const { logits: z } = await runSession(forward, { ...paramFeeds, [name]: { data, dims } });
    return referenceLoss(z.data, labels.data, 6);
  };
  // Small enough that no max-pool argmax or activation kink moves, large enough for float32 logits.
  const eps = 1e-3;
  for (const p of graph.params) {
    const base = weights.get(p.name) as Float32Array;
    const g = out[p.gradient as string].data;
    const picks = Array.from({ length: Math.min(base.length, 24) }, () => Math.floor(random() * base.length));
    let maxDiff = 0;
    let scale = 0;
    for (const i of picks) {
      const copy = Float32Array.from(base);
      copy[i] = base[i] + eps;
      const plus = await lossWith(p.name, copy, p.shape);
      copy[i] = base[i] - eps;
      const minus = await lossWith(p.name, copy, p.shape);
      const numeric = (plus - minus) / (Math.fround(base[i] + eps) - Math.fround(base[i] - eps));
      maxDiff = Math.max(maxDiff, Math.abs(numeric - g[i]));
      scale = Math.max(scale, Math.abs(numeric));
    }
    if (process.env.GRADCHECK_VERBOSE) console.log(p.name, (maxDiff / scale).toExponential(2));
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
