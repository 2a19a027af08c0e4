import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NAMES, TrainSession, compileTrainStep, initWeights, openSession, runSession, scalar } from '../../src/engine/index.js';
import { tinyChain } from './models.js';

function batchOf(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return { x: Float32Array.from({ length: n * 2 * 8 * 8 }, next), y: Float32Array.from({ length: n * 6 }, () => (next() < 0.3 ? 1 : 0)) };
}

test('TrainSession carries parameters and optimizer state between steps exactly like feeding them back by hand', async () => {
  const model = tinyChain();
  const start = initWeights(model, 3);
  const session = await TrainSession.open(model, start, { optimizer: { kind: 'adam' } });
  const graph = compileTrainStep(model, { optimizer: { kind: 'adam' } });
  const manual = await openSession(graph.bytes);
  const feeds: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const p of [...graph.params, ...graph.buffers, ...graph.constants]) feeds[p.input] = { data: Float32Array.from(start.get(p.name)!), dims: p.shape };
  for (const s of graph.state) feeds[s.input] = { data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)), dims: s.shape };
  for (let step = 1; step <= 3; step++) {
    const { x, y } = batchOf(4, step);
    const loss = await session.step(x, y, [4, 2, 8, 8], 0.01);
    const out = await runSession(manual, { ...feeds, [NAMES.batch]: { data: x, dims: [4, 2, 8, 8] }, [NAMES.labels]: { data: y, dims: [4, 6] }, [NAMES.step]: scalar(step), [NAMES.learningRate]: scalar(0.01) });
    for (const io of [...graph.params, ...graph.buffers, ...graph.state]) feeds[io.input] = out[io.output]!;
    assert.equal(loss, out[NAMES.loss]!.data[0], `step ${step} loss`);
  }
  for (const [name, data] of session.weights()) assert.deepEqual(data, feeds[name]!.data, name);
  assert.equal(session.steps, 3);
  await session.release();
});

test('TrainSession fits a fixed batch: the loss falls', async () => {
  const model = tinyChain();
  const session = await TrainSession.open(model, initWeights(model, 1));
  const { x, y } = batchOf(8, 42);
  const first = await session.step(x, y, [8, 2, 8, 8], 0.01);
  let last = first;
  for (let i = 0; i < 60; i++) last = await session.step(x, y, [8, 2, 8, 8], 0.01);
  assert.ok(last < first * 0.5, `loss ${first} → ${last}`);
  await session.release();
});
