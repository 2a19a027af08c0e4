// What every layer states: its parameters, its output shape, and its forward and backward emitters.
// Shapes are per sample (the batch dimension is left out and stays dynamic in every graph).
import type { Emitter } from '../emitter.js';

export type Shape = readonly number[];

/** How a parameter starts: constants, or Keras' fan-based random schemes. */
export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'glorotUniform' | 'heNormal' | 'heUniform'; fanIn: number; fanOut: number };

export interface ParamSpec {
  /** Local name within the layer: 'weight', 'bias'. The model prefixes it with the node name. */
  name: string;
  shape: number[];
  init: Init;
  /** False for a buffer: state the forward pass updates in training (BatchNorm's running statistics), never optimized. */
  trainable?: boolean;
}

/** Value names kept from forward for backward: which ones is each layer's own business. */
export type Saved = Record<string, string>;

export interface ForwardContext {
  inputs: readonly string[];
  inputShapes: readonly Shape[];
  /** Value names of this layer's parameters, by local name. */
  params: Readonly<Record<string, string>>;
  /** Training behaviour (batch statistics, dropout) rather than inference behaviour. */
  training: boolean;
  /** A backward pass will follow: emit whatever it needs (e.g. MaxPool indices). */
  differentiate: boolean;
}

export interface ForwardResult {
  output: string;
  saved: Saved;
  /** New values of buffers, by local name (training mode only). */
  updates?: Record<string, string>;
  /**
   * Saved values holding flat indices into another saved value counted over the whole batch
   * (MaxPool's Indices): key → key of the indexed tensor. Repeating rows (repeat.ts) shifts them.
   */
  flatIndices?: Readonly<Record<string, string>>;
}

export interface BackwardContext {
  saved: Saved;
  gradOutput: string;
  inputShapes: readonly Shape[];
  outputShape: Shape;
  params: Readonly<Record<string, string>>;
  /** Which inputs need a gradient (the image input of a training step does not). */
  needInputGrads: readonly boolean[];
  /** Whether the trainable parameters need gradients (not for a frozen node, nor for the input-gradient graph). */
  needParamGrads: boolean;
  /** The forward pass ran in training mode. */
  training: boolean;
}

export interface BackwardResult {
  /** One entry per input; undefined where not needed. */
  gradInputs: (string | undefined)[];
  /** By local name, for every trainable parameter when asked for. */
  gradParams: Record<string, string>;
}

export interface Layer {
  /** The layer family ('Conv2d', 'Dense', ...). */
  readonly kind: string;
  /** Constructor options, enough to rebuild the layer from model.json. */
  readonly config: object;
  outputShape(inputShapes: readonly Shape[]): Shape;
  params(inputShapes: readonly Shape[]): ParamSpec[];
  forward(e: Emitter, ctx: ForwardContext): ForwardResult;
  backward(e: Emitter, ctx: BackwardContext): BackwardResult;
}

export function single(kind: string, inputShapes: readonly Shape[]): Shape {
  if (inputShapes.length !== 1) throw new Error(`${kind} takes one input, got ${inputShapes.length}`);
  return inputShapes[0];
}

export function image(kind: string, inputShapes: readonly Shape[]): [number, number, number] {
  const s = single(kind, inputShapes);
  if (s.length !== 3) throw new Error(`${kind} needs a C×H×W input, got [${s.join(',')}]`);
  return [s[0], s[1], s[2]];
}

export const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
