#!/usr/bin/env node
// `npm run profile:train [-- --batch 32 --size 128 --steps 10 --threads 2 --top 25 --graph train|inference|gradient]`:
// where a baseline CNN training step (or an inference, or an input gradient of all six outputs, what
// expected gradients run) spends its time. Runs the compiled graph in
// ONNX Runtime with its profiler on, then folds the trace into a table per operator type and per
// node (milliseconds per step, share of the step), the slowest first.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NAMES, compileInference, compileInputGradient, compileTrainStep, initWeights, openSession, ort } from '../dist/src/engine/index.js';
import { baselineModel } from '../dist/src/models/baseline.js';

const { values: o } = parseArgs({ options: { batch: { type: 'string', default: '32' }, size: { type: 'string', default: '128' }, steps: { type: 'string', default: '10' }, threads: { type: 'string', default: '2' }, top: { type: 'string', default: '25' }, graph: { type: 'string', default: 'train' } } });
const [batch, size, steps, threads, top] = [o.batch, o.size, o.steps, o.threads, o.top].map(Number);
const model = baselineModel({ size });
const weights = initWeights(model, 0);
const x = new ort.Tensor('float32', Float32Array.from({ length: batch * 3 * size * size }, (_, i) => ((i * 7919) % 1000) / 1000), [batch, 3, size, size]);
const prefix = join(tmpdir(), `ich-profile-${process.pid}`);
let session;
let feeds;
if (o.graph === 'inference') {
  session = await openSession(compileInference(model, weights), { threads, profilePrefix: prefix });
  feeds = { [NAMES.input]: x };
} else if (o.graph === 'gradient') {
  // One seed row per input and label (6 rows per input, one-hot), as the gradient explainer asks for all six labels.
  session = await openSession(compileInputGradient(model, weights), { threads, profilePrefix: prefix });
  feeds = { [NAMES.input]: x, [NAMES.seed]: new ort.Tensor('float32', Float32Array.from({ length: batch * 36 }, (_, i) => (Math.floor(i / 6) % 6 === i % 6 ? 1 : 0)), [batch * 6, 6]) };
} else {
  const graph = compileTrainStep(model);
  session = await openSession(graph.bytes, { threads, profilePrefix: prefix });
  feeds = { [NAMES.batch]: x, [NAMES.labels]: new ort.Tensor('float32', Float32Array.from({ length: batch * 6 }, (_, i) => (i % 7 === 0 ? 1 : 0)), [batch, 6]), [NAMES.step]: new ort.Tensor('float32', Float32Array.of(1), []), [NAMES.learningRate]: new ort.Tensor('float32', Float32Array.of(1e-3), []) };
  for (const io of [...graph.params, ...graph.buffers, ...graph.constants]) feeds[io.input] = new ort.Tensor('float32', Float32Array.from(weights.get(io.name)), io.shape);
  for (const s of graph.state) feeds[s.input] = new ort.Tensor('float32', new Float32Array(s.shape.reduce((a, b) => a * b, 1)), s.shape);
}
for (let i = 0; i < 2; i++) await session.run(feeds);
const started = performance.now();
for (let i = 0; i < steps; i++) await session.run(feeds);
const wall = (performance.now() - started) / steps;
session.endProfiling();
await session.release();
const name = readdirSync(tmpdir()).find((f) => f.startsWith(`ich-profile-${process.pid}`) && f.endsWith('.json'));
if (!name) throw new Error(`ONNX Runtime wrote no profile under ${prefix}*`);
const file = join(tmpdir(), name);
const trace = JSON.parse(readFileSync(file, 'utf8'));
rmSync(file, { force: true });
// Node events of the timed runs only: the last `steps` runs' kernels (each run has a model_run event).
const runs = trace.filter((ev) => ev.name === 'model_run');
const timedFrom = runs.length > steps ? runs[runs.length - steps].ts : 0;
const kernels = trace.filter((ev) => ev.cat === 'Node' && ev.name.endsWith('_kernel_time') && ev.ts >= timedFrom);
const byOp = new Map();
const byNode = new Map();
for (const ev of kernels) {
  const op = ev.args?.op_name ?? '?';
  const node = ev.name.replace(/_kernel_time$/, '');
  byOp.set(op, (byOp.get(op) ?? 0) + ev.dur / 1000 / steps);
  const n = byNode.get(node) ?? { op, ms: 0 };
  n.ms += ev.dur / 1000 / steps;
  byNode.set(node, n);
}
const total = [...byOp.values()].reduce((a, b) => a + b, 0);
const pct = (ms) => `${((100 * ms) / total).toFixed(1).padStart(5)} %`;
process.stdout.write(`${o.graph} step, baseline CNN ${size}², batch ${batch}, ${threads} threads: ${wall.toFixed(1)} ms per run wall (${((batch * 1000) / wall).toFixed(1)} images/s), ${total.toFixed(1)} ms in kernels\n\nper operator type:\n`);
for (const [op, ms] of [...byOp].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${op.padEnd(28)} ${ms.toFixed(2).padStart(8)} ms ${pct(ms)}\n`);
process.stdout.write(`\nslowest ${top} nodes:\n`);
for (const [node, { op, ms }] of [...byNode].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) process.stdout.write(`  ${node.slice(0, 60).padEnd(60)} ${op.padEnd(18)} ${ms.toFixed(2).padStart(8)} ms ${pct(ms)}\n`);
