// Small models for the engine tests: a chain like the baseline CNN, and a DAG with a branch, a
// value used twice, a concatenation and global pooling.
import { BatchNorm, Concat, Conv2d, Dense, Flatten, GlobalAveragePool, GraphBuilder, INPUT, LeakyReLU, MaxPool2d, ReLU, sequential } from '../../src/engine/index.js';
import type { Model } from '../../src/engine/index.js';

export function tinyChain(): Model {
  return sequential([2, 8, 8], [
    ['conv1', new Conv2d({ filters: 4, kernel: 3, padding: 'same' })],
    new LeakyReLU(0.3),
    new MaxPool2d(),
    ['conv2', new Conv2d({ filters: 4, kernel: 3, stride: 2, padding: 'same' })],
    new ReLU(),
    new Flatten(),
    ['dense1', new Dense({ units: 5 })],
    new LeakyReLU(0.3),
    ['head', new Dense({ units: 6 })],
  ]);
}

export function tinyDag(): Model {
  const g = new GraphBuilder([3, 6, 6]);
  const a = g.add(new Conv2d({ filters: 3, kernel: 3, padding: 'same' }), INPUT, 'a');
  const aAct = g.add(new LeakyReLU(0.2), a);
  const b = g.add(new Conv2d({ filters: 2, kernel: 1, weightGrad: 'conv' }), INPUT, 'b');
  const c = g.add(new Conv2d({ filters: 2, kernel: 3, padding: 1 }), aAct, 'c'); // aAct feeds c and the concat
  const cat = g.add(new Concat(), [aAct, b, c]);
  const pooled = g.add(new MaxPool2d({ kernel: 3, stride: 2 }), cat);
  const gap = g.add(new GlobalAveragePool(), pooled);
  g.add(new Dense({ units: 6 }), gap, 'head');
  return g.build();
}

/** Convolutions and dense layers with BatchNorm (one without scale) in training mode. */
export function bnModel(): Model {
  return sequential([2, 6, 6], [
    ['conv1', new Conv2d({ filters: 3, kernel: 3, padding: 'same' })],
    ['bn1', new BatchNorm()],
    new ReLU(),
    new MaxPool2d(),
    new Flatten(),
    ['dense1', new Dense({ units: 4 })],
    ['bn2', new BatchNorm({ scale: false })],
    ['head', new Dense({ units: 6 })],
  ]);
}
