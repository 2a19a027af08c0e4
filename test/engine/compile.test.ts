// The inference and input-gradient graphs, and the ONNX files' envelope.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AvgPool2d, BatchNorm, Concat, Conv2d, Dense, Dropout, Flatten, GraphBuilder, INPUT, IR_VERSION, LeakyReLU, MaxPool2d, NAMES, OPSET, ReLU, Sigmoid,
  compileInference, compileInputGradient, compileTrainStep, decodeModel, freeze, initWeights, openSession, poolBeforeActivation, runSession, sequential,
} from '../../src/engine/index.js';
import { onnx } from '../../src/engine/onnx.js';
import { rng, uniform } from './gradcheck.js';
import { bnModel, tinyChain, tinyDag } from './models.js';

test('inference graph: opset 17, IR 8, weights as initializers, one float input with a free batch', () => {
  const model = tinyChain();
  const proto = decodeModel(compileInference(model, initWeights(model)));
  assert.equal(Number(proto.irVersion), IR_VERSION);
  assert.deepEqual(proto.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', OPSET]]);
  const graph = proto.graph as InstanceType<typeof onnx.GraphProto>; // decoded: repeated fields are arrays
  assert.deepEqual(graph.input.map((i) => i.name), [NAMES.input]);
  assert.deepEqual(graph.output.map((o) => o.name), [NAMES.probabilities]);
  const dims = graph.input[0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(dims, ['N', 2, 8, 8]);
  for (const name of ['conv1.weight', 'conv1.bias', 'head.weight', 'head.bias']) {
    assert.ok(graph.initializer.some((t) => t.name === name), `initializer ${name}`);
  }
});

test('inference: probabilities are the sigmoid of the logits, per sample, for any batch size', async () => {
  const model = tinyDag();
  const session = await openSession(compileInference(model, initWeights(model, 4), { logits: true }));
  const random = rng(1);
  const five = uniform(random, 5 * 3 * 6 * 6);
  const all = await runSession(session, { [NAMES.input]: { data: five, dims: [5, 3, 6, 6] } });
  assert.deepEqual([...all[NAMES.probabilities].dims], [5, 6]);
  all[NAMES.logits].data.forEach((z, i) => assert.ok(Math.abs(all[NAMES.probabilities].data[i] - 1 / (1 + Math.exp(-z))) < 1e-6));
  const third = await runSession(session, { [NAMES.input]: { data: five.slice(2 * 108, 3 * 108), dims: [1, 3, 6, 6] } });
  third[NAMES.probabilities].data.forEach((p, j) => assert.ok(Math.abs(p - all[NAMES.probabilities].data[2 * 6 + j]) < 1e-6));
  await session.release();
});

test('compileInference names a missing or misshapen weight', () => {
  const model = tinyChain();
  const weights = initWeights(model);
  weights.delete('conv2.bias');
  assert.throws(() => compileInference(model, weights), /no weights for parameter conv2\.bias/);
  weights.set('conv2.bias', new Float32Array(3));
  assert.throws(() => compileInference(model, weights), /conv2\.bias hold 3 values/);
});

for (const target of ['logits', 'probabilities'] as const) {
  test(`input gradient of the ${target} matches finite differences of the inference graph`, async () => {
    const model = tinyChain();
    const weights = initWeights(model, 6);
    const grad = await openSession(compileInputGradient(model, weights, { target }));
    const infer = await openSession(compileInference(model, weights, { logits: true }));
    const random = rng(2);
    const n = 2;
    const x = uniform(random, n * 128);
    const j = 3;
    const seed = new Float32Array(n * 6);
    for (let s = 0; s < n; s++) seed[s * 6 + j] = 1;
    const out = await runSession(grad, { [NAMES.input]: { data: x, dims: [n, 2, 8, 8] }, [NAMES.seed]: { data: seed, dims: [n, 6] } });
    const g = out[NAMES.gradient].data;
    const key = target === 'logits' ? NAMES.logits : NAMES.probabilities;
    const eps = 1e-3;
    let maxDiff = 0;
    let scale = 0;
    for (let k = 0; k < 40; k++) {
      const i = Math.floor(random() * x.length);
      const copy = Float32Array.from(x);
      copy[i] = x[i] + eps;
      const plus = (await runSession(infer, { [NAMES.input]: { data: copy, dims: [n, 2, 8, 8] } }))[key].data;
      copy[i] = x[i] - eps;
      const minus = (await runSession(infer, { [NAMES.input]: { data: copy, dims: [n, 2, 8, 8] } }))[key].data;
      const sample = Math.floor(i / 128);
      const numeric = (plus[sample * 6 + j] - minus[sample * 6 + j]) / (Math.fround(x[i] + eps) - Math.fround(x[i] - eps));
      maxDiff = Math.max(maxDiff, Math.abs(numeric - g[i]));
      scale = Math.max(scale, Math.abs(numeric));
    }
    assert.ok(scale > 1e-4);
    assert.ok(maxDiff <= 1e-2 * scale, `max |analytic − numeric| ${maxDiff.toExponential(2)} of ${scale.toExponential(2)}`);
    await Promise.all([grad.release(), infer.release()]);
  });
}

test('input gradient, L seeds per input: one forward pass, the same rows as the inputs repeated L times (max-pool indices, BatchNorm, a DAG)', async () => {
  for (const [name, model, shape] of [['chain', tinyChain(), [2, 8, 8]], ['dag', tinyDag(), [3, 6, 6]], ['batchnorm', bnModel(), [2, 6, 6]]] as const) {
    const weights = initWeights(model, 8);
    for (const target of ['logits', 'probabilities'] as const) {
      const grad = await openSession(compileInputGradient(model, weights, { target }));
      const per = shape[0] * shape[1] * shape[2];
      const p = 3;
      const l = 4;
      const x = uniform(rng(5), p * per);
      // Row r = input ⌊r / l⌋; seeds one-hot on outputs 5, 0, 2, 3, and one mixed seed row.
      const seed = new Float32Array(p * l * 6);
      for (let r = 0; r < p * l; r++) seed[r * 6 + [5, 0, 2, 3][r % l]!] = 1;
      seed[7 * 6 + 1] = -0.5;
      const repeated = new Float32Array(p * l * per);
      for (let r = 0; r < p * l; r++) repeated.set(x.subarray(Math.floor(r / l) * per, (Math.floor(r / l) + 1) * per), r * per);
      const shared = await runSession(grad, { [NAMES.input]: { data: x, dims: [p, ...shape] }, [NAMES.seed]: { data: seed, dims: [p * l, 6] } });
      const rows = await runSession(grad, { [NAMES.input]: { data: repeated, dims: [p * l, ...shape] }, [NAMES.seed]: { data: seed, dims: [p * l, 6] } });
      assert.deepEqual([...shared[NAMES.gradient].dims], [p * l, ...shape]);
      assert.deepEqual([...shared[NAMES.probabilities].dims], [p, 6]);
      let diff = 0;
      let scale = 0;
      shared[NAMES.gradient].data.forEach((v, i) => {
        diff = Math.max(diff, Math.abs(v - rows[NAMES.gradient].data[i]!));
        scale = Math.max(scale, Math.abs(rows[NAMES.gradient].data[i]!));
      });
      assert.ok(scale > 0, `${name} ${target}: zero gradients`);
      assert.ok(diff <= 1e-6 * scale, `${name} ${target}: shared forward differs by ${diff} (scale ${scale})`);
      await grad.release();
    }
  }
});

test("all three graphs of a model with every layer family pass Debian python3-onnx's full checker", () => {
  const g = new GraphBuilder([3, 9, 9]);
  const a = g.add(new Conv2d({ filters: 4, kernel: 3, stride: 2, padding: 'same' }), INPUT, 'a');
  const bn = g.add(new BatchNorm(), a, 'bn');
  const act = g.add(new LeakyReLU(), bn);
  const b = g.add(new AvgPool2d({ kernel: 3, stride: 1, padding: 'same' }), act);
  const cat = g.add(new Concat(), [act, b]);
  const pooled = g.add(new MaxPool2d(), cat);
  const flat = g.add(new Flatten(), g.add(new ReLU(), pooled));
  const drop = g.add(new Dropout(0.2), g.add(new Sigmoid(), g.add(new Dense({ units: 5 }), flat, 'd1')));
  g.add(new Dense({ units: 6 }), drop, 'head');
  const model = freeze(g.build(), ['a']);
  const weights = initWeights(model);
  const dir = mkdtempSync(join(tmpdir(), 'ichdetect-engine-'));
  const files = {
    inference: compileInference(model, weights),
    input_gradient: compileInputGradient(model, weights),
    train_step: compileTrainStep(model).bytes,
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, `${name}.onnx`), bytes);
  const script = 'import onnx, sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)';
  const run = spawnSync('/usr/bin/python3', ['-c', script, ...Object.keys(files).map((n) => join(dir, `${n}.onnx`))], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(run.status, 0, `onnx checker failed (install Debian python3-onnx): ${run.stderr}`);
});

test('max-pool before the activation: the rewrite moves every LeakyReLU → MaxPool pair and changes no output or gradient', async () => {
  const model = tinyChain();
  const swapped = poolBeforeActivation(model);
  assert.deepEqual(swapped.nodes.map((n) => n.layer.kind), ['Conv2d', 'MaxPool2d', 'LeakyReLU', 'Conv2d', 'ReLU', 'Flatten', 'Dense', 'LeakyReLU', 'Dense']);
  const weights = initWeights(model, 8);
  const random = rng(6);
  const x = { data: uniform(random, 3 * 128), dims: [3, 2, 8, 8] };
  const [fast, plain] = await Promise.all([
    openSession(compileInference(model, weights, { logits: true })),
    openSession(compileInference(model, weights, { logits: true, optimize: false })),
  ]);
  assert.deepEqual((await runSession(fast, { [NAMES.input]: x }))[NAMES.logits].data, (await runSession(plain, { [NAMES.input]: x }))[NAMES.logits].data);
  const seed = { data: Float32Array.from({ length: 18 }, () => random()), dims: [3, 6] };
  const [gFast, gPlain] = await Promise.all([
    openSession(compileInputGradient(model, weights)),
    openSession(compileInputGradient(model, weights, { optimize: false })),
  ]);
  const a = (await runSession(gFast, { [NAMES.input]: x, [NAMES.seed]: seed }))[NAMES.gradient].data;
  const b = (await runSession(gPlain, { [NAMES.input]: x, [NAMES.seed]: seed }))[NAMES.gradient].data;
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6, `gradient ${i}: ${v} vs ${b[i]}`));
  // A pool that is the model output hands the output to the activation after it.
  const tail = sequential([1, 4, 4], [new LeakyReLU(), ['pool', new MaxPool2d()]]);
  const moved = poolBeforeActivation(tail);
  assert.equal(moved.output, moved.nodes[1].name);
  assert.equal(moved.nodes[1].layer.kind, 'LeakyReLU');
});
