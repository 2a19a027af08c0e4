// Redis connections for the BullMQ queues, from a redis:// URL.
import type { ConnectionOptions } from 'bullmq';

/** The queue that carries ichdetect's jobs. */
export const QUEUE_NAME = 'ichdetect';

/**
 * redis://[user:password@]host[:port][/db] → BullMQ connection options. Workers need
 * maxRetriesPerRequest null (BullMQ's requirement for blocking commands).
 */
export function redisConnection(url: string): ConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--redis ${url}: not a URL (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:') throw new Error(`--redis ${url}: expected a redis:// URL`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`--redis ${url}: database '${u.pathname.slice(1)}' is not a number`);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    maxRetriesPerRequest: null,
  };
}
