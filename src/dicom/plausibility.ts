// Values no CT scanner writes, refused before they can reach a model: each rule is named after the
// attribute of the standard it reads, and each refusal says which value broke it.
import { DicomError } from './errors.js';
import type { DataSet } from 'dicom-parser';
import type { DicomHeader } from './header.js';
import { minMax } from './min-max.js';

/** RescaleSlope a CT writes: positive, at most this. */
export const MAX_RESCALE_SLOPE = 100;
/** |RescaleIntercept| a CT writes: at most this. */
export const MAX_RESCALE_INTERCEPT = 8192;
/** The HU range of tissue, air and metal a CT reconstructs; padding and pixels outside the scan circle aside. */
export const PLAUSIBLE_HU = [-1100, 4000] as const;
/** Largest share of in-circle pixels allowed outside PLAUSIBLE_HU. */
export const MAX_IMPLAUSIBLE_SHARE = 0.1;
/** Largest share of all pixels that may be padding or outside the scan circle. */
export const MAX_PADDING_SHARE = 0.9;

/** True for a CT slice, or one that does not say (the rescale and HU rules read HU; an MR's or a dose grid's values are not). */
export function isCt(h: Pick<DicomHeader, 'modality'>): boolean {
  return h.modality === 'CT' || h.modality === '';
}

/**
 * The header rules (PS3.3 C.7.6.3 Image Pixel, C.8.2.1 CT Image): throws naming the attribute that
 * breaks one. RescaleSlope and RescaleIntercept are held to a CT's range only where isCt.
 */
export function checkPlausibleHeader(h: DicomHeader): void {
  if (h.pixelRepresentation !== 0 && h.pixelRepresentation !== 1) {
    throw new DicomError('invalid-header', `PixelRepresentation ${h.pixelRepresentation}: the standard allows 0 (unsigned) or 1 (two's complement)`);
  }
  if (h.highBit !== h.bitsStored - 1) throw new DicomError('invalid-header', `HighBit ${h.highBit} with BitsStored ${h.bitsStored}: HighBit must be BitsStored − 1`);
  if (!isCt(h)) return;
  const slope = h.rescaleSlope;
  if (!(Number.isFinite(slope) && slope > 0 && slope <= MAX_RESCALE_SLOPE)) {
    throw new DicomError('implausible-rescale', `RescaleSlope ${slope}: a CT writes 0 < slope ≤ ${MAX_RESCALE_SLOPE}`);
  }
  const intercept = h.rescaleIntercept;
  if (!(Number.isFinite(intercept) && Math.abs(intercept) <= MAX_RESCALE_INTERCEPT)) {
    throw new DicomError('implausible-rescale', `RescaleIntercept ${intercept}: a CT writes −${MAX_RESCALE_INTERCEPT} … ${MAX_RESCALE_INTERCEPT}`);
  }
}

/** What the HU conversion counted: padding (PixelPaddingValue), outside the scan circle (≤ −2000 HU) and, of the rest, outside PLAUSIBLE_HU. */
export interface HuCounts {
  padded: number;
  outside: number;
  implausible: number;
}

/** The lowest and highest of `n` values, as HU through `toHu` (for a refusal's message). */
export function huExtremes(values: ArrayLike<number>, n: number, toHu: (v: number) => number = (v) => v): [number, number] {
  const { min, max } = minMax(values, n);
  const [a, b] = [toHu(min), toHu(max)];
  return a <= b ? [a, b] : [b, a];
}

/**
 * Throws `implausible-hu` when the `pixels` counted are not those of a CT slice (see PLAUSIBLE_HU);
 * `range` gives the lowest and highest HU for the message.
 */
export function checkPlausibleHu(c: HuCounts, pixels: number, range: () => [number, number]): void {
  const extremes = () => {
    const [min, max] = range();
    return `HU ${fmt(min)} … ${fmt(max)}`;
  };
  const aside = c.padded + c.outside;
  const inside = pixels - aside;
  if (aside > MAX_PADDING_SHARE * pixels) {
    throw new DicomError('implausible-hu', `${percent(aside, pixels)} of ${pixels} pixels are padding or at most −2000 HU (allowed ${MAX_PADDING_SHARE * 100}%; ${extremes()})`);
  }
  if (c.implausible > MAX_IMPLAUSIBLE_SHARE * inside) {
    throw new DicomError(
      'implausible-hu',
      `${percent(c.implausible, inside)} of ${inside} pixels (padding aside) lie outside ${PLAUSIBLE_HU[0]}…+${PLAUSIBLE_HU[1]} HU (allowed ${MAX_IMPLAUSIBLE_SHARE * 100}%; ${extremes()})`,
    );
  }
}

const percent = (k: number, n: number) => `${((100 * k) / Math.max(1, n)).toFixed(1)}%`;
const fmt = (v: number) => (Math.abs(v) >= 1e6 ? v.toExponential(2) : String(Math.round(v)));

const UID = /^[0-9]+(\.[0-9]+)*$/;
const RSNA_ID = /^ID_[0-9a-fA-F]+$/;

/** True for a UI value (digits and dots, ≤ 64 characters) or, where `rsna`, the RSNA challenge's ID_<hex> form. */
export function isValidUid(value: string, rsna: boolean): boolean {
  return value.length <= 64 && (UID.test(value) || (rsna && RSNA_ID.test(value)));
}

/** UI-valued tags read from implicit-VR files, which name no VR: the meta header's and the identifiers of the image. */
const KNOWN_UI_TAGS = ['x00020002', 'x00020003', 'x00020010', 'x00020012', 'x00080016', 'x00080018', 'x0020000d', 'x0020000e', 'x00200052'];
/** UI attributes that name a class or a syntax of the standard: never the RSNA form. */
const STANDARD_UI_TAGS = new Set(['x00020002', 'x00020010', 'x00080016']);

/**
 * Checks the UI-valued attributes: those ichdetect keys on (SOPInstanceUID and StudyInstanceUID
 * required) and, in `ds`, every other top-level element of VR UI (explicit VR) or known to be UI.
 * Identifiers may take the RSNA ID_<hex> form; SOP classes and transfer syntaxes may not.
 */
export function checkUids(h: Pick<DicomHeader, 'sopInstanceUID' | 'studyInstanceUID' | 'seriesInstanceUID' | 'sopClassUID' | 'transferSyntaxUID'>, ds?: DataSet): void {
  checkKeyUids(h);
  if (!ds) return;
  for (const el of Object.values(ds.elements)) {
    if (el.vr !== 'UI' && !(el.vr === undefined && KNOWN_UI_TAGS.includes(el.tag))) continue;
    const rsna = !STANDARD_UI_TAGS.has(el.tag);
    for (const value of (ds.string(el.tag) ?? '').split('\\').map((v) => v.trim())) {
      if (value && !isValidUid(value, rsna)) {
        throw new DicomError('invalid-uid', `(${el.tag.slice(1, 5)},${el.tag.slice(5)}) ${JSON.stringify(value.slice(0, 80))} is not a UID (digits and dots, at most 64 characters${rsna ? ', or ID_<hex>' : ''})`);
      }
    }
  }
}

function checkKeyUids(h: Pick<DicomHeader, 'sopInstanceUID' | 'studyInstanceUID' | 'seriesInstanceUID' | 'sopClassUID' | 'transferSyntaxUID'>): void {
  const attributes = [
    ['SOPInstanceUID', h.sopInstanceUID, true],
    ['StudyInstanceUID', h.studyInstanceUID, true],
    ['SeriesInstanceUID', h.seriesInstanceUID, true],
    ['SOPClassUID', h.sopClassUID, false],
    ['TransferSyntaxUID', h.transferSyntaxUID, false],
  ] as const;
  for (const [name, value, rsna] of attributes) {
    if (value === '') {
      if (name === 'SOPInstanceUID' || name === 'StudyInstanceUID') throw new DicomError('invalid-uid', `no ${name}`);
      continue;
    }
    if (!isValidUid(value, rsna)) throw new DicomError('invalid-uid', `${name} ${JSON.stringify(value.slice(0, 80))} is not a UID (digits and dots, at most 64 characters${rsna ? ', or ID_<hex>' : ''})`);
  }
}
