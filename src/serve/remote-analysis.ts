// `ich serve --redis`: a study analysed by `ich worker` processes instead of this one. Its files go
// to the queue as `ich enqueue predict` sends them (whole series per job for series-aware models,
// into DATA/runs/<study hash>/), and the shard results are collected as `ich collect` does once every
// shard has one; a job that failed for good fails the study with the worker's reason.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { ModelCard } from '../models/folder.js';
import { type PredictResult } from '../predict/predictor.js';
import { studyLevel } from '../predict/studies.js';
import { collectPredictions } from '../queue/collect.js';
import { QUEUE_NAME, redisConnection } from '../queue/connection.js';
import { PREDICT_JOB, enqueuePredict } from '../queue/predict-jobs.js';
import { resultPath } from '../queue/shards.js';

export interface RemoteAnalysisOptions {
  redis: string;
  /** Model folder (absolute), as the workers see it. */
  model: string;
  card: ModelCard;
  /** DATA, which the workers must see at the same path. */
  data: string;
  /** Files per job (default: the queue's). */
  shard?: number;
  /** How often the results are looked for, ms (default 200). */
  pollMs?: number;
}

export type RemoteResult = Pick<PredictResult, 'card' | 'studies' | 'studyAggregation' | 'notAnalysed' | 'slices' | 'rejected' | 'leftOut' | 'seconds'>;

export class RemoteAnalysis {
  private readonly queue: Queue;

  constructor(private readonly o: RemoteAnalysisOptions) {
    this.queue = new Queue(QUEUE_NAME, { connection: redisConnection(o.redis) });
  }

  /** Enqueues the study's files and waits for every shard's result. */
  async analyse(study: string, files: readonly string[]): Promise<RemoteResult> {
    const started = performance.now();
    const out = join(this.o.data, 'runs', createHash('sha256').update(study).digest('hex').slice(0, 16));
    await enqueuePredict({ redis: this.o.redis, out, inputs: files, model: this.o.model, shard: this.o.shard });
    for (;;) {
      const c = collectPredictions(out);
      if (c.missing.length === 0) {
        return { card: this.o.card, slices: c.slices, rejected: c.rejected, leftOut: c.leftOut, ...studyLevel(c.slices, this.o.card, c.leftOut), seconds: (performance.now() - started) / 1000 };
      }
      for (const shard of c.missing) {
        const job = await this.queue.getJob(`${PREDICT_JOB}-${shard.key}`);
        if (!job) throw new Error(`the job of shard ${shard.key} is gone from the queue`);
        const state = await job.getState();
        if (state === 'failed') throw new Error(`a worker failed on ${shard.files.length} of the study's files: ${job.failedReason}`);
        if (state === 'completed' && !existsSync(resultPath(out, shard.key))) {
          throw new Error(`shard ${shard.key} was done (for another DATA folder, or by workers that do not see DATA at the same path) but its result is not in ${out}`);
        }
      }
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 200));
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
