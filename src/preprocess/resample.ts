/**
 * Area-averaging resampling: each output pixel is the mean of the input area it covers (weights are
 * the overlap lengths), so downscaling does not alias. Non-square images are centred on a square
 * canvas filled with `fill` first, which keeps the aspect ratio.
 */

/** Sparse weights along one axis: output o takes Σ weight[k] · input[index[k]] for k in [start[o], start[o+1]). */
interface AxisWeights {
  start: Int32Array;
  index: Int32Array;
  weight: Float32Array;
  /** Weight of the padding outside the image, per output. */
  fillWeight: Float32Array;
}

const axisCache = new Map<string, AxisWeights>();

function axisWeights(length: number, side: number, offset: number, size: number): AxisWeights {
  const key = `${length}:${side}:${offset}:${size}`;
  const cached = axisCache.get(key);
  if (cached) return cached;
  const scale = side / size;
  const start = new Int32Array(size + 1);
  const index: number[] = [];
  const weight: number[] = [];
  const fillWeight = new Float32Array(size);
  for (let o = 0; o < size; o++) {
    start[o] = index.length;
    const a = o * scale;
    const b = (o + 1) * scale;
    for (let p = Math.floor(a); p < Math.ceil(b); p++) {
      const overlap = (Math.min(b, p + 1) - Math.max(a, p)) / scale;
      if (overlap <= 0) continue;
      const src = p - offset;
      if (src < 0 || src >= length) {
        fillWeight[o]! += overlap;
      } else {
        index.push(src);
        weight.push(overlap);
      }
    }
  }
  start[size] = index.length;
  const w: AxisWeights = { start, index: Int32Array.from(index), weight: Float32Array.from(weight), fillWeight };
  axisCache.set(key, w);
  return w;
}

let scratch = new Float32Array(0);

/** Resamples a rows×columns image to size×size by area averaging, into `out` at `outOffset`. */
export function resampleArea(
  src: Float32Array,
  rows: number,
  columns: number,
  size: number,
  fill: number,
  out: Float32Array,
  outOffset = 0,
): void {
  const side = Math.max(rows, columns);
  const rw = axisWeights(rows, side, Math.floor((side - rows) / 2), size);
  const cw = axisWeights(columns, side, Math.floor((side - columns) / 2), size);
  if (scratch.length < rows * size) scratch = new Float32Array(rows * size);
  const tmp = scratch;
  // Horizontal pass: rows × size.
  for (let r = 0; r < rows; r++) {
    const rowBase = r * columns;
    const tmpBase = r * size;
    for (let o = 0; o < size; o++) {
      let acc = cw.fillWeight[o]! * fill;
      for (let k = cw.start[o]!, end = cw.start[o + 1]!; k < end; k++) acc += cw.weight[k]! * src[rowBase + cw.index[k]!]!;
      tmp[tmpBase + o] = acc;
    }
  }
  // Vertical pass: size × size.
  for (let o = 0; o < size; o++) {
    const outBase = outOffset + o * size;
    const fw = rw.fillWeight[o]! * fill;
    for (let c = 0; c < size; c++) out[outBase + c] = fw;
    for (let k = rw.start[o]!, end = rw.start[o + 1]!; k < end; k++) {
      const w = rw.weight[k]!;
      const tmpBase = rw.index[k]! * size;
      for (let c = 0; c < size; c++) out[outBase + c]! += w * tmp[tmpBase + c]!;
    }
  }
}
