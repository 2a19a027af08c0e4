/** Evaluation (LOG_LOSS_EPS and LABEL_WEIGHTS are the data area's, beside the labels): the RSNA weighted log loss, ROC AUC and curves, operating points, calibration, and the report `ich eval` prints. */
export { LOG_LOSS_EPS, METRIC_WEIGHTS, binaryCrossEntropy, logLosses, weightedLogLoss, perLabelLogLoss, labelPrevalence, repeatRows, prevalenceLogLosses, type LogLosses } from './log-loss.js';
export { rocAuc, rocCurve, tieGroups, aucFromGroups, rocCurveFromGroups, type RocCurve, type RocCurveOptions, type TieGroups } from './roc.js';
export { sensitivitySpecificity, thresholdForSensitivity, type OperatingPoint } from './threshold.js';
export { reliabilityBins, expectedCalibrationError, type ReliabilityBin } from './calibration.js';
export { evaluate, formatEvaluation, evaluationJson, type EvaluateOptions, type EvaluationReport, type CalibrationReport } from './report.js';
export { checkMatrix, checkProbabilities, checkBinary, checkPaired, column } from './validate.js';
export { studyTable, fitPlatt, fitStudyCalibration, evaluateStudies, studyEvaluationJson, formatStudyEvaluation, PLATT_PRIOR_PRECISION, type StudyEvaluation, type StudyTable } from './study.js';
