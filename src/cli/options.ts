import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_SIZE } from '../preprocess/tensor.js';
import { DEFAULT_WINDOWS } from '../preprocess/window.js';

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

/** A share strictly between 0 and 1 (e.g. --ood-share). */
export function shareOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number in (0, 1)`);
    return n;
  };
}

export const pct = (v: number | undefined) => (v === undefined ? '-' : `${(100 * v).toFixed(1)}%`);

/** `--size` and `--windows`: the tensor settings of `ich preprocess` and `ich enqueue preprocess`. */
export function tensorOptions(command: Command): Command {
  return command
    .option('--size <n>', 'tensor side N', intOption('--size', 16), DEFAULT_SIZE)
    .option('--windows <list>', 'windows: presets brain, subdural, soft, bone or CENTER/WIDTH', DEFAULT_WINDOWS);
}
