// TemporalConv: a 1-D convolution along the batch axis, for models whose batch is one ordered
// series of slices (row t = slice t). Rows [T, D] become one [1, D, T, 1] image, a Conv2d with a
// k×1 kernel and 'same' padding runs over it, and the result goes back to rows [T, F]; the backward
// is Conv2d's, moved the same way. Every per-sample shape stays flat, so T is the dynamic batch.
import type { Emitter } from '../emitter.js';
import { Conv2d } from './conv.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single } from './layer.js';

export interface TemporalConvOptions {
  filters: number;
  /** Slices the kernel spans (odd: centred on the slice). */
  kernel: number;
  bias?: boolean;
}

export class TemporalConv implements Layer {
  readonly kind = 'TemporalConv';
  readonly config: Required<TemporalConvOptions>;
  private readonly conv: Conv2d;

  constructor(options: TemporalConvOptions) {
    if (!(Number.isInteger(options.kernel) && options.kernel >= 1 && options.kernel % 2 === 1)) throw new Error(`TemporalConv: kernel ${options.kernel} must be an odd integer ≥ 1`);
    this.config = { bias: true, ...options };
    // The weight gradient by correlation needs no height; 'same' pads with stride 1 do not depend on it.
    this.conv = new Conv2d({ filters: options.filters, kernel: [options.kernel, 1], padding: 'same', bias: this.config.bias, weightGrad: 'conv' });
  }

  private features(inputShapes: readonly Shape[]): number {
    const s = single(this.kind, inputShapes);
    if (s.length !== 1) throw new Error(`TemporalConv needs flat per-slice features, got [${s.join(',')}]`);
    return s[0];
  }

  /** The per-sample shape Conv2d sees: D channels, a column as tall as the kernel (any height gives the same pads). */
  private image(inputShapes: readonly Shape[]): Shape[] {
    return [[this.features(inputShapes), this.config.kernel, 1]];
  }

  outputShape(inputShapes: readonly Shape[]): Shape {
    this.features(inputShapes);
    return [this.config.filters];
  }

  params(inputShapes: readonly Shape[]): ParamSpec[] {
    return this.conv.params(this.image(inputShapes));
  }

  forward(e: Emitter, ctx: ForwardContext): ForwardResult {
    const d = this.features(ctx.inputShapes);
    const column = e.reshape(e.transpose(ctx.inputs[0], [1, 0]), [1, d, -1, 1]);
    const r = this.conv.forward(e, { ...ctx, inputs: [column], inputShapes: this.image(ctx.inputShapes) });
    return { output: e.transpose(e.reshape(r.output, [this.config.filters, -1]), [1, 0]), saved: r.saved };
  }

  backward(e: Emitter, ctx: BackwardContext): BackwardResult {
    const d = this.features(ctx.inputShapes);
    const f = this.config.filters;
    const dy = e.reshape(e.transpose(ctx.gradOutput, [1, 0]), [1, f, -1, 1]);
    const r = this.conv.backward(e, { ...ctx, gradOutput: dy, inputShapes: this.image(ctx.inputShapes), outputShape: [f, this.config.kernel, 1] });
    const dx = r.gradInputs[0] === undefined ? undefined : e.transpose(e.reshape(r.gradInputs[0], [d, -1]), [1, 0]);
    return { gradInputs: [dx], gradParams: r.gradParams };
  }
}
