// Preprocessing as queue jobs: each shard's files decoded and windowed into model inputs, written as
// OUT/results/<key>.u8 (uint8 records C×N×N, the tensor cache's format) and <key>.json (per file: its
// identifiers and the record it got, or why it was rejected).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import decodeForPrediction, { type PredictRecord } from '../predict/decode-worker.js';
import { type TensorSpec, tensorSpec } from '../preprocess/tensor.js';
import { type EnqueueBase, type RunManifest, enqueueShards, resultPath, writeAtomically } from './shards.js';

export const PREPROCESS_JOB = 'preprocess';

export interface PreprocessJobData {
  out: string;
  files: string[];
  key: string;
  spec: TensorSpec;
}

export type PreprocessManifest = RunManifest<typeof PREPROCESS_JOB> & { spec: TensorSpec };

export interface PreprocessShardResult {
  key: string;
  spec: TensorSpec;
  /** One per file in shard order; ok files' tensors are the .u8 file's records, in this order. */
  records: PredictRecord[];
}

/** Splits the inputs into shards and adds one preprocess job per shard (size and windows as `ich preprocess`). */
export async function enqueuePreprocess(o: EnqueueBase & { size?: number; windows?: string }): Promise<PreprocessManifest> {
  const spec = tensorSpec(o.size, o.windows);
  const salt = `preprocess ${JSON.stringify(spec)}`;
  return (await enqueueShards(o, PREPROCESS_JOB, salt, { spec }, (s, out) => ({ out, files: s.files, key: s.key, spec }))) as PreprocessManifest;
}

/** A worker's handling of one preprocess job. */
export async function runPreprocessJob(data: PreprocessJobData): Promise<PreprocessShardResult> {
  const r = await decodeForPrediction({ paths: data.files, size: data.spec.size, windows: data.spec.windows });
  const u8 = new Uint8Array(r.tensors.length);
  for (let i = 0; i < u8.length; i++) u8[i] = Math.round(r.tensors[i]! * 255);
  mkdirSync(join(data.out, 'results'), { recursive: true });
  writeAtomically(resultPath(data.out, data.key, 'u8'), u8);
  const result: PreprocessShardResult = { key: data.key, spec: data.spec, records: r.records };
  writeAtomically(resultPath(data.out, data.key), JSON.stringify(result) + '\n');
  return result;
}
