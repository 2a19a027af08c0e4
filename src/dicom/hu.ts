import type { DecodedFrame } from './codecs/index.js';
import type { DicomHeader } from './header.js';
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

/** True for the RSNA 12-bit wrap: BitsStored 12, unsigned, RescaleIntercept > -100. */
export function hasRsnaWrap(h: Pick<DicomHeader, 'bitsStored' | 'pixelRepresentation' | 'rescaleIntercept'>): boolean {
  return h.bitsStored === 12 && h.pixelRepresentation === 0 && h.rescaleIntercept > -100;
}

/**
 * Converts stored values to HU as PS3.3 C.7.6.3.1.4 and C.11.1.1.2 define them: mask each value to
 * BitsStored bits, sign-extend when PixelRepresentation is 1, then HU = value × RescaleSlope +
 * RescaleIntercept. Also undoes the RSNA 12-bit wrap and maps PixelPaddingValue pixels to air.
 */
export function huFromStored(frame: DecodedFrame, h: DicomHeader): HuImage {
  const n = h.rows * h.columns;
  const data = frame.data;
  if (data.length < n) throw new Error(`decoded ${data.length} pixels, ${h.rows}×${h.columns} expected`);
  const bits = h.bitsStored;
  const signed = h.pixelRepresentation === 1;
  const span = 2 ** bits;
  const mask = bits >= 32 ? 0xffffffff : span - 1;
  const signBit = 2 ** (bits - 1);
  const wrap = hasRsnaWrap(h);
  const slope = h.rescaleSlope;
  const intercept = wrap ? -1000 : h.rescaleIntercept;
  const padding = h.pixelPaddingValue;
  const hu = new Float32Array(n);
  let changed = 0;
  let padded = 0;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const raw = data[i]!;
    let v = bits >= 32 ? raw : (raw & mask) >>> 0;
    if (signed && v >= signBit) v -= span;
    if (v !== raw) changed++;
    if (wrap) {
      v += 1000;
      if (v >= 4096) v -= 4096;
    }
    let value = v * slope + intercept;
    if (padding !== undefined && v === padding) {
      padded++;
      if (value > AIR_HU) value = AIR_HU;
    } else if (value <= OUTSIDE_CIRCLE_HU) {
      outside++;
    }
    hu[i] = value;
  }
  const quirks: Quirk[] = [];
  const unsignedCodestream = signed && frame.codestreamSigned === false;
  if (changed > 0 && unsignedCodestream) {
    quirks.push({ name: 'unsigned-codestream', detail: `${changed} pixels sign-extended from ${bits} bits` });
  } else if (changed > 0) {
    quirks.push({ name: 'masked-to-bits-stored', detail: `${changed} pixels had bits above BitsStored ${bits}` });
  }
  if (wrap) quirks.push({ name: 'rsna-12bit-wrap', detail: `intercept ${h.rescaleIntercept} replaced by -1000 after unwrapping` });
  if (padded > 0) quirks.push({ name: 'pixel-padding', detail: `${padded} pixels equal PixelPaddingValue ${padding}` });
  if (outside > 0) quirks.push({ name: 'outside-scan-circle', detail: `${outside} pixels at or below ${OUTSIDE_CIRCLE_HU} HU` });
  return { rows: h.rows, columns: h.columns, hu, quirks };
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
