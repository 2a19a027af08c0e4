// A model is a DAG of named layer nodes over one image input. This file defines it, builds it
// (sequentially or as a graph), and walks it: forward in order, backward in reverse order with the
// gradients of values used more than once summed.
import type { Emitter } from './emitter.js';
import type { Init, Layer, Saved, Shape } from './layers/layer.js';
import { repeatedSaved } from './repeat.js';

/** The name under which nodes refer to the model's image input. */
export const INPUT = 'input';

export interface ModelNode {
  name: string;
  layer: Layer;
  /** Node names, or INPUT. */
  inputs: readonly string[];
  /** Not trained: parameters stay as they are and the layer behaves as in inference (Keras' trainable = false). */
  frozen?: boolean;
}

export interface Model {
  /** Per-sample input shape, C×H×W. */
  inputShape: Shape;
  /** In a topological order (every input defined before its use). */
  nodes: readonly ModelNode[];
  /** The node whose output is the model's output (the logits of the heads that follow). */
  output: string;
}

export interface Param {
  /** `<node>.<local>`, e.g. `conv1.weight`: the key in weight maps and the graph value name. */
  name: string;
  node: string;
  local: string;
  shape: number[];
  init: Init;
  /** Optimized by a training step: neither a buffer nor in a frozen node. */
  trainable: boolean;
  /** Updated by the forward pass in training (running statistics), not by the optimizer. */
  buffer: boolean;
  /** In a frozen node. */
  frozen: boolean;
}

/** Parameter values (trainable ones and buffers) by full name. */
export type Weights = Map<string, Float32Array>;

const NODE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

export class GraphBuilder {
  private readonly nodes: ModelNode[] = [];
  private readonly shapes = new Map<string, Shape>();
  private readonly counts = new Map<string, number>();

  constructor(readonly inputShape: Shape) {
    this.shapes.set(INPUT, inputShape);
  }

  /** Add a layer fed by `inputs`; returns the new node's name (checked shapes, so errors point here). */
  add(layer: Layer, inputs: string | readonly string[], name?: string, options: { frozen?: boolean } = {}): string {
    const from = typeof inputs === 'string' ? [inputs] : [...inputs];
    const nodeName = name ?? this.autoName(layer.kind);
    if (!NODE_NAME.test(nodeName) || nodeName === INPUT) throw new Error(`bad node name '${nodeName}': use letters, digits, _ and -`);
    if (this.shapes.has(nodeName)) throw new Error(`node name '${nodeName}' is used twice`);
    const inputShapes = from.map((n) => {
      const s = this.shapes.get(n);
      if (!s) throw new Error(`node '${nodeName}' reads '${n}', which is not defined before it`);
      return s;
    });
    let out: Shape;
    try {
      out = layer.outputShape(inputShapes);
    } catch (err) {
      throw new Error(`node '${nodeName}': ${(err as Error).message}`);
    }
    this.nodes.push({ name: nodeName, layer, inputs: from, ...(options.frozen ? { frozen: true } : {}) });
    this.shapes.set(nodeName, out);
    return nodeName;
  }

  shapeOf(name: string): Shape {
    const s = this.shapes.get(name);
    if (!s) throw new Error(`no node '${name}'`);
    return s;
  }

  build(output?: string): Model {
    const out = output ?? this.nodes[this.nodes.length - 1]?.name;
    if (!out || !this.shapes.has(out) || out === INPUT) throw new Error('a model needs at least one layer');
    return { inputShape: this.inputShape, nodes: [...this.nodes], output: out };
  }

  private autoName(kind: string): string {
    const base = kind.toLowerCase();
    let n = this.counts.get(base) ?? 0;
    let name: string;
    do name = `${base}_${++n}`; while (this.shapes.has(name));
    this.counts.set(base, n);
    return name;
  }
}

/** A chain of layers; a [name, layer] pair names its node. */
export function sequential(inputShape: Shape, layers: readonly (Layer | readonly [string, Layer])[]): Model {
  const g = new GraphBuilder(inputShape);
  let x = INPUT;
  for (const entry of layers) x = Array.isArray(entry) ? g.add(entry[1], x, entry[0]) : g.add(entry as Layer, x);
  return g.build(x);
}

/** The same model with these nodes frozen (or unfrozen with `frozen = false`). */
export function freeze(model: Model, names: Iterable<string>, frozen = true): Model {
  const set = new Set(names);
  for (const n of set) if (!model.nodes.some((m) => m.name === n)) throw new Error(`freeze: no node '${n}'`);
  return { ...model, nodes: model.nodes.map((n) => (set.has(n.name) ? { ...n, frozen } : n)) };
}

/** Per-sample output shape of every node (and of INPUT). */
export function modelShapes(model: Model): Map<string, Shape> {
  const shapes = new Map<string, Shape>([[INPUT, model.inputShape]]);
  for (const n of model.nodes) {
    const ins = n.inputs.map((i) => {
      const s = shapes.get(i);
      if (!s) throw new Error(`node '${n.name}' reads '${i}', which is not defined before it`);
      return s;
    });
    shapes.set(n.name, n.layer.outputShape(ins));
  }
  return shapes;
}

export function outputShape(model: Model): Shape {
  const s = modelShapes(model).get(model.output);
  if (!s) throw new Error(`model output '${model.output}' is not a node`);
  return s;
}

export function modelParams(model: Model): Param[] {
  const shapes = modelShapes(model);
  return model.nodes.flatMap((n) =>
    n.layer.params(n.inputs.map((i) => shapes.get(i) as Shape)).map((p) => ({
      name: `${n.name}.${p.name}`, node: n.name, local: p.name, shape: p.shape, init: p.init,
      trainable: p.trainable !== false && !n.frozen, buffer: p.trainable === false, frozen: n.frozen === true,
    })),
  );
}

export interface ForwardPass {
  /** The value holding the model output. */
  output: string;
  /** Each node's output value, by node name (and INPUT). */
  values: Map<string, string>;
  saved: Map<string, Saved>;
  /** Per node: its saved values holding flat batch indices (ForwardResult.flatIndices). */
  flatIndices: Map<string, Readonly<Record<string, string>>>;
  shapes: Map<string, Shape>;
  /** New buffer values by full parameter name (training mode, unfrozen nodes). */
  updates: Map<string, string>;
  training: boolean;
}

export interface ForwardOptions {
  training: boolean;
  differentiate: boolean;
}

/** Emit the forward pass. `paramValue(full name)` gives the value name holding each parameter. */
export function emitForward(e: Emitter, model: Model, input: string, paramValue: (name: string) => string, options: ForwardOptions): ForwardPass {
  const shapes = modelShapes(model);
  const values = new Map<string, string>([[INPUT, input]]);
  const saved = new Map<string, Saved>();
  const flatIndices = new Map<string, Readonly<Record<string, string>>>();
  const updates = new Map<string, string>();
  for (const n of model.nodes) {
    const inputShapes = n.inputs.map((i) => shapes.get(i) as Shape);
    const specs = n.layer.params(inputShapes);
    const params = Object.fromEntries(specs.map((p) => [p.name, paramValue(`${n.name}.${p.name}`)]));
    const inputs = n.inputs.map((i) => values.get(i) as string);
    const training = options.training && !n.frozen;
    const result = e.scoped(n.name, () => n.layer.forward(e, { inputs, inputShapes, params, training, differentiate: options.differentiate }));
    values.set(n.name, result.output);
    saved.set(n.name, result.saved);
    if (result.flatIndices) flatIndices.set(n.name, result.flatIndices);
    if (training) {
      for (const p of specs.filter((q) => q.trainable === false)) {
        const u = result.updates?.[p.name];
        if (!u) throw new Error(`${n.layer.kind} '${n.name}' gave no training update for its buffer ${p.name}`);
        updates.set(`${n.name}.${p.name}`, u);
      }
    }
  }
  return { output: values.get(model.output) as string, values, saved, flatIndices, shapes, updates, training: options.training };
}

export interface BackwardPass {
  /** d(loss)/d(input), when asked for. */
  gradInput?: string;
  /** By full parameter name. */
  gradParams: Map<string, string>;
}

export interface BackwardOptions {
  /** Emit d/d(input). */
  inputGrad: boolean;
  /** Emit the trainable parameters' gradients (default true). */
  paramGrads?: boolean;
  /**
   * An int64 [1] value L: the backward runs on L rows per forward row (row b·L + l reads the forward's
   * row b; gradOutput has P·L rows), each saved value repeated on first use (repeat.ts).
   */
  repeat?: string;
}

/** Emit reverse mode from `gradOutput` (the gradient at the model output). */
export function emitBackward(
  e: Emitter, model: Model, fwd: ForwardPass, gradOutput: string, paramValue: (name: string) => string, options: BackwardOptions,
): BackwardPass {
  const paramGrads = options.paramGrads ?? true;
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const trains = (n: ModelNode): boolean =>
    paramGrads && !n.frozen && n.layer.params(n.inputs.map((i) => fwd.shapes.get(i) as Shape)).some((p) => p.trainable !== false);
  // A value needs a gradient when the input was asked for, or a trained parameter lies at or before it.
  const needs = new Map<string, boolean>([[INPUT, options.inputGrad]]);
  for (const n of model.nodes) needs.set(n.name, trains(n) || n.inputs.some((i) => needs.get(i)));
  const pending = new Map<string, string[]>([[model.output, [gradOutput]]]);
  const gradParams = new Map<string, string>();
  for (let k = model.nodes.length - 1; k >= 0; k--) {
    const n = model.nodes[k];
    const grads = pending.get(n.name);
    if (!grads || !needs.get(n.name)) continue;
    const inputShapes = n.inputs.map((i) => fwd.shapes.get(i) as Shape);
    const specs = n.layer.params(inputShapes);
    const params = Object.fromEntries(specs.map((p) => [p.name, paramValue(`${n.name}.${p.name}`)]));
    const result = e.scoped(`${n.name}/grad`, () => {
      const gradOut = e.sum(grads);
      return n.layer.backward(e, {
        saved: options.repeat ? repeatedSaved(e, fwd.saved.get(n.name) as Saved, options.repeat, fwd.flatIndices.get(n.name)) : (fwd.saved.get(n.name) as Saved),
        gradOutput: gradOut,
        inputShapes,
        outputShape: fwd.shapes.get(n.name) as Shape,
        params,
        needInputGrads: n.inputs.map((i) => needs.get(i) === true),
        needParamGrads: trains(n),
        training: fwd.training && !n.frozen,
      });
    });
    for (const p of trains(n) ? specs.filter((q) => q.trainable !== false) : []) {
      const g = result.gradParams[p.name];
      if (!g) throw new Error(`${n.layer.kind} '${n.name}' gave no gradient for ${p.name}`);
      gradParams.set(`${n.name}.${p.name}`, g);
    }
    n.inputs.forEach((i, j) => {
      const g = result.gradInputs[j];
      if (g === undefined || !needs.get(i)) return;
      pending.set(i, [...(pending.get(i) ?? []), g]);
    });
    byName.delete(n.name);
  }
  for (const n of byName.values()) {
    if (trains(n)) {
      throw new Error(`node '${n.name}' has parameters but does not lead to the model output '${model.output}'`);
    }
  }
  const inputGrads = pending.get(INPUT);
  return { gradInput: options.inputGrad && inputGrads ? e.scoped('input/grad', () => e.sum(inputGrads)) : undefined, gradParams };
}
