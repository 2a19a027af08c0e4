// The Keras (2.x) functional-model JSON as tfjs stores it in `modelTopology`: the layers in the order
// Keras lists them (every layer after the layers it reads), each with its class, config and the
// layers it was called on.

/** [layer name, node index, tensor index, kwargs]. */
export type KerasInbound = [string, number, number, Record<string, unknown>?];

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** One entry per call of the layer; each lists the tensors of that call. */
  inbound_nodes: KerasInbound[][];
}

/** The layers of a functional Model topology, checked for the shape this importer handles. */
export function kerasLayers(topology: Record<string, unknown>): KerasLayer[] {
  const modelConfig = topology.model_config as { class_name?: string; config?: { layers?: KerasLayer[] } } | undefined;
  if (!modelConfig || modelConfig.class_name !== 'Model' || !Array.isArray(modelConfig.config?.layers)) {
    throw new Error(`expected a Keras functional Model topology, got ${modelConfig?.class_name ?? 'none'}`);
  }
  const layers = modelConfig.config.layers;
  const seen = new Set<string>();
  for (const l of layers) {
    if (l.inbound_nodes.length > 1) throw new Error(`Keras layer ${l.name} is called ${l.inbound_nodes.length} times; shared layers are not supported`);
    for (const [from, node, tensor] of l.inbound_nodes[0] ?? []) {
      if (node !== 0 || tensor !== 0) throw new Error(`Keras layer ${l.name} reads output ${node}/${tensor} of ${from}; only single-output layers are supported`);
      if (!seen.has(from)) throw new Error(`Keras layer ${l.name} reads ${from}, which is not listed before it`);
    }
    if (seen.has(l.name)) throw new Error(`Keras layer name ${l.name} is used twice`);
    seen.add(l.name);
  }
  return layers;
}

/** The names of the layers a layer reads, in order. */
export function inboundNames(layer: KerasLayer): string[] {
  return (layer.inbound_nodes[0] ?? []).map((t) => t[0]);
}

/** `name` and every layer it depends on. */
export function ancestors(layers: readonly KerasLayer[], name: string): Set<string> {
  const byName = new Map(layers.map((l) => [l.name, l]));
  if (!byName.has(name)) throw new Error(`the Keras model has no layer ${name}`);
  const out = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (out.has(n)) continue;
    out.add(n);
    stack.push(...inboundNames(byName.get(n)!));
  }
  return out;
}
