// Dropout (inverted): in training, keep each value with probability 1 − rate and scale it by
// 1 / (1 − rate); the same mask scales the gradient. Inference passes values through.
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single } from './layer.js';

export class Dropout implements Layer {
  readonly kind = 'Dropout';
  readonly config: { rate: number };

  constructor(readonly rate: number) {
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout rate must be in [0, 1), got ${rate}`);
    this.config = { rate };
  }

  outputShape(inputShapes: readonly Shape[]): Shape { return single(this.kind, inputShapes); }
  params(): ParamSpec[] { return []; }

  forward(e: Emitter, { inputs, training }: ForwardContext): ForwardResult {
    const x = inputs[0];
    if (!training || this.rate === 0) return { output: x, saved: {} };
    const keep = e.op('Greater', [e.op('RandomUniformLike', [x]), e.constF(this.rate)]);
    const mask = e.scale(e.op('Cast', [keep], { to: 1 }), 1 / (1 - this.rate));
    return { output: e.mul(x, mask), saved: { mask } };
  }

  backward(e: Emitter, { saved, gradOutput, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    return { gradInputs: [saved.mask ? e.mul(gradOutput, saved.mask) : gradOutput], gradParams: {} };
  }
}
