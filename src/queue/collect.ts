// Merging a queued run: a predict run's shard results, in the manifest's input order, into the slices
// and rejections `ich predict` gives for the same input; a preprocess run's into an account of every
// input (tensors written, files rejected, shards still missing).
import type { LeftOutSlice } from '../predict/assessment.js';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type RejectedFile, type SlicePrediction, isFirstOfSop } from '../predict/outcomes.js';
import type { PredictManifest, ShardResult } from './predict-jobs.js';
import type { PreprocessManifest, PreprocessShardResult } from './preprocess-jobs.js';
import { type RunManifest, type Shard, manifestPath, resultPath } from './shards.js';

export interface Collected {
  manifest: PredictManifest;
  /** Predicted slices in input order; a SOPInstanceUID seen in an earlier file is rejected as ich predict does. */
  slices: SlicePrediction[];
  rejected: RejectedFile[];
  /** Usable slices left out for failing input conformance. */
  leftOut: LeftOutSlice[];
  /** Shards without a result yet (their files are in neither list). */
  missing: Shard[];
}

/** OUT/manifest.json of an `ich enqueue` run. */
export function readManifest(outDir: string): RunManifest {
  const out = resolve(outDir);
  if (!existsSync(manifestPath(out))) throw new Error(`${out}: no manifest.json (not the --out folder of ich enqueue)`);
  return JSON.parse(readFileSync(manifestPath(out), 'utf8')) as RunManifest;
}

/**
 * A run's manifest (checked to be of `kind`) and the parsed result of each shard that has all its
 * result files (`.json`, plus `extra` extensions); the others are `missing`.
 */
function readRun<M extends RunManifest, R extends { key: string }>(outDir: string, kind: M['kind'], extra: readonly string[] = []): { manifest: M; results: R[]; missing: Shard[] } {
  const out = resolve(outDir);
  const manifest = readManifest(out) as M;
  if (manifest.kind !== kind) throw new Error(`${out}: a ${manifest.kind} run, not a ${kind} run`);
  const results: R[] = [];
  const missing: Shard[] = [];
  for (const shard of manifest.shards) {
    const path = resultPath(out, shard.key);
    if (!existsSync(path) || extra.some((ext) => !existsSync(resultPath(out, shard.key, ext)))) {
      missing.push(shard);
      continue;
    }
    const r = JSON.parse(readFileSync(path, 'utf8')) as R;
    if (r.key !== shard.key) throw new Error(`${path}: holds the result of shard ${r.key}`);
    results.push(r);
  }
  return { manifest, results, missing };
}

export interface CollectedTensors {
  manifest: PreprocessManifest;
  /** Files whose tensor is in their shard's .u8 file. */
  tensors: number;
  rejected: RejectedFile[];
  missing: Shard[];
}

/** A preprocess run's account: every input file either has a tensor, was rejected, or is in a missing shard. */
export function collectTensors(outDir: string): CollectedTensors {
  const { manifest, results, missing } = readRun<PreprocessManifest, PreprocessShardResult>(outDir, 'preprocess', ['u8']);
  const rejected: RejectedFile[] = [...manifest.rejected];
  let tensors = 0;
  for (const r of results) {
    for (const x of r.records) {
      if (x.ok) tensors++;
      else rejected.push({ path: x.path, code: x.code, reason: x.reason });
    }
  }
  return { manifest, tensors, rejected, missing };
}

/** Reads OUT/manifest.json and every shard result present. */
export function collectPredictions(outDir: string): Collected {
  const { manifest, results, missing } = readRun<PredictManifest, ShardResult>(outDir, 'predict');
  const slices: SlicePrediction[] = [];
  const rejected: RejectedFile[] = [...manifest.rejected];
  const leftOut: LeftOutSlice[] = [];
  const firstPath = new Map<string, string>();
  for (const r of results) {
    rejected.push(...r.rejected);
    for (const s of r.slices) if (isFirstOfSop(firstPath, s, rejected)) slices.push({ ...s, probs: Float32Array.from(s.probs) });
    for (const s of r.leftOut ?? []) if (isFirstOfSop(firstPath, s, rejected)) leftOut.push(s);
  }
  return { manifest, slices, rejected, leftOut, missing };
}
