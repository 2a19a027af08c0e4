// The out-of-distribution score as graph nodes: each chosen layer's channel means and standard
// deviations over the image (the statistics of its feature maps), and their Mahalanobis distance to the
// nearest of K classes, each a mean and a covariance, computed as ‖W_k z − W_k μ_k‖ with W_k the
// inverse of the class covariance's Cholesky factor (W_k Σ_k W_kᵀ = I): one MatMul against the K
// whitenings side by side, so it rides in the same inference as the probabilities.
import type { Emitter } from './emitter.js';
import type { ForwardPass } from './graph.js';

/** Fixed parameters of the distance: W_k (K×D×D, row-major) and the whitened class means W_k μ_k (K×D). */
export interface MahalanobisParams {
  dim: number;
  whitening: Float32Array;
  whitenedMeans: Float32Array;
}

/** min_k ‖W_k z − W_k μ_k‖ for z = `value` [N, D]; returns the [N] output named `name`. */
export function emitMahalanobis(e: Emitter, value: string, p: MahalanobisParams, name: string): string {
  const d = p.dim;
  const k = p.whitenedMeans.length / d;
  if (p.whitening.length !== k * d * d || !Number.isInteger(k) || k < 1) throw new Error(`Mahalanobis: whitening holds ${p.whitening.length} values and the means ${p.whitenedMeans.length} for dim ${d}`);
  return e.scoped('ood', () => {
    // z [W_1ᵀ … W_Kᵀ]: row n holds W_1 z_n … W_K z_n.
    const wt = new Float32Array(d * k * d);
    for (let c = 0; c < k; c++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) wt[j * k * d + c * d + i] = p.whitening[(c * d + i) * d + j]!;
    const wz = e.reshape(e.op('MatMul', [value, e.initializer('ood.whitenings_t', [d, k * d], wt)]), [-1, k, d]);
    const diff = e.sub(wz, e.initializer('ood.whitened_means', [k, d], p.whitenedMeans));
    const d2 = e.reduceSum(e.mul(diff, diff), [2]);
    return e.op('Sqrt', [e.op('ReduceMin', [d2], { axes: [1], keepdims: 0 })], {}, name);
  });
}

/**
 * The per-slice features the score reads: for each node, its output's mean and standard deviation
 * over the spatial axes, per channel ([C, H, W] → 2C values: the means, then the deviations), or the
 * output itself when it is flat ([F]); concatenated in node order → [N, D].
 */
export function emitOodFeatures(e: Emitter, fwd: Pick<ForwardPass, 'values' | 'shapes'>, nodes: readonly string[]): { value: string; dim: number } {
  const dim = oodFeatureWidth(fwd.shapes, nodes);
  const parts = nodes.map((node) => {
    const v = fwd.values.get(node)!;
    if (fwd.shapes.get(node)!.length === 1) return v;
    return e.scoped(`ood_${node}`, () => {
      const mean = e.op('ReduceMean', [v], { axes: [2, 3], keepdims: 0 });
      const meanSquare = e.op('ReduceMean', [e.mul(v, v)], { axes: [2, 3], keepdims: 0 });
      const variance = e.op('Relu', [e.sub(meanSquare, e.mul(mean, mean))]);
      return e.op('Concat', [mean, e.op('Sqrt', [variance])], { axis: 1 });
    });
  });
  return { value: parts.length === 1 ? parts[0]! : e.op('Concat', parts, { axis: 1 }), dim };
}

/** How many features emitOodFeatures gives for `nodes`: 2C per [C, H, W] output, F per flat [F] one. */
export function oodFeatureWidth(shapes: ReadonlyMap<string, readonly number[]>, nodes: readonly string[]): number {
  return nodes.reduce((dim, node) => {
    const shape = shapes.get(node);
    if (!shape) throw new Error(`the model has no node '${node}' for the out-of-distribution score`);
    if (shape.length !== 1 && shape.length !== 3) throw new Error(`'${node}' gives [${shape.join(',')}]: the out-of-distribution score reads [C, H, W] feature maps or flat features`);
    return dim + (shape.length === 1 ? shape[0]! : 2 * shape[0]!);
  }, 0);
}
