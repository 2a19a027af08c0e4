// Model rewrites that keep every output and gradient exact but make the graphs cheaper.
import type { Model, ModelNode } from './graph.js';

const MONOTONE = new Set(['ReLU', 'LeakyReLU']);

/**
 * An increasing activation followed by a max-pool equals the max-pool followed by the activation
 * (max commutes with monotone maps), and the argmax, hence the gradient, is the same. Pooling first
 * runs the activation and its gradient on a quarter of the values (2×2 pools).
 */
export function poolBeforeActivation(model: Model): Model {
  const nodes = [...model.nodes];
  let output = model.output;
  const consumers = (name: string): ModelNode[] => nodes.filter((n) => n.inputs.includes(name));
  for (let i = 0; i + 1 < nodes.length; i++) {
    const act = nodes[i];
    const pool = nodes[i + 1];
    if (!MONOTONE.has(act.layer.kind) || pool.layer.kind !== 'MaxPool2d') continue;
    if (act.frozen !== pool.frozen || pool.inputs.length !== 1 || pool.inputs[0] !== act.name) continue;
    if (consumers(act.name).length !== 1 || model.output === act.name) continue;
    // pool reads what act read; act reads pool; whoever read pool reads act. Names stay with layers.
    const newPool: ModelNode = { ...pool, inputs: act.inputs };
    const newAct: ModelNode = { ...act, inputs: [pool.name] };
    for (let j = i + 2; j < nodes.length; j++) {
      if (nodes[j].inputs.includes(pool.name)) nodes[j] = { ...nodes[j], inputs: nodes[j].inputs.map((x) => (x === pool.name ? act.name : x)) };
    }
    nodes[i] = newPool;
    nodes[i + 1] = newAct;
    if (output === pool.name) output = act.name;
    i++;
  }
  return { ...model, nodes, output };
}
