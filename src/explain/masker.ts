// What partition SHAP hides image regions with, and the regions it hides: shap's Image masker.
//
// A masked evaluation keeps the pixels of some regions of x and replaces every other pixel (all its
// channels together) by a masked value. Two maskers:
//   blur     shap's `Image('blur(k,k)')`: the pixel of a box-blurred copy of x (cv2.blur: a k×k mean with
//            BORDER_REFLECT_101 at the edges). shap's examples use blur(128,128) on 224² images, so the
//            default kernel scales that to the image: k = 2·⌊n·64/224⌋ + 1 (73 at 128², 129 at 224²;
//            odd, so the window is centred as cv2's even kernels nearly are).
//   inpaint  a Telea-like inpainting of the hidden pixels from the kept ones (shap's
//            `Image('inpaint_telea')` calls cv2.inpaint with radius 3). Hidden pixels are filled in order
//            of their chessboard distance T to the kept pixels (the layers of a multi-source BFS: the
//            order Telea's fast marching visits them in, on a grid); each is the weighted mean of the
//            kept or already-filled pixels q with T(q) < T(p) in the (2r+1)² window around it, weight
//            1/|p−q|² · 1/(1 + T(p) − T(q)) (Telea's distance and level-set factors; his direction factor,
//            which needs ∇T, is left out). With nothing kept every pixel becomes the channel's mean of x,
//            as in shap. A constant image stays that constant.
//
// The partition tree is shap's Image.build_partition_tree over the H×W pixel grid: the rectangle is
// split in two along its longer side (rows when rows ≥ columns) at ⌊side/2⌋, recursively, down to
// single pixels. shap's leaves are channel-pixels (channels split last); ours are pixels, since a
// pixel's channels are masked together.

export type MaskerKind = 'blur' | 'inpaint';

/** Per-sample image shape C×H×W. */
export type ImageShape = readonly [number, number, number];

export interface MaskerOptions {
  /** Box-blur kernel side (odd or even, ≥ 1); default blurKernelSize(side) per axis. */
  blurKernel?: number;
  /** Inpainting window radius; default 3 (cv2.inpaint's radius in shap). */
  inpaintRadius?: number;
  /** Blur masker: the image hidden pixels take (C×H×W) in place of the blurred copy, e.g. an empty head. */
  fill?: Float32Array;
}

/** The default blur kernel for an image side n: shap's blur(128,128) at 224, scaled, made odd. */
export function blurKernelSize(n: number): number {
  return 2 * Math.floor((n * 64) / 224) + 1;
}

/** Index i reflected into [0, n) the way BORDER_REFLECT_101 does (gfedcb|abcdefgh|gfedcba), repeatedly. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** One line of a box filter: out[o + k·step] = mean of src over the window of size `kernel` around k. */
function boxLine(src: Float32Array, srcOffset: number, out: Float32Array, outOffset: number, n: number, step: number, kernel: number): void {
  // cv2's anchor for an even kernel is kernel/2: the window is [i − ⌊k/2⌋, i − ⌊k/2⌋ + k).
  const before = Math.floor(kernel / 2);
  let sum = 0;
  for (let j = -before; j < kernel - before; j++) sum += src[srcOffset + reflect101(j, n) * step];
  const inv = 1 / kernel;
  for (let i = 0; i < n; i++) {
    out[outOffset + i * step] = sum * inv;
    sum += src[srcOffset + reflect101(i - before + kernel, n) * step] - src[srcOffset + reflect101(i - before, n) * step];
  }
}

/**
 * A box-blurred copy of x (C×H×W): each channel is replaced by the mean over a kernelH×kernelW window,
 * edges reflected (cv2.blur with BORDER_REFLECT_101). Separable running sums: O(C·H·W) whatever the kernel.
 */
export function boxBlur(x: Float32Array, shape: ImageShape, kernel?: number | readonly [number, number], out = new Float32Array(x.length)): Float32Array {
  const [c, h, w] = shape;
  if (x.length !== c * h * w) throw new Error(`boxBlur: ${x.length} values for a ${c}×${h}×${w} image`);
  const [kh, kw] = kernel === undefined ? [blurKernelSize(h), blurKernelSize(w)] : typeof kernel === 'number' ? [kernel, kernel] : kernel;
  if (!(kh >= 1 && kw >= 1 && Number.isInteger(kh) && Number.isInteger(kw))) throw new Error(`boxBlur: kernel ${kh}×${kw} must be positive integers`);
  const plane = h * w;
  const tmp = new Float32Array(plane);
  for (let ch = 0; ch < c; ch++) {
    const base = ch * plane;
    for (let r = 0; r < h; r++) boxLine(x, base + r * w, tmp, r * w, w, 1, kw);
    for (let col = 0; col < w; col++) boxLine(tmp, col, out, base + col, h, w, kh);
  }
  return out;
}

/** Scratch space for inpaint(): reuse it across calls to avoid allocating per mask. */
export interface InpaintScratch {
  dist: Int32Array;
  order: Int32Array;
  /** Window offsets' source pixels and weights for one filled pixel. */
  sources: Int32Array;
  weights: Float64Array;
  /** 1/(|p−q|² · (1 + ΔT)) by window offset and ΔT = T(p) − T(q) ∈ 1..radius. */
  table: Float64Array;
  radius: number;
}

export function inpaintScratch(shape: ImageShape, radius = 3): InpaintScratch {
  if (!(Number.isInteger(radius) && radius >= 1)) throw new Error(`inpaint: radius ${radius} must be a positive integer`);
  const plane = shape[1] * shape[2];
  const side = 2 * radius + 1;
  const table = new Float64Array(side * side * (radius + 1));
  for (let dr = -radius; dr <= radius; dr++) {
    for (let dc = -radius; dc <= radius; dc++) {
      const o = (dr + radius) * side + (dc + radius);
      for (let dt = 1; dt <= radius; dt++) table[o * (radius + 1) + dt] = dr === 0 && dc === 0 ? 0 : 1 / ((dr * dr + dc * dc) * (1 + dt));
    }
  }
  return { dist: new Int32Array(plane), order: new Int32Array(plane), sources: new Int32Array(side * side), weights: new Float64Array(side * side), table, radius };
}

/** Inpaints the pixels with keep[p] = 0 (see the file comment): writes the C×H×W result to out at offset. */
export function inpaint(x: Float32Array, shape: ImageShape, keep: Uint8Array, out: Float32Array, offset = 0, scratch: InpaintScratch = inpaintScratch(shape)): void {
  const [c, h, w] = shape;
  const plane = h * w;
  const { dist, order, sources, weights, table, radius } = scratch;
  if (dist.length !== plane) throw new Error(`inpaint: scratch for ${dist.length} pixels, image has ${plane}`);
  let known = 0;
  for (let p = 0; p < plane; p++) {
    if (keep[p]) {
      dist[p] = 0;
      order[known++] = p;
    } else dist[p] = -1;
  }
  if (known === plane) {
    out.set(x, offset);
    return;
  }
  if (known === 0) {
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let p = 0; p < plane; p++) sum += x[ch * plane + p];
      out.fill(sum / plane, offset + ch * plane, offset + (ch + 1) * plane);
    }
    return;
  }
  for (let i = 0; i < known; i++) {
    const p = order[i];
    for (let ch = 0; ch < c; ch++) out[offset + ch * plane + p] = x[ch * plane + p];
  }
  // Multi-source BFS over 8-neighbours: chessboard distance to the kept pixels, in increasing order.
  let tail = known;
  for (let head = 0; head < tail; head++) {
    const p = order[head];
    const r = (p / w) | 0;
    const col = p - r * w;
    const d = dist[p] + 1;
    const r0 = r > 0 ? r - 1 : 0, r1 = r < h - 1 ? r + 1 : r;
    const c0 = col > 0 ? col - 1 : 0, c1 = col < w - 1 ? col + 1 : col;
    for (let rr = r0; rr <= r1; rr++) {
      for (let cc = c0; cc <= c1; cc++) {
        const q = rr * w + cc;
        if (dist[q] < 0) {
          dist[q] = d;
          order[tail++] = q;
        }
      }
    }
  }
  const side = 2 * radius + 1;
  const stride = radius + 1;
  for (let i = known; i < tail; i++) {
    const p = order[i];
    const r = (p / w) | 0;
    const col = p - r * w;
    const t = dist[p];
    const r0 = Math.max(0, r - radius), r1 = Math.min(h - 1, r + radius);
    const c0 = Math.max(0, col - radius), c1 = Math.min(w - 1, col + radius);
    let n = 0;
    let total = 0;
    for (let rr = r0; rr <= r1; rr++) {
      const rowBase = (rr - r + radius) * side - col + radius;
      for (let cc = c0; cc <= c1; cc++) {
        const q = rr * w + cc;
        const dt = t - dist[q];
        if (dt <= 0) continue;
        // dt ≤ radius: T changes by at most 1 per step, and q is within `radius` chessboard steps.
        const weight = table[(rowBase + cc) * stride + dt];
        sources[n] = q;
        weights[n++] = weight;
        total += weight;
      }
    }
    // Every pixel of layer t has a neighbour of layer t − 1, so total > 0.
    const inv = 1 / total;
    for (let ch = 0; ch < c; ch++) {
      const base = offset + ch * plane;
      let acc = 0;
      for (let j = 0; j < n; j++) acc += weights[j] * out[base + sources[j]];
      out[base + p] = acc * inv;
    }
  }
}

/** The masked-image maker for one input x: composes x and its masked value under a keep mask. */
export class ImageMasker {
  readonly kind: MaskerKind;
  readonly shape: ImageShape;
  private readonly x: Float32Array;
  private readonly blurred?: Float32Array;
  private readonly scratch?: InpaintScratch;

  constructor(kind: MaskerKind, x: Float32Array, shape: ImageShape, options: MaskerOptions = {}) {
    const [c, h, w] = shape;
    if (x.length !== c * h * w) throw new Error(`masker: ${x.length} values for a ${c}×${h}×${w} image`);
    this.kind = kind;
    this.shape = shape;
    this.x = x;
    if (options.fill && options.fill.length !== x.length) throw new Error(`masker: a fill image of ${options.fill.length} values for a ${c}×${h}×${w} image`);
    if (kind === 'blur') this.blurred = options.fill ?? boxBlur(x, shape, options.blurKernel);
    else if (kind === 'inpaint') this.scratch = inpaintScratch(shape, options.inpaintRadius ?? 3);
    else throw new Error(`unknown masker '${String(kind)}' (blur or inpaint)`);
  }

  /** The fully masked image's value for every pixel (blur: the blurred copy), when it does not depend on the mask. */
  get maskValue(): Float32Array | undefined {
    return this.blurred;
  }

  /** Writes x with every pixel p where keep[p] = 0 (H×W, all channels) masked, to out at offset (C×H×W). */
  compose(keep: Uint8Array, out: Float32Array, offset = 0): void {
    const [c, h, w] = this.shape;
    const plane = h * w;
    if (keep.length !== plane) throw new Error(`masker: a keep mask of ${keep.length} for ${h}×${w} pixels`);
    if (this.blurred) {
      // Row by row, in runs of kept or hidden pixels: contiguous copies, no per-pixel branch.
      const x = this.x;
      const b = this.blurred;
      for (let r = 0; r < h; r++) {
        const end = (r + 1) * w;
        for (let p = r * w; p < end;) {
          const kept = keep[p];
          let q = p + 1;
          while (q < end && keep[q] === kept) q++;
          const src = kept ? x : b;
          for (let ch = 0; ch < c; ch++) {
            const base = ch * plane;
            const o = offset + base;
            for (let i = p; i < q; i++) out[o + i] = src[base + i];
          }
          p = q;
        }
      }
    } else inpaint(this.x, this.shape, keep, out, offset, this.scratch);
  }
}

export { fillRect, partitionTree, type PartitionTree } from './partition-tree.js';
