// calibrateStudies(): fits a model folder's study-level Platt calibration on a part of a data folder's split and stores it in model.json.
import type { Part } from '../data/split.js';
import { readModelCard, writeModelCard } from '../models/folder.js';
import { labelledStudyTable, type PredictPartOptions, predictLabelled } from './evaluate-model.js';
import { type StudyCalibrationCard } from '../models/folder.js';
import { type StudyEvaluation, evaluateStudies, fitStudyCalibration } from './study.js';

export interface CalibrateStudiesOptions extends PredictPartOptions {
  /** Which slices to fit on; default `val` (the part training picked the best epoch on, never the test part by default). */
  part?: Part | 'all';
  /** Precision of the Gaussian prior toward the identity; default PLATT_PRIOR_PRECISION. */
  priorPrecision?: number;
}

export interface StudyCalibrationResult {
  model: string;
  data: string;
  /** What was written into model.json as `study`. */
  card: StudyCalibrationCard;
  /** The fitting studies' metrics: raw (before) and calibrated (after, in `calibrated`). */
  evaluation: StudyEvaluation;
  /** Predicted slices without a complete label row, and rejected files (left out of the fit). */
  unlabelled: number;
  rejected: number;
  seconds: number;
}

/**
 * Predicts the labelled slices of one part of `dataDir` (default `val`) with the model folder
 * `modelDir`, aggregates them per study (each label's maximum over the slices), fits one Platt
 * scaling per label on those raw study scores, and writes it into `modelDir/model.json` as `study`
 * (no other field changes; a previous calibration is replaced, never used for the fit).
 */
export async function calibrateStudies(modelDir: string, dataDir: string, options: CalibrateStudiesOptions = {}): Promise<StudyCalibrationResult> {
  const started = performance.now();
  const p = await predictLabelled(modelDir, dataDir, { ...options, part: options.part ?? 'val' });
  const table = labelledStudyTable(p);
  const calibration = fitStudyCalibration(table, options.priorPrecision);
  const evaluation = evaluateStudies(table, calibration);
  const card: StudyCalibrationCard = { aggregation: 'max-over-slices', calibration, fitted: { part: p.part, studies: evaluation.n, positives: evaluation.positives } };
  writeModelCard(p.predicted.model, { ...readModelCard(p.predicted.model), study: card });
  return { model: p.predicted.model, data: p.data, card, evaluation, unlabelled: p.unlabelled.length, rejected: p.predicted.rejected.length, seconds: (performance.now() - started) / 1000 };
}
