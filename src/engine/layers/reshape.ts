// Layers that only move values around: Flatten and Concat.
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single, size } from './layer.js';

export class Flatten implements Layer {
  readonly kind = 'Flatten';
  readonly config = {};
  outputShape(inputShapes: readonly Shape[]): Shape { return [size(single(this.kind, inputShapes))]; }
  params(): ParamSpec[] { return []; }
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    return { output: e.op('Flatten', [inputs[0]], { axis: 1 }), saved: {} };
  }
  backward(e: Emitter, { gradOutput, inputShapes, needInputGrads }: BackwardContext): BackwardResult {
    if (!needInputGrads[0]) return { gradInputs: [undefined], gradParams: {} };
    return { gradInputs: [e.reshape(gradOutput, [-1, ...single(this.kind, inputShapes)])], gradParams: {} };
  }
}

/** Concatenation along channels (the first per-sample axis). */
export class Concat implements Layer {
  readonly kind = 'Concat';
  readonly config = {};
  outputShape(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length < 1) throw new Error('Concat needs at least one input');
    const rest = inputShapes[0].slice(1);
    for (const s of inputShapes) {
      if (s.length !== inputShapes[0].length || s.slice(1).some((d, i) => d !== rest[i])) {
        throw new Error(`Concat: inputs [${inputShapes.map((t) => t.join(',')).join('] [')}] differ beyond the channel axis`);
      }
    }
    return [inputShapes.reduce((a, s) => a + s[0], 0), ...rest];
  }
  params(): ParamSpec[] { return []; }
  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    return { output: inputs.length === 1 ? inputs[0] : e.op('Concat', inputs, { axis: 1 }), saved: {} };
  }
  backward(e: Emitter, { gradOutput, inputShapes, needInputGrads }: BackwardContext): BackwardResult {
    if (inputShapes.length === 1) return { gradInputs: [needInputGrads[0] ? gradOutput : undefined], gradParams: {} };
    const parts = e.opN('Split', [gradOutput, e.constI64(inputShapes.map((s) => s[0]))], inputShapes.length, { axis: 1 });
    return { gradInputs: parts.map((p, i) => (needInputGrads[i] ? p : undefined)), gradParams: {} };
  }
}
