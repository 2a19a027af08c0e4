// Prediction as queue jobs: the input files split into shards, one job per shard, each shard's result
// a JSON file named by the content hash of its inputs and the model, so that a re-run overwrites the
// same result instead of adding one.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { type RejectedFile, type SlicePrediction, expandInputs, predictFiles } from '../models/predict.js';
import { QUEUE_NAME, redisConnection } from './connection.js';

export const PREDICT_JOB = 'predict';
/** Files per job by default. */
export const DEFAULT_SHARD = 64;

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

/** What OUT/manifest.json records of an enqueued run: every input file and the shard it went to. */
export interface PredictManifest {
  model: string;
  files: string[];
  /** Inputs that are not files (missing paths), with reasons, as ich predict reports them. */
  rejected: RejectedFile[];
  skipped: string[];
  shards: { key: string; files: string[] }[];
}

export interface ShardResult {
  key: string;
  slices: (Omit<SlicePrediction, 'probs'> & { probs: number[] })[];
  rejected: RejectedFile[];
}

function sha256(parts: Iterable<Buffer | string>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** The key of a shard: sha256 over the model graph's hash and each file's bytes (length-prefixed). */
export function shardKey(modelOnnxHash: string, files: readonly string[]): string {
  function* parts(): Generator<Buffer | string> {
    yield modelOnnxHash;
    for (const f of files) {
      const bytes = readFileSync(f);
      yield `\n${bytes.length}\n`;
      yield bytes;
    }
  }
  return sha256(parts());
}

export const manifestPath = (out: string): string => join(out, 'manifest.json');
export const resultPath = (out: string, key: string): string => join(out, 'results', `${key}.json`);

/** Writes a file whole or not at all (temporary name, then rename): a re-run replaces it atomically. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export interface EnqueueOptions {
  redis: string;
  model: string;
  out: string;
  inputs: readonly string[];
  /** Files per job (default DEFAULT_SHARD). */
  shard?: number;
  /** Attempts per job before it counts as failed (default 3), with exponential backoff from 1 s. */
  attempts?: number;
}

/** Splits the inputs into shards, writes OUT/manifest.json and adds one job per shard (job id = shard key). */
export async function enqueuePredict(o: EnqueueOptions): Promise<PredictManifest> {
  const shard = o.shard ?? DEFAULT_SHARD;
  if (!(Number.isInteger(shard) && shard >= 1)) throw new Error(`shard ${shard}: expected an integer ≥ 1`);
  const model = resolve(o.model);
  const out = resolve(o.out);
  const modelHash = sha256([readFileSync(join(model, 'model.onnx'))]);
  const input = await expandInputs(o.inputs);
  const files = input.files.map((f) => resolve(f));
  const shards: PredictManifest['shards'] = [];
  for (let i = 0; i < files.length; i += shard) {
    const part = files.slice(i, i + shard);
    shards.push({ key: shardKey(modelHash, part), files: part });
  }
  mkdirSync(join(out, 'results'), { recursive: true });
  const manifest: PredictManifest = { model, files, rejected: input.rejected, skipped: input.skipped, shards };
  writeAtomically(manifestPath(out), JSON.stringify(manifest, null, 1) + '\n');
  const queue = new Queue<PredictJobData>(QUEUE_NAME, { connection: redisConnection(o.redis) });
  try {
    await queue.addBulk(
      shards.map((s) => ({
        name: PREDICT_JOB,
        data: { model, out, files: s.files, key: s.key },
        opts: { jobId: `${PREDICT_JOB}-${s.key}`, attempts: o.attempts ?? 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: false, removeOnFail: false },
      })),
    );
  } finally {
    await queue.close();
  }
  return manifest;
}

/** A worker's handling of one predict job: predict the shard's files, write the shard's result. */
export async function runPredictJob(data: PredictJobData, threads = 0): Promise<ShardResult> {
  const r = await predictFiles(data.model, data.files, { threads });
  const result: ShardResult = { key: data.key, slices: r.slices.map((s) => ({ ...s, probs: Array.from(s.probs) })), rejected: r.rejected };
  mkdirSync(join(data.out, 'results'), { recursive: true });
  writeAtomically(resultPath(data.out, data.key), JSON.stringify(result) + '\n');
  return result;
}
