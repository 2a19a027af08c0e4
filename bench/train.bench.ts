/**
 * npm run bench:train — the baseline CNN at 128², batch 32: training-step and inference images/s of
 * ichdetect (ONNX Runtime, compiled graphs) and of the same network in PyTorch (Debian python3-torch,
 * bench/reference/train_reference.py), interleaved round by round in one process tree, same thread
 * count; medians printed, then `train ratio X` and `inference ratio Y` (ichdetect ÷ PyTorch) and
 * `train/inference Z` (ichdetect's training images/s ÷ its own inference images/s).
 *
 * Then InceptionV3 feature extraction (the whole base to mixed10 + global average pool, 2048 features:
 * what `ich train --model inception --base-until mixed10` computes for its frozen base) at 128² (batch
 * 32) and 299² (batch 8): ichdetect's compiled graph of nsfwjs's InceptionV3 with its pretrained
 * weights against torchvision's inception_v3 (fc = Identity, eval, inference mode;
 * bench/reference/inception_reference.py), same batches and threads, interleaved in the same rounds;
 * medians, then `inception WxW inference ratio Z` per size.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_STEPS (default 20), BENCH_THREADS (default 2),
 * BENCH_INCEPTION_STEPS (timed runs per round and side, default 5, after 2 warm-up runs; 0 skips the
 * InceptionV3 lines).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrainSession, compileInference, initWeights, openSession, ort } from '../src/engine/index.js';
import { baselineModel } from '../src/models/baseline.js';
import { inceptionPooledBase, inceptionV3Model, inceptionV3Weights } from '../src/models/inception.js';
import { median, timedRun } from './median.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const steps = Number(process.env.BENCH_STEPS ?? 20);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const BATCH = 32;
const SIZE = 128;
const WARMUP = 3;
const inceptionSteps = Number(process.env.BENCH_INCEPTION_STEPS ?? 5);
const INCEPTION_WARMUP = 2;
/** Input side and batch of the InceptionV3 lines: 128² as our cached tensors, 299² as Keras trained it. */
const INCEPTION_CASES = [
  { size: 128, batch: 32 },
  { size: 299, batch: 8 },
] as const;
type InceptionCase = (typeof INCEPTION_CASES)[number];

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

/** Seeded uniform [0, 1) inputs, n × 3 × size × size. */
function uniformInput(n: number, size: number): Float32Array {
  let s = 54321;
  return Float32Array.from({ length: n * 3 * size * size }, () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** The pooled InceptionV3 base to mixed10 with nsfwjs's pretrained weights, compiled once per size (reading the weights is not timed). */
function compileInception(size: number): Uint8Array {
  const base = inceptionPooledBase(inceptionV3Model({ size, baseUntil: 'mixed10' }));
  return compileInference(base, inceptionV3Weights(base), { logits: true });
}

async function oursInception(graph: Uint8Array, { size, batch }: InceptionCase): Promise<number> {
  const session = await openSession(graph, { threads });
  const feeds = { input: new ort.Tensor('float32', uniformInput(batch, size), [batch, 3, size, size]) };
  let features = 0;
  for (let i = 0; i < INCEPTION_WARMUP; i++) features = (await session.run(feeds)).logits!.dims[1]!;
  const started = performance.now();
  for (let i = 0; i < inceptionSteps; i++) await session.run(feeds);
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  if (features !== 2048) throw new Error(`InceptionV3 base gave ${features} features per image, expected 2048`);
  return (inceptionSteps * batch) / seconds;
}

function torchInception({ size, batch }: InceptionCase): number {
  const script = join(root, 'bench/reference/inception_reference.py');
  const { stdout } = timedRun('/usr/bin/python3', [script, '--size', String(size), '--batch', String(batch), '--threads', String(threads), '--steps', String(inceptionSteps), '--warmup', String(INCEPTION_WARMUP)]);
  const last = stdout.trim().split('\n').pop()!;
  return (JSON.parse(last) as { images_per_s: number }).images_per_s;
}

function torch(mode: 'train' | 'infer'): number {
  const script = join(root, 'bench/reference/train_reference.py');
  const { stdout } = timedRun('/usr/bin/python3', [script, '--mode', mode, '--batch', String(BATCH), '--size', String(SIZE), '--threads', String(threads), '--steps', String(steps), '--warmup', String(WARMUP)]);
  const last = stdout.trim().split('\n').pop()!;
  return (JSON.parse(last) as { images_per_s: number }).images_per_s;
}

async function main(): Promise<void> {
  const results = { oursTrain: [] as number[], torchTrain: [] as number[], oursInfer: [] as number[], torchInfer: [] as number[] };
  const inception = inceptionSteps > 0 ? INCEPTION_CASES.map((c) => ({ ...c, graph: compileInception(c.size), ours: [] as number[], torch: [] as number[] })) : [];
  for (let r = 1; r <= rounds; r++) {
    results.oursTrain.push(await oursTrain());
    results.torchTrain.push(torch('train'));
    results.oursInfer.push(await oursInfer());
    results.torchInfer.push(torch('infer'));
    const f = (k: keyof typeof results) => results[k].at(-1)!.toFixed(0);
    process.stdout.write(`round ${r}: train ichdetect ${f('oursTrain')} / PyTorch ${f('torchTrain')} images/s; inference ichdetect ${f('oursInfer')} / PyTorch ${f('torchInfer')} images/s\n`);
    for (const c of inception) {
      c.ours.push(await oursInception(c.graph, c));
      c.torch.push(torchInception(c));
    }
    if (inception.length > 0) {
      const line = inception.map((c) => `${c.size}² ichdetect ${c.ours.at(-1)!.toFixed(1)} / PyTorch ${c.torch.at(-1)!.toFixed(1)} images/s`).join('; ');
      process.stdout.write(`round ${r}: InceptionV3 features ${line}\n`);
    }
  }
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)])) as Record<keyof typeof results, number>;
  process.stdout.write(`baseline CNN ${SIZE}², batch ${BATCH}, ${threads} threads, medians of ${rounds} rounds × ${steps} steps:\n`);
  process.stdout.write(`  train step   ichdetect ${m.oursTrain.toFixed(1)} images/s   PyTorch ${m.torchTrain.toFixed(1)} images/s\n`);
  process.stdout.write(`  inference    ichdetect ${m.oursInfer.toFixed(1)} images/s   PyTorch ${m.torchInfer.toFixed(1)} images/s\n`);
  process.stdout.write(`train ratio ${(m.oursTrain / m.torchTrain).toFixed(2)}\n`);
  process.stdout.write(`inference ratio ${(m.oursInfer / m.torchInfer).toFixed(2)}\n`);
  // How close ichdetect's backward comes to its forward's efficiency (a step is ~3 forwards of arithmetic: 0.33 would be parity).
  process.stdout.write(`train/inference ${(m.oursTrain / m.oursInfer).toFixed(3)}\n`);
  if (inception.length === 0) return;
  process.stdout.write(`InceptionV3 feature extraction (base to mixed10 + global average pool, 2048 features), ${threads} threads, medians of ${rounds} rounds × ${inceptionSteps} runs:\n`);
  for (const c of inception) {
    process.stdout.write(`  ${c.size}×${c.size}, batch ${c.batch}   ichdetect ${median(c.ours).toFixed(1)} images/s   PyTorch ${median(c.torch).toFixed(1)} images/s\n`);
  }
  for (const c of inception) process.stdout.write(`inception ${c.size}x${c.size} inference ratio ${(median(c.ours) / median(c.torch)).toFixed(2)}\n`);
}

await main();
