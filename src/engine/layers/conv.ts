// Conv2d: forward is one Conv; the input gradient is a Conv on flipped, transposed weights (stride 1)
// or a ConvTranspose (stride > 1); the weight gradient is im2col + one batched MatMul, or a Conv with
// batch and channels swapped.
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { image } from './layer.js';

/** 'same' pads like Keras (the odd pixel at the bottom/right); a number pads every side; four numbers are [top, left, bottom, right]. */
export type Padding = 'same' | 'valid' | number | readonly [number, number, number, number];

export interface Conv2dOptions {
  filters: number;
  kernel: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: Padding;
  bias?: boolean;
  /** How backward computes the weight gradient. */
  weightGrad?: 'im2col' | 'conv';
}

const pair = (v: number | readonly [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** ONNX pads [top, left, bottom, right] for one input size. */
export function convPads(padding: Padding, [h, w]: [number, number], [kh, kw]: [number, number], [sh, sw]: [number, number]): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (padding !== 'same') return [padding[0], padding[1], padding[2], padding[3]];
  const total = (n: number, k: number, s: number): number => Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const th = total(h, kh, sh);
  const tw = total(w, kw, sw);
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

export class Conv2d implements Layer {
  readonly kind = 'Conv2d';
  readonly config: Conv2dOptions;
  private readonly k: [number, number];
  private readonly s: [number, number];

  constructor(options: Conv2dOptions) {
    this.config = { stride: 1, padding: 'valid', bias: true, weightGrad: 'im2col', ...options };
    this.k = pair(options.kernel);
    this.s = pair(options.stride ?? 1);
  }

  private geometry(inputShapes: readonly Shape[]) {
    const [c, h, w] = image(this.kind, inputShapes);
    const pads = convPads(this.config.padding ?? 'valid', [h, w], this.k, this.s);
    const ho = Math.floor((h + pads[0] + pads[2] - this.k[0]) / this.s[0]) + 1;
    const wo = Math.floor((w + pads[1] + pads[3] - this.k[1]) / this.s[1]) + 1;
    if (ho < 1 || wo < 1) throw new Error(`Conv2d: kernel ${this.k.join('×')} does not fit a ${h}×${w} input`);
    return { c, h, w, pads, ho, wo };
  }

  outputShape(inputShapes: readonly Shape[]): Shape {
    const { ho, wo } = this.geometry(inputShapes);
    return [this.config.filters, ho, wo];
  }

  params(inputShapes: readonly Shape[]): ParamSpec[] {
    const [c] = image(this.kind, inputShapes);
    const [kh, kw] = this.k;
    const f = this.config.filters;
    const weight: ParamSpec = { name: 'weight', shape: [f, c, kh, kw], init: { kind: 'glorotUniform', fanIn: c * kh * kw, fanOut: f * kh * kw } };
    return this.config.bias ? [weight, { name: 'bias', shape: [f], init: { kind: 'zeros' } }] : [weight];
  }

  forward(e: Emitter, { inputs, inputShapes, params }: ForwardContext): ForwardResult {
    const { pads } = this.geometry(inputShapes);
    const x = inputs[0];
    const args = this.config.bias ? [x, params.weight, params.bias] : [x, params.weight];
    const y = e.op('Conv', args, { kernel_shape: this.k, strides: this.s, pads });
    return { output: y, saved: { x } };
  }

  backward(e: Emitter, ctx: BackwardContext): BackwardResult {
    const { saved, gradOutput: dy, inputShapes, params, needInputGrads, needParamGrads } = ctx;
    const g = this.geometry(inputShapes);
    const gradParams: Record<string, string> = {};
    if (needParamGrads) {
      gradParams.weight = this.config.weightGrad === 'conv' ? this.weightGradConv(e, saved.x, dy, g) : this.weightGradIm2col(e, saved.x, dy, g);
      if (this.config.bias) gradParams.bias = e.reduceSum(dy, [0, 2, 3]);
    }
    const dx = needInputGrads[0] ? this.inputGrad(e, dy, params.weight, g) : undefined;
    return { gradInputs: [dx], gradParams };
  }

  // dx = Conv(dy, flip(Wᵀ)) with complementary pads when the stride is 1; ConvTranspose otherwise.
  private inputGrad(e: Emitter, dy: string, weight: string, g: ReturnType<Conv2d['geometry']>): string {
    const [kh, kw] = this.k;
    const [sh, sw] = this.s;
    const [pt, pl, pb, pr] = g.pads;
    const full = [kh - 1 - pt, kw - 1 - pl, kh - 1 - pb, kw - 1 - pr];
    if (sh === 1 && sw === 1 && full.every((p) => p >= 0)) {
      const wt = e.transpose(weight, [1, 0, 2, 3]);
      const flipped = e.op('Slice', [wt, e.constI64([-1, -1]), e.constI64([-(2 ** 53), -(2 ** 53)]), e.constI64([2, 3]), e.constI64([-1, -1])]);
      return e.op('Conv', [dy, flipped], { kernel_shape: this.k, pads: full });
    }
    // ConvTranspose gives s·(Ho−1) + k − pads; output_padding restores the rows the forward floor dropped.
    const outputPadding = [(g.h + pt + pb - kh) % sh, (g.w + pl + pr - kw) % sw];
    return e.op('ConvTranspose', [dy, weight], { kernel_shape: this.k, strides: this.s, pads: g.pads, output_padding: outputPadding });
  }

  // dW[f, (i, j, c)] = Σ_n dY[n, f, :] · cols[n, (i, j, c), :], cols stacking kh·kw strided slices of
  // the padded input along channels (contiguous blocks per sample); the MatMul reads cols transposed.
  private weightGradIm2col(e: Emitter, x: string, dy: string, g: ReturnType<Conv2d['geometry']>): string {
    const [kh, kw] = this.k;
    const [sh, sw] = this.s;
    const padded = g.pads.some((p) => p !== 0)
      ? e.op('Pad', [x, e.constI64([0, 0, g.pads[0], g.pads[1], 0, 0, g.pads[2], g.pads[3]])])
      : x;
    const slices: string[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const starts = e.constI64([i, j]);
        const ends = e.constI64([i + sh * (g.ho - 1) + 1, j + sw * (g.wo - 1) + 1]);
        slices.push(e.op('Slice', [padded, starts, ends, e.constI64([2, 3]), e.constI64([sh, sw])]));
      }
    }
    const stacked = slices.length === 1 ? slices[0] : e.op('Concat', slices, { axis: 1 });
    const cols = e.reshape(stacked, [0, kh * kw * g.c, g.ho * g.wo]);
    const dyFlat = e.reshape(dy, [0, this.config.filters, g.ho * g.wo]);
    const perSample = e.op('MatMul', [dyFlat, e.transpose(cols, [0, 2, 1])]);
    const dw = e.reshape(e.reduceSum(perSample, [0]), [this.config.filters, kh, kw, g.c]);
    return e.transpose(dw, [0, 3, 1, 2]);
  }

  // dW = Conv(Xᵀ, dYᵀ) with batch and channels swapped: the forward stride becomes a dilation.
  private weightGradConv(e: Emitter, x: string, dy: string, g: ReturnType<Conv2d['geometry']>): string {
    const [kh, kw] = this.k;
    const xt = e.transpose(x, [1, 0, 2, 3]);
    const dyt = e.transpose(dy, [1, 0, 2, 3]);
    const full = e.op('Conv', [xt, dyt], { pads: g.pads, dilations: this.s });
    // The correlation is (H + pads − s·(Ho−1)) tall, at least kh: keep the first kh×kw taps.
    const taller = g.h + g.pads[0] + g.pads[2] - this.s[0] * (g.ho - 1) > kh || g.w + g.pads[1] + g.pads[3] - this.s[1] * (g.wo - 1) > kw;
    const cropped = taller ? e.op('Slice', [full, e.constI64([0, 0]), e.constI64([kh, kw]), e.constI64([2, 3])]) : full;
    return e.transpose(cropped, [1, 0, 2, 3]);
  }
}
