// Knowing when not to answer, per slice and per study: slices that fail input conformance are left
// out before analysis; analysed slices whose out-of-distribution score is above the model card's
// threshold are flagged; a study whose analysed slices are mostly flagged is "not assessed" (its
// probabilities are kept but it is listed apart from the triage order), and a study with no
// conforming slice is "not analysed".
import type { ConformanceFailure, ConformanceStatus } from '../dicom/conformance.js';
import type { SliceIds } from './decode-worker.js';

/** A usable slice left out of the analysis because it fails input conformance. */
export interface LeftOutSlice extends SliceIds {
  path: string;
  failures: ConformanceFailure[];
}

/** A slice's out-of-distribution score (model.onnx's ood_score) and whether it is above the card's threshold. */
export interface SliceOod {
  score: number;
  flagged: boolean;
}

/** A study is not assessed when more than this share of its analysed slices is out of distribution. */
export const NOT_ASSESSED_SHARE = 0.5;

export interface StudyAssessment {
  /** `not-assessed`: mostly out of distribution, listed apart and never at the top of the triage order. */
  status: 'assessed' | 'not-assessed';
  /** conforming, or partly-conforming when some of its slices were left out (see `leftOut`). */
  conformance: Exclude<ConformanceStatus, 'not-analysed'>;
  /** Slices left out for failing conformance, and each failure code's count among them. */
  leftOut: number;
  leftOutReasons: Record<string, number>;
  /** Analysed slices flagged out of distribution (0 when the model has no OOD score). */
  outOfDistribution: number;
  /** One sentence: why the study is not assessed or partly conforming (absent when neither). */
  reason?: string;
}

/** A study none of whose usable slices conforms: nothing was analysed. */
export interface NotAnalysedStudy {
  studyInstanceUID: string;
  patientID: string;
  leftOut: number;
  leftOutReasons: Record<string, number>;
  reason: string;
}

function reasonCounts(leftOut: readonly LeftOutSlice[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of leftOut) for (const code of new Set(s.failures.map((f) => f.code))) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

const describe = (counts: Record<string, number>) => Object.entries(counts).map(([code, n]) => `${code} ${n}`).join(', ');

/** The assessment of one study from its analysed slices (with their OOD flags) and its left-out slices. */
export function assessStudy(slices: readonly { ood?: SliceOod }[], leftOut: readonly LeftOutSlice[]): StudyAssessment {
  const flagged = slices.filter((s) => s.ood?.flagged).length;
  const leftOutReasons = reasonCounts(leftOut);
  const notAssessed = slices.length > 0 && flagged > NOT_ASSESSED_SHARE * slices.length;
  const reasons = [
    ...(notAssessed ? [`${flagged} of ${slices.length} analysed slices are out of the model's training distribution`] : []),
    ...(leftOut.length > 0 ? [`${leftOut.length} slices left out (${describe(leftOutReasons)})`] : []),
  ];
  return {
    status: notAssessed ? 'not-assessed' : 'assessed',
    conformance: leftOut.length > 0 ? 'partly-conforming' : 'conforming',
    leftOut: leftOut.length,
    leftOutReasons,
    outOfDistribution: flagged,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
  };
}

/** Items by their `study`, in order of first appearance. */
export function byStudy<T extends { study: string }>(items: readonly T[]): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const s of items) {
    const group = by.get(s.study);
    if (group) group.push(s);
    else by.set(s.study, [s]);
  }
  return by;
}

/** Studies of `leftOut` with no analysed slice (`analysed`: the StudyInstanceUIDs that have one), in order of first appearance. */
export function notAnalysedStudies(leftOut: readonly LeftOutSlice[], analysed: ReadonlySet<string>): NotAnalysedStudy[] {
  return [...byStudy(leftOut)].filter(([uid]) => !analysed.has(uid)).map(([uid, group]) => {
    const leftOutReasons = reasonCounts(group);
    return { studyInstanceUID: uid, patientID: group[0]!.patient, leftOut: group.length, leftOutReasons, reason: `no slice conforms (${describe(leftOutReasons)}): ${group[0]!.failures[0]!.message}` };
  });
}
