// InceptionV3 transfer learning, the names the training code uses: the model and its pretrained
// weights come from the Keras importer (./keras/), read from nsfwjs@4.4.0's files.
import type { Model } from '../engine/index.js';
import { INCEPTION_V3_NODES, inceptionV3NodesBefore } from './keras/inception-v3.js';

export {
  inceptionV3Model, inceptionV3Weights, inceptionV3Blocks, inceptionV3NodesBefore, inceptionV3MixedBlocks,
  INCEPTION_V3_MIN_SIZE, INCEPTION_V3_NODES, type InceptionV3Options, type InceptionV3Block,
} from './keras/inception-v3.js';

/** The default last block: stem to mixed5 is the part nsfwjs kept frozen (ImageNet weights, most likely). */
export const DEFAULT_BASE_UNTIL = 'mixed5';

/** Where the pretrained weights come from, for model cards. */
export const INCEPTION_WEIGHTS_SOURCE = 'nsfwjs@4.4.0 dist/models/inception_v3 (MIT): Keras 2.2.4 InceptionV3, uint8-quantized; stem-mixed5 frozen in nsfwjs (ImageNet), mixed6-mixed10 fine-tuned for its 5 classes';

/** A block's position: 'stem' → −1, 'mixedK' → K. */
export function blockIndex(block: string): number {
  if (block === 'stem') return -1;
  const m = /^mixed(\d+)$/.exec(block);
  if (!m) throw new Error(`'${block}' is not an InceptionV3 block (stem, mixed0 … mixed10)`);
  return Number(m[1]);
}

/** The nodes before `block`: what fine-tuning from it freezes. */
export const nodesBefore = (model: Model, block: string): string[] => inceptionV3NodesBefore(model, block);

/** The dense head's node name and width. */
export function inceptionHead(model: Model): { name: string; units: number } {
  const node = model.nodes.find((n) => n.name === INCEPTION_V3_NODES.head);
  if (!node || node.layer.kind !== 'Dense') throw new Error(`the model has no dense '${INCEPTION_V3_NODES.head}' node`);
  return { name: node.name, units: (node.layer.config as { units: number }).units };
}

/** The model without its head: output = the globally pooled features of the last block. */
export function inceptionPooledBase(model: Model): Model {
  const head = inceptionHead(model);
  const pool = model.nodes.find((n) => n.name === INCEPTION_V3_NODES.pool);
  if (!pool) throw new Error(`the model has no '${INCEPTION_V3_NODES.pool}' node`);
  return { ...model, nodes: model.nodes.filter((n) => n.name !== head.name), output: pool.name };
}
