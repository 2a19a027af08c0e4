import { Conv2d, Dense, Flatten, LeakyReLU, MaxPool2d, type Model, sequential } from '../engine/index.js';

export interface BaselineOptions {
  /** Input side N (N×N, a multiple of 8). Default 128. */
  size?: number;
  /** Input channels (windows). Default 3. */
  channels?: number;
  /** Units of the hidden dense layer. Default 128. */
  dense?: number;
  /** LeakyReLU slope; Keras' default alpha is 0.3. */
  alpha?: number;
}

/**
 * The seed project's baseline CNN: three blocks of Conv 3×3 'same' (32, 64, 128 filters) +
 * LeakyReLU + MaxPool 2×2, Flatten, Dense (128) + LeakyReLU, Dense 6 (logits; sigmoid in the
 * inference graph, inside the loss in the training graph).
 */
export function baselineModel(opts: BaselineOptions = {}): Model {
  const size = opts.size ?? 128;
  const alpha = opts.alpha ?? 0.3;
  if (!Number.isInteger(size) || size < 8 || size % 8 !== 0) throw new Error(`baseline: input size ${size} must be a multiple of 8`);
  return sequential([opts.channels ?? 3, size, size], [
    ['conv1', new Conv2d({ filters: 32, kernel: 3, padding: 'same' })],
    ['act1', new LeakyReLU(alpha)],
    ['pool1', new MaxPool2d()],
    ['conv2', new Conv2d({ filters: 64, kernel: 3, padding: 'same' })],
    ['act2', new LeakyReLU(alpha)],
    ['pool2', new MaxPool2d()],
    ['conv3', new Conv2d({ filters: 128, kernel: 3, padding: 'same' })],
    ['act3', new LeakyReLU(alpha)],
    ['pool3', new MaxPool2d()],
    ['flatten', new Flatten()],
    ['dense', new Dense({ units: opts.dense ?? 128 })],
    ['act4', new LeakyReLU(alpha)],
    ['head', new Dense({ units: 6 })],
  ]);
}
