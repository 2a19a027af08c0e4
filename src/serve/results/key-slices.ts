// What a study's results say and show: its reported probabilities (calibrated at study level when
// the model has a calibration), which labels are present at the operating point, and the key slices
// (the slice that drives each present label) that the Key Object Selection and the Parametric Map hold.
import { LABELS, type Label } from '../../data/labels.js';
import type { StudyPrediction } from '../../predict/studies.js';

/** A label is reported present at this reported probability or more. */
export const OPERATING_POINT = 0.5;

/** A study's probabilities as reported: calibrated at study level when the model has a calibration, else each label's maximum over the slices. */
export function reportedProbabilities(study: StudyPrediction): { probs: Record<Label, number>; calibrated: boolean } {
  return study.calibrated ? { probs: study.calibrated, calibrated: true } : { probs: study.perLabel, calibrated: false };
}

/** The most probable subtype of a study (not `any`), by its reported probabilities. */
export function topSubtype(study: StudyPrediction): Label {
  const { probs } = reportedProbabilities(study);
  return LABELS.slice(1).reduce((best, l) => (probs[l] > probs[best] ? l : best), LABELS[1]);
}

/** One key slice: the slice with the highest probability of `label`. */
export interface KeySlice {
  label: Label;
  sop: string;
  path: string;
  /** The slice's probability of the label. */
  probability: number;
}

/**
 * The slice driving each label present at the operating point, in LABELS order; when none is
 * present, the slice with the highest P(any) (`positive` false), so a negative study has its one
 * slice to look at too.
 */
export function keySlices(study: StudyPrediction): { positive: boolean; slices: KeySlice[] } {
  const { probs } = reportedProbabilities(study);
  const present = LABELS.filter((l) => probs[l] >= OPERATING_POINT);
  const labels: Label[] = present.length ? present : ['any'];
  return { positive: present.length > 0, slices: labels.map((label) => ({ label, ...study.drivers[label][0]! })) };
}
