// Shape and value checks shared by the metrics: a wrong input fails loudly instead of giving a quiet NaN.

/** Throws unless `values` holds at least `n × k` entries. */
export function checkMatrix(name: string, values: ArrayLike<number>, n: number, k: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (values.length < n * k) throw new RangeError(`${name} holds ${values.length} values, fewer than n × ${k} = ${n * k}`);
}

/** Throws unless the first `count` values are probabilities in [0, 1] (a NaN or a logit is a bug upstream). */
export function checkProbabilities(name: string, values: ArrayLike<number>, count = values.length): void {
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name}[${i}] = ${v} is not a probability in [0, 1]`);
  }
}

/** Throws unless the first `count` values are 0 or 1. */
export function checkBinary(name: string, values: ArrayLike<number>, count = values.length): void {
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) throw new RangeError(`${name}[${i}] = ${v} is not a binary label (0 or 1)`);
  }
}

/** Throws unless two per-slice vectors have the same length. */
export function checkPaired(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores for ${labels.length} labels`);
}

/** Column `j` of an `n × k` row-major matrix, as float64 (float32 values are kept exactly). */
export function column(values: ArrayLike<number>, n: number, k: number, j: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i * k + j];
  return out;
}
