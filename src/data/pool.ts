import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

/** Default number of worker threads: one per core. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** A worker-thread pool running the default export of one worker module under src/data/workers/. */
export function workerPool(worker: string, threads = defaultThreads()): Piscina {
  return new Piscina({
    filename: new URL(`./workers/${worker}.js`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  });
}

/** Splits `items` into batches of at most `size`. */
export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
