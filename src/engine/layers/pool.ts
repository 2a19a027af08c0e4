// Pooling. MaxPool's gradient routes dy through the Indices output of MaxPool (flat N·C·H·W
// positions): MaxUnpool when windows do not overlap, a ScatterElements sum when they do. AvgPool's
// gradient spreads dy / count back over each window with a depthwise ConvTranspose of ones.
import type { Emitter } from '../emitter.js';
import { convPads } from './conv.js';
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
    return { output: y, saved: { x, indices }, flatIndices: { indices: 'x' } };
  }

  backward(e: Emitter, { saved, gradOutput: dy, inputShapes, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    // The input's shape from dy's rows and the static per-sample shape (not Shape(x): with repeated
    // rows, reading x would repeat the whole tensor just for its shape).
    const xShape = e.op('Concat', [e.rows(dy), e.constI64([...image(this.kind, inputShapes)])], { axis: 0 });
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
    return { output: y, saved: {} };
  }

  // dx[n, c, :, :] = dy[n, c] / (H·W)
  backward(e: Emitter, { gradOutput: dy, inputShapes, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    const [c, h, w] = image(this.kind, inputShapes);
    const spread = e.reshape(e.scale(dy, 1 / (h * w)), [-1, c, 1, 1]);
    return { gradInputs: [e.op('Expand', [spread, e.constI64([1, c, h, w])])], gradParams: {} };
  }
}

export interface AvgPool2dOptions {
  kernel?: number;
  /** Defaults to the kernel size. */
  stride?: number;
  /** 'same' pads like Keras and, like Keras, averages over the in-bounds values only. */
  padding?: 'valid' | 'same';
}

export class AvgPool2d implements Layer {
  readonly kind = 'AvgPool2d';
  readonly config: Required<AvgPool2dOptions>;

  constructor(options: AvgPool2dOptions = {}) {
    const kernel = options.kernel ?? 2;
    this.config = { kernel, stride: options.stride ?? kernel, padding: options.padding ?? 'valid' };
  }

  private geometry(inputShapes: readonly Shape[]) {
    const [c, h, w] = image(this.kind, inputShapes);
    const { kernel: k, stride: s } = this.config;
    const pads = convPads(this.config.padding, [h, w], [k, k], [s, s]);
    const ho = Math.floor((h + pads[0] + pads[2] - k) / s) + 1;
    const wo = Math.floor((w + pads[1] + pads[3] - k) / s) + 1;
    if (ho < 1 || wo < 1) throw new Error(`AvgPool2d: ${k}×${k} window does not fit a ${h}×${w} input`);
    return { c, h, w, pads, ho, wo };
  }

  outputShape(inputShapes: readonly Shape[]): Shape {
    const { c, ho, wo } = this.geometry(inputShapes);
    return [c, ho, wo];
  }

  params(): ParamSpec[] { return []; }

  forward(e: Emitter, { inputs, inputShapes }: ForwardContext): ForwardResult {
    const { pads } = this.geometry(inputShapes);
    const { kernel: k, stride: s } = this.config;
    const y = e.op('AveragePool', [inputs[0]], { kernel_shape: [k, k], strides: [s, s], pads, count_include_pad: 0 });
    return { output: y, saved: {} };
  }

  backward(e: Emitter, { gradOutput: dy, inputShapes, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    const { c, h, w, pads, ho, wo } = this.geometry(inputShapes);
    const { kernel: k, stride: s } = this.config;
    // 1 / (in-bounds values of each window), a constant [1, 1, Ho, Wo].
    const inv: number[] = [];
    for (let i = 0; i < ho; i++) {
      const rows = Math.min(i * s - pads[0] + k, h) - Math.max(i * s - pads[0], 0);
      for (let j = 0; j < wo; j++) inv.push(1 / (rows * (Math.min(j * s - pads[1] + k, w) - Math.max(j * s - pads[1], 0))));
    }
    const spread = e.mul(dy, e.constF(inv, [1, 1, ho, wo]));
    const ones = e.constF(new Array<number>(c * k * k).fill(1), [c, 1, k, k]);
    const outputPadding = [(h + pads[0] + pads[2] - k) % s, (w + pads[1] + pads[3] - k) % s];
    const dx = e.op('ConvTranspose', [spread, ones], { kernel_shape: [k, k], strides: [s, s], pads, group: c, output_padding: outputPadding });
    return { gradInputs: [dx], gradParams: {} };
  }
}
