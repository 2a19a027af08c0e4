// The shared vocabulary of the explainers: what they take and what they return.
import type { Model, Weights } from '../engine/index.js';

/** A model ready to explain: its layer graph and weights (gradient methods) and the input it expects. */
export interface ExplainModel {
  model: Model;
  weights: Weights;
  /** Per-sample input shape, C×N×N. */
  inputShape: readonly [number, number, number];
  /** ONNX inference graph bytes (input `input` N×C×H×W → `probabilities` N×6): enough for partition SHAP. */
  onnx: Uint8Array;
}

export type ExplainMethod = 'gradient' | 'partition';

/**
 * What the attributions explain: each label's probability (the default, as shap explains a Keras
 * sigmoid output) or its logit (log-odds; shap's link=logit), which does not saturate near 0 and 1.
 */
export type ExplainOutput = 'probability' | 'logit';
export const EXPLAIN_OUTPUTS: readonly ExplainOutput[] = ['probability', 'logit'];

/** `value` as an ExplainOutput; throws naming `who` (the explainer or flag) otherwise. */
export function checkOutput(value: unknown, who: string): ExplainOutput {
  return checkChoice(value, EXPLAIN_OUTPUTS, who, 'output');
}

/** `value` as one of `choices`; throws naming `who` (the explainer or flag) and `what` otherwise. */
export function checkChoice<T extends string>(value: unknown, choices: readonly T[], who: string, what: string): T {
  if (!choices.includes(value as T)) throw new Error(`${who}: ${what} '${String(value)}': expected ${choices.join(' or ')}`);
  return value as T;
}

/** One label's attribution map for one input. */
export interface Explanation {
  /** Label index in LABELS order. */
  label: number;
  method: ExplainMethod;
  /** The model's probability for the label on the input. */
  probability: number;
  /**
   * Attributions per pixel, H×W (summed over channels, as shap's image_plot shows them), in the
   * units of the explained output (the probability, or the logit when asked).
   */
  map: Float32Array;
  /** Σ map − (f(x) − reference): reference = E[f(background)] (gradient) or f(fully masked) (partition). */
  additivityError: number;
  /** f(x) − reference, the amount the attributions should add up to. */
  expectedSum: number;
  /** Wall-clock seconds for this input (all requested labels together), repeated on each label. */
  seconds: number;
  /** With a region (explainFiles' default): the share of |attribution| outside it, set to 0 in `map`. */
  outsideShare?: number;
  /** With a region: the sum of the attribution set to 0 (Σ map + outsideSum = expectedSum + additivityError). */
  outsideSum?: number;
}

export interface ExplainerOptions {
  /** Label indices to explain (default all six). */
  labels?: readonly number[];
  /** ONNX Runtime intra-op threads. */
  threads?: number;
  seed?: number;
  /** The output explained (default 'probability'). */
  output?: ExplainOutput;
}

/** What one input is explained against, when not the explainer's default. */
export interface ExplainContext {
  /**
   * A reference image (C×N×N) for this input: the gradient explainer's single background (its path
   * starts there), partition SHAP's value for hidden pixels. E.g. emptyHead(x, …): the slice with
   * its brain made uniform, so that only what differs from a normal brain is attributed.
   */
  reference?: Float32Array;
  /** Where the evidence can be (N×N, 1 inside): partition SHAP spends its budget on its bounding box only. */
  focus?: Uint8Array;
}

/** An explainer with its ONNX Runtime session(s) open, for explaining many inputs in a row. */
export interface Explainer {
  readonly method: ExplainMethod;
  /** Explains one input (C×N×N float32 in [0, 1]); one Explanation per requested label, in the order asked. */
  explain(x: Float32Array, labels?: readonly number[], context?: ExplainContext): Promise<Explanation[]>;
  release(): Promise<void>;
}
