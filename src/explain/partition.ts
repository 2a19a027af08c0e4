// Partition SHAP: shap's PartitionExplainer with an Image masker, for any ONNX image model — one ORT
// session, inputs masked in batches, Owen values computed by owen.ts (where the algorithm is described).
import { performance } from 'node:perf_hooks';
import { NAMES, compileInference, openSession, ort, runSession } from '../engine/index.js';
import type { ImageShape, MaskerKind, MaskerOptions } from './masker.js';
import { type PartitionTree, partitionTree } from './partition-tree.js';
import { type BatchEvaluate, type OwenResult, PARTITION_DEFAULTS, partitionShap, validate } from './owen.js';
import { type ExplainContext, type ExplainModel, type ExplainOutput, type Explainer, type ExplainerOptions, type Explanation, checkOutput } from './types.js';

export interface PartitionOptions extends MaskerOptions {
  /** Model evaluations per input, f(x) and f(fully masked) included (shap's max_evals); default 500. */
  maxEvals?: number;
  masker?: MaskerKind;
  /** Masked inputs per ONNX Runtime run (shap's batch_size); default 10, shap's 'auto' for images. */
  batch?: number;
}

export { PARTITION_DEFAULTS, partitionShap, type BatchEvaluate, type OwenOptions, type OwenResult } from './owen.js';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Rows [r0, r1) and columns [c0, c1) of the pixels set in `mask` (H×W); undefined when none is. */
export function boundingBox(mask: Uint8Array, h: number, w: number): [number, number, number, number] | undefined {
  let [r0, r1, c0, c1] = [h, 0, w, 0];
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      if (!mask[r * w + c]) continue;
      if (r < r0) r0 = r;
      if (r >= r1) r1 = r + 1;
      if (c < c0) c0 = c;
      if (c >= c1) c1 = c + 1;
    }
  }
  return r0 < r1 ? [r0, r1, c0, c1] : undefined;
}

/** Partition SHAP over an ONNX model's outputs; one ORT session for many inputs. */
export class PartitionExplainer implements Explainer {
  readonly method = 'partition' as const;
  readonly options: Required<Pick<PartitionOptions, 'maxEvals' | 'masker' | 'batch'>> & { output: ExplainOutput } & MaskerOptions;
  private readonly labels: readonly number[];
  private readonly seed: number;
  private readonly buffer: Float32Array;
  private readonly tree: PartitionTree;
  /** Model evaluations of the last explain() call. */
  lastEvaluations = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly inputShape: ImageShape,
    private readonly inputName: string,
    private readonly outputName: string,
    opts: ExplainerOptions & PartitionOptions,
  ) {
    this.options = {
      maxEvals: opts.maxEvals ?? PARTITION_DEFAULTS.maxEvals,
      masker: opts.masker ?? PARTITION_DEFAULTS.masker,
      batch: opts.batch ?? PARTITION_DEFAULTS.batch,
      output: opts.output ?? PARTITION_DEFAULTS.output,
      blurKernel: opts.blurKernel,
      inpaintRadius: opts.inpaintRadius,
    };
    validate('maxEvals', this.options.maxEvals, 2);
    validate('batch', this.options.batch, 2);
    this.labels = opts.labels ?? [0, 1, 2, 3, 4, 5];
    this.seed = opts.seed ?? 0;
    this.buffer = new Float32Array(this.options.batch * inputShape[0] * inputShape[1] * inputShape[2]);
    this.tree = partitionTree(inputShape[1], inputShape[2]);
  }

  /**
   * Opens an ORT session on m.onnx (input N×C×H×W → `probabilities`). output 'logit' compiles the
   * inference graph with `logits` from the layer graph, as the gradient explainer does (logit(p) of
   * float32 probabilities would be infinite where the sigmoid rounds to 0 or 1).
   */
  static async open(m: ExplainModel, opts: ExplainerOptions & PartitionOptions = {}): Promise<PartitionExplainer> {
    const output = checkOutput(opts.output ?? PARTITION_DEFAULTS.output, 'partition');
    const session = await openSession(output === 'logit' ? compileInference(m.model, m.weights, { logits: true }) : m.onnx, { threads: opts.threads });
    try {
      const inputName = session.inputNames.includes(NAMES.input) ? NAMES.input : session.inputNames[0];
      const probs = session.outputNames.includes(NAMES.probabilities) ? NAMES.probabilities : session.outputNames[0];
      return new PartitionExplainer(session, m.inputShape, inputName, output === 'logit' ? NAMES.logits : probs, opts);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  private readonly evaluate: BatchEvaluate = async (batch, n) => {
    const [c, h, w] = this.inputShape;
    const out = await runSession(this.session, { [this.inputName]: { data: batch, dims: [n, c, h, w] } }, [this.outputName]);
    return out[this.outputName].data;
  };

  /** Owen values of every output for x, with the run's details (evaluations, tree, exact regions). */
  async owen(x: Float32Array, labels: readonly number[] = this.labels, context: ExplainContext = {}): Promise<OwenResult> {
    const { maxEvals, batch, blurKernel, inpaintRadius } = this.options;
    // A reference image is what hidden pixels take: the blur masker with that fill.
    const masker = context.reference ? 'blur' : this.options.masker;
    const box = context.focus ? boundingBox(context.focus, this.inputShape[1], this.inputShape[2]) : undefined;
    const result = await partitionShap(x, this.inputShape, this.evaluate, {
      maxEvals, masker, batch, blurKernel, inpaintRadius, fill: context.reference, priority: labels, seed: this.seed, buffer: this.buffer, tree: box ? undefined : this.tree, box,
    });
    this.lastEvaluations = result.evaluations;
    return result;
  }

  async explain(x: Float32Array, labels: readonly number[] = this.labels, context: ExplainContext = {}): Promise<Explanation[]> {
    const start = performance.now();
    const r = await this.owen(x, labels, context);
    const plane = this.inputShape[1] * this.inputShape[2];
    const k = r.outputs;
    const maps = labels.map((label) => {
      const map = new Float32Array(plane);
      for (let p = 0; p < plane; p++) map[p] = r.values[p * k + label];
      return map;
    });
    const seconds = (performance.now() - start) / 1000;
    return labels.map((label, i) => {
      const map = maps[i];
      let sum = 0;
      for (let p = 0; p < plane; p++) sum += map[p];
      const expectedSum = r.fx[label] - r.fMasked[label];
      const probability = this.options.output === 'logit' ? sigmoid(r.fx[label]) : r.fx[label];
      return { label, method: 'partition', probability, map, additivityError: sum - expectedSum, expectedSum, seconds };
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
