// The background sample of a model folder: training slices kept beside the model, so that expected
// gradients (and anything else that needs "typical inputs") can run from the folder alone.
//
//   background.u8    count × C × N × N uint8, the tensor cache's record format (value / 255 ∈ [0, 1])
//   background.json  what the records are: shape, the cache and split part they came from, the seed,
//                    and each slice's file id and SOP Instance UID (in record order)
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheInfo } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { seededRandom, shuffleInPlace } from '../shared/random.js';
import { TensorReader } from '../data/tensor-reader.js';
import { cachedSamples } from '../train/dataset.js';

export const BACKGROUND_FILE = 'background.u8';
export const BACKGROUND_META_FILE = 'background.json';
export const BACKGROUND_FORMAT_VERSION = 1;
/** Slices kept when not told otherwise. */
export const DEFAULT_BACKGROUND_COUNT = 64;

/** background.json. */
export interface BackgroundMeta {
  format: 'ichdetect-background';
  version: number;
  count: number;
  /** Per-slice shape, C×N×N (NCHW records). */
  shape: [number, number, number];
  /** The tensor cache (its key) and the split part the slices were drawn from. */
  cache: string;
  part: 'train';
  seed: number;
  /** Record order. */
  files: { id: number; sop: string }[];
}

export interface BackgroundSample {
  count: number;
  shape: [number, number, number];
  /** count × C × N × N float32 in [0, 1]. */
  data: Float32Array;
  meta: BackgroundMeta;
}

export interface WriteBackgroundOptions {
  /** Slices to keep (default 64; all of the train part when it has fewer). */
  count?: number;
  /** Chooses the slices (default 42). */
  seed?: number;
}

/**
 * Picks `count` labelled, cached slices of the train part with the seed (a seeded shuffle of the
 * part, the first `count`, kept in file-id order) and writes them into the model folder as
 * background.u8 + background.json. Returns what it wrote.
 */
export function writeBackground(modelDir: string, db: Db, cache: CacheInfo, opts: WriteBackgroundOptions = {}): BackgroundMeta {
  const count = opts.count ?? DEFAULT_BACKGROUND_COUNT;
  const seed = opts.seed ?? 42;
  if (!Number.isInteger(count) || count < 1) throw new Error(`background count ${count}: expected a positive integer`);
  const samples = cachedSamples(db, cache, 'train');
  if (!samples.length) throw new Error(`no labelled slices of the train part are in tensor cache ${cache.key}: nothing to take a background sample from`);
  const chosen = shuffleInPlace([...samples], seededRandom(seed))
    .slice(0, count)
    .sort((a, b) => a.fileId - b.fileId);
  const bytes = new Uint8Array(chosen.length * cache.recordBytes);
  const reader = new TensorReader(db, cache);
  try {
    chosen.forEach((s, i) => {
      if (!reader.read(s.fileId, bytes.subarray(i * cache.recordBytes, (i + 1) * cache.recordBytes))) {
        throw new Error(`file ${s.fileId} is not in tensor cache ${cache.key}`);
      }
    });
  } finally {
    reader.close();
  }
  const meta: BackgroundMeta = {
    format: 'ichdetect-background',
    version: BACKGROUND_FORMAT_VERSION,
    count: chosen.length,
    shape: [cache.channels, cache.size, cache.size],
    cache: cache.key,
    part: 'train',
    seed,
    files: chosen.map((s) => ({ id: s.fileId, sop: s.sop })),
  };
  // Data first, then the sidecar that describes it; each replaced atomically.
  writeAtomic(join(modelDir, BACKGROUND_FILE), bytes);
  writeAtomic(join(modelDir, BACKGROUND_META_FILE), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

const NO_BACKGROUND =
  'this model folder has no background sample: retrain with ich train (it writes one), ' +
  'or write one from the training data\'s tensor cache with writeBackground()';

/** Reads a model folder's background sample as float32 in [0, 1], checked against its sidecar (and model.json's input, when present). */
export function readBackground(modelDir: string): BackgroundSample {
  const dataPath = join(modelDir, BACKGROUND_FILE);
  const metaPath = join(modelDir, BACKGROUND_META_FILE);
  if (!existsSync(dataPath) || !existsSync(metaPath)) {
    const missing = [dataPath, metaPath].filter((p) => !existsSync(p)).join(' and ');
    throw new Error(`${NO_BACKGROUND} (${missing} missing)`);
  }
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as BackgroundMeta;
  if (meta.format !== 'ichdetect-background') throw new Error(`${metaPath} is not an ichdetect background description`);
  if (meta.version > BACKGROUND_FORMAT_VERSION) throw new Error(`${metaPath}: background format ${meta.version} is newer than this ichdetect (${BACKGROUND_FORMAT_VERSION})`);
  const [c, h, w] = meta.shape;
  const record = c * h * w;
  const bytes = readFileSync(dataPath);
  if (bytes.length !== meta.count * record) {
    throw new Error(`${dataPath} holds ${bytes.length} bytes; ${meta.count} slices of ${c}×${h}×${w} need ${meta.count * record}: write the background sample again`);
  }
  const cardPath = join(modelDir, 'model.json');
  if (existsSync(cardPath)) {
    const card = JSON.parse(readFileSync(cardPath, 'utf8')) as { input?: { channels?: number; size?: number } };
    const input = card.input;
    if (input && (input.channels !== c || input.size !== h || input.size !== w)) {
      throw new Error(`${dataPath} holds ${c}×${h}×${w} slices but the model takes ${input.channels}×${input.size}×${input.size}: write the background sample again from the model's tensor cache`);
    }
  }
  const data = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) data[i] = bytes[i]! / 255;
  return { count: meta.count, shape: [c, h, w], data, meta };
}
