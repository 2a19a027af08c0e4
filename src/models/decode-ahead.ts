// Decoding ahead of inference: predict tasks decode in worker threads (or on the main thread) while
// ONNX Runtime runs the earlier ones; results are consumed in task order and memory stays flat.
import { workerPool } from '../data/pool.js';
import decodeForPrediction, { type PredictTask, type PredictTaskResult } from '../data/workers/predict-worker.js';

/**
 * Runs `consume` on each task's decoded result, in task order, with up to 2 × threads tasks
 * decoding ahead in a worker pool (threads 0: one at a time on the main thread, because
 * fileTensor's scratch buffers are per thread).
 */
export async function decodeInOrder(tasks: readonly PredictTask[], threads: number, consume: (result: PredictTaskResult, task: PredictTask) => Promise<void>): Promise<void> {
  const pool = threads > 0 && tasks.length > 0 ? workerPool('predict-worker', threads) : undefined;
  try {
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
  } finally {
    await pool?.destroy();
  }
}
