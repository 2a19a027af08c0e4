// Expected gradients (shap's GradientExplainer): integrated gradients with the baseline drawn from a
// background sample and the path position drawn uniformly,
//
//   φ_i(x) = E_{b ~ background, α ~ U(0,1)} [ (x_i − b_i) · ∂f/∂x_i (b + α(x − b)) ],
//
// estimated with `samples` points (b_s, α_s), whose gradients come from the engine's input-gradient
// graph. Σ_i φ_i = f(x) − E_b f(b) holds in expectation; the estimate's error shrinks with samples.
import { compileInference, compileInputGradient, NAMES, openSession, ort, outputShape, runSession } from '../engine/index.js';
import { Rng } from '../shared/rng.js';
import { seededRandom, shuffleInPlace } from '../shared/random.js';
import { type ExplainContext, type ExplainModel, type Explainer, type ExplainerOptions, type Explanation, checkOutput } from './types.js';

/**
 * How the points are drawn. 'stratified' (default): the background is cycled through in seeded
 * random orders (every slice equally often when samples is a multiple of the background size), and
 * the n points on one slice take one α in each of n equal strata of [0, 1). Each point is still
 * (uniform slice, U(0,1)) — the expectation is shap's — with much less variance: exact for a linear
 * model when every slice is used equally often. 'iid': slice and α drawn independently for every
 * point, as shap does.
 */
export type GradientSampling = 'stratified' | 'iid';

export interface GradientExplainerOptions extends ExplainerOptions {
  /** Points (b, α) per input; every requested label uses the same points (default 200, shap's nsamples). */
  samples?: number;
  /** Gradient rows per ONNX Runtime run, a row being one (point, label) pair; a point's labels share its forward pass (default 12: two points of six labels, faster than larger runs on 2 cores). */
  batch?: number;
  sampling?: GradientSampling;
  /** ONNX Runtime's idle-thread spinning (default true, ORT's); false when other work shares the cores. */
  spinning?: boolean;
  /** shap's local_smoothing: σ of Gaussian noise added to every path point (SmoothGrad), in input units; default 0. */
  smoothing?: number;
}

export const GRADIENT_DEFAULTS = { samples: 200, batch: 12, output: 'probability', sampling: 'stratified', smoothing: 0 } as const;

/** The points of one explanation: background slice index and path position α, per sample. */
export interface GradientPoints {
  background: Int32Array;
  alpha: Float64Array;
}

/** The (b, α) points for a seed: the same for every input and every label set. */
export function gradientPoints(seed: number, samples: number, backgroundCount: number, sampling: GradientSampling = 'stratified'): GradientPoints {
  const random = seededRandom(seed);
  const background = new Int32Array(samples);
  const alpha = new Float64Array(samples);
  if (sampling === 'iid') {
    for (let s = 0; s < samples; s++) {
      background[s] = Math.min(backgroundCount - 1, Math.floor(random() * backgroundCount));
      alpha[s] = random();
    }
    return { background, alpha };
  }
  const slices = Array.from({ length: backgroundCount }, (_, i) => i);
  for (let s = 0; s < samples; s += backgroundCount) {
    shuffleInPlace(slices, random);
    for (let i = 0; i < backgroundCount && s + i < samples; i++) background[s + i] = slices[i]!;
  }
  // α stratified per background slice: the n uses of a slice take one α in each of n equal strata,
  // in random order, so each slice's path integral is itself a stratified estimate.
  const uses: number[][] = Array.from({ length: backgroundCount }, () => []);
  for (let s = 0; s < samples; s++) uses[background[s]!]!.push(s);
  for (const at of uses) {
    const strata = shuffleInPlace(Array.from({ length: at.length }, (_, i) => i), random);
    at.forEach((s, i) => (alpha[s] = (strata[i]! + random()) / at.length));
  }
  return { background, alpha };
}

function checkPositiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`gradient explainer: ${name} ${v} must be a positive integer`);
  return v;
}

export class GradientExplainer implements Explainer {
  readonly method = 'gradient' as const;
  /** E over the background of the explained output, per label (the reference the attributions add up from). */
  readonly reference: Float64Array;

  private constructor(
    private readonly gradient: ort.InferenceSession,
    private readonly inference: ort.InferenceSession,
    private readonly background: Float32Array,
    private readonly inputShape: readonly [number, number, number],
    private readonly labelCount: number,
    private readonly opts: Required<Omit<GradientExplainerOptions, 'threads' | 'labels' | 'spinning'>> & { labels?: readonly number[] },
    reference: Float64Array,
  ) {
    this.reference = reference;
  }

  /**
   * Compiles the model's input-gradient graph (target: the probabilities or the logits) and an
   * inference graph, opens both, and evaluates the background once for the reference E f(b).
   * `background`: count × C × N × N float32 (readBackground(modelDir).data), kept (not copied).
   * The points (b, α) depend only on the seed: every input is explained with the same ones.
   */
  static async open(m: ExplainModel, background: Float32Array, opts: GradientExplainerOptions = {}): Promise<GradientExplainer> {
    const [c, h, w] = m.inputShape;
    const per = c * h * w;
    if (!background.length || background.length % per !== 0) {
      throw new Error(`gradient explainer: the background holds ${background.length} values, not a whole number (≥ 1) of ${c}×${h}×${w} slices`);
    }
    const k = outputShape(m.model)[0]!;
    const o = {
      samples: checkPositiveInteger('samples', opts.samples ?? GRADIENT_DEFAULTS.samples),
      batch: checkPositiveInteger('batch', opts.batch ?? GRADIENT_DEFAULTS.batch),
      output: checkOutput(opts.output ?? GRADIENT_DEFAULTS.output, 'gradient explainer'),
      sampling: opts.sampling ?? GRADIENT_DEFAULTS.sampling,
      smoothing: opts.smoothing ?? GRADIENT_DEFAULTS.smoothing,
      seed: opts.seed ?? 0,
      labels: opts.labels,
    };
    if (!(o.smoothing >= 0 && Number.isFinite(o.smoothing))) throw new Error(`gradient explainer: smoothing ${o.smoothing} must be a finite σ ≥ 0`);
    if (o.sampling !== 'stratified' && o.sampling !== 'iid') throw new Error(`gradient explainer: sampling '${String(o.sampling)}': expected stratified or iid`);
    if (o.labels) checkLabels(o.labels, k);
    const logit = o.output === 'logit';
    const sessionOptions = { threads: opts.threads, spinning: opts.spinning };
    const gradient = await openSession(compileInputGradient(m.model, m.weights, { target: logit ? 'logits' : 'probabilities' }), sessionOptions);
    let inference: ort.InferenceSession | undefined;
    try {
      inference = await openSession(logit ? compileInference(m.model, m.weights, { logits: true }) : m.onnx, sessionOptions);
      const reference = await meanOutput(inference, background, [c, h, w], k, o.batch, logit);
      return new GradientExplainer(gradient, inference, background, [c, h, w], k, o, reference);
    } catch (err) {
      await Promise.all([gradient.release(), inference?.release()]);
      throw err;
    }
  }

  /** Background slices. */
  get backgroundCount(): number {
    const [c, h, w] = this.inputShape;
    return this.background.length / (c * h * w);
  }

  async explain(x: Float32Array, labels?: readonly number[], context: ExplainContext = {}): Promise<Explanation[]> {
    const started = performance.now();
    const [c, h, w] = this.inputShape;
    const pixels = h * w;
    const per = c * pixels;
    if (x.length !== per) throw new Error(`gradient explainer: the input holds ${x.length} values, the model takes ${c}×${h}×${w} = ${per}`);
    const k = this.labelCount;
    const asked = labels ?? this.opts.labels ?? Array.from({ length: k }, (_, i) => i);
    checkLabels(asked, k);
    const logit = this.opts.output === 'logit';

    // f(x), and the probability reported whatever the output explained.
    const atX = await runInference(this.inference, x, [1, c, h, w], logit);
    const px = atX.probabilities;
    const fx = logit ? atX.logits! : px;

    // With a reference image, the one background this input's paths start from (and E f(b) = f(reference)).
    const background = context.reference ?? this.background;
    if (background.length % per !== 0) throw new Error(`gradient explainer: a reference of ${background.length} values for ${c}×${h}×${w} inputs`);
    const reference = context.reference ? await meanOutput(this.inference, context.reference, this.inputShape, k, this.opts.batch, logit) : this.reference;
    const { samples, batch } = this.opts;
    const points = gradientPoints(this.opts.seed, samples, background.length / per, this.opts.sampling);
    const nl = asked.length;
    const maps = asked.map(() => new Float64Array(pixels));
    // Each run: `pointsPerRun` points, one forward pass each, and nl gradient rows per point (one-hot
    // seeds; row i·nl + l = point i, label asked[l]), the backward repeating the forward's rows.
    const pointsPerRun = Math.min(samples, Math.max(1, Math.floor(batch / nl)));
    const input = new Float32Array(pointsPerRun * per);
    const seed = new Float32Array(pointsPerRun * nl * k);
    for (let i = 0; i < pointsPerRun; i++) for (let l = 0; l < nl; l++) seed[(i * nl + l) * k + asked[l]!] = 1;
    const sigma = this.opts.smoothing;
    const noise = sigma > 0 ? new Rng(this.opts.seed + 1) : undefined;
    for (let s0 = 0; s0 < samples; s0 += pointsPerRun) {
      const n = Math.min(pointsPerRun, samples - s0);
      for (let i = 0; i < n; i++) {
        const b = points.background[s0 + i]! * per;
        const a = points.alpha[s0 + i]!;
        const dst = i * per;
        for (let j = 0; j < per; j++) {
          const bj = background[b + j]!;
          input[dst + j] = bj + a * (x[j]! - bj) + (noise ? sigma * noise.normal() : 0);
        }
      }
      const out = await runSession(
        this.gradient,
        { [NAMES.input]: { data: input.subarray(0, n * per), dims: [n, c, h, w] }, [NAMES.seed]: { data: seed.subarray(0, n * nl * k), dims: [n * nl, k] } },
        [NAMES.gradient],
      );
      const g = out[NAMES.gradient]!.data;
      for (let r = 0; r < n * nl; r++) {
        const map = maps[r % nl]!;
        const b = points.background[s0 + Math.floor(r / nl)]! * per;
        const gi = r * per;
        for (let ch = 0; ch < c; ch++) {
          const off = ch * pixels;
          for (let p = 0; p < pixels; p++) map[p] += g[gi + off + p]! * (x[off + p]! - background[b + off + p]!);
        }
      }
    }

    const seconds = (performance.now() - started) / 1000;
    return asked.map((label, li) => {
      const map = new Float32Array(pixels);
      let sum = 0;
      const acc = maps[li]!;
      for (let p = 0; p < pixels; p++) {
        const v = acc[p]! / samples;
        map[p] = v;
        sum += v;
      }
      const expectedSum = fx[label]! - reference[label]!;
      return { label, method: this.method, probability: px[label]!, map, additivityError: sum - expectedSum, expectedSum, seconds };
    });
  }

  async release(): Promise<void> {
    await Promise.all([this.gradient.release(), this.inference.release()]);
  }
}

/** The explained output (K per image) averaged over the `count × C × N × N` images, `batch` images per run. */
async function meanOutput(session: ort.InferenceSession, images: Float32Array, shape: readonly [number, number, number], k: number, batch: number, logit: boolean): Promise<Float64Array> {
  const [c, h, w] = shape;
  const per = c * h * w;
  const count = images.length / per;
  const mean = new Float64Array(k);
  const step = Math.max(1, Math.min(count, batch));
  for (let start = 0; start < count; start += step) {
    const n = Math.min(step, count - start);
    const out = await runInference(session, images.subarray(start * per, (start + n) * per), [n, c, h, w], logit);
    const f = logit ? out.logits! : out.probabilities;
    for (let i = 0; i < n * k; i++) mean[i % k] += f[i]!;
  }
  for (let j = 0; j < k; j++) mean[j] /= count;
  return mean;
}

function checkLabels(labels: readonly number[], k: number): void {
  if (!labels.length) throw new Error('gradient explainer: no labels to explain');
  for (const l of labels) if (!Number.isInteger(l) || l < 0 || l >= k) throw new Error(`gradient explainer: label ${l} is not one of the model's ${k} outputs (0…${k - 1})`);
}

/** The model's probabilities (and logits, when asked) on n inputs, n × K each. */
async function runInference(session: ort.InferenceSession, x: Float32Array, dims: number[], logits: boolean): Promise<{ probabilities: Float32Array; logits?: Float32Array }> {
  const names = logits ? [NAMES.probabilities, NAMES.logits] : [NAMES.probabilities];
  const out = await runSession(session, { [NAMES.input]: { data: x, dims } }, names);
  return { probabilities: out[NAMES.probabilities]!.data, logits: logits ? out[NAMES.logits]!.data : undefined };
}
