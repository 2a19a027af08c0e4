// What `ich train` fits around a trained model so that it knows when not to answer: the header ranges
// of the training part (input conformance) and the out-of-distribution score over the 2-D model's
// first-block feature statistics (class-conditional Gaussians with a shared covariance, fitted on the
// train part, thresholded on held-out scores: the train part's out of fold by patient, and the val part's).
import type { CacheInfo } from '../data/cache.js';
import { type Db, defaultDbPath, openIndexDb } from '../data/db.js';
import { readHeaderRecords } from '../data/index-dir.js';
import { seededRandom, shuffleInPlace } from '../shared/random.js';
import { type Part, partFiles, patientsOfFiles } from '../data/split.js';
import { type ConformanceRanges, observedRanges } from '../dicom/conformance.js';
import { loadModelFolder, type ModelFolder, readModelCard, saveModelFolder, writeModelCard } from '../models/folder.js';
import { compileInference, modelShapes, NAMES } from '../engine/index.js';
import { oodFeatureWidth } from '../engine/ood-score.js';
import { DEFAULT_OOD_SHARE, fitMahalanobis, mahalanobisScores, OOD_CLASSES, OOD_SHRINKAGE, type OodCard, oodNodes, outOfFoldScores, shareThreshold } from '../models/ood.js';
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
  /** Share of the train and val parts' slices the threshold flags; default DEFAULT_OOD_SHARE. */
  share?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The seed of the slice sample and of the patients' folds: fixed, so that ich calibrate sets the threshold ich train set, on the same data. */
const OOD_SEED = 0;
/** Folds by patient for the train part's out-of-fold scores. */
export const OOD_FOLDS = 5;
/** How the Gaussians are fitted: one covariance shared by the classes, shrunk. */
const FIT = { shared: true, shrinkage: OOD_SHRINKAGE } as const;

/**
 * Fits the model folder `dir`'s out-of-distribution score on the train part of the tensor cache:
 * the first block's feature statistics of every (or a random OOD_FIT_SLICES) train slice through
 * the 2-D model, each class's mean and their shared shrunk covariance (classes by `any`), and the threshold that flags `share` of
 * held-out slices (withThreshold); rewrites model.onnx with the `ood_score` output, ood.safetensors and the card's `ood`.
 */
export async function fitOodDetector(dir: string, db: Db, cache: CacheInfo, o: OodFitOptions = {}): Promise<OodCard> {
  const folder = loadModelFolder(dir);
  const nodes = oodNodes(folder.card.architecture);
  const train = await oodFeatures(folder, nodes, db, cache, 'train', o);
  const { perClass, ...params } = fitMahalanobis(train.features, train.dim, train.classOf, OOD_CLASSES.length, FIT);
  const fitted: OodCard = {
    method: 'mahalanobis-nearest-class', covariance: 'shared', nodes, features: 'channel-mean-std', dim: train.dim, classes: OOD_CLASSES, shrinkage: OOD_SHRINKAGE,
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
export async function calibrateOod(modelDir: string, dataDir: string, o: OodFitOptions & { db?: string; labelsCsv?: string; seed?: number } = {}): Promise<OodCard> {
  const { input } = readModelCard(modelDir);
  const db = openIndexDb(o.db ?? defaultDbPath(dataDir));
  try {
    const cache = await prepareData(db, dataDir, { labelsCsv: o.labelsCsv, spec: tensorSpec(input.size, input.windows), seed: o.seed ?? 1, threads: o.threads });
    return await refitOodThreshold(modelDir, db, cache, o);
  } finally {
    db.close();
  }
}

/**
 * The card with the threshold that flags `share` of held-out in-distribution slices: the train part's
 * scores out of fold (OOD_FOLDS folds by patient, each scored by Gaussians fitted as the card's were
 * on the other folds) and the val part's scores under the fitted score. In-sample train scores are
 * lower than an unseen patient's: a threshold on them flagged 10–16 % of the val slices at 5 %.
 */
async function withThreshold(folder: ModelFolder, db: Db, cache: CacheInfo, o: OodFitOptions, train?: OodFeatures): Promise<OodCard> {
  const ood = folder.card.ood!;
  const share = o.share ?? DEFAULT_OOD_SHARE;
  const t = train ?? (await oodFeatures(folder, ood.nodes, db, cache, 'train', o));
  const fit = { shared: ood.covariance === 'shared', shrinkage: ood.shrinkage };
  const oof = outOfFoldScores(t.features, t.dim, t.classOf, t.patients, { ...fit, folds: OOD_FOLDS, classes: ood.classes.length, seed: OOD_SEED });
  const val = mahalanobisScores(folder.ood!, (await oodFeatures(folder, ood.nodes, db, cache, 'val', o)).features);
  const scores = [...oof.scores, ...val];
  return { ...ood, threshold: shareThreshold(scores, share), thresholdFitted: { part: 'train+val', slices: scores.length, share, folds: oof.folds } };
}

interface OodFeatures {
  dim: number;
  features: Float32Array;
  classOf: Uint8Array;
  /** Each slice's PatientID (the out-of-fold scores' groups). */
  patients: string[];
}

/** The features the score reads (model.onnx's own computation: emitOodFeatures) for a part's cached slices (a random OOD_FIT_SLICES of them at most), and each slice's class. */
async function oodFeatures(folder: ModelFolder, nodes: readonly string[], db: Db, cache: CacheInfo, part: Part, o: OodFitOptions): Promise<OodFeatures> {
  const { architecture } = folder.card;
  const sliceModel = architecture.name === 'baseline' || architecture.name === 'inception' ? folder.model : buildModel(architecture.options.base);
  const samples = sampleOf(cachedSamples(db, cache, part), OOD_FIT_SLICES, OOD_SEED);
  const graph = compileInference(sliceModel, folder.weights, { oodFeatures: nodes });
  const dim = oodFeatureWidth(modelShapes(sliceModel), nodes);
  const table = await runOverCache(db, cache, graph, NAMES.oodFeatures, dim, samples, { threads: o.threads, context: folder.card.input.context, onProgress: o.onProgress });
  return { dim, features: table.data, classOf: Uint8Array.from(samples, (s) => (s.labels[0]! >= 0.5 ? 1 : 0)), patients: patientsOfFiles(db, samples.map((s) => s.fileId)) };
}

/** `n` samples drawn without replacement (all of them when there are fewer), in their original order. */
function sampleOf(samples: Sample[], n: number, seed: number): Sample[] {
  if (samples.length <= n) return samples;
  const picked = shuffleInPlace(Array.from(samples, (_, i) => i), seededRandom(seed)).slice(0, n);
  return picked.sort((a, b) => a - b).map((i) => samples[i]!);
}
