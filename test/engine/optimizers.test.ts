// Three training steps per optimizer: updated parameters and state from the graph against the same
// update rules computed here in float64 from the graph's own gradients.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADAM_DEFAULTS, NAMES, RMSPROP_DEFAULTS, SGD_DEFAULTS, compileTrainStep, initWeights, openSession, runSession, scalar } from '../../src/engine/index.js';
import type { HostTensor, OptimizerConfig } from '../../src/engine/index.js';
import { rng, sizeOf, uniform } from './gradcheck.js';
import { tinyChain } from './models.js';

type Slots = Record<string, Float64Array>;

/** One parameter's update in float64; returns the new value and state. */
function reference(config: OptimizerConfig, p: Float32Array, g: Float32Array, state: Slots, t: number, lr: number): { p: Float64Array; state: Slots } {
  const n = p.length;
  const out = new Float64Array(n);
  const grad = (i: number, wd: number) => g[i] + wd * p[i];
  if (config.kind === 'adam') {
    const c = { ...ADAM_DEFAULTS, ...config };
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const gi = grad(i, c.weightDecay);
      m[i] = c.beta1 * state.m[i] + (1 - c.beta1) * gi;
      v[i] = c.beta2 * state.v[i] + (1 - c.beta2) * gi * gi;
      const mHat = m[i] / (1 - c.beta1 ** t);
      const vHat = v[i] / (1 - c.beta2 ** t);
      out[i] = p[i] - (lr * mHat) / (Math.sqrt(vHat) + c.epsilon);
    }
    return { p: out, state: { m, v } };
  }
  if (config.kind === 'sgd') {
    const c = { ...SGD_DEFAULTS, ...config };
    if (c.momentum === 0) {
      for (let i = 0; i < n; i++) out[i] = p[i] - lr * grad(i, c.weightDecay);
      return { p: out, state: {} };
    }
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const gi = grad(i, c.weightDecay);
      b[i] = c.momentum * state.momentum[i] + gi;
      out[i] = p[i] - lr * (c.nesterov ? gi + c.momentum * b[i] : b[i]);
    }
    return { p: out, state: { momentum: b } };
  }
  const c = { ...RMSPROP_DEFAULTS, ...config };
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const gi = grad(i, c.weightDecay);
    s[i] = c.alpha * state.square_avg[i] + (1 - c.alpha) * gi * gi;
    out[i] = p[i] - (lr * gi) / (Math.sqrt(s[i]) + c.epsilon);
  }
  return { p: out, state: { square_avg: s } };
}

function assertClose(actual: Float32Array, expected: Float64Array, before: ArrayLike<number>, what: string): void {
  let change = 0;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) {
    change = Math.max(change, Math.abs(expected[i] - before[i]));
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
  }
  assert.ok(diff <= 1e-4 * change + 1e-7, `${what}: max |graph − reference| ${diff.toExponential(2)} for a change of ${change.toExponential(2)}`);
}

const configs: [string, OptimizerConfig][] = [
  ['Adam (default)', { kind: 'adam' }],
  ['Adam with weight decay and other betas', { kind: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01 }],
  ['SGD with momentum', { kind: 'sgd' }],
  ['SGD with Nesterov momentum and weight decay', { kind: 'sgd', momentum: 0.8, nesterov: true, weightDecay: 1e-3 }],
  ['SGD without momentum (no state)', { kind: 'sgd', momentum: 0 }],
  ['RMSprop', { kind: 'rmsprop' }],
];

for (const [title, config] of configs) {
  test(`${title}: three steps match the float64 reference`, async () => {
    const model = tinyChain();
    const graph = compileTrainStep(model, { optimizer: config, outputGradients: true });
    const session = await openSession(graph.bytes);
    const random = rng(7);
    let params: Map<string, Float32Array> = initWeights(model, 3);
    let state = new Map<string, Float32Array>(graph.state.map((s) => [s.input, new Float32Array(sizeOf(s.shape))]));
    const lr = 0.01;
    for (let t = 1; t <= 3; t++) {
      const n = 4;
      const feeds: Record<string, HostTensor> = {
        [NAMES.batch]: { data: uniform(random, n * 2 * 8 * 8), dims: [n, 2, 8, 8] },
        [NAMES.labels]: { data: Float32Array.from({ length: n * 6 }, () => (random() < 0.5 ? 1 : 0)), dims: [n, 6] },
        [NAMES.step]: scalar(t),
        [NAMES.learningRate]: scalar(lr),
      };
      for (const p of graph.params) feeds[p.input] = { data: params.get(p.name) as Float32Array, dims: p.shape };
      for (const s of graph.state) feeds[s.input] = { data: state.get(s.input) as Float32Array, dims: s.shape };
      const out = await runSession(session, feeds);
      assert.ok(Number.isFinite(out[NAMES.loss].data[0]));
      for (const p of graph.params) {
        const slots: Slots = {};
        for (const s of graph.state.filter((x) => x.param === p.name)) slots[s.slot] = Float64Array.from(state.get(s.input) as Float32Array);
        const before = params.get(p.name) as Float32Array;
        const ref = reference(config, before, out[p.gradient as string].data, slots, t, lr);
        assertClose(out[p.output].data, ref.p, before, `step ${t} ${p.name}`);
        for (const s of graph.state.filter((x) => x.param === p.name)) {
          assertClose(out[s.output].data, ref.state[s.slot], slots[s.slot], `step ${t} ${s.input}`);
        }
      }
      params = new Map(graph.params.map((p) => [p.name, out[p.output].data]));
      state = new Map(graph.state.map((s) => [s.input, out[s.output].data]));
    }
    await session.release();
  });
}

test('a few hundred Adam steps fit a small fixed batch (the loss falls by 10×)', async () => {
  const model = tinyChain();
  const graph = compileTrainStep(model);
  const session = await openSession(graph.bytes);
  const random = rng(9);
  const n = 8;
  const batch = { data: uniform(random, n * 2 * 8 * 8), dims: [n, 2, 8, 8] };
  const labels = { data: Float32Array.from({ length: n * 6 }, () => (random() < 0.3 ? 1 : 0)), dims: [n, 6] };
  const values = new Map<string, Float32Array>([...initWeights(model, 5)]);
  for (const s of graph.state) values.set(s.input, new Float32Array(sizeOf(s.shape)));
  let first = 0;
  let last = 0;
  for (let t = 1; t <= 300; t++) {
    const feeds: Record<string, HostTensor> = { [NAMES.batch]: batch, [NAMES.labels]: labels, [NAMES.step]: scalar(t), [NAMES.learningRate]: scalar(0.01) };
    for (const p of graph.params) feeds[p.input] = { data: values.get(p.name) as Float32Array, dims: p.shape };
    for (const s of graph.state) feeds[s.input] = { data: values.get(s.input) as Float32Array, dims: s.shape };
    const out = await runSession(session, feeds);
    if (t === 1) first = out[NAMES.loss].data[0];
    last = out[NAMES.loss].data[0];
    for (const p of graph.params) values.set(p.name, out[p.output].data);
    for (const s of graph.state) values.set(s.input, out[s.output].data);
  }
  assert.ok(last < first / 10, `loss ${first} → ${last}`);
  await session.release();
});
