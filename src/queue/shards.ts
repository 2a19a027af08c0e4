// What every kind of queue job shares: input files split into shards, each keyed by the content hash
// of its files (and of what processes them), a manifest of the run, results written atomically, and
// one BullMQ job per shard whose id is its key (so enqueueing the same input twice adds nothing).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { type RejectedFile } from '../predict/outcomes.js';
import { expandInputs } from '../predict/predictor.js';
import { QUEUE_NAME, redisConnection } from './connection.js';

/** Files per job by default. */
export const DEFAULT_SHARD = 64;

export interface Shard {
  key: string;
  files: string[];
}

/** OUT/manifest.json: what an enqueued run covers, every input file and the shard it went to. */
export interface RunManifest<K extends string = string> {
  kind: K;
  files: string[];
  /** Inputs that are not files (missing paths), with reasons, as ich predict reports them. */
  rejected: RejectedFile[];
  skipped: string[];
  shards: Shard[];
}

export function sha256(parts: Iterable<Buffer | string>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** sha256 over `salt` (what processes the files: model hash, tensor settings) and each file's bytes, length-prefixed. */
export function shardKey(salt: string, files: readonly string[]): string {
  function* parts(): Generator<Buffer | string> {
    yield salt;
    for (const f of files) {
      const bytes = readFileSync(f);
      yield `\n${bytes.length}\n`;
      yield bytes;
    }
  }
  return sha256(parts());
}

export const manifestPath = (out: string): string => join(out, 'manifest.json');
export const resultPath = (out: string, key: string, ext = 'json'): string => join(out, 'results', `${key}.${ext}`);

/** Writes a file whole or not at all (temporary name, then rename): a re-run replaces it atomically. */
export function writeAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export interface EnqueueBase {
  redis: string;
  out: string;
  inputs: readonly string[];
  /** Files per job (default DEFAULT_SHARD). */
  shard?: number;
  /** Attempts per job before it counts as failed (default 3), with exponential backoff from 1 s. */
  attempts?: number;
}

/** Consecutive groups packed into parts of at most `size` files; a group is never split (a larger one is a part of its own). */
export function packGroups(groups: readonly string[][], size: number): string[][] {
  const parts: string[][] = [];
  let part: string[] = [];
  for (const g of groups) {
    if (part.length > 0 && part.length + g.length > size) {
      parts.push(part);
      part = [];
    }
    part.push(...g);
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * Expands the inputs, splits them into shards keyed with `salt`, writes OUT/manifest.json (with
 * `extra` fields) and adds one job `name` per shard, its data `jobData(shard)`.
 */
export async function enqueueShards<K extends string, D extends object>(
  o: EnqueueBase, kind: K, salt: string, extra: object, jobData: (s: Shard, out: string) => D, groups?: (files: string[]) => Promise<string[][]>,
): Promise<RunManifest<K>> {
  const shard = o.shard ?? DEFAULT_SHARD;
  if (!(Number.isInteger(shard) && shard >= 1)) throw new Error(`shard ${shard}: expected an integer ≥ 1`);
  const out = resolve(o.out);
  const input = await expandInputs(o.inputs);
  const files = input.files.map((f) => resolve(f));
  const shards = packGroups(groups ? await groups(files) : files.map((f) => [f]), shard).map((part) => ({ key: shardKey(salt, part), files: part }));
  mkdirSync(join(out, 'results'), { recursive: true });
  const manifest: RunManifest<K> = { kind, ...extra, files, rejected: input.rejected, skipped: input.skipped, shards };
  writeAtomically(manifestPath(out), JSON.stringify(manifest, null, 1) + '\n');
  const queue = new Queue(QUEUE_NAME, { connection: redisConnection(o.redis) });
  try {
    await queue.addBulk(
      shards.map((s) => ({
        name: kind,
        data: jobData(s, out),
        opts: { jobId: `${kind}-${s.key}`, attempts: o.attempts ?? 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
      })),
    );
  } finally {
    await queue.close();
  }
  return manifest;
}
