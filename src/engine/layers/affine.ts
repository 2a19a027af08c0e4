// A constant elementwise affine map y = scale·x + shift (no parameters): input range changes such as
// [0, 1] → [−1, 1] for networks trained on that range. Its gradient is scale·dy.
import type { Emitter } from '../emitter.js';
import type { BackwardContext, BackwardResult, ForwardContext, ForwardResult, Layer, ParamSpec, Shape } from './layer.js';
import { single } from './layer.js';

export interface AffineOptions {
  scale: number;
  shift?: number;
}

export class Affine implements Layer {
  readonly kind = 'Affine';
  readonly config: Required<AffineOptions>;

  constructor(options: AffineOptions) {
    this.config = { shift: 0, ...options };
    if (!Number.isFinite(this.config.scale) || !Number.isFinite(this.config.shift)) throw new Error(`Affine: scale and shift must be finite, got ${this.config.scale}, ${this.config.shift}`);
  }

  outputShape(inputShapes: readonly Shape[]): Shape { return single(this.kind, inputShapes); }

  params(): ParamSpec[] { return []; }

  forward(e: Emitter, { inputs }: ForwardContext): ForwardResult {
    const scaled = e.scale(inputs[0], this.config.scale);
    const y = this.config.shift === 0 ? scaled : e.add(scaled, e.constF(this.config.shift));
    return { output: y, saved: {} };
  }

  backward(e: Emitter, { gradOutput, needInputGrads }: BackwardContext): BackwardResult {
    return { gradInputs: [needInputGrads[0] ? e.scale(gradOutput, this.config.scale) : undefined], gradParams: {} };
  }
}
