// A model folder as the explainers take it.
import { compileInference } from '../engine/index.js';
import type { ModelFolder } from '../models/folder.js';
import type { ExplainModel } from './types.js';

/** The layer graph, weights, per-sample input shape (C×N×N) and inference graph of a loaded model folder. */
export function explainModel(folder: ModelFolder): ExplainModel {
  if (folder.card.input.series || folder.card.input.context) {
    throw new Error(`explain: ${folder.card.architecture.name} models read ${folder.card.input.series ? 'whole series' : 'neighbouring slices'}; explain one slice with a 2-D model (e.g. the sequence model's base)`);
  }
  const shape = folder.model.inputShape;
  if (shape.length !== 3) throw new Error(`explain: the model takes [${shape.join(',')}] inputs, not images C×N×N`);
  const [c, h, w] = shape;
  const { channels, size } = folder.card.input;
  if (c !== channels || h !== size || w !== size) {
    throw new Error(`explain: the model takes ${c}×${h}×${w} inputs but its card says ${channels}×${size}×${size}`);
  }
  return {
    model: folder.model,
    weights: folder.weights,
    inputShape: [c, h, w],
    onnx: compileInference(folder.model, folder.weights, { name: folder.card.architecture.name }),
  };
}
