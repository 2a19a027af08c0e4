// Pooling. MaxPool's gradient routes dy through the Indices output of MaxPool (flat N·C·H·W
// positions): MaxUnpool when windows do not overlap, a ScatterElements sum when they do.
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { image } from './layer.js';

export interface MaxPool2dOptions {
  kernel?: number;
  /** Defaults to the kernel size. */
  stride?: number;
}

export class MaxPool2d implements Layer {
  readonly kind = 'MaxPool2d';
  readonly config: Required<MaxPool2dOptions>;

  constructor(options: MaxPool2dOptions = {}) {
    const kernel = options.kernel ?? 2;
    this.config = { kernel, stride: options.stride ?? kernel };
  }

  outputShape(inputShapes: readonly Shape[]): Shape {
    const [c, h, w] = image(this.kind, inputShapes);
    const { kernel: k, stride: s } = this.config;
    if (h < k || w < k) throw new Error(`MaxPool2d: ${k}×${k} window does not fit a ${h}×${w} input`);
    return [c, Math.floor((h - k) / s) + 1, Math.floor((w - k) / s) + 1];
  }

  params(): ParamSpec[] { return []; }

  private attrs() {
    const { kernel: k, stride: s } = this.config;
    return { kernel_shape: [k, k], strides: [s, s] };
  }

  forward(e: Emitter, { inputs, differentiate }: ForwardContext): ForwardResult {
    const x = inputs[0];
    if (!differentiate) return { output: e.op('MaxPool', [x], this.attrs()), saved: {} };
    const [y, indices] = e.opN('MaxPool', [x], 2, this.attrs());
    return { output: y, saved: { x, indices } };
  }

  backward(e: Emitter, { saved, gradOutput: dy, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    const xShape = e.shape(saved.x);
    if (this.config.stride >= this.config.kernel) {
      return { gradInputs: [e.op('MaxUnpool', [dy, saved.indices, xShape], this.attrs())], gradParams: {} };
    }
    // Overlapping windows: one input can be the max of several windows, so the routed values add up.
    const zeros = e.reshape(e.op('ConstantOfShape', [xShape]), [-1]);
    const flatIdx = e.reshape(saved.indices, [-1]);
    const flatDy = e.reshape(dy, [-1]);
    const dx = e.op('ScatterElements', [zeros, flatIdx, flatDy], { axis: 0, reduction: 'add' });
    return { gradInputs: [e.reshape(dx, xShape)], gradParams: {} };
  }
}

export class GlobalAveragePool implements Layer {
  readonly kind = 'GlobalAveragePool';
  readonly config = {};

  /** Output is flat [C] (a Flatten is folded in), as the heads that follow it expect. */
  outputShape(inputShapes: readonly Shape[]): Shape {
    return [image(this.kind, inputShapes)[0]];
  }

  params(): ParamSpec[] { return []; }

  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    const x = inputs[0];
    const y = e.op('Flatten', [e.op('GlobalAveragePool', [x])], { axis: 1 });
    return { output: y, saved: { x } };
  }

  // dx[n, c, :, :] = dy[n, c] / (H·W)
  backward(e: Emitter, { saved, gradOutput: dy, inputShapes, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    const [c, h, w] = image(this.kind, inputShapes);
    const spread = e.reshape(e.scale(dy, 1 / (h * w)), [-1, c, 1, 1]);
    return { gradInputs: [e.op('Expand', [spread, e.shape(saved.x)])], gradParams: {} };
  }
}
