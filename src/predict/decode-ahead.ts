// Decoding ahead of inference: predict tasks decode in worker threads (or on the main thread) while
// ONNX Runtime runs the earlier ones; results are consumed in task order and memory stays flat.
import type { Piscina } from 'piscina';
import { DECODE_RESOURCE_LIMITS, workerPool } from '../data/pool.js';
import decodeForPrediction, { type PredictTask, type PredictTaskResult } from './decode-worker.js';

/** Where predict tasks decode: a pool of `threads` worker threads, or the main thread (threads 0). */
export interface Decoder {
  threads: number;
  pool?: Piscina;
}

export function openDecoder(threads: number): Decoder {
  return { threads, pool: threads > 0 ? workerPool(new URL('./decode-worker.js', import.meta.url), threads, DECODE_RESOURCE_LIMITS) : undefined };
}

/**
 * Runs `consume` on each task's decoded result, in task order, with up to 2 × threads tasks
 * decoding ahead in the decoder's pool (without one: one at a time on the main thread, because
 * fileTensor's scratch buffers are per thread).
 */
export async function decodeInOrder(tasks: readonly PredictTask[], decoder: Decoder, consume: (result: PredictTaskResult, task: PredictTask) => Promise<void>): Promise<void> {
  const { pool, threads } = decoder;
  const decode = (task: PredictTask): Promise<PredictTaskResult> => (pool ? (pool.run(task) as Promise<PredictTaskResult>) : decodeForPrediction(task));
  const ahead = pool ? 2 * threads : 1;
  const pending: Promise<PredictTaskResult>[] = [];
  let launched = 0;
  const launch = () => {
    while (launched < tasks.length && pending.length < ahead) {
      const p = decode(tasks[launched++]!);
      p.catch(() => {}); // awaited below in order; this only keeps an early failure from counting as unhandled
      pending.push(p);
    }
  };
  launch();
  for (const task of tasks) {
    const result = await pending.shift()!;
    launch();
    await consume(result, task);
  }
}
