// Prediction as queue jobs: one job per shard of files, its result OUT/results/<key>.json.
import type { LeftOutSlice } from '../predict/assessment.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type RejectedFile, type SlicePrediction } from '../predict/outcomes.js';
import { predictFiles } from '../predict/predictor.js';
import { readHeaderRecords } from '../data/index-dir.js';
import { readModelCard } from '../models/folder.js';
import { seriesAware } from '../predict/series.js';
import { type EnqueueBase, type RunManifest, enqueueShards, resultPath, sha256, writeAtomically } from './shards.js';

export const PREDICT_JOB = 'predict';

export interface PredictJobData {
  /** Model folder (absolute). */
  model: string;
  /** Output folder (absolute): results land in OUT/results/<key>.json. */
  out: string;
  /** The shard's files (absolute), in input order. */
  files: string[];
  /** Content hash of model.onnx and the files' bytes. */
  key: string;
}

export type PredictManifest = RunManifest<typeof PREDICT_JOB> & { model: string };

export interface ShardResult {
  key: string;
  slices: (Omit<SlicePrediction, 'probs'> & { probs: number[] })[];
  rejected: RejectedFile[];
  /** Usable slices left out for failing input conformance (absent in results of older workers). */
  leftOut?: LeftOutSlice[];
}

/** Splits the inputs into shards, writes OUT/manifest.json and adds one predict job per shard. */
export async function enqueuePredict(o: EnqueueBase & { model: string }): Promise<PredictManifest> {
  const model = resolve(o.model);
  const salt = sha256([readFileSync(join(model, 'model.onnx'))]);
  // A model that reads neighbours or whole series gets whole series per job.
  const groups = seriesAware(readModelCard(model)) ? seriesGroupsOf : undefined;
  return (await enqueueShards(o, PREDICT_JOB, salt, { model }, (s, out) => ({ model, out, files: s.files, key: s.key }), groups)) as PredictManifest;
}

/** The files grouped by series (read from their headers; files without a usable header alone), series in order of first appearance. */
async function seriesGroupsOf(files: string[]): Promise<string[][]> {
  const records = await readHeaderRecords(files, 0);
  const bySeries = new Map<string, string[]>();
  const groups: string[][] = [];
  for (const r of records) {
    const uid = r.status === 'ok' ? r.seriesInstanceUID : undefined;
    const g = uid === undefined ? undefined : bySeries.get(uid);
    if (g) g.push(r.path);
    else {
      groups.push([r.path]);
      if (uid !== undefined) bySeries.set(uid, groups[groups.length - 1]!);
    }
  }
  return groups;
}

/** A worker's handling of one predict job: predict the shard's files, write the shard's result. */
export async function runPredictJob(data: PredictJobData, threads = 0): Promise<ShardResult> {
  const r = await predictFiles(data.model, data.files, { threads });
  const result: ShardResult = { key: data.key, slices: r.slices.map((s) => ({ ...s, probs: Array.from(s.probs) })), rejected: r.rejected, leftOut: r.leftOut };
  mkdirSync(join(data.out, 'results'), { recursive: true });
  writeAtomically(resultPath(data.out, data.key), JSON.stringify(result) + '\n');
  return result;
}
