import { compileInference, type Model, openSession, ort, type Weights } from '../engine/index.js';
import type { SampleSource } from './dataset.js';

/** Probabilities (n×6) and labels (n×6) of every sample a source yields, through the inference graph. */
export async function predictLoader(model: Model, weights: Weights, loader: SampleSource, threads?: number): Promise<{ probs: Float32Array; labels: Float32Array; n: number }> {
  const session = await openSession(compileInference(model, weights), { threads });
  const n = loader.samples.length;
  const probs = new Float32Array(n * 6);
  const labels = new Float32Array(n * 6);
  let at = 0;
  for (const batch of loader.epoch(0)) {
    const out = await session.run({ input: new ort.Tensor('float32', batch.x, [batch.n, ...loader.inputShape]) });
    probs.set(out.probabilities!.data as Float32Array, at * 6);
    labels.set(batch.y, at * 6);
    at += batch.n;
  }
  await session.release();
  return { probs, labels, n };
}
