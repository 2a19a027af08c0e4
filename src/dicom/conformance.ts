// Input conformance: whether a slice is the kind of image a model was trained on, from its header
// alone, before any analysis — as cleared triage products check series type, orientation, slice
// thickness and contrast. One rule per attribute, named by the standard's keyword; each failure is a
// named reason with a sentence.
import { type DicomHeader, sliceNormal } from './header.js';

/** The attributes a rule reads, by their DICOM keywords. */
export type ConformanceRule = 'Modality' | 'ImageType' | 'ImageOrientationPatient' | 'SliceThickness' | 'PixelSpacing' | 'Rows' | 'Columns' | 'ContrastBolusAgent' | 'BodyPartExamined';

export interface ConformanceFailure {
  rule: ConformanceRule;
  /** Stable code: not-ct, localizer, not-axial, slice-thickness, pixel-spacing, rows, columns, contrast, body-part. */
  code: string;
  message: string;
}

/** A closed range [lo, hi]. */
export type Range = readonly [number, number];

/** What a model was trained on (its card's `conformance`): ranges of the training part, and how far beyond them a slice may lie. */
export interface ConformanceRanges {
  sliceThickness?: Range;
  pixelSpacing?: Range;
  rows?: Range;
  columns?: Range;
  /** Relative tolerance around each range: [lo / (1 + t), hi · (1 + t)]. */
  tolerance: number;
}

/** Largest angle between the slice normal and the patient's head–foot axis still taken as axial (gantry tilt of head CT included). */
export const MAX_TILT_DEGREES = 30;
/** Body parts of a head CT (PS3.16 CID 4031 defined terms). */
export const HEAD_BODY_PARTS: readonly string[] = ['HEAD', 'BRAIN', 'SKULL', 'HEADNECK'];
/** ContrastBolusAgent values that say no agent was given. */
const NO_AGENT = /^(none|no|n\/a|na|0|-+)$/i;

/** What the rules read of a header. */
export type ConformanceHeader = Pick<DicomHeader, 'modality' | 'imageType' | 'imageOrientationPatient' | 'sliceThickness' | 'pixelSpacing' | 'rows' | 'columns' | 'contrastBolusAgent' | 'bodyPartExamined'>;

/** The angle in degrees between the slice normal and the patient's z axis (undefined without ImageOrientationPatient). */
export function tiltDegrees(o: ConformanceHeader['imageOrientationPatient']): number | undefined {
  if (!o) return undefined;
  const n = sliceNormal(o);
  const len = Math.hypot(...n);
  if (!(len > 0)) return undefined;
  return (Math.acos(Math.min(1, Math.abs(n[2]) / len)) * 180) / Math.PI;
}

const fmt = (v: number) => String(Number(v.toPrecision(4)));

function inRange(value: number | undefined, range: Range | undefined, tolerance: number): boolean {
  if (value === undefined || !range) return true;
  return value >= range[0] / (1 + tolerance) - 1e-9 && value <= range[1] * (1 + tolerance) + 1e-9;
}

/**
 * Every conformance failure of a slice's header (empty: conforming). Without `ranges` only the
 * model-independent rules apply (modality, localizer, orientation, contrast, body part). An absent
 * optional attribute passes: the rules judge what a header says, not what it leaves out.
 */
export function checkConformance(h: ConformanceHeader, ranges?: ConformanceRanges): ConformanceFailure[] {
  const out: ConformanceFailure[] = [];
  const fail = (rule: ConformanceRule, code: string, message: string) => out.push({ rule, code, message });
  if (h.modality !== 'CT') fail('Modality', 'not-ct', `Modality is ${h.modality || 'empty'}, not CT`);
  if (h.imageType.some((v) => v.toUpperCase() === 'LOCALIZER')) fail('ImageType', 'localizer', `ImageType ${h.imageType.join('\\')} is a localizer (scout), not an axial slice`);
  const tilt = tiltDegrees(h.imageOrientationPatient);
  if (tilt !== undefined && tilt > MAX_TILT_DEGREES) fail('ImageOrientationPatient', 'not-axial', `the slice is ${fmt(tilt)}° from axial (at most ${MAX_TILT_DEGREES}° taken as axial)`);
  if (h.contrastBolusAgent && !NO_AGENT.test(h.contrastBolusAgent)) fail('ContrastBolusAgent', 'contrast', `a contrast agent was given (ContrastBolusAgent ${h.contrastBolusAgent}); the model reads non-contrast CT`);
  if (h.bodyPartExamined && !HEAD_BODY_PARTS.includes(h.bodyPartExamined.toUpperCase().replace(/[\s_-]/g, ''))) fail('BodyPartExamined', 'body-part', `BodyPartExamined is ${h.bodyPartExamined}, not ${HEAD_BODY_PARTS.join(', ')}`);
  if (ranges) {
    const t = ranges.tolerance;
    const range = (r: Range) => `${fmt(r[0] / (1 + t))}–${fmt(r[1] * (1 + t))}`;
    if (!inRange(h.sliceThickness, ranges.sliceThickness, t)) fail('SliceThickness', 'slice-thickness', `SliceThickness ${fmt(h.sliceThickness!)} mm is outside the training range ${range(ranges.sliceThickness!)} mm`);
    const spacing = h.pixelSpacing ? Math.max(h.pixelSpacing[0], h.pixelSpacing[1]) : undefined;
    if (!inRange(spacing, ranges.pixelSpacing, t)) fail('PixelSpacing', 'pixel-spacing', `PixelSpacing ${fmt(spacing!)} mm is outside the training range ${range(ranges.pixelSpacing!)} mm`);
    if (!inRange(h.rows, ranges.rows, t)) fail('Rows', 'rows', `Rows ${h.rows} is outside the training range ${range(ranges.rows!)}`);
    if (!inRange(h.columns, ranges.columns, t)) fail('Columns', 'columns', `Columns ${h.columns} is outside the training range ${range(ranges.columns!)}`);
  }
  return out;
}

/** Conformance of a series or study: every slice conforms, some were left out, or none could be analysed. */
export type ConformanceStatus = 'conforming' | 'partly-conforming' | 'not-analysed';

export function conformanceStatus(slices: number, leftOut: number): ConformanceStatus {
  return leftOut === 0 ? 'conforming' : leftOut >= slices ? 'not-analysed' : 'partly-conforming';
}

/** The attributes of `h` the rules read (small enough to travel with an index record). */
export function conformanceFacts(h: ConformanceHeader): ConformanceHeader {
  const { modality, imageType, imageOrientationPatient, sliceThickness, pixelSpacing, rows, columns, contrastBolusAgent, bodyPartExamined } = h;
  return { modality, imageType, imageOrientationPatient, sliceThickness, pixelSpacing, rows, columns, contrastBolusAgent, bodyPartExamined };
}

/**
 * Default relative tolerance around the training ranges: a factor of 2 either way. The model resamples
 * every slice to its input size, so what these rules guard against is a different kind of image
 * (thin-slice or thick-slab reconstructions, a small field of view, thumbnails), not a step in between.
 */
export const DEFAULT_RANGE_TOLERANCE = 1;

/** Observed ranges of headers (the training part's), to be stored in a model card with a tolerance. */
export function observedRanges(headers: Iterable<Pick<DicomHeader, 'sliceThickness' | 'pixelSpacing' | 'rows' | 'columns'>>, tolerance = DEFAULT_RANGE_TOLERANCE): ConformanceRanges {
  const acc = { sliceThickness: [Infinity, -Infinity], pixelSpacing: [Infinity, -Infinity], rows: [Infinity, -Infinity], columns: [Infinity, -Infinity] } as Record<'sliceThickness' | 'pixelSpacing' | 'rows' | 'columns', [number, number]>;
  const add = (k: keyof typeof acc, v: number | undefined) => {
    if (v === undefined || !Number.isFinite(v)) return;
    acc[k][0] = Math.min(acc[k][0], v);
    acc[k][1] = Math.max(acc[k][1], v);
  };
  for (const h of headers) {
    add('sliceThickness', h.sliceThickness);
    add('pixelSpacing', h.pixelSpacing ? Math.max(h.pixelSpacing[0], h.pixelSpacing[1]) : undefined);
    add('rows', h.rows);
    add('columns', h.columns);
  }
  const out: ConformanceRanges = { tolerance };
  for (const k of Object.keys(acc) as (keyof typeof acc)[]) if (acc[k][0] <= acc[k][1]) out[k] = acc[k];
  return out;
}
