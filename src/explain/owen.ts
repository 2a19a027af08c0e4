// Owen values over an image's partition tree: the algorithm of shap's PartitionExplainer, for any batch evaluator.
//
// Owen values over the image's partition tree (masker.ts: rectangles halved along their longer side),
// computed as shap's PartitionExplainer.owen does (fixed_context=None):
//   f11 = f(x), f00 = f(x fully masked); the queue starts with the root (context ∅, weight 1).
//   Pop the entry with the largest max_k |f11 − f00|·weight over the explained outputs k (ties broken by a
//   seeded random key, as shap's np.random.randn). A leaf (pixel) entry credits (f11 − f00)·weight to its
//   pixel. An internal node with children L, R in context m00 evaluates f10 = f(m00 ∪ L) and
//   f01 = f(m00 ∪ R) and queues four entries of weight/2: L in (m00: f00 → f10) and in (m00 ∪ R: f01 → f11),
//   R in (m00: f00 → f01) and in (m00 ∪ L: f10 → f11).
//   Entries are taken in batches of `batch` evaluations (shap's batch_size: the queue is read before the
//   batch's results push new entries). When the budget (maxEvals, counting f(x) and f(masked) as shap
//   does) is spent, every queued entry credits (f11 − f00)·weight to its node, and internal nodes'
//   credit is spread over their pixels in proportion to size (shap's lower_credit).
// Every entry's credit is a difference of model outputs and each expansion splits one difference into
// parts that add back to it, so Σ map = f(x) − f(masked) up to float rounding, at any budget. For a
// linear f the Owen value of a region is exactly w·(x − masked) summed over it.
//
// One run explains all the requested labels: each evaluation gives all K outputs; the queue is
// prioritised by the largest change over the requested labels (shap's output_indexes), so asking for
// one label spends the budget on that label, and asking for six shares it between them.
import { seededRandom } from '../shared/random.js';
import { type ImageShape, ImageMasker, type MaskerKind, type MaskerOptions } from './masker.js';
import { type PartitionTree, fillRect, partitionTree } from './partition-tree.js';

/** shap's defaults for images: evaluations per input, masker, masked inputs per batch, and the explained output. */
export const PARTITION_DEFAULTS = { maxEvals: 500, masker: 'blur', batch: 10, output: 'probability' } as const;

/**
 * Evaluates the first n masked inputs (n×C×H×W) of batch; returns n×K outputs, row-major. Every call
 * must return the same K.
 */
export type BatchEvaluate = (batch: Float32Array, n: number) => Promise<ArrayLike<number>>;

export interface OwenOptions extends MaskerOptions {
  maxEvals?: number;
  masker?: MaskerKind;
  batch?: number;
  /** Outputs that set the queue's priority (default all). */
  priority?: readonly number[];
  /** Seed of the tie-breaking keys (default 0). */
  seed?: number;
  /** A reusable batch buffer of at least batch·C·H·W floats. */
  buffer?: Float32Array;
  /** partitionTree(H, W), when the caller keeps one (read only). */
  tree?: PartitionTree;
  /**
   * Rows [r0, r1) and columns [c0, c1) the partition covers (default the whole image): pixels outside
   * are never hidden, so the budget resolves the box only (e.g. the brain's bounding box).
   */
  box?: readonly [number, number, number, number];
}

export interface OwenResult {
  /** Outputs per evaluation. */
  outputs: number;
  /** Attribution per pixel and output: values[p·K + k], p = row·W + column. */
  values: Float64Array;
  /** f(x) and f(fully masked), K each. */
  fx: Float64Array;
  fMasked: Float64Array;
  /** Model evaluations made (f(x) and f(fully masked) included). */
  evaluations: number;
  tree: PartitionTree;
  /**
   * Per tree node: 1 when every queue entry of every ancestor was expanded, so the node's region total
   * is its complete Owen value (for a linear f: w·(x − masked) summed over the region).
   */
  exactRegions: Uint8Array;
}

/** A context: the union of the kept tree nodes, as a linked list (children share their parent's list). */
interface Context {
  node: number;
  rest: Context | null;
}

interface Entry {
  priority: number;
  tie: number;
  context: Context | null;
  f00: Float64Array;
  f11: Float64Array;
  node: number;
  weight: number;
}

/** A binary min-heap on (priority, tie). */
class EntryQueue {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  private static less(a: Entry, b: Entry): boolean {
    return a.priority < b.priority || (a.priority === b.priority && a.tie < b.tie);
  }

  push(e: Entry): void {
    const items = this.items;
    let i = items.length;
    items.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!EntryQueue.less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Entry | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop() as Entry;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && EntryQueue.less(items[l], items[m])) m = l;
        if (r < items.length && EntryQueue.less(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

export function validate(name: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`partition: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/**
 * Owen values of every output of `evaluate` for the image x (C×H×W) over shap's image partition,
 * masked pixels replaced by the masker's value (see the file comment).
 */
export async function partitionShap(x: Float32Array, shape: ImageShape, evaluate: BatchEvaluate, options: OwenOptions = {}): Promise<OwenResult> {
  const [c, h, w] = shape;
  const sample = c * h * w;
  if (x.length !== sample) throw new Error(`partition: ${x.length} values for a ${c}×${h}×${w} input`);
  const maxEvals = options.maxEvals ?? PARTITION_DEFAULTS.maxEvals;
  const batch = options.batch ?? PARTITION_DEFAULTS.batch;
  validate('maxEvals', maxEvals, 2);
  validate('batch', batch, 2);
  const masker = new ImageMasker(options.masker ?? PARTITION_DEFAULTS.masker, x, shape, options);
  const [br0, br1, bc0, bc1] = options.box ?? [0, h, 0, w];
  if (!(br0 >= 0 && br1 <= h && br0 < br1 && bc0 >= 0 && bc1 <= w && bc0 < bc1)) throw new Error(`partition: box ${options.box?.join(',')} outside a ${h}×${w} image`);
  const [bh, bw] = [br1 - br0, bc1 - bc0];
  const tree = options.tree && options.tree.height === bh && options.tree.width === bw ? options.tree : partitionTree(bh, bw);
  const whole = bh === h && bw === w;
  const plane = h * w;
  const buffer = options.buffer && options.buffer.length >= batch * sample ? options.buffer : new Float32Array(batch * sample);
  const keep = new Uint8Array(plane);
  const boxKeep = whole ? keep : new Uint8Array(bh * bw);
  const random = seededRandom(options.seed ?? 0);
  /** The box's keep mask into the image's (pixels outside the box always kept). */
  const toImage = (): void => {
    if (whole) return;
    keep.fill(1);
    for (let r = 0; r < bh; r++) keep.set(boxKeep.subarray(r * bw, (r + 1) * bw), (r + br0) * w + bc0);
  };

  let k = 0;
  let evaluations = 0;
  const run = async (n: number): Promise<Float64Array[]> => {
    const out = await evaluate(buffer.subarray(0, n * sample), n);
    if (k === 0) k = out.length / n;
    if (!Number.isInteger(k) || k < 1 || out.length !== n * k) throw new Error(`partition: the model returned ${out.length} values for ${n} inputs (expected ${n}×${k || 'K'})`);
    evaluations += n;
    const rows: Float64Array[] = [];
    for (let i = 0; i < n; i++) rows.push(Float64Array.from({ length: k }, (_, j) => out[i * k + j]));
    return rows;
  };
  const setKeep = (context: Context | null, extra: number): void => {
    boxKeep.fill(0);
    for (let m = context; m; m = m.rest) fillRect(tree, m.node, boxKeep);
    if (extra >= 0) fillRect(tree, extra, boxKeep);
    toImage();
  };

  // f(x) and f(fully masked: the box hidden).
  keep.fill(1);
  masker.compose(keep, buffer, 0);
  boxKeep.fill(0);
  toImage();
  masker.compose(keep, buffer, sample);
  const [fx, fMasked] = await run(2);
  const priorityOutputs = options.priority ?? Array.from({ length: k }, (_, i) => i);
  for (const o of priorityOutputs) if (!(Number.isInteger(o) && o >= 0 && o < k)) throw new Error(`partition: output ${o} is not one of the model's ${k}`);
  const change = (a: Float64Array, b: Float64Array): number => {
    let m = 0;
    for (const o of priorityOutputs) m = Math.max(m, Math.abs(a[o] - b[o]));
    return m;
  };

  const dvalues = new Float64Array(tree.count * k);
  const drained = new Uint8Array(tree.count);
  const credit = (e: Entry): void => {
    const base = e.node * k;
    for (let j = 0; j < k; j++) dvalues[base + j] += (e.f11[j] - e.f00[j]) * e.weight;
  };
  const queue = new EntryQueue();
  queue.push({ priority: 0, tie: 0, context: null, f00: fMasked, f11: fx, node: 0, weight: 1 });

  const pending: Entry[] = [];
  while (queue.size > 0) {
    if (evaluations + 2 > maxEvals) {
      for (let e = queue.pop(); e; e = queue.pop()) {
        credit(e);
        if (tree.left[e.node] >= 0) drained[e.node] = 1;
      }
      break;
    }
    pending.length = 0;
    while (queue.size > 0 && 2 * (pending.length + 1) <= batch && evaluations + 2 * (pending.length + 1) <= maxEvals) {
      const e = queue.pop() as Entry;
      if (tree.left[e.node] < 0) {
        credit(e);
        continue;
      }
      const i = pending.length;
      setKeep(e.context, tree.left[e.node]);
      masker.compose(keep, buffer, 2 * i * sample);
      setKeep(e.context, tree.right[e.node]);
      masker.compose(keep, buffer, (2 * i + 1) * sample);
      pending.push(e);
    }
    if (pending.length === 0) continue;
    const outs = await run(2 * pending.length);
    for (let i = 0; i < pending.length; i++) {
      const { context, f00, f11, node, weight } = pending[i];
      const f10 = outs[2 * i];
      const f01 = outs[2 * i + 1];
      const l = tree.left[node];
      const r = tree.right[node];
      const half = weight / 2;
      const m10: Context = { node: l, rest: context };
      const m01: Context = { node: r, rest: context };
      queue.push({ priority: -change(f10, f00) * half, tie: random(), context, f00, f11: f10, node: l, weight: half });
      queue.push({ priority: -change(f01, f00) * half, tie: random(), context, f00, f11: f01, node: r, weight: half });
      queue.push({ priority: -change(f11, f01) * half, tie: random(), context: m01, f00: f01, f11, node: l, weight: half });
      queue.push({ priority: -change(f11, f10) * half, tie: random(), context: m10, f00: f10, f11, node: r, weight: half });
    }
  }

  // shap's lower_credit: an internal node's credit goes to its children in proportion to their size.
  const exactRegions = new Uint8Array(tree.count);
  exactRegions[0] = 1;
  const values = new Float64Array(plane * k);
  for (let i = 0; i < tree.count; i++) {
    const l = tree.left[i];
    const base = i * k;
    if (l < 0) {
      const p = (tree.rects[4 * i] + br0) * w + tree.rects[4 * i + 2] + bc0;
      for (let j = 0; j < k; j++) values[p * k + j] = dvalues[base + j];
      continue;
    }
    const r = tree.right[i];
    const fl = tree.size[l] / tree.size[i];
    const fr = tree.size[r] / tree.size[i];
    for (let j = 0; j < k; j++) {
      dvalues[l * k + j] += dvalues[base + j] * fl;
      dvalues[r * k + j] += dvalues[base + j] * fr;
    }
    exactRegions[l] = exactRegions[r] = exactRegions[i] && !drained[i] ? 1 : 0;
  }
  return { outputs: k, values, fx, fMasked, evaluations, tree, exactRegions };
}
