// Study-level results at inference: slice probabilities aggregated per study (each label's maximum
// and the slices that drive it), the model card's Platt calibration applied, each study's assessment,
// and the triage order (most urgent study first; studies not assessed after every assessed one).
import { LABELS, type Label, byLabel } from '../data/labels.js';
import type { ModelCard, StudyCalibrationCard } from '../models/folder.js';
import { assessStudy, byStudy, type LeftOutSlice, type NotAnalysedStudy, notAnalysedStudies, type StudyAssessment } from './assessment.js';
import type { SlicePrediction } from './outcomes.js';
import { calibrateStudy } from './platt.js';

/** Slices kept per label as the ones driving a study's score. */
export const DRIVING_SLICES = 3;

/** One slice behind a study's score for a label: its probability of that label. */
export interface DrivingSlice {
  sop: string;
  path: string;
  probability: number;
}

/** A study's slices reduced to its raw scores: each label's maximum, and the slices that reach it. */
export interface StudyAggregate {
  studyInstanceUID: string;
  patientID: string;
  slices: number;
  series: number;
  /** Each label's maximum over the slices (the raw study score). */
  perLabel: Record<Label, number>;
  /** Per label, the DRIVING_SLICES slices with the highest probability of it, highest first (input order among ties). */
  drivers: Record<Label, DrivingSlice[]>;
}

/** Per study (in order of first appearance): slice and series counts, each label's maximum over the slices, and the driving slices. */
export function aggregateStudies(slices: readonly SlicePrediction[]): StudyAggregate[] {
  return [...byStudy(slices).values()].map((group) => {
    const drivers = LABELS.map((_, j) =>
      group
        .map((s) => ({ sop: s.sop, path: s.path, probability: s.probs[j]! }))
        .sort((x, y) => y.probability - x.probability) // stable: input order among ties
        .slice(0, DRIVING_SLICES),
    );
    return {
      studyInstanceUID: group[0]!.study,
      patientID: group[0]!.patient,
      slices: group.length,
      series: new Set(group.map((s) => s.series)).size,
      perLabel: byLabel(drivers.map((d) => d[0]!.probability)),
      drivers: byLabel(drivers),
    };
  });
}

/** A study: its raw scores (each label's maximum over the slices) and driving slices, and, when the model card has a study calibration, its calibrated probabilities. */
export interface StudyPrediction extends StudyAggregate {
  /** Study-level raw `any`: the maximum over its slices (= perLabel.any). */
  any: number;
  /** The slice with the highest `any` (= drivers.any[0]). */
  topSlice: { sop: string; path: string; any: number };
  /** Each label's probability through the card's Platt calibration (absent when the card has none). */
  calibrated?: Record<Label, number>;
  /** Whether the study was assessed (mostly in distribution) and which of its slices were left out. */
  assessment?: StudyAssessment;
}

/** How study probabilities are formed: the maximum over slices, then Platt scaling when the card has a study calibration. */
export type StudyAggregation = 'max-over-slices' | 'max-over-slices+platt';

/** A study's P(any) for triage: calibrated when it can be, else the raw maximum. */
export const triageAny = (s: StudyPrediction): number => s.calibrated?.any ?? s.any;

/** Whether a study is listed apart from the triage order (mostly out of distribution). */
export const notAssessed = (s: StudyPrediction): boolean => s.assessment?.status === 'not-assessed';

/** Most urgent first: assessed studies by P(any) (calibrated when available) descending, then the raw maximum, then StudyInstanceUID; not-assessed studies after every assessed one, in the same order among themselves. */
export function triageOrder<T extends StudyPrediction>(studies: readonly T[]): T[] {
  const uid = (a: T, b: T) => (a.studyInstanceUID < b.studyInstanceUID ? -1 : a.studyInstanceUID > b.studyInstanceUID ? 1 : 0);
  return [...studies].sort((a, b) => Number(notAssessed(a)) - Number(notAssessed(b)) || triageAny(b) - triageAny(a) || b.any - a.any || uid(a, b));
}

/**
 * Per-study summary: slice and series counts, each label's maximum over the slices, the driving
 * slices, and with a study calibration (a model card's `study`) the calibrated probabilities; most
 * urgent first (triageOrder).
 */
export function summarizeStudies(slices: readonly SlicePrediction[], study?: StudyCalibrationCard, leftOut: readonly LeftOutSlice[] = []): StudyPrediction[] {
  const leftOutOf = byStudy(leftOut);
  const slicesOf = byStudy(slices);
  const studies = aggregateStudies(slices).map((s): StudyPrediction => {
    const top = s.drivers.any[0]!;
    return {
      ...s, any: s.perLabel.any, topSlice: { sop: top.sop, path: top.path, any: top.probability },
      ...(study ? { calibrated: calibrateStudy(s.perLabel, study.calibration) } : {}),
      assessment: assessStudy(slicesOf.get(s.studyInstanceUID)!, leftOutOf.get(s.studyInstanceUID) ?? []),
    };
  });
  return triageOrder(studies);
}

/** The study-level part of a PredictResult: per-study summaries (most urgent first), studies with nothing analysed, and how they were formed. */
export function studyLevel(slices: readonly SlicePrediction[], card: ModelCard, leftOut: readonly LeftOutSlice[] = []): { studies: StudyPrediction[]; studyAggregation: StudyAggregation; notAnalysed: NotAnalysedStudy[] } {
  const analysed = new Set(slices.map((s) => s.study));
  return { studies: summarizeStudies(slices, card.study, leftOut), notAnalysed: notAnalysedStudies(leftOut, analysed), studyAggregation: card.study ? 'max-over-slices+platt' : 'max-over-slices' };
}
