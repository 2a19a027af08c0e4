// The three graphs compiled from one model: inference (weights baked in as initializers), one whole
// training step (forward, loss, backward, optimizer: ONE ordinary opset-17 graph), and the input
// gradient the explainers need.
import { Emitter } from './emitter.js';
import { type Model, type Param, type Weights, emitBackward, emitForward, modelParams, outputShape } from './graph.js';
import { LABEL_WEIGHTS } from '../data/labels.js';
import { emitWeightedBceWithLogits } from './loss.js';
import { type MahalanobisParams, emitMahalanobis, emitOodFeatures } from './ood-score.js';
import { type OptimizerConfig, makeOptimizer } from './optimizers.js';
import { serializeModel, valueInfo } from './onnx.js';
import { poolBeforeActivation } from './rewrite.js';
import { repeatRows } from './repeat.js';

/** Graph input and output names shared by the compiled graphs. */
export const NAMES = {
  input: 'input',
  probabilities: 'probabilities',
  logits: 'logits',
  batch: 'batch',
  labels: 'labels',
  step: 'step',
  learningRate: 'learning_rate',
  loss: 'loss',
  seed: 'seed',
  gradient: 'gradient',
  oodScore: 'ood_score',
  oodFeatures: 'ood_features',
} as const;

const BATCH = 'N';
/** Rows of the input-gradient graph's seeds and gradients: N·L. */
const ROWS = 'R';

function outputCount(model: Model): number {
  const s = outputShape(model);
  if (s.length !== 1) throw new Error(`the model output '${model.output}' must be flat [K], got [${s.join(',')}]`);
  return s[0];
}

function bakeWeights(e: Emitter, params: readonly Param[], weights: Weights): void {
  for (const p of params) {
    const w = weights.get(p.name);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (!w) throw new Error(`no weights for parameter ${p.name}`);
    if (w.length !== n) throw new Error(`weights for ${p.name} hold ${w.length} values, its shape [${p.shape.join(',')}] needs ${n}`);
    e.initializer(p.name, p.shape, w);
  }
}

export interface RewriteOptions {
  /** Exact rewrites that make the graph cheaper (max-pool before a monotone activation); default true. */
  optimize?: boolean;
}

const rewritten = (model: Model, options: RewriteOptions): Model => (options.optimize === false ? model : poolBeforeActivation(model));

export interface InferenceOptions extends RewriteOptions {
  /** Also output the logits. */
  logits?: boolean;
  /** Also output `ood_score` [N]: the Mahalanobis distance of the `nodes`' feature statistics (emitOodFeatures) to the nearest class. */
  ood?: MahalanobisParams & { nodes: readonly string[] };
  /** Also output `ood_features` [N, D]: the statistics the score reads, for fitting it. */
  oodFeatures?: readonly string[];
  name?: string;
}

/** input [N, C, H, W] float32 → probabilities [N, K] (sigmoid of the model output), and ood_score [N] with `ood`. */
export function compileInference(original: Model, weights: Weights, options: InferenceOptions = {}): Uint8Array {
  const model = rewritten(original, options);
  const k = outputCount(model);
  const e = new Emitter();
  e.reserve(NAMES.input);
  bakeWeights(e, modelParams(model), weights);
  const fwd = emitForward(e, model, NAMES.input, (name) => name, { training: false, differentiate: false });
  e.op('Sigmoid', [fwd.output], {}, NAMES.probabilities);
  const outputs = [valueInfo(NAMES.probabilities, 'float32', [BATCH, k])];
  if (options.logits) {
    e.rename(fwd.output, NAMES.logits);
    outputs.push(valueInfo(NAMES.logits, 'float32', [BATCH, k]));
  }
  if (options.ood) {
    const z = emitOodFeatures(e, fwd, options.ood.nodes);
    if (z.dim !== options.ood.dim) throw new Error(`[${options.ood.nodes.join(', ')}] give ${z.dim} features, the out-of-distribution score was fitted on ${options.ood.dim}`);
    emitMahalanobis(e, z.value, options.ood, NAMES.oodScore);
    outputs.push(valueInfo(NAMES.oodScore, 'float32', [BATCH]));
  }
  if (options.oodFeatures) {
    const z = emitOodFeatures(e, fwd, options.oodFeatures);
    e.rename(z.value, NAMES.oodFeatures);
    outputs.push(valueInfo(NAMES.oodFeatures, 'float32', [BATCH, z.dim]));
  }
  const inputs = [valueInfo(NAMES.input, 'float32', [BATCH, ...model.inputShape])];
  return serializeModel(e.graph(options.name ?? 'inference', inputs, outputs));
}

export interface InputGradientOptions extends RewriteOptions {
  /** Differentiate the logits (default) or the probabilities. */
  target?: 'logits' | 'probabilities';
  name?: string;
}

/**
 * input [P, C, H, W], seed [P·L, K] → gradient [P·L, C, H, W], row r = b·L + l:
 * Σ_j seed[r, j] · d target[b, j] / d input[b], and probabilities [P, K]. A one-hot seed gives one
 * output's gradient; L seeds per input (L = seed rows ÷ input rows, 1 for N inputs and N seeds) share
 * one forward pass, whose saved values the backward repeats row by row (repeat.ts).
 */
export function compileInputGradient(original: Model, weights: Weights, options: InputGradientOptions = {}): Uint8Array {
  const model = rewritten(original, options);
  const k = outputCount(model);
  const e = new Emitter();
  e.reserve(NAMES.input, NAMES.seed);
  bakeWeights(e, modelParams(model), weights);
  const fwd = emitForward(e, model, NAMES.input, (name) => name, { training: false, differentiate: true });
  const probs = e.op('Sigmoid', [fwd.output], {}, NAMES.probabilities);
  const repeat = e.scoped('repeat', () => e.op('Div', [e.rows(NAMES.seed), e.rows(NAMES.input)]));
  const gradOut = options.target === 'probabilities' ? e.mul(NAMES.seed, repeatRows(e, e.mul(probs, e.sub(e.constF(1), probs)), repeat)) : NAMES.seed;
  const bwd = emitBackward(e, model, fwd, gradOut, (name) => name, { inputGrad: true, paramGrads: false, repeat });
  if (!bwd.gradInput) throw new Error('the model output does not depend on its input');
  e.rename(bwd.gradInput, NAMES.gradient);
  const inputs = [valueInfo(NAMES.input, 'float32', [BATCH, ...model.inputShape]), valueInfo(NAMES.seed, 'float32', [ROWS, k])];
  const outputs = [valueInfo(NAMES.gradient, 'float32', [ROWS, ...model.inputShape]), valueInfo(NAMES.probabilities, 'float32', [BATCH, k])];
  return serializeModel(e.graph(options.name ?? 'input_gradient', inputs, outputs));
}

export interface TrainStepOptions extends RewriteOptions {
  optimizer?: OptimizerConfig;
  /** Loss weight per output; default the metric's [2, 1, 1, 1, 1, 1]. */
  labelWeights?: readonly number[];
  /** Also output every parameter's gradient (tests, diagnostics). */
  outputGradients?: boolean;
  name?: string;
}

export interface TrainParamIO {
  name: string;
  shape: number[];
  /** Graph input holding the current value. */
  input: string;
  /** Graph output holding the updated value. */
  output: string;
  /** Graph output holding the gradient, when asked for. */
  gradient?: string;
}

export interface TrainStateIO {
  param: string;
  slot: string;
  shape: number[];
  input: string;
  output: string;
}

/** A buffer (running statistics): read, and replaced by the forward pass's update. */
export interface TrainBufferIO {
  name: string;
  shape: number[];
  input: string;
  output: string;
}

export interface TrainStepGraph {
  bytes: Uint8Array;
  /** The trainable parameters. */
  params: TrainParamIO[];
  buffers: TrainBufferIO[];
  /** Parameters and buffers of frozen nodes: inputs only. */
  constants: { name: string; shape: number[]; input: string }[];
  /** Optimizer state; every slot starts at zero. */
  state: TrainStateIO[];
  optimizer: OptimizerConfig;
  labelWeights: readonly number[];
}

/**
 * Inputs: batch [N, C, H, W], labels [N, K], every parameter, buffer and optimizer state tensor, step
 * (float scalar, 1 on the first step) and learning_rate (float scalar). Outputs: loss (scalar, before
 * the update), every updated trainable parameter (`<name>/next`), buffer (`<name>/next`) and state
 * tensor (`<name>/<slot>/next`). Frozen nodes' parameters are inputs only.
 */
export function compileTrainStep(original: Model, options: TrainStepOptions = {}): TrainStepGraph {
  const model = rewritten(original, options);
  const k = outputCount(model);
  const labelWeights = options.labelWeights ?? LABEL_WEIGHTS;
  if (labelWeights.length !== k) throw new Error(`${labelWeights.length} label weights for ${k} outputs`);
  const optimizerConfig = options.optimizer ?? { kind: 'adam' };
  const optimizer = makeOptimizer(optimizerConfig);
  const all = modelParams(model);
  const params = all.filter((p) => p.trainable);
  const buffers: TrainBufferIO[] = all.filter((p) => p.buffer && !p.frozen).map((p) => ({ name: p.name, shape: p.shape, input: p.name, output: `${p.name}/next` }));
  const constants = all.filter((p) => p.frozen).map((p) => ({ name: p.name, shape: p.shape, input: p.name }));

  const io: TrainParamIO[] = params.map((p) => ({
    name: p.name, shape: p.shape, input: p.name, output: `${p.name}/next`,
    gradient: options.outputGradients ? `${p.name}/grad` : undefined,
  }));
  const state: TrainStateIO[] = params.flatMap((p) => optimizer.slots.map((slot) => ({
    param: p.name, slot, shape: p.shape, input: `${p.name}/${slot}`, output: `${p.name}/${slot}/next`,
  })));

  const e = new Emitter();
  e.reserve(NAMES.batch, NAMES.labels, NAMES.step, NAMES.learningRate, ...all.map((p) => p.name), ...state.map((s) => s.input));
  const fwd = emitForward(e, model, NAMES.batch, (name) => name, { training: true, differentiate: true });
  const { loss, gradLogits } = emitWeightedBceWithLogits(e, fwd.output, NAMES.labels, labelWeights);
  e.rename(loss, NAMES.loss);
  const bwd = emitBackward(e, model, fwd, gradLogits, (name) => name, { inputGrad: false });
  for (const b of buffers) e.rename(fwd.updates.get(b.name) as string, b.output);

  e.scoped('optimizer', () => {
    const shared = optimizer.prepare(e, { step: NAMES.step, learningRate: NAMES.learningRate });
    for (const p of io) {
      const grad = bwd.gradParams.get(p.name) as string;
      if (p.gradient) e.rename(grad, p.gradient);
      const slots = Object.fromEntries(state.filter((s) => s.param === p.name).map((s) => [s.slot, s.input]));
      const next = e.scoped(p.name, () => optimizer.update(e, shared, p.input, grad, slots));
      e.rename(next.param, p.output);
      for (const s of state.filter((t) => t.param === p.name)) e.rename(next.state[s.slot], s.output);
    }
  });

  const f = (name: string, dims: readonly (number | string)[]) => valueInfo(name, 'float32', dims);
  const inputs = [
    f(NAMES.batch, [BATCH, ...model.inputShape]),
    f(NAMES.labels, [BATCH, k]),
    ...io.map((p) => f(p.input, p.shape)),
    ...buffers.map((b) => f(b.input, b.shape)),
    ...constants.map((c) => f(c.input, c.shape)),
    ...state.map((s) => f(s.input, s.shape)),
    f(NAMES.step, []),
    f(NAMES.learningRate, []),
  ];
  const outputs = [
    f(NAMES.loss, []),
    ...io.map((p) => f(p.output, p.shape)),
    ...buffers.map((b) => f(b.output, b.shape)),
    ...state.map((s) => f(s.output, s.shape)),
    ...io.filter((p) => p.gradient).map((p) => f(p.gradient as string, p.shape)),
  ];
  const bytes = serializeModel(e.graph(options.name ?? 'train_step', inputs, outputs));
  return { bytes, params: io, buffers, constants, state, optimizer: optimizerConfig, labelWeights };
}
