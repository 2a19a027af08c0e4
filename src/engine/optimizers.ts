// Optimizer updates emitted into the training-step graph, with PyTorch's update rules. Each
// optimizer names its state slots (one tensor per slot per parameter, starting at zero), computes
// its step-wide scalars once, then updates each parameter elementwise.
import type { Emitter } from './emitter.js';

export interface AdamConfig { kind: 'adam'; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number }
export interface SgdConfig { kind: 'sgd'; momentum?: number; nesterov?: boolean; weightDecay?: number }
export interface RmspropConfig { kind: 'rmsprop'; alpha?: number; epsilon?: number; weightDecay?: number }
export type OptimizerConfig = AdamConfig | SgdConfig | RmspropConfig;

export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };
export const SGD_DEFAULTS = { momentum: 0.9, nesterov: false, weightDecay: 0 };
export const RMSPROP_DEFAULTS = { alpha: 0.99, epsilon: 1e-8, weightDecay: 0 };

export interface StepScalars {
  /** Float scalar: 1 on the first step. */
  step: string;
  /** Float scalar. */
  learningRate: string;
}

export interface Optimizer {
  readonly config: Required<AdamConfig> | Required<SgdConfig> | Required<RmspropConfig>;
  /** State tensors per parameter, each shaped like it. */
  readonly slots: readonly string[];
  /** Emit scalars shared by all parameters; returns what `update` needs. */
  prepare(e: Emitter, scalars: StepScalars): Record<string, string>;
  /** Returns the new parameter and state values. */
  update(e: Emitter, shared: Record<string, string>, param: string, grad: string, state: Record<string, string>): { param: string; state: Record<string, string> };
}

function decayed(e: Emitter, grad: string, param: string, weightDecay: number): string {
  return weightDecay === 0 ? grad : e.add(grad, e.scale(param, weightDecay));
}

/** m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε) */
function adam(options: AdamConfig): Optimizer {
  const c = { ...ADAM_DEFAULTS, ...options };
  return {
    config: c,
    slots: ['m', 'v'],
    prepare(e, { step, learningRate }) {
      const bc1 = e.sub(e.constF(1), e.op('Pow', [e.constF(c.beta1), step]));
      const bc2 = e.sub(e.constF(1), e.op('Pow', [e.constF(c.beta2), step]));
      return { stepSize: e.div(learningRate, bc1), invSqrtBc2: e.op('Reciprocal', [e.op('Sqrt', [bc2])]) };
    },
    update(e, shared, param, grad, state) {
      const g = decayed(e, grad, param, c.weightDecay);
      const m = e.add(e.scale(state.m, c.beta1), e.scale(g, 1 - c.beta1));
      const v = e.add(e.scale(state.v, c.beta2), e.scale(e.mul(g, g), 1 - c.beta2));
      const denom = e.add(e.mul(e.op('Sqrt', [v]), shared.invSqrtBc2), e.constF(c.epsilon));
      const next = e.sub(param, e.mul(e.div(m, denom), shared.stepSize));
      return { param: next, state: { m, v } };
    },
  };
}

/** b ← μ·b + g; p ← p − lr·b (Nesterov: p ← p − lr·(g + μ·b)); no state when μ = 0. */
function sgd(options: SgdConfig): Optimizer {
  const c = { ...SGD_DEFAULTS, ...options };
  return {
    config: c,
    slots: c.momentum === 0 ? [] : ['momentum'],
    prepare: (_e, { learningRate }) => ({ learningRate }),
    update(e, shared, param, grad, state): { param: string; state: Record<string, string> } {
      const g = decayed(e, grad, param, c.weightDecay);
      if (c.momentum === 0) return { param: e.sub(param, e.mul(g, shared.learningRate)), state: {} };
      const b = e.add(e.scale(state.momentum, c.momentum), g);
      const direction = c.nesterov ? e.add(g, e.scale(b, c.momentum)) : b;
      return { param: e.sub(param, e.mul(direction, shared.learningRate)), state: { momentum: b } };
    },
  };
}

/** s ← α·s + (1−α)·g²; p ← p − lr·g / (√s + ε) */
function rmsprop(options: RmspropConfig): Optimizer {
  const c = { ...RMSPROP_DEFAULTS, ...options };
  return {
    config: c,
    slots: ['square_avg'],
    prepare: (_e, { learningRate }) => ({ learningRate }),
    update(e, shared, param, grad, state) {
      const g = decayed(e, grad, param, c.weightDecay);
      const s = e.add(e.scale(state.square_avg, c.alpha), e.scale(e.mul(g, g), 1 - c.alpha));
      const direction = e.div(g, e.add(e.op('Sqrt', [s]), e.constF(c.epsilon)));
      return { param: e.sub(param, e.mul(direction, shared.learningRate)), state: { square_avg: s } };
    },
  };
}

export function makeOptimizer(config: OptimizerConfig = { kind: 'adam' }): Optimizer {
  switch (config.kind) {
    case 'adam': return adam(config);
    case 'sgd': return sgd(config);
    case 'rmsprop': return rmsprop(config);
  }
}
