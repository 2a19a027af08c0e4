// Repeating a forward pass's rows for several backward passes: one forward over P inputs, then L
// backward passes per input (one per output seed) as one batch of P·L rows, row b·L + l being input b
// with seed l. The backward reads the forward's saved values; each is repeated row by row on first
// use, so the backward sees P·L rows without the forward being run L times.
import type { Emitter } from './emitter.js';
import type { Saved } from './layers/layer.js';
import { int64Tensor } from './onnx.js';

/** int64 ones, one per dimension after the first: broadcasts a [rows] vector over a value's rows. */
function onesAfterRows(e: Emitter, rest: string): string {
  return e.op('ConstantOfShape', [e.shape(rest)], { value: int64Tensor('value', [1], [1]) });
}

/**
 * v [P, …] → [P·L, …], row b·L + l = v[b]; `repeat` is an int64 [1] value holding L. (Tile copies
 * whole rows; a broadcasting Expand is several times slower in ONNX Runtime.)
 */
export function repeatRows(e: Emitter, v: string, repeat: string): string {
  const rows = e.rows(v);
  const rest = e.rowShape(v);
  const tiled = e.op('Tile', [e.op('Unsqueeze', [v, e.constI64([1])]), e.op('Concat', [e.constI64([1]), repeat, onesAfterRows(e, rest)], { axis: 0 })]);
  return e.op('Reshape', [tiled, e.op('Concat', [e.op('Mul', [rows, repeat]), rest], { axis: 0 })]);
}

/**
 * Flat indices over a whole batch tensor (MaxPool's Indices, which count from the first element of
 * row 0 of `indexed`), repeated as repeatRows does and shifted so that each repeated row points into
 * its own row of the repeated `indexed`: index + (b·L + l − b)·(elements per row).
 */
export function repeatFlatIndices(e: Emitter, indices: string, indexed: string, repeat: string): string {
  const rows = e.rows(indices);
  const rest = e.rowShape(indices);
  const perRow = e.op('ReduceProd', [e.rowShape(indexed)], { keepdims: 1 });
  const scalar = (x: string) => e.op('Squeeze', [x, e.constI64([0])]);
  const total = e.op('Mul', [rows, repeat]);
  const newRow = e.op('Range', [e.constI64(0), scalar(total), e.constI64(1)]);
  const oldRow = e.op('Div', [newRow, scalar(repeat)]);
  // One shift per repeated row, [P·L, 1, …, 1], broadcast over the row's indices.
  const shift = e.op('Reshape', [e.op('Mul', [e.op('Sub', [newRow, oldRow]), perRow]), e.op('Concat', [total, onesAfterRows(e, rest)], { axis: 0 })]);
  return e.op('Add', [repeatRows(e, indices, repeat), shift]);
}

/**
 * A view of a layer's saved values whose rows are repeated on first read: `flatIndices` names the
 * saved values holding flat indices into another saved value (key → key of the indexed tensor).
 */
export function repeatedSaved(e: Emitter, saved: Saved, repeat: string, flatIndices: Readonly<Record<string, string>> = {}): Saved {
  const cache = new Map<string, string>();
  return new Proxy(saved, {
    get(target, key) {
      if (typeof key !== 'string' || !(key in target)) return undefined;
      let v = cache.get(key);
      if (v === undefined) {
        const indexed = flatIndices[key];
        v = indexed === undefined ? repeatRows(e, target[key], repeat) : repeatFlatIndices(e, target[key], target[indexed], repeat);
        cache.set(key, v);
      }
      return v;
    },
  });
}
