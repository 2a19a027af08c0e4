// `ich triage`'s rows: studies most urgent first, each with its P(any), most likely subtype and key slice.
import { LABELS, type Label } from '../data/labels.js';
import { notAssessed, type StudyPrediction, triageAny, triageOrder } from './studies.js';

/** One row of `ich triage`. */
export interface TriageEntry {
  rank: number;
  studyInstanceUID: string;
  patientID: string;
  /** P(any): calibrated when the model has a study calibration, else the raw maximum over slices. */
  any: number;
  /** The subtype with the highest study probability (calibrated when available), and that probability. */
  topSubtype: { label: Label; probability: number };
  /** The slice with the highest `any`. */
  keySlice: { sop: string; path: string; any: number };
  slices: number;
  /** `not-assessed`: mostly out of distribution, ranked after every assessed study. */
  status: 'assessed' | 'not-assessed';
  /** Why it is not assessed or partly conforming. */
  reason?: string;
}

/** Studies most urgent first, each with its P(any), its most likely subtype and its key slice. */
export function triageList(studies: readonly StudyPrediction[]): TriageEntry[] {
  return triageOrder(studies).map((s, i) => {
    const probs = s.calibrated ?? s.perLabel;
    const label = LABELS.slice(1).reduce((best, l) => (probs[l] > probs[best] ? l : best), LABELS[1]);
    const reason = s.assessment?.reason;
    return { rank: i + 1, studyInstanceUID: s.studyInstanceUID, patientID: s.patientID, any: triageAny(s), topSubtype: { label, probability: probs[label] }, keySlice: s.topSlice, slices: s.slices, status: notAssessed(s) ? 'not-assessed' : 'assessed', ...(reason ? { reason } : {}) };
  });
}
