// Elementwise activations. Each backward reads the saved output, never the input: y alone decides
// the slope, which lets a model reorder an activation after a monotone pooling later.
import { floatAttr } from '../onnx.js';
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single } from './layer.js';

abstract class Elementwise implements Layer {
  abstract readonly kind: string;
  abstract readonly config: object;
  outputShape(inputShapes: readonly Shape[]): Shape { return single(this.kind, inputShapes); }
  params(): ParamSpec[] { return []; }
  abstract forward(e: Emitter, ctx: ForwardContext): ForwardResult;
  abstract backward(e: Emitter, ctx: BackwardContext): BackwardResult;
}

export class ReLU extends Elementwise {
  readonly kind = 'ReLU';
  readonly config = {};
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    const y = e.op('Relu', [inputs[0]]);
    return { output: y, saved: { y } };
  }
  // y >= 0, so Sign(y) is exactly the 0/1 mask of the slope.
  backward(e: Emitter, { saved, gradOutput, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    return { gradInputs: [e.mul(gradOutput, e.op('Sign', [saved.y]))], gradParams: {} };
  }
}

export class LeakyReLU extends Elementwise {
  readonly kind = 'LeakyReLU';
  readonly config: { alpha: number };
  constructor(readonly alpha = 0.3) {
    super();
    if (!(alpha > 0)) throw new Error(`LeakyReLU alpha must be positive (the slope is read from the output's sign), got ${alpha}`);
    this.config = { alpha };
  }
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    const y = e.op('LeakyRelu', [inputs[0]], { alpha: floatAttr(this.alpha) });
    return { output: y, saved: { y } };
  }
  // dx = dy where y > 0, alpha·dy elsewhere (sign(y) = sign(x) as alpha > 0): the slope is
  // max(sign(y), alpha) for alpha < 1 (cheaper than a Where over the whole tensor).
  backward(e: Emitter, { saved, gradOutput, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    if (this.alpha > 1) {
      const positive = e.op('Greater', [saved.y, e.constF(0)]);
      return { gradInputs: [e.op('Where', [positive, gradOutput, e.scale(gradOutput, this.alpha)])], gradParams: {} };
    }
    const slope = e.op('Max', [e.op('Sign', [saved.y]), e.constF(this.alpha)]);
    return { gradInputs: [e.mul(gradOutput, slope)], gradParams: {} };
  }
}

export class Sigmoid extends Elementwise {
  readonly kind = 'Sigmoid';
  readonly config = {};
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    const y = e.op('Sigmoid', [inputs[0]]);
    return { output: y, saved: { y } };
  }
  // dx = dy · y · (1 − y)
  backward(e: Emitter, { saved, gradOutput, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    const slope = e.mul(saved.y, e.sub(e.constF(1), saved.y));
    return { gradInputs: [e.mul(gradOutput, slope)], gradParams: {} };
  }
}
