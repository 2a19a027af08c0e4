export * from './layer.js';
export { ReLU, LeakyReLU, Sigmoid } from './activation.js';
export { Conv2d, convPads } from './conv.js';
export type { Conv2dOptions, Padding } from './conv.js';
export { Dense } from './dense.js';
export type { DenseOptions } from './dense.js';
export { MaxPool2d, GlobalAveragePool } from './pool.js';
export type { MaxPool2dOptions } from './pool.js';
export { Flatten, Concat } from './reshape.js';
