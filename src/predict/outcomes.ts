// What became of each file in prediction: a slice's probabilities (and OOD score), a rejection with
// its reason, or a slice left out for failing input conformance; and the model run that gives them.
import { NAMES } from '../engine/compile.js';
import { ort } from '../engine/session.js';
import type { LeftOutSlice, SliceOod } from './assessment.js';
import type { PredictRecord, SliceIds } from './decode-worker.js';

/** A predicted slice: where it came from, who it is, its six probabilities and its OOD score. */
export interface SlicePrediction extends SliceIds {
  path: string;
  /** Six probabilities in LABELS order. */
  probs: Float32Array;
  /** The out-of-distribution score and flag (models whose card has `ood`). */
  ood?: SliceOod;
}

export interface RejectedFile {
  path: string;
  /** The index's rejection codes (`truncated`, `not-dicom`, `decode-failed`, …) or `duplicate` (a SOPInstanceUID seen in an earlier file). */
  code: string;
  /** One line: what went wrong. */
  reason: string;
}

/** What one inference gives: six probabilities per row, and the out-of-distribution score per row when the graph has it. */
export interface ModelOutputs {
  probs: Float32Array;
  ood?: Float32Array;
}

/** A model session's `probabilities` (and `ood_score`, when the graph has it) for one input tensor. */
export async function runModel(session: ort.InferenceSession, x: Float32Array, dims: number[]): Promise<ModelOutputs> {
  const out = await session.run({ input: new ort.Tensor('float32', x, dims) });
  const ood = out[NAMES.oodScore]?.data as Float32Array | undefined;
  return { probs: out[NAMES.probabilities]!.data as Float32Array, ...(ood ? { ood } : {}) };
}

/** What became of one file: predicted, rejected, or left out for failing conformance. */
export type SliceOutcome = SlicePrediction | RejectedFile | LeftOutSlice;

/**
 * Decoded records and the model's outputs (one row per ok record, in order) as slice predictions,
 * rejections or left-out slices; a slice's OOD score is flagged above `oodThreshold`.
 */
export function sliceOutcomes(records: readonly PredictRecord[], out: ModelOutputs | undefined, oodThreshold?: number): SliceOutcome[] {
  let k = 0;
  return records.map((r): SliceOutcome => {
    if (!r.ok) {
      const { path, code, reason } = r;
      return 'failures' in r ? { path, sop: r.sop, study: r.study, series: r.series, patient: r.patient, position: r.position, failures: r.failures } : { path, code, reason };
    }
    const p = out!.probs.slice(k * 6, k * 6 + 6);
    const score = out!.ood?.[k];
    k++;
    const ood = score !== undefined && oodThreshold !== undefined ? { ood: { score, flagged: score > oodThreshold } } : {};
    return { path: r.path, sop: r.sop, study: r.study, series: r.series, patient: r.patient, position: r.position, probs: p, ...ood };
  });
}

/**
 * The first file of each SOPInstanceUID is kept (true, remembered in `firstPath`); a later one is
 * rejected as a `duplicate` naming the first (false).
 */
export function isFirstOfSop(firstPath: Map<string, string>, file: { path: string; sop: string }, rejected: RejectedFile[]): boolean {
  const first = firstPath.get(file.sop);
  if (first !== undefined) {
    rejected.push({ path: file.path, code: 'duplicate', reason: `same SOPInstanceUID ${file.sop} as ${first}` });
    return false;
  }
  firstPath.set(file.sop, file.path);
  return true;
}
