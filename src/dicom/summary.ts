import { checkConformance, type ConformanceFailure } from './conformance.js';
import type { DicomHeader } from './header.js';
import { positionAlongNormal } from './header.js';
import type { CtSlice } from './load.js';
import type { Quirk } from './quirks.js';
import { transferSyntax } from './syntax.js';

/** What `ich inspect` reports about one slice. */
export interface SliceSummary {
  path: string;
  ids: Pick<DicomHeader, 'sopInstanceUID' | 'patientID' | 'studyInstanceUID' | 'seriesInstanceUID'>;
  modality: string;
  size: { rows: number; columns: number; frames: number };
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  bits: { allocated: number; stored: number; highBit: number; pixelRepresentation: number };
  photometricInterpretation: string;
  rescale: { slope: number; intercept: number };
  window: { center: number[]; width: number[] };
  transferSyntax: { uid: string; name: string };
  position?: { imagePositionPatient: number[]; alongNormal: number };
  hu: { min: number; max: number; mean: number };
  quirks: Quirk[];
  imageType: string[];
  contrastBolusAgent?: string;
  bodyPartExamined?: string;
  /** The model-independent conformance rules that fail (empty: an axial non-contrast head CT slice). */
  conformance: ConformanceFailure[];
}

export function huStats(hu: Float32Array): SliceSummary['hu'] {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / hu.length };
}

export function summarizeSlice(slice: CtSlice): SliceSummary {
  const h = slice.file.header;
  const along = positionAlongNormal(h);
  return {
    path: slice.file.path,
    ids: { sopInstanceUID: h.sopInstanceUID, patientID: h.patientID, studyInstanceUID: h.studyInstanceUID, seriesInstanceUID: h.seriesInstanceUID },
    modality: h.modality,
    size: { rows: h.rows, columns: h.columns, frames: h.numberOfFrames },
    pixelSpacing: h.pixelSpacing,
    sliceThickness: h.sliceThickness,
    bits: { allocated: h.bitsAllocated, stored: h.bitsStored, highBit: h.highBit, pixelRepresentation: h.pixelRepresentation },
    photometricInterpretation: h.photometricInterpretation,
    rescale: { slope: h.rescaleSlope, intercept: h.rescaleIntercept },
    window: { center: h.windowCenter, width: h.windowWidth },
    transferSyntax: { uid: h.transferSyntaxUID, name: transferSyntax(h.transferSyntaxUID)?.name ?? 'unknown' },
    position: h.imagePositionPatient && along !== undefined ? { imagePositionPatient: h.imagePositionPatient, alongNormal: along } : undefined,
    hu: huStats(slice.hu),
    quirks: slice.quirks,
    imageType: h.imageType,
    contrastBolusAgent: h.contrastBolusAgent,
    bodyPartExamined: h.bodyPartExamined,
    conformance: checkConformance(h),
  };
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(digits));

/** A human-readable block, one attribute per line. */
export function formatSummary(s: SliceSummary): string {
  const lines = [
    `file               ${s.path}`,
    `SOPInstanceUID     ${s.ids.sopInstanceUID}`,
    `PatientID          ${s.ids.patientID}`,
    `StudyInstanceUID   ${s.ids.studyInstanceUID}`,
    `SeriesInstanceUID  ${s.ids.seriesInstanceUID}`,
    `modality           ${s.modality}`,
    `image type         ${s.imageType.join('\\') || '-'}`,
    `body part          ${s.bodyPartExamined ?? '-'}`,
    `contrast agent     ${s.contrastBolusAgent ?? '-'}`,
    `size               ${s.size.rows} × ${s.size.columns}${s.size.frames > 1 ? ` × ${s.size.frames} frames` : ''}`,
    `pixel spacing      ${s.pixelSpacing ? s.pixelSpacing.map((v) => fmt(v, 3)).join(' × ') + ' mm' : '-'}`,
    `slice thickness    ${s.sliceThickness !== undefined ? fmt(s.sliceThickness) + ' mm' : '-'}`,
    `bits               allocated ${s.bits.allocated}, stored ${s.bits.stored}, high bit ${s.bits.highBit}, ${s.bits.pixelRepresentation ? 'signed' : 'unsigned'}`,
    `photometric        ${s.photometricInterpretation}`,
    `rescale            slope ${fmt(s.rescale.slope, 4)}, intercept ${fmt(s.rescale.intercept)}`,
    `window tags        center ${s.window.center.join('\\') || '-'}, width ${s.window.width.join('\\') || '-'}`,
    `transfer syntax    ${s.transferSyntax.name} (${s.transferSyntax.uid})`,
    `position           ${s.position ? `${s.position.imagePositionPatient.map((v) => fmt(v)).join(', ')} (along normal ${fmt(s.position.alongNormal)} mm)` : '-'}`,
    `HU                 min ${fmt(s.hu.min, 1)}, max ${fmt(s.hu.max, 1)}, mean ${fmt(s.hu.mean, 1)}`,
    `quirks             ${s.quirks.length ? '' : 'none'}`,
    ...s.quirks.map((q) => `  - ${q.name}: ${q.detail}`),
    `conformance        ${s.conformance.length ? 'fails' : 'an axial non-contrast head CT slice'}`,
    ...s.conformance.map((f) => `  - ${f.code} (${f.rule}): ${f.message}`),
  ];
  return lines.join('\n');
}
