// Merging a queued predict run: the shards' results, in the manifest's input order, into the slices
// and rejections `ich predict` gives for the same input.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RejectedFile, SlicePrediction } from '../models/predict.js';
import type { PredictManifest, ShardResult } from './predict-jobs.js';
import { manifestPath, resultPath } from './shards.js';

export interface Collected {
  manifest: PredictManifest;
  /** Predicted slices in input order; a SOPInstanceUID seen in an earlier file is rejected as ich predict does. */
  slices: SlicePrediction[];
  rejected: RejectedFile[];
  /** Shards without a result yet (their files are in neither list). */
  missing: { key: string; files: string[] }[];
}

/** Reads OUT/manifest.json and every shard result present. */
export function collectPredictions(outDir: string): Collected {
  const out = resolve(outDir);
  if (!existsSync(manifestPath(out))) throw new Error(`${out}: no manifest.json (not the --out folder of ich enqueue predict)`);
  const manifest = JSON.parse(readFileSync(manifestPath(out), 'utf8')) as PredictManifest;
  if (manifest.kind !== 'predict') throw new Error(`${out}: a ${manifest.kind} run; ich collect merges predict runs`);
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
