/**
 * npm run bench:train — the baseline CNN at 128², batch 32: training-step and inference images/s of
 * ichdetect (ONNX Runtime, compiled graphs) and of the same network in PyTorch (Debian python3-torch,
 * bench/reference/train_reference.py), interleaved round by round in one process tree, same thread
 * count; medians printed, then `train ratio X` and `inference ratio Y` (ichdetect ÷ PyTorch).
 * Environment: BENCH_ROUNDS (default 3), BENCH_STEPS (default 20), BENCH_THREADS (default 2).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrainSession, compileInference, initWeights, openSession, ort } from '../src/engine/index.js';
import { baselineModel } from '../src/models/baseline.js';
import { median, timedRun } from './median.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const steps = Number(process.env.BENCH_STEPS ?? 20);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const BATCH = 32;
const SIZE = 128;
const WARMUP = 3;

function syntheticBatch(): { x: Float32Array; y: Float32Array } {
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return { x: Float32Array.from({ length: BATCH * 3 * SIZE * SIZE }, next), y: Float32Array.from({ length: BATCH * 6 }, () => (next() < 0.14 ? 1 : 0)) };
}

async function oursTrain(): Promise<number> {
  const model = baselineModel({ size: SIZE });
  const session = await TrainSession.open(model, initWeights(model, 0), { threads });
  const { x, y } = syntheticBatch();
  const shape = [BATCH, 3, SIZE, SIZE];
  for (let i = 0; i < WARMUP; i++) await session.step(x, y, shape, 1e-3);
  const started = performance.now();
  for (let i = 0; i < steps; i++) await session.step(x, y, shape, 1e-3);
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return (steps * BATCH) / seconds;
}

async function oursInfer(): Promise<number> {
  const model = baselineModel({ size: SIZE });
  const session = await openSession(compileInference(model, initWeights(model, 0)), { threads });
  const { x } = syntheticBatch();
  const feeds = { input: new ort.Tensor('float32', x, [BATCH, 3, SIZE, SIZE]) };
  for (let i = 0; i < WARMUP; i++) await session.run(feeds);
  const started = performance.now();
  for (let i = 0; i < steps; i++) await session.run(feeds);
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return (steps * BATCH) / seconds;
}

function torch(mode: 'train' | 'infer'): number {
  const script = join(root, 'bench/reference/train_reference.py');
  const { stdout } = timedRun('/usr/bin/python3', [script, '--mode', mode, '--batch', String(BATCH), '--size', String(SIZE), '--threads', String(threads), '--steps', String(steps), '--warmup', String(WARMUP)]);
  const last = stdout.trim().split('\n').pop()!;
  return (JSON.parse(last) as { images_per_s: number }).images_per_s;
}

async function main(): Promise<void> {
  const results = { oursTrain: [] as number[], torchTrain: [] as number[], oursInfer: [] as number[], torchInfer: [] as number[] };
  for (let r = 1; r <= rounds; r++) {
    results.oursTrain.push(await oursTrain());
    results.torchTrain.push(torch('train'));
    results.oursInfer.push(await oursInfer());
    results.torchInfer.push(torch('infer'));
    const f = (k: keyof typeof results) => results[k].at(-1)!.toFixed(0);
    process.stdout.write(`round ${r}: train ichdetect ${f('oursTrain')} / PyTorch ${f('torchTrain')} images/s; inference ichdetect ${f('oursInfer')} / PyTorch ${f('torchInfer')} images/s\n`);
  }
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<keyof typeof results, number>;
  process.stdout.write(`baseline CNN ${SIZE}², batch ${BATCH}, ${threads} threads, medians of ${rounds} rounds × ${steps} steps:\n`);
  process.stdout.write(`  train step   ichdetect ${m.oursTrain.toFixed(1)} images/s   PyTorch ${m.torchTrain.toFixed(1)} images/s\n`);
  process.stdout.write(`  inference    ichdetect ${m.oursInfer.toFixed(1)} images/s   PyTorch ${m.torchInfer.toFixed(1)} images/s\n`);
  process.stdout.write(`train ratio ${(m.oursTrain / m.torchTrain).toFixed(2)}\n`);
  process.stdout.write(`inference ratio ${(m.oursInfer / m.torchInfer).toFixed(2)}\n`);
}

await main();
