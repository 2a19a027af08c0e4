// Sequence models (`baseline+seq`, `inception+seq`): a trained 2-D model gives each slice an
// embedding (its penultimate features and its six logits), and a head of temporal convolutions over
// the ordered series turns them into corrections of the 2-D logits. The whole model is one layer graph
// whose batch is one series, slices in order along the normal: model.onnx takes the series' images
// and gives every slice's probabilities.
import { Add, Columns, Concat, SeriesMean, Dense, Dropout, GraphBuilder, INPUT, LeakyReLU, type Model, TemporalConv } from '../engine/index.js';

export interface SequenceHeadOptions {
  /** Filters of each temporal convolution. Default 64. */
  filters?: number;
  /** Slices each convolution spans (odd). Default 5. */
  kernel?: number;
  /** Temporal convolutions. Default 2. */
  layers?: number;
  /** Dropout on the embeddings in training. Default 0.3. */
  dropout?: number;
  /** Give every slice the series' mean embedding too (whole-series context). Default false. */
  seriesMean?: boolean;
}

/** The 2-D model's node whose output (with the logits) is a slice's embedding. */
export const EMBEDDING_NODES = { baseline: 'act4', inception: 'avg_pool' } as const;

/** The node that joins embedding and logits: the head's input. */
export const SEQUENCE_INPUT = 'seq_input';

/**
 * Adds the head after `input` (embedding ++ six logits, `dim` features; with `seriesMean`, also
 * their mean over the series): dropout, temporal
 * convolutions with LeakyReLU, a dense layer to six corrections that start at zero, added to the
 * 2-D model's logits. So a fresh head computes exactly what the 2-D model does, and training moves
 * it only where the neighbours say more. Returns the output node.
 */
export function addSequenceHead(g: GraphBuilder, input: string, dim: number, o: SequenceHeadOptions = {}): string {
  const { filters = 64, kernel = 5, layers = 2, dropout = 0.3 } = o;
  if (!(Number.isInteger(layers) && layers >= 1)) throw new Error(`sequence head: layers ${layers} must be an integer ≥ 1`);
  const joined = o.seriesMean ? g.add(new Concat(), [input, g.add(new SeriesMean(), input, 'seq_mean')], 'seq_with_mean') : input;
  let x = g.add(new Dropout(dropout), joined, 'seq_dropout');
  for (let i = 1; i <= layers; i++) x = g.add(new LeakyReLU(0.1), g.add(new TemporalConv({ filters, kernel }), x, `seq_conv${i}`), `seq_act${i}`);
  const correction = g.add(new Dense({ units: 6, zeroInit: true }), x, 'seq_head');
  const logits = g.add(new Columns({ start: dim - 6, end: dim }), input, 'seq_logits');
  return g.add(new Add(), [logits, correction], 'seq_out');
}

/** The head alone, over per-slice features (embedding ++ logits) of width `dim`: what trains on cached embeddings. */
export function sequenceHeadModel(dim: number, o: SequenceHeadOptions = {}): Model {
  const g = new GraphBuilder([dim]);
  return g.build(addSequenceHead(g, INPUT, dim, o));
}

/** The 2-D model up to its embedding: output = [embedding node ++ logits] per slice, or the logits alone when `embedding` is the output node (the node SEQUENCE_INPUT). */
export function embeddingModel(base: Model, embedding: string): Model {
  return withSequence(base, embedding);
}

/** The whole sequence model: the 2-D model, its embedding and logits joined, then the head. */
export function sequenceModel(base: Model, embedding: string, head: SequenceHeadOptions = {}): Model {
  return withSequence(base, embedding, head);
}

function withSequence(base: Model, embedding: string, head?: SequenceHeadOptions): Model {
  if (!base.nodes.some((n) => n.name === embedding)) throw new Error(`the 2-D model has no node '${embedding}' to take embeddings from`);
  const g = new GraphBuilder(base.inputShape);
  for (const n of base.nodes) g.add(n.layer, n.inputs, n.name, { frozen: n.frozen });
  if (g.shapeOf(embedding).length !== 1 || g.shapeOf(base.output).length !== 1) throw new Error(`embedding '${embedding}' and output '${base.output}' must be flat per slice`);
  // Embedding = the output itself: a head over the logits alone (stacking on out-of-fold logits).
  const input = g.add(new Concat(), embedding === base.output ? [base.output] : [embedding, base.output], SEQUENCE_INPUT);
  return g.build(head ? addSequenceHead(g, input, g.shapeOf(input)[0]!, head) : input);
}

