// Dense: y = x·W + b with W stored [in, out] (Keras' layout, so imported weights need no transpose).
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single } from './layer.js';

export interface DenseOptions {
  units: number;
  bias?: boolean;
  /** Start the weights at zero (a residual branch that starts out adding nothing). */
  zeroInit?: boolean;
}

export class Dense implements Layer {
  readonly kind = 'Dense';
  readonly config: Required<DenseOptions>;

  constructor(options: DenseOptions) {
    this.config = { bias: true, zeroInit: false, ...options };
  }

  private features(inputShapes: readonly Shape[]): number {
    const s = single(this.kind, inputShapes);
    if (s.length !== 1) throw new Error(`Dense needs a flat input (add a Flatten), got [${s.join(',')}]`);
    return s[0];
  }

  outputShape(inputShapes: readonly Shape[]): Shape {
    this.features(inputShapes);
    return [this.config.units];
  }

  params(inputShapes: readonly Shape[]): ParamSpec[] {
    const n = this.features(inputShapes);
    const u = this.config.units;
    const weight: ParamSpec = { name: 'weight', shape: [n, u], init: this.config.zeroInit ? { kind: 'zeros' } : { kind: 'glorotUniform', fanIn: n, fanOut: u } };
    return this.config.bias ? [weight, { name: 'bias', shape: [u], init: { kind: 'zeros' } }] : [weight];
  }

  forward(e: Emitter, { inputs, params }: ForwardContext): ForwardResult {
    const x = inputs[0];
    const y = this.config.bias ? e.op('Gemm', [x, params.weight, params.bias]) : e.op('MatMul', [x, params.weight]);
    return { output: y, saved: { x } };
  }

  // dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_n dy
  backward(e: Emitter, { saved, gradOutput: dy, params, needInputGrads, needParamGrads }: BackwardContext): BackwardResult {
    const gradParams: Record<string, string> = {};
    if (needParamGrads) {
      gradParams.weight = e.op('Gemm', [saved.x, dy], { transA: 1 });
      if (this.config.bias) gradParams.bias = e.reduceSum(dy, [0]);
    }
    const dx = needInputGrads[0] ? e.op('Gemm', [dy, params.weight], { transB: 1 }) : undefined;
    return { gradInputs: [dx], gradParams };
  }
}
