// What `ich train` fits around a trained model so that it knows when not to answer: the header ranges
// of the training part (input conformance) and the out-of-distribution score over the 2-D model's
// first-block feature statistics (a Gaussian per class, fitted on the train part, thresholded on the
// train and val parts' scores).
import type { CacheInfo } from '../data/cache.js';
import { type Db, defaultDbPath, openIndexDb } from '../data/db.js';
import { readHeaderRecords } from '../data/index-dir.js';
import { seededRandom, shuffleInPlace } from '../data/random.js';
import { type Part, partFiles } from '../data/split.js';
import { type ConformanceRanges, observedRanges } from '../dicom/conformance.js';
import { loadModelFolder, type ModelFolder, readModelCard, saveModelFolder, writeModelCard } from '../models/folder.js';
import { compileInference, modelShapes, NAMES } from '../engine/index.js';
import { oodFeatureWidth } from '../engine/ood-score.js';
import { DEFAULT_OOD_SHARE, fitMahalanobis, mahalanobisScores, OOD_CLASSES, OOD_SHRINKAGE, type OodCard, oodNodes, shareThreshold } from '../models/ood.js';
import { buildModel } from '../models/registry.js';
import { tensorSpec } from '../preprocess/tensor.js';
import { cachedSamples, type Sample } from './dataset.js';
import { runOverCache } from './features.js';
import { prepareData } from './pipeline.js';

/** At most this many train-part slices (a random sample) estimate the class means and covariance. */
export const OOD_FIT_SLICES = 20000;

/** Reads the train part's headers and stores their ranges in the model card's `conformance`. */
export async function recordConformanceRanges(dir: string, db: Db, threads: number): Promise<ConformanceRanges> {
  const headers = await readHeaderRecords(partFiles(db, 'train').map((f) => f.path), threads);
  const ranges = observedRanges(headers.flatMap((h) => (h.conformance ? [h.conformance] : [])));
  writeModelCard(dir, { ...readModelCard(dir), conformance: ranges });
  return ranges;
}

export interface OodFitOptions {
  threads?: number;
  seed?: number;
  /** Share of the train and val parts' slices the threshold flags; default DEFAULT_OOD_SHARE. */
  share?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The parts whose scores set the threshold: val alone held 18 studies in our runs, and a quantile over few studies moves with them. */
const THRESHOLD_PARTS = ['train', 'val'] as const;

/**
 * Fits the model folder `dir`'s out-of-distribution score on the train part of the tensor cache:
 * the first block's feature statistics of every (or a random OOD_FIT_SLICES) train slice through
 * the 2-D model, each class's mean and shrunk covariance (classes by `any`), and the threshold that flags `share` of the train
 * and val slices; rewrites model.onnx with the `ood_score` output, ood.safetensors and the card's `ood`.
 */
export async function fitOodDetector(dir: string, db: Db, cache: CacheInfo, o: OodFitOptions = {}): Promise<OodCard> {
  const folder = loadModelFolder(dir);
  const nodes = oodNodes(folder.card.architecture);
  const train = await oodFeatures(folder, nodes, db, cache, 'train', o);
  const { perClass, ...params } = fitMahalanobis(train.features, train.dim, train.classOf, OOD_CLASSES.length);
  const fitted: OodCard = {
    method: 'mahalanobis-nearest-class', nodes, features: 'channel-mean-std', dim: train.dim, classes: OOD_CLASSES, shrinkage: OOD_SHRINKAGE,
    fitted: { part: 'train', slices: train.classOf.length, perClass }, threshold: NaN,
  };
  const card = await withThreshold({ ...folder, ood: params, card: { ...folder.card, ood: fitted } }, db, cache, o, train);
  saveModelFolder(dir, { ...folder, card: { ...folder.card, ood: card }, ood: params });
  return card;
}

/** Sets the threshold of a fitted model folder anew (`ich calibrate --ood-share`): only model.json's `ood` changes. */
export async function refitOodThreshold(dir: string, db: Db, cache: CacheInfo, o: OodFitOptions = {}): Promise<OodCard> {
  const folder = loadModelFolder(dir);
  if (!folder.card.ood) throw new Error(`${dir} has no out-of-distribution score to set a threshold for: train it again with this ichdetect`);
  const card = await withThreshold(folder, db, cache, { ...o, share: o.share ?? folder.card.ood.thresholdFitted?.share });
  writeModelCard(dir, { ...readModelCard(dir), ood: card });
  return card;
}

/** refitOodThreshold on a data folder: its index (DATA/.ich/index.db unless `db`) and tensor cache, made as needed. */
export async function calibrateOod(modelDir: string, dataDir: string, o: OodFitOptions & { db?: string; labelsCsv?: string } = {}): Promise<OodCard> {
  const { input } = readModelCard(modelDir);
  const db = openIndexDb(o.db ?? defaultDbPath(dataDir));
  try {
    const cache = await prepareData(db, dataDir, { labelsCsv: o.labelsCsv, spec: tensorSpec(input.size, input.windows), seed: o.seed ?? 1, threads: o.threads });
    return await refitOodThreshold(modelDir, db, cache, o);
  } finally {
    db.close();
  }
}

async function withThreshold(folder: ModelFolder, db: Db, cache: CacheInfo, o: OodFitOptions, train?: OodFeatures): Promise<OodCard> {
  const ood = folder.card.ood!;
  const share = o.share ?? DEFAULT_OOD_SHARE;
  const scores: number[] = [];
  for (const part of THRESHOLD_PARTS) {
    const e = part === 'train' && train ? train : await oodFeatures(folder, ood.nodes, db, cache, part, o);
    scores.push(...mahalanobisScores(folder.ood!, e.features));
  }
  return { ...ood, threshold: shareThreshold(scores, share), thresholdFitted: { part: THRESHOLD_PARTS.join('+'), slices: scores.length, share } };
}

interface OodFeatures {
  dim: number;
  features: Float32Array;
  classOf: Uint8Array;
}

/** The features the score reads (model.onnx's own computation: emitOodFeatures) for a part's cached slices (a random OOD_FIT_SLICES of them at most), and each slice's class. */
async function oodFeatures(folder: ModelFolder, nodes: readonly string[], db: Db, cache: CacheInfo, part: Part, o: OodFitOptions): Promise<OodFeatures> {
  const { architecture } = folder.card;
  const sliceModel = architecture.name === 'baseline' || architecture.name === 'inception' ? folder.model : buildModel(architecture.options.base);
  const samples = sampleOf(cachedSamples(db, cache, part), OOD_FIT_SLICES, o.seed ?? 0);
  const graph = compileInference(sliceModel, folder.weights, { oodFeatures: nodes });
  const dim = oodFeatureWidth(modelShapes(sliceModel), nodes);
  const table = await runOverCache(db, cache, graph, NAMES.oodFeatures, dim, samples, { threads: o.threads, context: folder.card.input.context, onProgress: o.onProgress });
  return { dim, features: table.data, classOf: Uint8Array.from(samples, (s) => (s.labels[0]! >= 0.5 ? 1 : 0)) };
}

/** `n` samples drawn without replacement (all of them when there are fewer), in their original order. */
function sampleOf(samples: Sample[], n: number, seed: number): Sample[] {
  if (samples.length <= n) return samples;
  const picked = shuffleInPlace(Array.from(samples, (_, i) => i), seededRandom(seed)).slice(0, n);
  return picked.sort((a, b) => a - b).map((i) => samples[i]!);
}
