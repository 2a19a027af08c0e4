import type { Model } from '../engine/index.js';
import { type BaselineOptions, baselineModel } from './baseline.js';
import { type InceptionV3Options, inceptionV3Model } from './keras/inception-v3.js';
import { type SequenceHeadOptions, sequenceModel } from './sequence.js';

/** A 2-D architecture: one slice in, six logits out. */
export type SliceArchitecture =
  | { name: 'baseline'; options: BaselineOptions }
  /** nsfwjs's InceptionV3 base (topology read from the package; weights from the model folder). */
  | { name: 'inception'; options: InceptionV3Options };

/** A model architecture by name with its options, as stored in model.json. */
export type Architecture =
  | SliceArchitecture
  /** A 2-D model's embeddings and logits, then temporal convolutions over the ordered series (the batch is one series). */
  | { name: 'baseline+seq' | 'inception+seq'; options: { base: SliceArchitecture; embedding: string; head: SequenceHeadOptions } };

/** Rebuilds the layer graph an architecture names. */
export function buildModel(a: Architecture): Model {
  switch (a.name) {
    case 'baseline':
      return baselineModel(a.options);
    case 'inception':
      return inceptionV3Model(a.options);
    case 'baseline+seq':
    case 'inception+seq':
      return sequenceModel(buildModel(a.options.base), a.options.embedding, a.options.head);
    default:
      throw new Error(`unknown architecture '${(a as { name: string }).name}'`);
  }
}
