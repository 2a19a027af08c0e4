import type { DecodedFrame, StoredArray } from './codecs/index.js';
import type { DicomHeader } from './header.js';
import { checkPlausibleHu, type HuCounts, huExtremes, isCt, PLAUSIBLE_HU } from './plausibility.js';
import type { Quirk } from './quirks.js';

/** Hounsfield units of one slice, row-major, with every correction applied and reported. */
export interface HuImage {
  rows: number;
  columns: number;
  hu: Float32Array;
  quirks: Quirk[];
}

/** HU assigned to padding pixels whose rescaled value would not already be air. */
export const AIR_HU = -1000;
/** Pixels at or below this are outside the scan circle (RSNA files use -2000 stored + intercept). */
export const OUTSIDE_CIRCLE_HU = -2000;

/** True for the RSNA 12-bit wrap: a CT slice with BitsStored 12, unsigned, RescaleIntercept > -100. */
export function hasRsnaWrap(h: Pick<DicomHeader, 'modality' | 'bitsStored' | 'pixelRepresentation' | 'rescaleIntercept'>): boolean {
  // Only CT (or unlabelled) pixels are HU: an MR with these bits and a small intercept is not wrapped.
  return isCt(h) && h.bitsStored === 12 && h.pixelRepresentation === 0 && h.rescaleIntercept > -100;
}

/**
 * Converts stored values to HU as PS3.3 C.7.6.3.1.4 and C.11.1.1.2 define them: mask each value to
 * BitsStored bits, sign-extend when PixelRepresentation is 1, then HU = value × RescaleSlope +
 * RescaleIntercept. Also undoes the RSNA 12-bit wrap and maps PixelPaddingValue pixels to air.
 * `out` (at least rows × columns long) is reused when given: fresh 1 MB arrays per slice cost more
 * in page faults than the conversion itself.
 */
export function huFromStored(frame: DecodedFrame, h: DicomHeader, out?: Float32Array): HuImage {
  const n = h.rows * h.columns;
  const data = frame.data;
  if (data.length < n) throw new Error(`decoded ${data.length} pixels, ${h.rows}×${h.columns} expected`);
  const signed = h.pixelRepresentation === 1;
  const wrap = hasRsnaWrap(h);
  const hu = out && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  const counts = { changed: 0, padded: 0, outside: 0, implausible: 0 };
  const direct = directRescale(frame, h);
  if (direct) convertDirect(data, n, direct, hu, counts);
  else convertMasked(data, n, h.bitsStored, signed, wrap, rescaleParams(h, wrap), hu, counts);
  if (isCt(h)) checkPlausibleHu(counts, n, () => huExtremes(hu, n));
  const quirks: Quirk[] = [];
  const bits = h.bitsStored;
  if (counts.changed > 0 && signed && frame.codestreamSigned === false) {
    quirks.push({ name: 'unsigned-codestream', detail: `${counts.changed} pixels sign-extended from ${bits} bits` });
  } else if (counts.changed > 0) {
    quirks.push({ name: 'masked-to-bits-stored', detail: `${counts.changed} pixels had bits above BitsStored ${bits}` });
  }
  if (wrap) quirks.push({ name: 'rsna-12bit-wrap', detail: `intercept ${h.rescaleIntercept} replaced by -1000 after unwrapping` });
  if (counts.padded > 0) quirks.push({ name: 'pixel-padding', detail: `${counts.padded} pixels equal PixelPaddingValue ${h.pixelPaddingValue}` });
  if (counts.outside > 0) quirks.push({ name: 'outside-scan-circle', detail: `${counts.outside} pixels at or below ${OUTSIDE_CIRCLE_HU} HU` });
  return { rows: h.rows, columns: h.columns, hu, quirks };
}

function rescaleParams(h: DicomHeader, wrap: boolean): RescaleParams {
  return { slope: h.rescaleSlope, intercept: wrap ? -1000 : h.rescaleIntercept, padding: h.pixelPaddingValue ?? NaN };
}

/**
 * When the decoded typed array already holds the stored values with their sign (BitsStored =
 * BitsAllocated, array signedness = PixelRepresentation, no RSNA wrap), HU = value × slope +
 * intercept with padding mapped to air: the parameters for that, else undefined (mask first).
 */
export function directRescale(frame: DecodedFrame, h: DicomHeader): RescaleParams | undefined {
  const data = frame.data;
  const arraySigned = data instanceof Int8Array || data instanceof Int16Array || data instanceof Int32Array;
  const direct = h.bitsStored === h.bitsAllocated && arraySigned === (h.pixelRepresentation === 1) && !hasRsnaWrap(h);
  return direct ? rescaleParams(h, false) : undefined;
}

export interface RescaleParams {
  slope: number;
  intercept: number;
  /** PixelPaddingValue, NaN when absent (never equal to a pixel). */
  padding: number;
}

interface ConvertCounts extends HuCounts {
  changed: number;
}

const [LOWEST_HU, HIGHEST_HU] = PLAUSIBLE_HU;

/** The common case: the typed array already holds the stored values with the right sign. */
function convertDirect(data: StoredArray, n: number, p: RescaleParams, hu: Float32Array, counts: ConvertCounts): void {
  const { slope, intercept, padding } = p;
  let padded = 0;
  let outside = 0;
  let implausible = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    let value = v * slope + intercept;
    if (v === padding) {
      padded++;
      if (value > AIR_HU) value = AIR_HU;
    } else if (value <= OUTSIDE_CIRCLE_HU) outside++;
    else if (value < LOWEST_HU || value > HIGHEST_HU) implausible++;
    hu[i] = value;
  }
  counts.padded += padded;
  counts.outside += outside;
  counts.implausible += implausible;
}

/**
 * The plausibility thresholds as stored values: at most `outside` is outside the scan circle
 * (OUTSIDE_CIRCLE_HU), below `low` or above `high` outside PLAUSIBLE_HU. For a positive slope
 * (checkPlausibleHeader), so HU thresholds are stored-value thresholds.
 */
export function storedThresholds(p: Pick<RescaleParams, 'slope' | 'intercept'>): { outside: number; low: number; high: number } {
  const stored = (hu: number) => (hu - p.intercept) / p.slope;
  return { outside: stored(OUTSIDE_CIRCLE_HU), low: stored(LOWEST_HU), high: stored(HIGHEST_HU) };
}

/**
 * The plausibility rule for the direct rescale (see directRescale) without converting: for the
 * tensor fast path, which windows stored values itself. Throws `implausible-hu`.
 */
export function checkDirectPlausible(data: StoredArray, n: number, p: RescaleParams): void {
  const { slope, intercept, padding } = p;
  const { outside, low, high } = storedThresholds(p);
  const counts = { padded: 0, outside: 0, implausible: 0 };
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (v === padding) counts.padded++;
    else if (v <= outside) counts.outside++;
    else if (v < low || v > high) counts.implausible++;
  }
  checkPlausibleHu(counts, n, () => huExtremes(data, n, (v) => v * slope + intercept));
}

/** Masks to BitsStored, sign-extends, and undoes the RSNA wrap. */
function convertMasked(data: StoredArray, n: number, bits: number, signed: boolean, wrap: boolean, p: RescaleParams, hu: Float32Array, counts: ConvertCounts): void {
  const span = 2 ** bits;
  const mask = bits >= 32 ? 0xffffffff : span - 1;
  const signBit = 2 ** (bits - 1);
  for (let i = 0; i < n; i++) {
    const raw = data[i]!;
    let v = bits >= 32 ? raw : (raw & mask) >>> 0;
    if (signed && v >= signBit) v -= span;
    if (v !== raw) counts.changed++;
    const stored = v; // PixelPaddingValue is a stored value: compare it before unwrapping
    if (wrap) {
      v += 1000;
      if (v >= 4096) v -= 4096;
    }
    let value = v * p.slope + p.intercept;
    if (stored === p.padding) {
      counts.padded++;
      if (value > AIR_HU) value = AIR_HU;
    } else if (value <= OUTSIDE_CIRCLE_HU) counts.outside++;
    else if (value < LOWEST_HU || value > HIGHEST_HU) counts.implausible++;
    hu[i] = value;
  }
}

/** Quirks visible from the header alone. */
export function headerQuirks(h: DicomHeader): Quirk[] {
  const quirks: Quirk[] = [];
  if (!h.hasRescale) quirks.push({ name: 'no-rescale', detail: 'slope 1, intercept 0 assumed' });
  if (h.photometricInterpretation === 'MONOCHROME1') quirks.push({ name: 'monochrome1', detail: 'display inverted' });
  if (h.windowCenter.length > 1 || h.windowWidth.length > 1) {
    quirks.push({ name: 'multi-valued-window', detail: `WindowCenter ${h.windowCenter.join('\\')}, WindowWidth ${h.windowWidth.join('\\')}` });
  }
  return quirks;
}
