import { InvalidArgumentError } from 'commander';

export { defaultDbPath } from '../data/db.js';

export function intOption(name: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

export function fractionOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n >= 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number in [0, 1)`);
    return n;
  };
}

export const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(1)}%`);
