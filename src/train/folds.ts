// Out-of-fold logits for stacking: the train part's patients are dealt into K folds; for each fold
// the 2-D model's own recipe (model.json's training.recipe) trains again without that fold's slices,
// and predicts them. So every train slice gets logits from a model that never saw it, as the val and
// test slices get from the 2-D model itself — a sequence head trained on them learns how far the
// 2-D model's outputs can be trusted, not how well it remembers its training slices.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheInfo } from '../data/cache.js';
import type { Db } from '../data/db.js';
import { Rng } from '../data/phantom/random.js';
import { loadModelFolder, type ModelFolder, readModelCard } from '../models/folder.js';
import { cachedSamples, type Sample } from './dataset.js';
import { extractFeatures, type FeatureTable } from './features.js';
import { type TrainRecipe, trainRun } from './run.js';

export interface FoldOptions {
  /** The data folder (and labels, index) the 2-D model was trained on. */
  data: string;
  labels?: string;
  db?: string;
  folds: number;
  threads?: number;
  /** Fold models go to OUT/folds/fold-<k>/ (kept: a second run with the same folds reuses them). */
  out: string;
  onStage?: (stage: string, done: number, total: number) => void;
}

/** The train part's samples dealt into `k` folds by patient (shuffled from the seed). */
export function foldsByPatient(db: Db, samples: readonly Sample[], k: number, seed: number): Sample[][] {
  const patientOf = db.prepare('SELECT patient_id AS p FROM files WHERE id = ?');
  const patient = new Map(samples.map((s) => [s.fileId, (patientOf.get(s.fileId) as { p: string | null }).p ?? `file-${s.fileId}`]));
  const patients = new Rng(seed).shuffle([...new Set(patient.values())].sort());
  const fold = new Map(patients.map((p, i) => [p, i % k]));
  const out: Sample[][] = Array.from({ length: k }, () => []);
  for (const s of samples) out[fold.get(patient.get(s.fileId)!)!]!.push(s);
  return out;
}

/** Logits (6 per slice) of every cached sample: out-of-fold for the train part, the 2-D model's own elsewhere. */
export async function outOfFoldLogits(db: Db, cache: CacheInfo, base: ModelFolder & { dir: string }, o: FoldOptions): Promise<FeatureTable> {
  if (!(Number.isInteger(o.folds) && o.folds >= 2)) throw new Error(`--folds ${o.folds}: expected an integer ≥ 2`);
  const recipe = base.card.training?.recipe as TrainRecipe | undefined;
  if (!recipe) throw new Error(`--folds: ${base.dir}/model.json has no training.recipe to train fold models with (train the 2-D model with this version of ich train)`);
  const context = base.card.input.context;
  const train = cachedSamples(db, cache, 'train');
  // Folds follow the 2-D model's seed, so heads trained with other seeds reuse the same fold models.
  const folds = foldsByPatient(db, train, o.folds, recipe.seed);
  const ids: number[] = [];
  const parts: Float32Array[] = [];
  for (const [k, held] of folds.entries()) {
    const dir = join(o.out, 'folds', `fold-${k + 1}-of-${o.folds}`);
    const withheld = new Set(held.map((s) => s.fileId));
    if (!sameFold(dir, withheld.size)) {
      o.onStage?.(`fold ${k + 1}/${o.folds}`, 0, held.length);
      await trainRun({ ...recipe, data: o.data, labels: o.labels, db: o.db, out: dir, threads: o.threads, exclude: withheld, optimizer: recipe.optimizer });
    }
    const model = loadModelFolder(dir);
    const t = await extractFeatures(db, cache, model.model, model.weights, held, { threads: o.threads, context });
    ids.push(...t.ids);
    parts.push(t.data);
  }
  const inTrain = new Set(train.map((s) => s.fileId));
  const rest = await extractFeatures(db, cache, base.model, base.weights, cachedSamples(db, cache).filter((s) => !inTrain.has(s.fileId)), { threads: o.threads, context });
  ids.push(...rest.ids);
  parts.push(rest.data);
  const data = new Float32Array(ids.length * 6);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { dim: 6, data, ids };
}

/** A finished fold model in `dir` that withheld as many slices as this fold holds. */
function sameFold(dir: string, withheld: number): boolean {
  if (!existsSync(join(dir, 'model.json'))) return false;
  const card = readModelCard(dir);
  return card.training?.withheld === withheld && card.training?.recipe !== undefined;
}
