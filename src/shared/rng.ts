import { seededRandom, shuffleInPlace } from './random.js';

/** A seeded random source with the draws the phantom generator needs. */
export class Rng {
  private readonly next: () => number;
  /** The second Box–Muller value, NaN when used (a number field keeps its representation stable). */
  private spare = NaN;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.next();
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  int(low: number, highInclusive: number): number {
    return low + Math.floor(this.next() * (highInclusive - low + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns them. */
  shuffle<T>(items: T[]): T[] {
    return shuffleInPlace(items, this.next);
  }

  /**
   * A standard normal draw for image noise: one of 65,536 normal samples (drawn once, with a fixed
   * seed) picked by one uniform draw: ~5× cheaper than Box–Muller per pixel, and as deterministic.
   */
  noise(): number {
    return NOISE_TABLE[(this.next() * NOISE_TABLE.length) | 0]!;
  }

  /** `digits` lowercase hex digits, e.g. for RSNA-style `ID_<hex>` identifiers. */
  hex(digits: number): string {
    let s = '';
    for (let i = 0; i < digits; i++) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }
}

const NOISE_TABLE = (() => {
  const rng = new Rng(0x6a09e667);
  return Float32Array.from({ length: 65536 }, () => rng.normal());
})();

/** Mixes a seed and an index into an independent seed (splitmix32-style), so studies do not depend on each other. */
export function subSeed(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
