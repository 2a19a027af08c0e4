import type { Model } from '../engine/index.js';
import { type BaselineOptions, baselineModel } from './baseline.js';
import { type InceptionV3Options, inceptionV3Model } from './keras/inception-v3.js';

/** A model architecture by name with its options, as stored in model.json. */
export type Architecture =
  | { name: 'baseline'; options: BaselineOptions }
  /** nsfwjs's InceptionV3 base (topology read from the package; weights from the model folder). */
  | { name: 'inception'; options: InceptionV3Options };

/** Rebuilds the layer graph an architecture names. */
export function buildModel(a: Architecture): Model {
  switch (a.name) {
    case 'baseline':
      return baselineModel(a.options);
    case 'inception':
      return inceptionV3Model(a.options);
    default:
      throw new Error(`unknown architecture '${(a as { name: string }).name}'`);
  }
}
