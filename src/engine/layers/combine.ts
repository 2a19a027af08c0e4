// Layers that combine or pick flat features: Add (a residual sum) and Columns (a range of features).
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single } from './layer.js';

/** The element-wise sum of inputs of one shape; the gradient reaches each input unchanged. */
export class Add implements Layer {
  readonly kind = 'Add';
  readonly config = {};
  outputShape(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length < 2) throw new Error('Add needs at least two inputs');
    for (const s of inputShapes) if (s.join('x') !== inputShapes[0].join('x')) throw new Error(`Add: inputs [${inputShapes.map((t) => t.join(',')).join('] [')}] differ in shape`);
    return inputShapes[0];
  }
  params(): ParamSpec[] { return []; }
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    return { output: e.sum([...inputs]), saved: {} };
  }
  backward(_e: Emitter, { gradOutput, needInputGrads }: BackwardContext): BackwardResult {
    return { gradInputs: needInputGrads.map((n) => (n ? gradOutput : undefined)), gradParams: {} };
  }
}

/** Features [start, end) of a flat input; the gradient is zero elsewhere. */
export class Columns implements Layer {
  readonly kind = 'Columns';
  constructor(readonly config: { start: number; end: number }) {
    if (!(Number.isInteger(config.start) && Number.isInteger(config.end) && config.start >= 0 && config.end > config.start)) throw new Error(`Columns [${config.start}, ${config.end}): expected 0 ≤ start < end`);
  }
  private width(inputShapes: readonly Shape[]): number {
    const s = single(this.kind, inputShapes);
    if (s.length !== 1 || s[0] < this.config.end) throw new Error(`Columns [${this.config.start}, ${this.config.end}) needs a flat input of at least ${this.config.end} features, got [${s.join(',')}]`);
    return s[0];
  }
  outputShape(inputShapes: readonly Shape[]): Shape {
    this.width(inputShapes);
    return [this.config.end - this.config.start];
  }
  params(): ParamSpec[] { return []; }
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    return { output: e.op('Slice', [inputs[0], e.constI64([this.config.start]), e.constI64([this.config.end]), e.constI64([1])]), saved: {} };
  }
  backward(e: Emitter, { gradOutput, inputShapes, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    const d = this.width(inputShapes);
    return { gradInputs: [e.op('Pad', [gradOutput, e.constI64([0, this.config.start, 0, d - this.config.end])])], gradParams: {} };
  }
}

/**
 * Every row replaced by the mean of all rows: for models whose batch is one series, the whole
 * series' average, given to each slice (a global context no convolution window reaches).
 */
export class SeriesMean implements Layer {
  readonly kind = 'SeriesMean';
  readonly config = {};
  outputShape(inputShapes: readonly Shape[]): Shape { return single(this.kind, inputShapes); }
  params(): ParamSpec[] { return []; }
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    const x = inputs[0];
    return { output: e.op('Expand', [e.op('ReduceMean', [x], { axes: [0], keepdims: 1 }), e.shape(x)]), saved: {} };
  }
  // y_i = (1/T) Σ_j x_j, so dx_j = (1/T) Σ_i dy_i for every row j.
  backward(e: Emitter, { gradOutput, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    return { gradInputs: [e.op('Expand', [e.op('ReduceMean', [gradOutput], { axes: [0], keepdims: 1 }), e.shape(gradOutput)])], gradParams: {} };
  }
}
