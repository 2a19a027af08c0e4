// Parameter initialization: Keras' schemes from a seeded generator, so a seed reproduces a model.
import { seededRandom } from '../shared/random.js';
import type { Init } from './layers/layer.js';
import { type Model, type Weights, modelParams } from './graph.js';

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function initTensor(init: Init, size: number, random: () => number): Float32Array {
  const out = new Float32Array(size);
  switch (init.kind) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (init.fanIn + init.fanOut));
      for (let i = 0; i < size; i++) out[i] = (2 * random() - 1) * limit;
      return out;
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / init.fanIn);
      for (let i = 0; i < size; i++) out[i] = (2 * random() - 1) * limit;
      return out;
    }
    case 'heNormal': {
      // Keras draws from a normal truncated at two standard deviations.
      const std = Math.sqrt(2 / init.fanIn) / 0.87962566103423978;
      for (let i = 0; i < size; i++) {
        let v: number;
        do v = normal(random); while (Math.abs(v) > 2);
        out[i] = v * std;
      }
      return out;
    }
  }
}

/** Fresh weights for every parameter of the model. */
export function initWeights(model: Model, seed = 0): Weights {
  const random = seededRandom(seed);
  return new Map(modelParams(model).map((p) => [p.name, initTensor(p.init, p.shape.reduce((a, b) => a * b, 1), random)]));
}
