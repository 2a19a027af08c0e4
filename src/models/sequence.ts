// Sequence models (`baseline+seq`, `inception+seq`): a trained 2-D model gives each slice an
// embedding (its penultimate features and its six logits), and a head of temporal convolutions over
// the ordered series turns them into refined per-slice logits. The whole model is one layer graph
// whose batch is one series, slices in order along the normal: model.onnx takes the series' images
// and gives every slice's probabilities.
import { Concat, Dense, Dropout, GraphBuilder, type Layer, LeakyReLU, type Model, TemporalConv } from '../engine/index.js';

export interface SequenceHeadOptions {
  /** Filters of each temporal convolution. Default 64. */
  filters?: number;
  /** Slices each convolution spans (odd). Default 5. */
  kernel?: number;
  /** Temporal convolutions. Default 2. */
  layers?: number;
  /** Dropout on the embeddings in training. Default 0.3. */
  dropout?: number;
}

/** The 2-D model's node whose output (with the logits) is a slice's embedding. */
export const EMBEDDING_NODES = { baseline: 'act4', inception: 'avg_pool' } as const;

/** The node that joins embedding and logits: the head's input. */
export const SEQUENCE_INPUT = 'seq_input';

/** The head's layers, named, from its input (embedding ++ logits) to six logits per slice. */
export function sequenceHeadLayers(o: SequenceHeadOptions = {}): [string, Layer][] {
  const { filters = 64, kernel = 5, layers = 2, dropout = 0.3 } = o;
  if (!(Number.isInteger(layers) && layers >= 1)) throw new Error(`sequence head: layers ${layers} must be an integer ≥ 1`);
  const out: [string, Layer][] = [['seq_dropout', new Dropout(dropout)]];
  for (let i = 1; i <= layers; i++) out.push([`seq_conv${i}`, new TemporalConv({ filters, kernel })], [`seq_act${i}`, new LeakyReLU(0.1)]);
  out.push(['seq_head', new Dense({ units: 6 })]);
  return out;
}

/** The 2-D model up to its embedding: output = [embedding node ++ logits] per slice (the node SEQUENCE_INPUT). */
export function embeddingModel(base: Model, embedding: string): Model {
  return withSequence(base, embedding, []);
}

/** The whole sequence model: the 2-D model, its embedding and logits joined, then the head. */
export function sequenceModel(base: Model, embedding: string, head: SequenceHeadOptions = {}): Model {
  return withSequence(base, embedding, sequenceHeadLayers(head));
}

function withSequence(base: Model, embedding: string, layers: [string, Layer][]): Model {
  if (!base.nodes.some((n) => n.name === embedding)) throw new Error(`the 2-D model has no node '${embedding}' to take embeddings from`);
  const g = new GraphBuilder(base.inputShape);
  for (const n of base.nodes) g.add(n.layer, n.inputs, n.name, { frozen: n.frozen });
  if (g.shapeOf(embedding).length !== 1 || g.shapeOf(base.output).length !== 1) throw new Error(`embedding '${embedding}' and output '${base.output}' must be flat per slice`);
  let x = g.add(new Concat(), [embedding, base.output], SEQUENCE_INPUT);
  for (const [name, layer] of layers) x = g.add(layer, x, name);
  return g.build(x);
}

