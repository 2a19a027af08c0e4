// The service's pool of decoding threads (see workers/decode-worker.ts): a task that outgrows the
// thread's heap, or runs past the time limit, ends its thread and comes back as a refusal.
import type { Piscina } from 'piscina';
import { DECODE_RESOURCE_LIMITS, defaultThreads, workerPool } from '../data/pool.js';
import type { PredictTask, PredictTaskResult } from '../predict/decode-worker.js';
import type { CheckedInstance, DecodeTask, PngResult } from './workers/decode-worker.js';
import type { BrainRegion } from '../preprocess/intracranial.js';
import type { Overlay } from './render.js';

/** Longest a file may take to decode in the service. */
export const DECODE_TIMEOUT_MS = 30_000;

type Refusal = { ok: false; code: string; reason: string };

function refusal(err: unknown): Refusal {
  const e = err as Error & { code?: string };
  if (e.name === 'AbortError') return { ok: false, code: 'decode-failed', reason: `decoding took longer than ${DECODE_TIMEOUT_MS / 1000} s` };
  if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') return { ok: false, code: 'too-large', reason: `decoding needed more than the ${DECODE_RESOURCE_LIMITS.maxOldGenerationSizeMb} MiB a decoding thread may use` };
  throw err;
}

export class DecodePool {
  private readonly pool: Piscina;

  /** `threads` default: one per core but one, which stays for the event loop (at least one). */
  constructor(threads = Math.max(1, defaultThreads() - 1)) {
    this.pool = workerPool(new URL('./workers/decode-worker.js', import.meta.url), threads, DECODE_RESOURCE_LIMITS);
  }

  private async run<R>(task: DecodeTask, fail: (r: Refusal) => R, transferList?: ArrayBuffer[]): Promise<R> {
    try {
      return (await this.pool.run(task, { signal: AbortSignal.timeout(DECODE_TIMEOUT_MS), transferList })) as R;
    } catch (err) {
      return fail(refusal(err));
    }
  }

  /** Checks one uploaded instance as ich index and ich predict would (pixels decoded). */
  check(bytes: Uint8Array): Promise<CheckedInstance> {
    // A part is a view into the whole request body, which a clone would copy whole: the thread gets a copy of the part alone, moved, not cloned.
    const own = new Uint8Array(bytes);
    return this.run<CheckedInstance>({ kind: 'check', bytes: own }, (r) => r, [own.buffer]);
  }

  /** The stored slice at `path` as a PNG in `window`, with `overlay` when given. */
  png(path: string, window: string, overlay?: Overlay): Promise<PngResult> {
    return this.run<PngResult>({ kind: 'png', path, window, overlay }, (r) => r);
  }

  /** Model inputs as ich predict makes them (see decodeForPrediction). */
  modelInput(task: PredictTask): Promise<PredictTaskResult> {
    return this.run<PredictTaskResult>({ kind: 'input', ...task }, (r) => ({ records: task.paths.map((path) => ({ path, ...r })), tensors: new Float32Array(0) }));
  }

  /** The brain region of a stored slice at side `size`: where attributions are shown, and the empty head's soft part (undefined: none found). */
  region(path: string, size: number): Promise<BrainRegion | undefined> {
    return this.run<BrainRegion | undefined>({ kind: 'region', path, size }, () => undefined);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
