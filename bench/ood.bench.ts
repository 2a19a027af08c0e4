/**
 * npm run bench:ood — what the out-of-distribution score costs: images/s of model.onnx with the
 * `ood_score` output against the same graph without it, for the baseline CNN and an InceptionV3
 * model (base to mixed5 + head), 128², batch 32, each scoring its first block's 32 feature maps'
 * means and deviations (64 features), interleaved round by round in one process, same
 * threads; medians, then `<model> ood/plain X` (1.00: free; the goal is ≥ 0.95).
 *
 * The score's parameters are fitted on random features of the right width: its cost does not depend
 * on their values. Environment: BENCH_ROUNDS (default 5), BENCH_STEPS (default 20; 5 for InceptionV3),
 * BENCH_THREADS (default 2).
 */
import { compileInference, initWeights, type Model, openSession, ort, type Weights } from '../src/engine/index.js';
import { seededRandom } from '../src/shared/random.js';
import { baselineModel } from '../src/models/baseline.js';
import { inceptionV3Model, inceptionV3Weights } from '../src/models/inception.js';
import { fitMahalanobis, OOD_CLASSES, OOD_NODES } from '../src/models/ood.js';
import { median } from './median.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const steps = Number(process.env.BENCH_STEPS ?? 20);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const BATCH = 32;
const SIZE = 128;

interface Case {
  name: string;
  dim: number;
  steps: number;
  graphs: { plain: Uint8Array; ood: Uint8Array };
}

function graphs(model: Model, weights: Weights, nodes: readonly string[], dim: number): Case['graphs'] {
  const random = seededRandom(7);
  const n = 4 * dim;
  const params = fitMahalanobis(Float32Array.from({ length: n * dim }, () => random()), dim, Array.from({ length: n }, (_, i) => i % 2), OOD_CLASSES.length);
  return { plain: compileInference(model, weights), ood: compileInference(model, weights, { ood: { ...params, nodes } }) };
}

function cases(): Case[] {
  const baseline = baselineModel({ size: SIZE });
  const inception = inceptionV3Model({ size: SIZE, baseUntil: 'mixed5' });
  return [
    { name: 'baseline', dim: 64, steps, graphs: graphs(baseline, initWeights(baseline, 0), OOD_NODES.baseline, 64) },
    { name: 'inception-mixed5', dim: 64, steps: Math.max(1, Math.round(steps / 4)), graphs: graphs(inception, new Map([...initWeights(inception, 0), ...inceptionV3Weights(inception)]), OOD_NODES.inception, 64) },
  ];
}

async function imagesPerS(graph: Uint8Array, n: number): Promise<number> {
  const session = await openSession(graph, { threads });
  const random = seededRandom(3);
  const feeds = { input: new ort.Tensor('float32', Float32Array.from({ length: BATCH * 3 * SIZE * SIZE }, () => random()), [BATCH, 3, SIZE, SIZE]) };
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const started = performance.now();
  for (let i = 0; i < n; i++) await session.run(feeds);
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return (n * BATCH) / seconds;
}

const all = cases();
const results = new Map(all.map((c) => [c.name, { plain: [] as number[], ood: [] as number[] }]));
for (let r = 0; r < rounds; r++) {
  for (const c of all) {
    // Alternate which side goes first, so that neither always runs on a warmer machine.
    const order = r % 2 === 0 ? (['plain', 'ood'] as const) : (['ood', 'plain'] as const);
    for (const side of order) results.get(c.name)![side].push(await imagesPerS(c.graphs[side], c.steps));
  }
  process.stdout.write(`round ${r + 1}/${rounds}: ${all.map((c) => `${c.name} plain ${results.get(c.name)!.plain.at(-1)!.toFixed(1)}, ood ${results.get(c.name)!.ood.at(-1)!.toFixed(1)} images/s`).join('; ')}\n`);
}
for (const c of all) {
  const m = results.get(c.name)!;
  process.stdout.write(`${c.name} (${SIZE}², batch ${BATCH}, ${threads} threads, score over ${c.dim} features): plain ${median(m.plain).toFixed(1)} images/s, with ood_score ${median(m.ood).toFixed(1)} images/s\n`);
}
for (const c of all) process.stdout.write(`${c.name} ood/plain ${(median(results.get(c.name)!.ood) / median(results.get(c.name)!.plain)).toFixed(3)}\n`);
