// Out-of-distribution detection from a model's own features, after Lee et al. 2018 ("A simple unified
// framework for detecting out-of-distribution samples"): class-conditional Gaussians with one shared
// (tied) covariance over features of the model, and a slice's score is its Mahalanobis distance to
// the nearest class mean. The features are the first block's channel statistics (mean and standard
// deviation of each feature map over the image, as in feature-statistics detectors), not Lee et al.'s
// penultimate embedding: measured on phantoms and real CT (README, Results), the penultimate embedding
// put real CT slices 2.2 × the threshold and flagged a third of the held-out bleed slices, the first
// block's statistics put them 2.4–8 × and flagged 1–7 % of them. The shared covariance is shrunk
// toward its mean variance (α = 0.4): with a covariance per class, or less shrinkage, held-out bleed
// slices were flagged 2–5 × as often as other slices. Fitted on the training part, thresholded on
// held-out scores (out-of-fold by patient on the train part, and the val part) so that a chosen share
// of unseen in-distribution slices is flagged, and computed inside model.onnx (output `ood_score`).
import { CholeskyDecomposition, inverse, Matrix } from 'ml-matrix';
import { seededRandom, shuffleInPlace } from '../shared/random.js';
import type { MahalanobisParams } from '../engine/ood-score.js';
import type { Architecture } from './registry.js';

/** Share of in-distribution slices flagged when none is asked for. */
export const DEFAULT_OOD_SHARE = 0.05;
/** Weight of the covariance's mean variance mixed into its diagonal: Σ' = (1 − α) Σ + α (tr Σ / D) I. */
export const OOD_SHRINKAGE = 0.4;
/** The classes whose means the distance is taken to: the slice's `any` label. */
export const OOD_CLASSES = ['any-negative', 'any-positive'] as const;

/** model.json's `ood`: how the score was fitted and where the flag starts. */
export interface OodCard {
  method: 'mahalanobis-nearest-class';
  /** One covariance pooled over the classes (Lee et al.'s), or one per class (models trained before the shared one became the default). */
  covariance?: 'shared' | 'per-class';
  /** The layers whose outputs the score reads (channel mean and standard deviation of each feature map: emitOodFeatures). */
  nodes: readonly string[];
  features: 'channel-mean-std';
  dim: number;
  classes: readonly string[];
  shrinkage: number;
  fitted: { part: 'train'; slices: number; perClass: number[] };
  /** A slice whose ood_score is above it is out of distribution. */
  threshold: number;
  /** Where the threshold comes from: the (1 − share) quantile of the scores of these parts' slices (`train` scores out of fold, `folds` folds by patient). */
  thresholdFitted?: { part: string; slices: number; share: number; folds?: number };
}

/** Where a card's threshold stands, in words: "4.568 (5.0 % of 4229 train+val slices above it, the train part's out of fold by patient)". */
export function describeOodThreshold(ood: OodCard, digits = 3): string {
  const f = ood.thresholdFitted;
  if (!f) return ood.threshold.toFixed(digits);
  return `${ood.threshold.toFixed(digits)} (${(100 * f.share).toFixed(1)} % of ${f.slices} ${f.part} slices above it${f.folds ? `, the train part's out of fold by patient` : ''})`;
}

/** The layers whose feature statistics the score reads, by 2-D architecture: the first block's output (for the baseline as ichdetect's graphs compute it, max-pool first). */
export const OOD_NODES = { baseline: ['act1'], inception: ['activation_1'] } as const;

/** The layers the score reads for an architecture (a sequence model's are its 2-D base's). */
export function oodNodes(a: Architecture): readonly string[] {
  return a.name === 'baseline' || a.name === 'inception' ? OOD_NODES[a.name] : OOD_NODES[a.options.base.name];
}

/**
 * Each class's mean and covariance of `features` (n × dim, row i of class classOf[i]), shrunk toward
 * its mean variance, as the whitening W_k = L_k⁻¹ (Σ_k' = L_k L_kᵀ) and the whitened mean W_k μ_k.
 * With `shared`, one pooled within-class covariance serves every class (Lee et al.'s choice). A class
 * without slices is left out of the nearest-class minimum.
 */
export function fitMahalanobis(features: Float32Array, dim: number, classOf: ArrayLike<number>, classes: number, o: { shrinkage?: number; shared?: boolean } = {}): MahalanobisParams & { perClass: number[] } {
  const shrinkage = o.shrinkage ?? OOD_SHRINKAGE;
  const n = classOf.length;
  if (features.length !== n * dim) throw new Error(`fitMahalanobis: ${features.length} values for ${n} slices of ${dim} features`);
  const perClass = new Array<number>(classes).fill(0);
  const means = new Float64Array(classes * dim);
  for (let i = 0; i < n; i++) {
    const c = classOf[i]!;
    perClass[c]!++;
    for (let j = 0; j < dim; j++) means[c * dim + j]! += features[i * dim + j]!;
  }
  const present = perClass.map((m, c) => (m > 0 ? c : -1)).filter((c) => c >= 0);
  if (o.shared ? n - present.length < 1 : present.some((c) => perClass[c]! < 2)) throw new Error(`fitMahalanobis: ${n} slices in ${present.length} classes (${perClass.join(', ')}), too few to estimate a covariance`);
  for (const c of present) for (let j = 0; j < dim; j++) means[c * dim + j]! /= perClass[c]!;
  // Upper triangles of the scatter matrices: one per class, or one for all.
  const groups = o.shared ? 1 : classes;
  const scatter = Array.from({ length: groups }, () => new Float64Array(dim * dim));
  const r = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const c = classOf[i]!;
    const cov = scatter[o.shared ? 0 : c]!;
    for (let j = 0; j < dim; j++) r[j] = features[i * dim + j]! - means[c * dim + j]!;
    for (let a = 0; a < dim; a++) {
      const ra = r[a]!;
      if (ra === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) cov[row + b]! += ra * r[b]!;
    }
  }
  const whitening = new Float32Array(present.length * dim * dim);
  const whitenedMeans = new Float32Array(present.length * dim);
  const shared = o.shared ? whiteningOf(scatter[0]!, dim, n - present.length, shrinkage) : undefined;
  present.forEach((c, k) => {
    const w = shared ?? whiteningOf(scatter[c]!, dim, perClass[c]! - 1, shrinkage);
    whitening.set(w, k * dim * dim);
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b <= a; b++) s += w[a * dim + b]! * means[c * dim + b]!;
      whitenedMeans[k * dim + a] = s;
    }
  });
  return { dim, whitening, whitenedMeans, perClass };
}

/** L⁻¹ (row-major) for the shrunk covariance Σ' = (1 − α) S / m + α (tr(S / m) / D) I = L Lᵀ of the scatter S (upper triangle). */
function whiteningOf(scatter: Float64Array, dim: number, m: number, shrinkage: number): Float64Array {
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += scatter[a * dim + a]! / m;
  const ridge = (shrinkage * trace) / dim || 1e-12;
  const sigma = Matrix.zeros(dim, dim);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = ((1 - shrinkage) * scatter[a * dim + b]!) / m + (a === b ? ridge : 0);
      sigma.set(a, b, v);
      sigma.set(b, a, v);
    }
  }
  const chol = new CholeskyDecomposition(sigma);
  if (!chol.isPositiveDefinite()) throw new Error('fitMahalanobis: the shrunk covariance is not positive definite');
  return Float64Array.from(inverse(chol.lowerTriangularMatrix).to1DArray());
}

/** The score above which `share` of `scores` lie: their (1 − share) quantile (the threshold flags > it). */
export function shareThreshold(scores: ArrayLike<number>, share: number): number {
  if (!(share > 0 && share < 1)) throw new Error(`out-of-distribution share ${share}: expected a number in (0, 1)`);
  const sorted = Float64Array.from(scores).sort();
  if (sorted.length === 0) throw new Error('no scores to set the out-of-distribution threshold on');
  const keep = Math.min(sorted.length - 1, Math.max(0, Math.ceil((1 - share) * sorted.length) - 1));
  return sorted[keep]!;
}

/** min_k ‖W_k z_i − W_k μ_k‖ for each row of `features` (what model.onnx's ood_score computes, in float64). */
export function mahalanobisScores(p: MahalanobisParams, features: Float32Array): Float64Array {
  const { dim, whitening, whitenedMeans } = p;
  const n = features.length / dim;
  const k = whitenedMeans.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      let d2 = 0;
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += whitening[(c * dim + a) * dim + b]! * features[i * dim + b]!;
        d2 += (s - whitenedMeans[c * dim + a]!) ** 2;
      }
      best = Math.min(best, d2);
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

/**
 * Scores of every row that no Gaussian fitted on its own group saw: the groups (e.g. patients) are
 * dealt into `folds` folds, each fold scored by a fit on the others. What the threshold is set on, so
 * that it flags the asked share of slices of *unseen* patients (scores of the rows a fit saw are
 * lower). Fewer groups than folds: one fold per group; a single group: the in-sample scores.
 */
export function outOfFoldScores(features: Float32Array, dim: number, classOf: ArrayLike<number>, groups: readonly string[], o: { folds: number; classes: number; seed?: number; shrinkage?: number; shared?: boolean }): { scores: Float64Array; folds: number } {
  const distinct = shuffleInPlace([...new Set(groups)].sort(), seededRandom(o.seed ?? 0));
  const folds = Math.min(o.folds, distinct.length);
  const n = groups.length;
  if (folds < 2) return { scores: mahalanobisScores(fitMahalanobis(features, dim, classOf, o.classes, o), features), folds: 1 };
  const foldOfGroup = new Map(distinct.map((g, i) => [g, i % folds]));
  const fold = Int32Array.from(groups, (g) => foldOfGroup.get(g)!);
  const scores = new Float64Array(n);
  for (let k = 0; k < folds; k++) {
    const rows = (inFold: boolean) => Array.from({ length: n }, (_, i) => i).filter((i) => (fold[i] === k) === inFold);
    const [held, fit] = [rows(true), rows(false)];
    const pick = (idx: number[]) => {
      const out = new Float32Array(idx.length * dim);
      idx.forEach((i, r) => out.set(features.subarray(i * dim, (i + 1) * dim), r * dim));
      return out;
    };
    const p = fitMahalanobis(pick(fit), dim, fit.map((i) => classOf[i]!), o.classes, o);
    mahalanobisScores(p, pick(held)).forEach((s, r) => (scores[held[r]!] = s));
  }
  return { scores, folds };
}
