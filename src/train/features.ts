// Frozen-base transfer learning: the base's pooled features of every cached slice are computed once
// with the inference graph, kept on disk beside the tensor cache, and the head trains on them.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheInfo } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { LABEL_COUNT } from '../data/labels.js';
import { Rng, subSeed } from '../shared/rng.js';
import { compileInference, type Model, NAMES, openSession, ort, outputShape, type Weights } from '../engine/index.js';
import type { ContextSpec } from '../preprocess/context.js';
import { BatchLoader, type Batch, epochOrder, type Sample, type SampleSource } from './dataset.js';

export interface FeatureTable {
  /** Features per sample. */
  dim: number;
  /** n × dim, row i belongs to file ids[i]. */
  data: Float32Array;
  ids: number[];
}

export interface FeatureOptions {
  threads?: number;
  batch?: number;
  /** The base reads 2.5-D inputs (part of the base's key: name a context in it). */
  context?: ContextSpec;
  onProgress?: (done: number, total: number) => void;
}

interface FeatureIndex {
  base: string;
  cache: string;
  dim: number;
  ids: number[];
}

/**
 * The base's output (e.g. pooled features, N×F) for these samples, through its inference graph in
 * batches; read from `<cache dir>/features-<baseKey>.f32` when an earlier run computed it for a
 * superset of the samples, written there otherwise.
 */
export async function cachedFeatures(
  db: Db,
  cache: CacheInfo,
  base: { key: string; model: Model; weights: Weights },
  samples: Sample[],
  opts: FeatureOptions = {},
): Promise<FeatureTable> {
  const file = join(cache.dir, `features-${base.key}.f32`);
  const indexFile = `${file}.json`;
  if (existsSync(indexFile) && existsSync(file)) {
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as FeatureIndex;
    const have = new Set(index.ids);
    if (index.base === base.key && index.cache === cache.key && samples.every((s) => have.has(s.fileId))) {
      const buf = readFileSync(file);
      if (buf.byteLength === index.ids.length * index.dim * 4) {
        const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        return { dim: index.dim, data, ids: index.ids };
      }
    }
  }
  const table = await extractFeatures(db, cache, base.model, base.weights, samples, opts);
  mkdirSync(cache.dir, { recursive: true });
  writeFileSync(`${file}.tmp`, table.data);
  renameSync(`${file}.tmp`, file);
  writeFileSync(indexFile, JSON.stringify({ base: base.key, cache: cache.key, dim: table.dim, ids: table.ids } satisfies FeatureIndex));
  return table;
}

/** Runs the base's inference graph over the samples' cached tensors. */
export async function extractFeatures(
  db: Db,
  cache: CacheInfo,
  base: Model,
  weights: Weights,
  samples: Sample[],
  opts: FeatureOptions = {},
): Promise<FeatureTable> {
  const dim = outputShape(base).reduce((a, b) => a * b, 1);
  return runOverCache(db, cache, compileInference(base, weights, { logits: true }), NAMES.logits, dim, samples, opts);
}

/** One output (`dim` values per sample) of an inference graph over the samples' cached tensors, in batches. */
export async function runOverCache(db: Db, cache: CacheInfo, graph: Uint8Array, output: string, dim: number, samples: Sample[], opts: FeatureOptions = {}): Promise<FeatureTable> {
  const session = await openSession(graph, { threads: opts.threads });
  const loader = new BatchLoader(db, cache, samples, { batch: opts.batch ?? 32, seed: 0, context: opts.context });
  const data = new Float32Array(samples.length * dim);
  let at = 0;
  try {
    for (const batch of loader.epoch(0)) {
      const out = await session.run({ input: new ort.Tensor('float32', batch.x, [batch.n, ...loader.inputShape]) });
      data.set(out[output]!.data as Float32Array, at * dim);
      at += batch.n;
      opts.onProgress?.(at, samples.length);
    }
  } finally {
    loader.close();
    await session.release();
  }
  return { dim, data, ids: samples.map((s) => s.fileId) };
}

/** Batches of feature vectors (from a FeatureTable) with the samples' labels, shuffled per epoch from the seed. */
export class FeatureSource implements SampleSource {
  private readonly rows: Int32Array;

  constructor(
    readonly samples: Sample[],
    private readonly table: FeatureTable,
    readonly opts: { batch: number; seed: number; shuffle?: boolean; balance?: boolean },
  ) {
    this.rows = featureRows(table, samples);
  }

  get inputShape(): readonly number[] {
    return [this.table.dim];
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.samples.length / this.opts.batch);
  }

  *epoch(epoch: number): Generator<Batch> {
    const order = epochOrder(this.samples, new Rng(subSeed(this.opts.seed, epoch)), this.opts);
    const x = new Float32Array(this.opts.batch * this.table.dim);
    const y = new Float32Array(this.opts.batch * LABEL_COUNT);
    for (let start = 0; start < order.length; start += this.opts.batch) {
      const picked = order.slice(start, start + this.opts.batch);
      yield gatherRows(this.table, this.rows, this.samples, picked, x, y);
    }
  }

  close(): void {}
}

/** The batch of samples `picked` (indices into `samples`, whose feature rows are `rows`), written into x and y. */
export function gatherRows(table: FeatureTable, rows: Int32Array, samples: readonly Sample[], picked: readonly number[], x: Float32Array, y: Float32Array): Batch {
  const { dim, data } = table;
  picked.forEach((i, b) => {
    const r = rows[i]!;
    x.set(data.subarray(r * dim, (r + 1) * dim), b * dim);
    y.set(samples[i]!.labels, b * LABEL_COUNT);
  });
  const n = picked.length;
  return { x: x.subarray(0, n * dim), y: y.subarray(0, n * LABEL_COUNT), n, samples: picked.map((i) => samples[i]!) };
}

/** The feature row of each sample in a table (throws for a sample without one). */
export function featureRows(table: FeatureTable, samples: readonly Sample[]): Int32Array {
  const rowOf = new Map(table.ids.map((id, i) => [id, i]));
  return Int32Array.from(samples, (s) => {
    const r = rowOf.get(s.fileId);
    if (r === undefined) throw new Error(`no cached features for file ${s.fileId}`);
    return r;
  });
}
