// The intracranial region of a slice: the pixels the skull encloses, found from the HU image alone.
// Every hemorrhage subtype lies inside the inner table, so explanations are shown and scored there:
// the strongest raw attributions of a CT model sit on the skull's edges, where the image differs most
// from any background, and a reader looking for a bleed reads a red skull as noise.
import { loadSlice } from '../dicom/load.js';
import { resampleArea } from './resample.js';

/** HU at or above which a pixel is bone (cortical bone and diploë; calcifications inside are filled back in). */
export const BONE_HU = 250;
/** Border pixels below this HU (air, padding) start the flood that finds what lies outside the head. */
const AIR_SEED_HU = -300;
/** Pixels of the inner table's edge kept in the region (partial volume of bone and blood). */
const EDGE = 1;
/** Least share of bone pixels for a slice to have a skull at all. */
const MIN_BONE_SHARE = 0.002;
/** Smallest enclosed area kept, as a share of the image: below it, no skull ring was found. */
const MIN_SHARE = 0.01;

/** The closing radius of the skull: 1 pixel per 128 of the image side (at least 1). */
function closingRadius(rows: number, columns: number): number {
  return Math.max(1, Math.round(Math.max(rows, columns) / 128));
}

/** Max filter with a (2r+1)² square, in place through `tmp`. */
function dilate(mask: Uint8Array, rows: number, columns: number, r: number, tmp: Uint8Array): void {
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      let v = 0;
      for (let k = Math.max(0, x - r), end = Math.min(columns - 1, x + r); k <= end && !v; k++) v = mask[y * columns + k]!;
      tmp[y * columns + x] = v;
    }
  }
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      let v = 0;
      for (let k = Math.max(0, y - r), end = Math.min(rows - 1, y + r); k <= end && !v; k++) v = tmp[k * columns + x]!;
      mask[y * columns + x] = v;
    }
  }
}

/**
 * Marks (with 1 in `reached`) every pixel connected to the image border through pixels where `wall`
 * is 0, starting from the border pixels `seed` accepts (default all).
 */
function floodFromBorder(wall: Uint8Array, rows: number, columns: number, reached: Uint8Array, stack: Int32Array, seed: (p: number) => boolean = () => true): void {
  reached.fill(0);
  let top = 0;
  const push = (p: number) => {
    if (!wall[p] && !reached[p]) {
      reached[p] = 1;
      stack[top++] = p;
    }
  };
  const start = (p: number) => seed(p) && push(p);
  for (let x = 0; x < columns; x++) {
    start(x);
    start((rows - 1) * columns + x);
  }
  for (let y = 0; y < rows; y++) {
    start(y * columns);
    start(y * columns + columns - 1);
  }
  while (top > 0) {
    const p = stack[--top]!;
    const x = p % columns;
    if (x > 0) push(p - 1);
    if (x < columns - 1) push(p + 1);
    if (p >= columns) push(p - columns);
    if (p < (rows - 1) * columns) push(p + columns);
  }
}

/**
 * The intracranial mask of an HU image (rows × columns, 1 inside): the bone (≥ BONE_HU) is closed by
 * `close` pixels (default: 1 per 128 of the image side) so that thin or partial-volumed tables and
 * foramina do not leak, the region the closed skull encloses is grown back by the same amount
 * (bone excluded), and calcifications inside are filled in. Undefined when no enclosed region of at
 * least 1 % of the image exists (a slice above or below the skull, or an open skull).
 */
export function intracranialMask(hu: ArrayLike<number>, rows: number, columns: number, close = closingRadius(rows, columns)): Uint8Array | undefined {
  const n = rows * columns;
  const bone = new Uint8Array(n);
  let bonePixels = 0;
  for (let i = 0; i < n; i++) bonePixels += bone[i] = hu[i]! >= BONE_HU ? 1 : 0;
  if (bonePixels < MIN_BONE_SHARE * n) return undefined; // no skull in the slice
  const closed = Uint8Array.from(bone);
  const tmp = new Uint8Array(n);
  const stack = new Int32Array(n);
  dilate(closed, rows, columns, close, tmp);
  const outside = new Uint8Array(n);
  // From the air at the border only: a head cut by the image edge must not open its brain to the flood.
  floodFromBorder(closed, rows, columns, outside, stack, (p) => hu[p]! < AIR_SEED_HU);
  const inside = new Uint8Array(n);
  for (let i = 0; i < n; i++) inside[i] = !outside[i] && !closed[i] ? 1 : 0;
  // Grown back by the closing radius into what is not outside the skull: the pixels the closing took,
  // and the inner table's partial-volume edge, where an extra-axial bleed's blood mixes with bone.
  dilate(inside, rows, columns, close + EDGE, tmp);
  for (let i = 0; i < n; i++) inside[i] = inside[i]! && !outside[i] ? 1 : 0;
  // Fill holes: what the border cannot reach without crossing the region (calcifications inside) belongs to it.
  floodFromBorder(inside, rows, columns, outside, stack);
  let count = 0;
  for (let i = 0; i < n; i++) {
    inside[i] = outside[i] ? 0 : 1;
    count += inside[i]!;
  }
  return count >= MIN_SHARE * n ? inside : undefined;
}

/**
 * The mask at the model's input side `size` (square-padded and area-resampled as sliceTensor does),
 * a pixel kept where the region covers at least `cover` of it.
 */
export function maskAtSize(mask: Uint8Array, rows: number, columns: number, size: number, cover = 0.25): Uint8Array {
  const src = Float32Array.from(mask);
  const out = new Float32Array(size * size);
  resampleArea(src, rows, columns, size, 0, out);
  return Uint8Array.from(out, (v) => (v >= cover ? 1 : 0));
}

/** HU below which an intracranial pixel is soft tissue, CSF or blood (acute blood stays under 100 HU); above: bone or calcification. */
export const SOFT_HU = 150;

/** A slice's intracranial region at the model's input side, and its soft part (no bone edge, no calcification and its rim). */
export interface BrainRegion {
  region: Uint8Array;
  soft: Uint8Array;
}

/** Model pixels around a calcification left out of the soft part: its partial-volume rim, as bright as blood. */
const CALCIFICATION_RIM = 1;

/**
 * The soft part of an intracranial mask at the model's side `size`: pixels mostly (≥ ½) under
 * SOFT_HU, without the model pixels within CALCIFICATION_RIM of a calcification — a pixel ≥ SOFT_HU
 * away from the region's edge by more than the skull's partial volume — so that a calcification's
 * blurred rim, whose HU is a bleed's, counts with the calcification and not with the brain.
 */
export function softRegion(hu: ArrayLike<number>, mask: Uint8Array, rows: number, columns: number, size: number): Uint8Array {
  const n = rows * columns;
  const soft = Uint8Array.from(mask, (v, i) => (v && hu[i]! < SOFT_HU ? 1 : 0));
  // The region's interior: eroded by the skull's partial volume (the closing radius, its edge, and one more).
  const tmp = new Uint8Array(n);
  const interior = Uint8Array.from(mask, (v) => 1 - v);
  dilate(interior, rows, columns, closingRadius(rows, columns) + EDGE + 1, tmp);
  const calcified = Uint8Array.from(interior, (v, i) => (!v && hu[i]! >= SOFT_HU ? 1 : 0));
  const out = maskAtSize(soft, rows, columns, size, 0.5);
  const rim = maskAtSize(calcified, rows, columns, size, Number.MIN_VALUE);
  dilate(rim, size, size, CALCIFICATION_RIM, new Uint8Array(size * size));
  for (let i = 0; i < out.length; i++) if (rim[i]) out[i] = 0;
  return out;
}

/** The brain region of a CT file at the model's input side, or undefined when no skull encloses one (see intracranialMask). */
export async function fileBrainRegion(path: string, size: number): Promise<BrainRegion | undefined> {
  const slice = await loadSlice(path, { requireCt: true });
  const mask = intracranialMask(slice.hu, slice.rows, slice.columns);
  if (!mask) return undefined;
  return { region: maskAtSize(mask, slice.rows, slice.columns, size), soft: softRegion(slice.hu, mask, slice.rows, slice.columns, size) };
}
