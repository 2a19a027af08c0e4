// The InceptionV3 of nsfwjs@4.4.0 as an ichdetect model: our [0, 1] input mapped to Inception's
// [−1, 1], the Keras base up to a chosen mixed block (node names = Keras layer names), a global
// average pool in place of the fixed 8×8 one (so any input side ≥ 75 works), and a fresh dense head
// (logits). Per the package: stem to mixed5 were frozen when nsfwjs trained (most likely the original
// ImageNet weights, uint8-quantized); mixed6 to mixed10 were fine-tuned for its 5-way task.
import { GraphBuilder, INPUT, type Model, type Weights, modelParams } from '../../engine/graph.js';
import { Affine, Dense, GlobalAveragePool } from '../../engine/layers/index.js';
import { engineLayer, engineWeights, nodeName } from './keras-layers.js';
import { type KerasLayer, ancestors, inboundNames, kerasLayers } from './keras-topology.js';
import { type KerasModelFiles, readInceptionV3Files, readInceptionV3Model } from './nsfwjs-files.js';
import { locateWeights, type WeightsManifest } from './tfjs-weights.js';

export interface InceptionV3Options {
  /** Input side N (N×N); at least 75, as for Keras' InceptionV3. Default 128. */
  size?: number;
  /** Input channels (windows). Pretrained weights need 3. Default 3. */
  channels?: number;
  /** The last Keras block kept: 'mixed0' … 'mixed10'. Default 'mixed5' (the part nsfwjs kept frozen). */
  baseUntil?: string;
  /** Outputs of the fresh dense head. Default 6. */
  head?: number;
}

export const INCEPTION_V3_MIN_SIZE = 75;
/** Node names of the parts that are not Keras layers. */
export const INCEPTION_V3_NODES = { rescale: 'rescale', pool: 'avg_pool', head: 'head' } as const;

const MIXED = /^mixed(\d+)$/;

/** The Keras layers and weights manifest of nsfwjs's InceptionV3 (model.min.js only, parsed once). */
export function inceptionV3Topology(): { layers: KerasLayer[]; manifest: WeightsManifest } {
  const { modelTopology, weightsManifest } = readInceptionV3Model();
  return { layers: kerasLayers(modelTopology), manifest: weightsManifest };
}

/** The mixed blocks the topology has, in order ('mixed0' … 'mixed10'). */
export function inceptionV3MixedBlocks(layers: readonly KerasLayer[] = inceptionV3Topology().layers): string[] {
  return layers.map((l) => l.name).filter((n) => MIXED.test(n)).sort((a, b) => Number(MIXED.exec(a)![1]) - Number(MIXED.exec(b)![1]));
}

/** Builds the model (reads nsfwjs's topology, not its weights). */
export function inceptionV3Model(options: InceptionV3Options = {}, layers: readonly KerasLayer[] = inceptionV3Topology().layers): Model {
  const { size = 128, channels = 3, baseUntil = 'mixed5', head = 6 } = options;
  if (!Number.isInteger(size) || size < INCEPTION_V3_MIN_SIZE) {
    throw new Error(`inception: input size ${size} is too small; InceptionV3 needs an integer side of at least ${INCEPTION_V3_MIN_SIZE} pixels`);
  }
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`inception: channels ${channels} must be a positive integer`);
  if (!Number.isInteger(head) || head < 1) throw new Error(`inception: head ${head} must be a positive integer`);
  const blocks = inceptionV3MixedBlocks(layers);
  if (!blocks.includes(baseUntil)) throw new Error(`inception: baseUntil '${baseUntil}' is not a block of the model (${blocks.join(', ')})`);

  const keep = ancestors(layers, baseUntil);
  const g = new GraphBuilder([channels, size, size]);
  const nodeOf = new Map<string, string>();
  for (const k of layers) {
    if (!keep.has(k.name)) continue;
    if (k.class_name === 'InputLayer') {
      // Inception's preprocessing (x / 127.5 − 1 on 0…255 pixels) is 2x − 1 on our 0…1 tensors.
      nodeOf.set(k.name, g.add(new Affine({ scale: 2, shift: -1 }), INPUT, INCEPTION_V3_NODES.rescale));
      continue;
    }
    const inputs = inboundNames(k).map((n) => nodeOf.get(n)!);
    nodeOf.set(k.name, g.add(engineLayer(k), inputs, nodeName(k.name)));
  }
  const pooled = g.add(new GlobalAveragePool(), nodeOf.get(baseUntil)!, INCEPTION_V3_NODES.pool);
  return g.build(g.add(new Dense({ units: head }), pooled, INCEPTION_V3_NODES.head));
}

/**
 * The pretrained values of every parameter the model took from the Keras base (all but the head's),
 * dequantized from nsfwjs's shards, in `into`'s copy when given (e.g. initWeights(model, seed) for the
 * head). Throws when a parameter's shape differs from the pretrained one (e.g. channels ≠ 3).
 */
export function inceptionV3Weights(model: Model, into: Weights = new Map(), files?: KerasModelFiles): Weights {
  const source = files ?? readInceptionV3Files();
  const layers = kerasLayers(source.modelTopology);
  const byNode = new Map(layers.map((k) => [nodeName(k.name), k]));
  const imported = model.nodes.filter((n) => byNode.has(n.name) && byNode.get(n.name)!.class_name !== 'InputLayer');
  if (imported.length === 0) throw new Error('inceptionV3Weights: the model has no node named after an InceptionV3 layer');
  const stored = locateWeights(source.weightsManifest, source.shards);
  const params = modelParams(model);
  const out: Weights = new Map(into);
  for (const n of imported) {
    const k = byNode.get(n.name)!;
    const expected = engineLayer(k).kind;
    if (n.layer.kind !== expected) throw new Error(`inceptionV3Weights: node ${n.name} is a ${n.layer.kind}, the Keras layer ${k.name} a ${expected}`);
    for (const [local, t] of engineWeights(k, stored)) {
      const p = params.find((q) => q.node === n.name && q.local === local);
      if (!p) throw new Error(`inceptionV3Weights: node ${n.name} has no parameter ${local} for ${k.name}'s weights`);
      if (p.shape.join('x') !== t.shape.join('x')) {
        if (k.class_name === 'Conv2D' && p.shape[1] !== t.shape[1]) {
          throw new Error(
            `inceptionV3Weights: ${k.name} was trained on ${t.shape[1]} input channels (RGB) and this model has ${p.shape[1]}; ` +
              `pretrained weights need channels = ${t.shape[1]} (e.g. three windows)`,
          );
        }
        throw new Error(`inceptionV3Weights: ${p.name} is [${p.shape.join(',')}], the pretrained ${k.name} weight [${t.shape.join(',')}]`);
      }
      out.set(p.name, t.data);
    }
  }
  return out;
}

export interface InceptionV3Block {
  /** 'stem', 'mixed0' … 'mixed10', or 'head' (the pool and dense head after the last block). */
  name: string;
  /** Node names, in model order. */
  nodes: string[];
}

/**
 * The model's nodes by block: the stem (every node all of mixed0's branches depend on, the input
 * rescale included), then each mixed block (its branches and its concatenation), then the head.
 */
export function inceptionV3Blocks(model: Model): InceptionV3Block[] {
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const memo = new Map<string, Set<string>>();
  const upstream = (name: string): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const out = new Set<string>([name]);
    for (const i of byName.get(name)!.inputs) if (i !== INPUT) for (const a of upstream(i)) out.add(a);
    memo.set(name, out);
    return out;
  };
  const mixed = model.nodes.map((n) => n.name).filter((n) => MIXED.test(n)).sort((a, b) => Number(MIXED.exec(a)![1]) - Number(MIXED.exec(b)![1]));
  if (mixed.length === 0) throw new Error('inceptionV3Blocks: the model has no mixed block');
  const branches = byName.get(mixed[0])!.inputs.map(upstream);
  const stem = new Set([...branches[0]].filter((n) => branches.every((b) => b.has(n))));
  const assigned = new Set(stem);
  const inOrder = (set: Set<string>): string[] => model.nodes.map((n) => n.name).filter((n) => set.has(n));
  const blocks: InceptionV3Block[] = [{ name: 'stem', nodes: inOrder(stem) }];
  for (const m of mixed) {
    const mine = new Set([...upstream(m)].filter((n) => !assigned.has(n)));
    for (const n of mine) assigned.add(n);
    blocks.push({ name: m, nodes: inOrder(mine) });
  }
  blocks.push({ name: 'head', nodes: model.nodes.map((n) => n.name).filter((n) => !assigned.has(n)) });
  return blocks;
}

/** The nodes before block `block` (the stem and the earlier mixed blocks): what `--fine-tune-from <block>` freezes. */
export function inceptionV3NodesBefore(model: Model, block: string): string[] {
  const blocks = inceptionV3Blocks(model);
  const at = blocks.findIndex((b) => b.name === block);
  if (at < 0) throw new Error(`inception: no block '${block}' in this model (${blocks.map((b) => b.name).join(', ')})`);
  return blocks.slice(0, at).flatMap((b) => b.nodes);
}
