// `ich worker`: a BullMQ worker that runs ichdetect's jobs from the queue.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, Worker } from 'bullmq';
import { QUEUE_NAME, redisConnection } from './connection.js';
import { PREDICT_JOB, type PredictJobData, runPredictJob } from './predict-jobs.js';
import { PREPROCESS_JOB, type PreprocessJobData, runPreprocessJob } from './preprocess-jobs.js';

export interface WorkerOptions {
  redis: string;
  /** Jobs run at once by this process (default 1). */
  concurrency?: number;
  /** ORT / decoding threads per job (default 0: decode on the main thread, ORT's default threads). */
  threads?: number;
  /**
   * How long a job's lock lasts without renewal (ms; default BullMQ's 30 s). A worker that dies
   * mid-job stops renewing it; after this long another worker's stalled-job check (every lockMs / 2)
   * puts the job back in the queue.
   */
  lockMs?: number;
  /** Called when a job completes or fails for good. */
  onJob?: (job: Job, outcome: 'completed' | 'failed', detail: string) => void;
  /** Called when this worker's stalled-job check puts back a job whose worker stopped renewing its lock. */
  onStalled?: (jobId: string) => void;
}

/** Starts consuming jobs; close() the returned worker to stop (it finishes the jobs it holds). */
export function startWorker(o: WorkerOptions): Worker {
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job) => {
      if (job.name === PREDICT_JOB) {
        const r = await runPredictJob(job.data as PredictJobData, o.threads ?? 0);
        return { key: r.key, slices: r.slices.length, rejected: r.rejected.length };
      }
      if (job.name === PREPROCESS_JOB) {
        const r = await runPreprocessJob(job.data as PreprocessJobData);
        return { key: r.key, tensors: r.records.filter((x) => x.ok).length, rejected: r.records.filter((x) => !x.ok).length };
      }
      throw new Error(`unknown job '${job.name}'`);
    },
    {
      connection: redisConnection(o.redis),
      concurrency: o.concurrency ?? 1,
      ...(o.lockMs ? { lockDuration: o.lockMs, stalledInterval: Math.max(100, Math.floor(o.lockMs / 2)) } : {}),
    },
  );
  worker.on('completed', (job) => o.onJob?.(job, 'completed', JSON.stringify(job.returnvalue)));
  worker.on('stalled', (jobId) => o.onStalled?.(jobId));
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) o.onJob?.(job, 'failed', err.message);
  });
  return worker;
}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Looks at the worker's Redis connection every second; calls `onLost` once when it has not been
 * ready for `timeoutMs` (also when Redis is unreachable from the start). Returns a function that stops watching.
 */
export function watchRedis(worker: Worker, timeoutMs: number, onLost: () => void): () => void {
  let watching = true;
  void (async () => {
    let lastAnswer = Date.now();
    while (watching) {
      const client = await within(worker.client, 1000).catch(() => undefined);
      if (client?.status === 'ready') lastAnswer = Date.now();
      else {
        if (Date.now() - lastAnswer >= timeoutMs) {
          watching = false;
          onLost();
          return;
        }
      }
      await sleep(1000);
    }
  })();
  return () => void (watching = false);
}

/**
 * Stops the worker within `graceMs`: the jobs in hand finish if they can in that time; otherwise the
 * worker closes without them and their locks lapse, so BullMQ's stalled-job check hands them to
 * another worker. True when the jobs in hand finished.
 */
export async function stopWorker(worker: Worker, graceMs: number): Promise<boolean> {
  try {
    await within(worker.close(), graceMs);
    return true;
  } catch {
    await within(worker.close(true), 1000).catch(() => undefined);
    return false;
  }
}
