import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TensorSpec } from '../preprocess/tensor.js';
import { type Db, getMeta, LABEL_COLUMNS, setMeta } from './db.js';
import { batches, runInPool } from './pool.js';
import type { Part } from './split.js';
import type { TensorResult, TensorTask } from './workers/tensor-worker.js';

/** Where and how the tensors of one TensorSpec are cached. */
export interface CacheInfo {
  key: string;
  dir: string;
  size: number;
  channels: number;
  windows: TensorSpec['windows'];
  /** Bytes of one record (channels × size × size, uint8). */
  recordBytes: number;
}

export interface PreprocessOptions {
  spec: TensorSpec;
  /** Only files of this split part (requires `ich split`). */
  part?: Part;
  /** Cache folder; defaults to `cache-<key>` beside the index database. */
  dir?: string;
  threads?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PreprocessSummary {
  cache: CacheInfo;
  /** Files cached this run, files already cached before, files rejected while decoding. */
  cached: number;
  alreadyCached: number;
  rejected: number;
  reasons: Record<string, number>;
  seconds: number;
}

export function cacheKey(spec: TensorSpec): string {
  return `${spec.size}-${spec.windows.map((w) => (w.name.includes('/') ? `${w.center}_${w.width}` : w.name)).join('-')}`;
}

/** The cache description stored in the index for this spec (created on first use). */
export function cacheInfo(db: Db, spec: TensorSpec, dir?: string): CacheInfo {
  const key = cacheKey(spec);
  const stored = getMeta(db, `cache:${key}`);
  if (stored) return JSON.parse(stored) as CacheInfo;
  const info: CacheInfo = {
    key,
    dir: dir ?? join(dirname(db.name), `cache-${key}`),
    size: spec.size,
    channels: spec.windows.length,
    windows: spec.windows,
    recordBytes: spec.windows.length * spec.size * spec.size,
  };
  setMeta(db, `cache:${key}`, JSON.stringify(info));
  return info;
}

export function shardPath(info: CacheInfo, shard: number): string {
  return join(info.dir, `shard-${String(shard).padStart(6, '0')}.u8`);
}

/**
 * Writes the windowed tensors of every ok file of the index (or of one split part) into the cache,
 * in worker threads; resumable (cached files are skipped). Files that fail to decode are marked
 * rejected in the index with their reason.
 */
export async function preprocessIndex(db: Db, opts: PreprocessOptions): Promise<PreprocessSummary> {
  const started = performance.now();
  const info = cacheInfo(db, opts.spec, opts.dir);
  mkdirSync(info.dir, { recursive: true });
  const partFilter = opts.part ? `AND f.patient_id IN (SELECT patient_id FROM split WHERE part = @part)` : '';
  const params = opts.part ? { part: opts.part, cache: info.key } : { cache: info.key };
  const todo = db
    .prepare(`SELECT f.id, f.path FROM files f WHERE f.status = 'ok' ${partFilter}
      AND NOT EXISTS (SELECT 1 FROM cache_entries c WHERE c.cache = @cache AND c.file_id = f.id) ORDER BY f.id`)
    .all(params) as { id: number; path: string }[];
  const alreadyCached = (db.prepare(`SELECT COUNT(*) AS n FROM cache_entries c JOIN files f ON f.id = c.file_id WHERE c.cache = @cache ${partFilter}`).get(params) as { n: number }).n;
  const firstShard = ((db.prepare('SELECT MAX(shard) AS m FROM cache_entries WHERE cache = ?').get(info.key) as { m: number | null }).m ?? -1) + 1;
  const insert = db.prepare('INSERT OR REPLACE INTO cache_entries (cache, file_id, shard, slot) VALUES (?, ?, ?, ?)');
  const reject = db.prepare(`UPDATE files SET status = 'rejected', reason_code = ?, reason = ? WHERE id = ?`);
  const summary: PreprocessSummary = { cache: info, cached: 0, alreadyCached, rejected: 0, reasons: {}, seconds: 0 };
  let done = 0;
  opts.onProgress?.(0, todo.length);
  const tasks = batches(todo, opts.batchSize ?? 64).map((files, k): TensorTask => ({ files, size: info.size, windows: info.windows, shard: firstShard + k, shardPath: shardPath(info, firstShard + k) }));
  await runInPool<TensorTask, TensorResult[]>('tensor-worker', tasks, opts.threads, (results, task) => {
    db.transaction(() => {
      for (const r of results) {
        if (r.slot >= 0) {
          insert.run(info.key, r.id, task.shard, r.slot);
          summary.cached++;
        } else {
          const code = r.reasonCode ?? 'decode-failed';
          reject.run(code, r.reason ?? 'unknown', r.id);
          summary.rejected++;
          summary.reasons[code] = (summary.reasons[code] ?? 0) + 1;
        }
      }
    })();
    done += task.files.length;
    opts.onProgress?.(done, todo.length);
  });
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** A labelled file with a record in a tensor cache: its index id, SOPInstanceUID and six labels (LABELS order). */
export interface CachedLabelledFile {
  fileId: number;
  sop: string;
  labels: Float32Array;
}

/** The labelled usable files of a split part (or all) that have a record in the cache `cacheKey`, by file id. */
export function cachedLabelledFiles(db: Db, cacheKey: string, part?: Part): CachedLabelledFile[] {
  const partFilter = part ? `AND f.patient_id IN (SELECT patient_id FROM split WHERE part = @part)` : '';
  const rows = db
    .prepare(`SELECT f.id, f.sop_instance_uid AS sop, ${LABEL_COLUMNS.join(', ')} FROM files f
      JOIN cache_entries c ON c.file_id = f.id AND c.cache = @cache
      WHERE f.status = 'ok' AND f.y_any IS NOT NULL ${partFilter} ORDER BY f.id`)
    .all(part ? { cache: cacheKey, part } : { cache: cacheKey }) as Record<string, number | string>[];
  return rows.map((r) => ({ fileId: r.id as number, sop: r.sop as string, labels: Float32Array.from(LABEL_COLUMNS, (c) => r[c] as number) }));
}
