/** Helpers with no domain: deterministic random numbers. */
export { seededRandom, shuffleInPlace } from './random.js';
export { Rng, subSeed } from './rng.js';
