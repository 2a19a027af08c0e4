/** ichdetect's library API: everything the `ich` CLI does is a call a user can make from code. */
export * from './shared/index.js';
export * from './dicom/index.js';
export * from './preprocess/index.js';
export * from './data/index.js';
export * from './figures/index.js';
export * from './engine/index.js';
export * from './models/index.js';
export * from './predict/index.js';
export * from './evaluate/index.js';
export * from './train/index.js';
export * from './explain/index.js';
export * from './workflow/index.js';
export * from './queue/index.js';
export { evaluateModel, predictLabelled, labelledStudyTable, modelEvaluationJson, writeEvaluationReport, rocFigureOf, calibrationFigureOf, type EvaluateModelOptions, type PredictPartOptions, type LabelledPrediction, type ModelEvaluation } from './evaluate/evaluate-model.js';
export { calibrateStudies, type CalibrateStudiesOptions, type StudyCalibrationResult } from './evaluate/calibrate-model.js';
export * from './serve/index.js';
