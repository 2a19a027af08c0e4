// The training loss: weighted binary cross-entropy on logits, as the metric weighs labels
// (`any` ×2), normalised by the weights' sum and averaged over the batch.
import { LABEL_WEIGHTS } from '../data/labels.js';
import type { Emitter } from './emitter.js';

export interface LossPass {
  /** Scalar loss. */
  loss: string;
  /** d(loss)/d(logits), [N, K]. */
  gradLogits: string;
}

/**
 * loss = mean_n Σ_j w_j·ℓ(z_nj, y_nj) / Σ_j w_j, with ℓ(z, y) = max(z, 0) − z·y + log(1 + e^−|z|)
 * (never exponentiates a positive number); dℓ/dz = σ(z) − y.
 */
export function emitWeightedBceWithLogits(e: Emitter, logits: string, labels: string, weights: readonly number[] = LABEL_WEIGHTS): LossPass {
  return e.scoped('loss', () => {
    const total = weights.reduce((a, b) => a + b, 0);
    const w = e.constF(weights.map((v) => v / total), [1, weights.length]);
    const perLabel = e.add(e.sub(e.op('Relu', [logits]), e.mul(logits, labels)), e.op('Softplus', [e.op('Neg', [e.op('Abs', [logits])])]));
    const perSample = e.reduceSum(e.mul(perLabel, w), [1]);
    const loss = e.op('ReduceMean', [perSample], { axes: [0], keepdims: 0 });
    const batch = e.op('Cast', [e.op('Shape', [logits], { start: 0, end: 1 })], { to: 1 });
    const gradLogits = e.div(e.mul(e.sub(e.op('Sigmoid', [logits]), labels), w), batch);
    return { loss, gradLogits };
  });
}
