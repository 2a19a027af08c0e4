import type { DecodedFrame } from '../dicom/codecs/index.js';
import type { DicomHeader } from '../dicom/header.js';
import { AIR_HU, checkDirectPlausible, type HuImage, type RescaleParams, directRescale, storedThresholds } from '../dicom/hu.js';
import { checkPlausibleHu, type HuCounts, huExtremes, isCt } from '../dicom/plausibility.js';
import { resampleArea } from './resample.js';
import { type HuWindow, parseWindows, DEFAULT_WINDOWS, windowImage } from './window.js';

export const DEFAULT_SIZE = 128;

/** How a slice becomes a model input. */
export interface TensorSpec {
  size: number;
  windows: HuWindow[];
}

export function tensorSpec(size = DEFAULT_SIZE, windows: string | HuWindow[] = DEFAULT_WINDOWS): TensorSpec {
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`size ${size}: expected an integer from 16 to 1024 (e.g. 128, 256, 512)`);
  return { size, windows: typeof windows === 'string' ? parseWindows(windows) : windows };
}

/**
 * The model input of one slice: each window applied at full resolution, then area-averaged to
 * size×size. Channel-first (C×N×N, the NCHW layout ONNX models take), values in [0, 1].
 */
export function sliceTensor(image: HuImage, spec: TensorSpec, out: Float32Array = new Float32Array(spec.windows.length * spec.size * spec.size)): Float32Array {
  const side = Math.max(image.rows, image.columns);
  if (side % spec.size !== 0) return windowAndResample(image, spec, out);
  return windowAndBin({ rows: image.rows, columns: image.columns, values: image.hu, rescale: IDENTITY }, spec, side / spec.size, out);
}

/**
 * sliceTensor straight from stored values when huFromStored would only rescale them (see
 * directRescale: no masking, no wrap), the slope is positive, PixelPaddingValue (if any) already
 * maps to air, and the side is a whole multiple of N: the HU image is never materialised.
 * Returns undefined otherwise (then use huFromStored + sliceTensor).
 */
export function storedSliceTensor(frame: DecodedFrame, h: DicomHeader, spec: TensorSpec, out: Float32Array = new Float32Array(spec.windows.length * spec.size * spec.size)): Float32Array | undefined {
  const rescale = directRescale(frame, h);
  const side = Math.max(h.rows, h.columns);
  if (!rescale || !(rescale.slope > 0) || side % spec.size !== 0 || frame.data.length < h.rows * h.columns) return undefined;
  if (rescale.padding * rescale.slope + rescale.intercept > AIR_HU) return undefined;
  const image = { rows: h.rows, columns: h.columns, values: frame.data, rescale };
  const n = h.rows * h.columns;
  // The plausibility counts (CT only, as huFromStored) come out of the binning pass when every pixel it does not test lies in PLAUSIBLE_HU.
  const ct = isCt(h);
  const counts = ct && countsWhileBinning(image, spec) ? { padded: 0, outside: 0, implausible: 0 } : undefined;
  if (ct && !counts) checkDirectPlausible(frame.data, n, rescale);
  windowAndBin(image, spec, side / spec.size, out, counts);
  if (counts) checkPlausibleHu(counts, n, () => huExtremes(frame.data, n, (v) => v * rescale.slope + rescale.intercept));
  return out;
}

/** The stored values below and above every window, as binThreeWindows tests them. */
function windowBounds(slope: number, intercept: number, windows: readonly HuWindow[]): { belowAll: number; aboveAll: number } {
  const lows = windows.map((w) => (w.center - w.width / 2 - intercept) / slope);
  const highs = windows.map((w) => (w.center + w.width / 2 - intercept) / slope);
  return { belowAll: Math.min(...lows), aboveAll: Math.max(...highs) };
}

/** True when the values between belowAll and aboveAll are all plausible HU, and padding is below every window. */
function countsWhileBinning(image: RescaledImage, spec: TensorSpec): boolean {
  const { slope, intercept, padding } = image.rescale;
  const first = spec.windows.slice(0, 3);
  const { belowAll, aboveAll } = windowBounds(slope, intercept, first);
  const { low, high } = storedThresholds(image.rescale);
  return belowAll >= low && aboveAll <= high && !(padding > belowAll);
}

/** Pixel values and the rescale that turns them into HU (identity for an HU image). */
interface RescaledImage {
  rows: number;
  columns: number;
  values: ArrayLike<number>;
  rescale: RescaleParams;
}

const IDENTITY: RescaleParams = { slope: 1, intercept: 0, padding: NaN };

let windowed = new Float32Array(0);

/** The general path: a full-resolution windowed copy per window, then resampleArea. */
function windowAndResample(image: HuImage, spec: TensorSpec, out: Float32Array): Float32Array {
  const n = image.rows * image.columns;
  if (windowed.length < n) windowed = new Float32Array(n);
  const plane = spec.size * spec.size;
  const view = windowed.subarray(0, n);
  spec.windows.forEach((w, c) => {
    windowImage(image.hu, w, view);
    resampleArea(view, image.rows, image.columns, spec.size, 0, out, c * plane);
  });
  return out;
}

/**
 * The fast path when the square-padded side is a whole multiple k of N (512 → 128, 256, 512):
 * one pass over the pixels rescales and windows each, three windows at a time in registers, and sums
 * it into its k×k bin. Padding is 0 in every window, so it adds nothing. Equal to
 * windowAndResample up to float rounding (a test checks it).
 */
function windowAndBin(image: RescaledImage, spec: TensorSpec, k: number, out: Float32Array, counts?: HuCounts): Float32Array {
  const plane = spec.size * spec.size;
  const length = spec.windows.length * plane;
  out.fill(0, 0, length);
  for (let first = 0; first < spec.windows.length; first += 3) {
    binThreeWindows(image, spec.size, k, spec.windows.slice(first, first + 3), out, first * plane, first === 0 ? counts : undefined);
  }
  const norm = 1 / (k * k);
  for (let i = 0; i < length; i++) out[i]! *= norm;
  return out;
}

/**
 * Sums up to three windows of every pixel into their k×k bins; channel c goes to out[offset + c·N²…].
 * Each window is folded into the rescale (v = value × m + c, clamped to [0, 1]), so one multiply-add
 * per window and pixel turns a stored value into its windowed value.
 */
function binThreeWindows(image: RescaledImage, size: number, k: number, windows: HuWindow[], out: Float32Array, offset: number, counts?: HuCounts): void {
  const { rows, columns, values } = image;
  const { slope, intercept } = image.rescale;
  const plane = size * size;
  const rowOffset = Math.floor((size * k - rows) / 2);
  const colOffset = Math.floor((size * k - columns) / 2);
  const w = [0, 1, 2].map((i) => windows[Math.min(i, windows.length - 1)]!);
  // window(HU) = (value × slope + intercept − low) / width = value × m + c
  const m = w.map((x) => slope / x.width);
  const c = w.map((x) => (intercept - (x.center - x.width / 2)) / x.width);
  const m0 = m[0]!, m1 = m[1]!, m2 = m[2]!, c0 = c[0]!, c1 = c[1]!, c2 = c[2]!;
  const o1 = windows.length > 1 ? plane : 0;
  const o2 = windows.length > 2 ? 2 * plane : 0;
  // Values below every window (air, padding) add 0; values above every window (bone) add 1 to each.
  const { belowAll, aboveAll } = windowBounds(slope, intercept, windows);
  // With `counts`: the plausibility counts of the values tested below and above every window (see countsWhileBinning).
  const counting = counts !== undefined;
  const { padding } = image.rescale;
  const { outside, low, high } = storedThresholds(image.rescale);
  let padded = 0, below = 0, implausible = 0;
  // Columns [binStart[b], binEnd[b]) of every row fall into output column b.
  const binStart = new Int32Array(size);
  const binEnd = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    binStart[b] = Math.max(0, b * k - colOffset);
    binEnd[b] = Math.max(binStart[b]!, Math.min(columns, (b + 1) * k - colOffset));
  }
  for (let r = 0; r < rows; r++) {
    const outRow = offset + Math.floor((r + rowOffset) / k) * size;
    const src = r * columns;
    for (let b = 0; b < size; b++) {
      const end = src + binEnd[b]!;
      let a0 = 0, a1 = 0, a2 = 0;
      for (let i = src + binStart[b]!; i < end; i++) {
        const x = values[i]!;
        if (x <= belowAll) {
          if (counting) {
            if (x === padding) padded++;
            else if (x <= outside) below++;
            else if (x < low) implausible++;
          }
          continue;
        }
        if (x >= aboveAll) {
          if (counting && x > high) implausible++;
          a0 += 1;
          a1 += 1;
          a2 += 1;
          continue;
        }
        let v = x * m0 + c0;
        a0 += v < 0 ? 0 : v > 1 ? 1 : v;
        v = x * m1 + c1;
        a1 += v < 0 ? 0 : v > 1 ? 1 : v;
        v = x * m2 + c2;
        a2 += v < 0 ? 0 : v > 1 ? 1 : v;
      }
      out[outRow + b]! += a0;
      if (o1) out[outRow + o1 + b]! += a1;
      if (o2) out[outRow + o2 + b]! += a2;
    }
  }
  if (counts) {
    counts.padded += padded;
    counts.outside += below;
    counts.implausible += implausible;
  }
}
