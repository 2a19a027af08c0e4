// Merging a queued run: a predict run's shard results, in the manifest's input order, into the slices
// and rejections `ich predict` gives for the same input; a preprocess run's into an account of every
// input (tensors written, files rejected, shards still missing).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RejectedFile, SlicePrediction } from '../models/predict.js';
import type { PredictManifest, ShardResult } from './predict-jobs.js';
import type { PreprocessManifest, PreprocessShardResult } from './preprocess-jobs.js';
import { type RunManifest, manifestPath, resultPath } from './shards.js';

export interface Collected {
  manifest: PredictManifest;
  /** Predicted slices in input order; a SOPInstanceUID seen in an earlier file is rejected as ich predict does. */
  slices: SlicePrediction[];
  rejected: RejectedFile[];
  /** Shards without a result yet (their files are in neither list). */
  missing: { key: string; files: string[] }[];
}

/** OUT/manifest.json of an `ich enqueue` run. */
export function readManifest(outDir: string): RunManifest {
  const out = resolve(outDir);
  if (!existsSync(manifestPath(out))) throw new Error(`${out}: no manifest.json (not the --out folder of ich enqueue)`);
  return JSON.parse(readFileSync(manifestPath(out), 'utf8')) as RunManifest;
}

export interface CollectedTensors {
  manifest: PreprocessManifest;
  /** Files whose tensor is in their shard's .u8 file. */
  tensors: number;
  rejected: RejectedFile[];
  missing: { key: string; files: string[] }[];
}

/** A preprocess run's account: every input file either has a tensor, was rejected, or is in a missing shard. */
export function collectTensors(outDir: string): CollectedTensors {
  const out = resolve(outDir);
  const manifest = readManifest(out) as PreprocessManifest;
  if (manifest.kind !== 'preprocess') throw new Error(`${out}: a ${manifest.kind} run, not a preprocess run`);
  const rejected: RejectedFile[] = [...manifest.rejected];
  const missing: CollectedTensors['missing'] = [];
  let tensors = 0;
  for (const shard of manifest.shards) {
    const path = resultPath(out, shard.key);
    if (!existsSync(path) || !existsSync(resultPath(out, shard.key, 'u8'))) {
      missing.push(shard);
      continue;
    }
    const r = JSON.parse(readFileSync(path, 'utf8')) as PreprocessShardResult;
    for (const x of r.records) {
      if (x.ok) tensors++;
      else rejected.push({ path: x.path, code: x.code, reason: x.reason });
    }
  }
  return { manifest, tensors, rejected, missing };
}

/** Reads OUT/manifest.json and every shard result present. */
export function collectPredictions(outDir: string): Collected {
  const out = resolve(outDir);
  const manifest = readManifest(out) as PredictManifest;
  if (manifest.kind !== 'predict') throw new Error(`${out}: a ${manifest.kind} run; its predictions cannot be collected`);
  const slices: SlicePrediction[] = [];
  const rejected: RejectedFile[] = [...manifest.rejected];
  const missing: Collected['missing'] = [];
  const firstPath = new Map<string, string>();
  for (const shard of manifest.shards) {
    const path = resultPath(out, shard.key);
    if (!existsSync(path)) {
      missing.push(shard);
      continue;
    }
    const r = JSON.parse(readFileSync(path, 'utf8')) as ShardResult;
    if (r.key !== shard.key) throw new Error(`${path}: holds the result of shard ${r.key}`);
    rejected.push(...r.rejected);
    for (const s of r.slices) {
      const first = firstPath.get(s.sop);
      if (first !== undefined) {
        rejected.push({ path: s.path, code: 'duplicate', reason: `same SOPInstanceUID ${s.sop} as ${first}` });
        continue;
      }
      firstPath.set(s.sop, s.path);
      slices.push({ ...s, probs: Float32Array.from(s.probs) });
    }
  }
  return { manifest, slices, rejected, missing };
}
