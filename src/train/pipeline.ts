import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CacheInfo, preprocessIndex } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { indexDirectory } from '../data/index-dir.js';
import { hasSplit, splitPatients, unsplitUsableFiles } from '../data/split.js';
import type { TensorSpec } from '../preprocess/tensor.js';

export interface PipelineOptions {
  labelsCsv?: string;
  spec: TensorSpec;
  seed: number;
  threads?: number;
  onStage?: (stage: string, done: number, total: number) => void;
}

/** Index (with labels), split when there is no split yet, and cache tensors: what training needs, done as needed. */
export async function prepareData(db: Db, dir: string, opts: PipelineOptions): Promise<CacheInfo> {
  const labelsCsv = opts.labelsCsv ?? (existsSync(join(dir, 'labels.csv')) ? join(dir, 'labels.csv') : undefined);
  if (!labelsCsv) throw new Error(`no labels: pass --labels CSV (or put labels.csv in ${dir})`);
  const run = await indexDirectory(db, dir, { labelsCsv, threads: opts.threads, onProgress: (d, t) => opts.onStage?.('index', d, t) });
  if (run.summary.labelled === 0) throw new Error(`${labelsCsv} labels none of the ${run.summary.ok} usable slices under ${dir}`);
  if (!hasSplit(db) || unsplitUsableFiles(db) > 0) splitPatients(db, { seed: opts.seed });
  const s = await preprocessIndex(db, { spec: opts.spec, threads: opts.threads, onProgress: (d, t) => opts.onStage?.('preprocess', d, t) });
  return s.cache;
}
