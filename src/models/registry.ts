import type { Model } from '../engine/index.js';
import { type BaselineOptions, baselineModel } from './baseline.js';

/** A model architecture by name with its options, as stored in model.json. */
export type Architecture = { name: 'baseline'; options: BaselineOptions };

/** Rebuilds the layer graph an architecture names. */
export function buildModel(a: Architecture): Model {
  switch (a.name) {
    case 'baseline':
      return baselineModel(a.options);
    default:
      throw new Error(`unknown architecture '${(a as { name: string }).name}'`);
  }
}
