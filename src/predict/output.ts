// What ich predict writes: the RSNA submission, the per-study summary and the per-slice table (with
// the out-of-distribution score and input conformance of every slice, left-out ones included).
import { formatLabelRows, LABELS } from '../data/labels.js';
import type { LeftOutSlice } from './assessment.js';
import type { SlicePrediction } from './outcomes.js';
import type { PredictResult } from './predictor.js';
import type { StudyPrediction } from './studies.js';

/** The RSNA submission: `ID,Label`, then six rows `<SOPInstanceUID>_<subtype>,<probability>` per slice (`ID_<hex>_any` for RSNA files). */
export function formatSubmission(slices: readonly SlicePrediction[], digits = 6): string {
  const parts = ['ID,Label'];
  for (const s of slices) parts.push(formatLabelRows(s.sop, s.probs, digits));
  return parts.join('\n') + '\n';
}

/**
 * The per-study summary as CSV: study, patient, counts, each label's maximum, the top slice, each
 * label's calibrated probability (empty without a calibration), then the assessment: status
 * (assessed / not-assessed / not-analysed), conformance, slices left out, slices out of distribution
 * and the reason. Studies with nothing analysed come last, with empty probabilities.
 */
export function formatStudiesCsv(r: Pick<PredictResult, 'studies' | 'notAnalysed'>, digits = 6): string {
  const header = ['study_instance_uid', 'patient_id', 'slices', 'series', ...LABELS, 'top_slice_sop', 'top_slice_any', ...LABELS.map((l) => `${l}_calibrated`), 'status', 'conformance', 'left_out', 'ood_slices', 'reason'];
  const rows = r.studies.map((s: StudyPrediction) => {
    const a = s.assessment;
    return [
      csvField(s.studyInstanceUID), csvField(s.patientID), s.slices, s.series,
      ...LABELS.map((l) => s.perLabel[l].toFixed(digits)),
      csvField(s.topSlice.sop), s.topSlice.any.toFixed(digits),
      ...LABELS.map((l) => s.calibrated?.[l].toFixed(digits) ?? ''),
      a?.status ?? '', a?.conformance ?? '', a?.leftOut ?? '', a?.outOfDistribution ?? '', csvField(a?.reason ?? ''),
    ].join(',');
  });
  const empty = (n: number) => new Array<string>(n).fill('');
  for (const s of r.notAnalysed) {
    rows.push([csvField(s.studyInstanceUID), csvField(s.patientID), 0, '', ...empty(LABELS.length + 2 + LABELS.length), 'not-analysed', 'not-analysed', s.leftOut, '', csvField(s.reason)].join(','));
  }
  return [header.join(','), ...rows].join('\n') + '\n';
}

/**
 * One row per slice, analysed or left out, in input order: path, identifiers, six probabilities
 * (empty when left out), ood_score and ood (1 above the model's threshold, empty without an OOD
 * score), conformance (`conforming`, or the failure codes joined by `;`) and the reason.
 */
export function formatSlicesCsv(r: Pick<PredictResult, 'slices' | 'leftOut'>, digits = 6): string {
  const header = ['path', 'sop_instance_uid', 'study_instance_uid', 'series_instance_uid', ...LABELS, 'ood_score', 'ood', 'conformance', 'reason'];
  const ids = (s: SlicePrediction | LeftOutSlice) => [csvField(s.path), csvField(s.sop), csvField(s.study), csvField(s.series)];
  const rows = [
    ...r.slices.map((s) => [...ids(s), ...Array.from(s.probs, (p) => p.toFixed(digits)), s.ood ? s.ood.score.toFixed(4) : '', s.ood ? Number(s.ood.flagged) : '', 'conforming', s.ood?.flagged ? 'out of the training distribution' : ''].join(',')),
    ...r.leftOut.map((s) => [...ids(s), ...new Array<string>(LABELS.length).fill(''), '', '', s.failures.map((f) => f.code).join(';'), csvField(s.failures.map((f) => f.message).join('; '))].join(',')),
  ];
  return [header.join(','), ...rows].join('\n') + '\n';
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
