// Queue progress for `ich jobs`.
import { Queue } from 'bullmq';
import { QUEUE_NAME, redisConnection } from './connection.js';

export interface JobCounts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
}

export async function jobCounts(redis: string): Promise<JobCounts> {
  const queue = new Queue(QUEUE_NAME, { connection: redisConnection(redis) });
  try {
    const c = await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    return { waiting: c.waiting ?? 0, active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0, delayed: c.delayed ?? 0 };
  } finally {
    await queue.close();
  }
}
