// BatchNorm over channels (Keras' defaults and names). Training normalises with the batch's statistics
// and updates the moving ones (buffers); inference, and frozen nodes, use the moving statistics
// through ONNX BatchNormalization, which ORT folds into a preceding Conv.
import { floatAttr } from '../onnx.js';
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single } from './layer.js';

export interface BatchNormOptions {
  /** Moving statistics: new = momentum·old + (1 − momentum)·batch. */
  momentum?: number;
  epsilon?: number;
  /** Learn a per-channel gain γ. */
  scale?: boolean;
  /** Learn a per-channel offset β. */
  center?: boolean;
}

export class BatchNorm implements Layer {
  readonly kind = 'BatchNorm';
  readonly config: Required<BatchNormOptions>;

  constructor(options: BatchNormOptions = {}) {
    this.config = { momentum: 0.99, epsilon: 1e-3, scale: true, center: true, ...options };
  }

  private layout(inputShapes: readonly Shape[]) {
    const s = single(this.kind, inputShapes);
    if (s.length !== 1 && s.length !== 3) throw new Error(`BatchNorm needs a [C] or C×H×W input, got [${s.join(',')}]`);
    const c = s[0];
    const spatial = s.length === 3 ? s[1] * s[2] : 1;
    return { c, spatial, axes: s.length === 3 ? [0, 2, 3] : [0], bshape: s.length === 3 ? [1, c, 1, 1] : [1, c] };
  }

  outputShape(inputShapes: readonly Shape[]): Shape { return single(this.kind, inputShapes); }

  params(inputShapes: readonly Shape[]): ParamSpec[] {
    const { c } = this.layout(inputShapes);
    const specs: ParamSpec[] = [];
    if (this.config.scale) specs.push({ name: 'gamma', shape: [c], init: { kind: 'ones' } });
    if (this.config.center) specs.push({ name: 'beta', shape: [c], init: { kind: 'zeros' } });
    specs.push({ name: 'moving_mean', shape: [c], init: { kind: 'zeros' }, trainable: false });
    specs.push({ name: 'moving_variance', shape: [c], init: { kind: 'ones' }, trainable: false });
    return specs;
  }

  private gamma(e: Emitter, params: Readonly<Record<string, string>>, c: number): string {
    return this.config.scale ? params.gamma : e.constF(new Array<number>(c).fill(1), [c]);
  }

  private beta(e: Emitter, params: Readonly<Record<string, string>>, c: number): string {
    return this.config.center ? params.beta : e.constF(new Array<number>(c).fill(0), [c]);
  }

  /** Values per batch position and pixel: N·H·W as a float [1]. */
  private count(e: Emitter, x: string, spatial: number): string {
    return e.scale(e.op('Cast', [e.op('Shape', [x], { start: 0, end: 1 })], { to: 1 }), spatial);
  }

  forward(e: Emitter, { inputs, inputShapes, params, training }: ForwardContext): ForwardResult {
    const x = inputs[0];
    const { c, spatial, axes, bshape } = this.layout(inputShapes);
    const { momentum, epsilon } = this.config;
    if (!training) {
      const y = e.op('BatchNormalization', [x, this.gamma(e, params, c), this.beta(e, params, c), params.moving_mean, params.moving_variance], { epsilon: floatAttr(epsilon) });
      return { output: y, saved: { x } };
    }
    const mean = e.op('ReduceMean', [x], { axes, keepdims: 1 });
    const xc = e.sub(x, mean);
    const variance = e.op('ReduceMean', [e.mul(xc, xc)], { axes, keepdims: 1 });
    const invstd = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.constF(epsilon))])]);
    const xhat = e.mul(xc, invstd);
    let y = xhat;
    if (this.config.scale) y = e.mul(y, e.reshape(params.gamma, bshape));
    if (this.config.center) y = e.add(y, e.reshape(params.beta, bshape));
    // The moving variance takes the unbiased batch variance (M / (M − 1)), as TF's fused kernel and PyTorch do.
    const m = this.count(e, x, spatial);
    const unbiased = e.mul(e.reshape(variance, [c]), e.div(m, e.sub(m, e.constF(1))));
    const updates = {
      moving_mean: e.add(e.scale(params.moving_mean, momentum), e.scale(e.reshape(mean, [c]), 1 - momentum)),
      moving_variance: e.add(e.scale(params.moving_variance, momentum), e.scale(unbiased, 1 - momentum)),
    };
    return { output: y, saved: { x, xhat, invstd }, updates };
  }

  backward(e: Emitter, ctx: BackwardContext): BackwardResult {
    const { saved, gradOutput: dy, inputShapes, params, needInputGrads, needParamGrads, training } = ctx;
    const { c, spatial, axes, bshape } = this.layout(inputShapes);
    const gammaB = this.config.scale ? e.reshape(params.gamma, bshape) : undefined;
    const gradParams: Record<string, string> = {};
    if (!training) {
      // y = γ·(x − μ)/σ + β with the moving statistics: an affine map per channel.
      const invstd = e.reshape(e.op('Reciprocal', [e.op('Sqrt', [e.add(params.moving_variance, e.constF(this.config.epsilon))])]), bshape);
      if (needParamGrads) {
        if (this.config.scale) gradParams.gamma = e.reduceSum(e.mul(dy, e.mul(e.sub(saved.x, e.reshape(params.moving_mean, bshape)), invstd)), axes);
        if (this.config.center) gradParams.beta = e.reduceSum(dy, axes);
      }
      const dx = needInputGrads[0] ? e.mul(dy, gammaB ? e.mul(invstd, gammaB) : invstd) : undefined;
      return { gradInputs: [dx], gradParams };
    }
    // dx = γ·invstd·(dy − mean(dy) − x̂·mean(dy·x̂)), means per channel over N·H·W.
    const sumDy = e.reduceSum(dy, axes, true);
    const sumDyXhat = e.reduceSum(e.mul(dy, saved.xhat), axes, true);
    if (needParamGrads) {
      if (this.config.scale) gradParams.gamma = e.reshape(sumDyXhat, [c]);
      if (this.config.center) gradParams.beta = e.reshape(sumDy, [c]);
    }
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams };
    const m = this.count(e, saved.x, spatial);
    const centered = e.sub(e.sub(dy, e.div(sumDy, m)), e.mul(saved.xhat, e.div(sumDyXhat, m)));
    const factor = gammaB ? e.mul(saved.invstd, gammaB) : saved.invstd;
    return { gradInputs: [e.mul(centered, factor)], gradParams };
  }
}
