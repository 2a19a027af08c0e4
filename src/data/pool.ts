import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

/** Default number of worker threads: one per core. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * The workers' Node options: piscina loads a worker module with require() first, and Node 20's
 * require() of an ES module now and then aborts the process on an internal assertion
 * (ModuleWrap::CreateRequiredModuleFacade); without require(esm) piscina falls back to import().
 */
const WORKER_EXEC_ARGV = process.features.require_module ? [...process.execArgv, '--no-experimental-require-module'] : process.execArgv;

/** Heap limits of a worker that decodes files it did not make: past them the thread ends, the process does not. */
export const DECODE_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 384, maxYoungGenerationSizeMb: 48 } as const;

/**
 * A worker-thread pool running the default export of a worker module: a name under src/data/workers/,
 * or the URL of a module elsewhere. Decoding pools pass DECODE_RESOURCE_LIMITS.
 */
export function workerPool(worker: string | URL, threads = defaultThreads(), resourceLimits?: typeof DECODE_RESOURCE_LIMITS): Piscina {
  return new Piscina({
    filename: (typeof worker === 'string' ? new URL(`./workers/${worker}.js`, import.meta.url) : worker).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
    execArgv: WORKER_EXEC_ARGV,
    ...(resourceLimits ? { resourceLimits } : {}),
  });
}

/** Splits `items` into batches of at most `size`. */
export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs every task in a fresh pool of `worker`, calling `onResult` as each finishes; the pool is destroyed after. */
export async function runInPool<T, R>(worker: string, tasks: T[], threads: number | undefined, onResult: (result: R, task: T) => void): Promise<void> {
  if (tasks.length === 0) return;
  const pool = workerPool(worker, threads);
  try {
    await Promise.all(tasks.map(async (task) => onResult((await pool.run(task)) as R, task)));
  } finally {
    await pool.destroy();
  }
}
