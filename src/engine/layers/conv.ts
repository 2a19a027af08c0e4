// Conv2d: forward is one Conv; the input gradient is a Conv on flipped, transposed weights (stride 1)
// or a ConvTranspose (stride > 1); the weight gradient is im2col (one depthwise Conv of one-hot
// kernels) + one batched MatMul, or a Conv with batch and channels swapped.
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

/**
 * Below this many input channels the input gradient is a ConvTranspose: ORT's blocked (NCHWc) Conv pads
 * its output channels to a block of 8 or 16, so a 3-channel input gradient computed 5 × the work
 * (conv1 of the baseline, in the explainers' input-gradient graph: 65 → 49 ms for 16 inputs × 6 labels).
 */
const FEW_CHANNELS = 8;

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

  // dx = Conv(dy, flip(Wᵀ)) with complementary pads when the stride is 1; ConvTranspose otherwise, and
  // for an input of few channels (an image's 3 windows), where that Conv would have as few output channels.
  private inputGrad(e: Emitter, dy: string, weight: string, g: ReturnType<Conv2d['geometry']>): string {
    const [kh, kw] = this.k;
    const [sh, sw] = this.s;
    const [pt, pl, pb, pr] = g.pads;
    const full = [kh - 1 - pt, kw - 1 - pl, kh - 1 - pb, kw - 1 - pr];
    if (g.c >= FEW_CHANNELS && sh === 1 && sw === 1 && full.every((p) => p >= 0)) {
      const wt = e.transpose(weight, [1, 0, 2, 3]);
      const flipped = e.op('Slice', [wt, e.constI64([-1, -1]), e.constI64([-(2 ** 53), -(2 ** 53)]), e.constI64([2, 3]), e.constI64([-1, -1])]);
      return e.op('Conv', [dy, flipped], { kernel_shape: this.k, pads: full });
    }
    // ConvTranspose gives s·(Ho−1) + k − pads; output_padding restores the rows the forward floor dropped.
    const outputPadding = [(g.h + pt + pb - kh) % sh, (g.w + pl + pr - kw) % sw];
    return e.op('ConvTranspose', [dy, weight], { kernel_shape: this.k, strides: this.s, pads: g.pads, output_padding: outputPadding });
  }

  // dW[f, (c, i, j)] = Σ_n dY[n, f, :] · cols[n, (c, i, j), :]: cols holds each input channel's kh·kw
  // shifted (strided, padded) copies, made by one depthwise Conv whose constant kernels are one-hot
  // (exact copies: each output is 1·x + 0·…), in the order of the weight's own layout, so no transpose
  // follows; the MatMul reads cols transposed. A 1×1 kernel with stride 1 needs no copy at all.
  // (k² Slices and a Concat did the same in the kernel-tap order and took 2–3 × as long.)
  private weightGradIm2col(e: Emitter, x: string, dy: string, g: ReturnType<Conv2d['geometry']>): string {
    const [kh, kw] = this.k;
    const taps = kh * kw;
    const plain = taps === 1 && this.s[0] === 1 && this.s[1] === 1 && g.pads.every((p) => p === 0);
    let patches = x;
    if (!plain) {
      const oneHot = new Array<number>(g.c * taps * taps).fill(0);
      for (let c = 0; c < g.c; c++) for (let t = 0; t < taps; t++) oneHot[(c * taps + t) * taps + t] = 1;
      patches = e.op('Conv', [x, e.constF(oneHot, [g.c * taps, 1, kh, kw])], { kernel_shape: this.k, strides: this.s, pads: g.pads, group: g.c });
    }
    const cols = e.reshape(patches, [0, g.c * taps, g.ho * g.wo]);
    const dyFlat = e.reshape(dy, [0, this.config.filters, g.ho * g.wo]);
    const perSample = e.op('MatMul', [dyFlat, e.transpose(cols, [0, 2, 1])]);
    return e.reshape(e.reduceSum(perSample, [0]), [this.config.filters, g.c, kh, kw]);
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
