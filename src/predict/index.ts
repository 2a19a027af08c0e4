/** Prediction: a model folder opened once, slice outcomes, series-aware prediction, study aggregation and triage, output formats. */
export { predictFiles, expandInputs, readPredictionCard, Predictor, type PredictOptions, type PredictResult } from './predictor.js';
export { runModel, sliceOutcomes, isFirstOfSop, type SlicePrediction, type RejectedFile, type SliceOutcome, type ModelOutputs } from './outcomes.js';
export { predictBySeries, seriesAware, type SeriesSummary as PredictedSeries } from './series.js';
export { aggregateStudies, summarizeStudies, studyLevel, triageOrder, triageAny, notAssessed, DRIVING_SLICES, type DrivingSlice, type StudyAggregate, type StudyPrediction, type StudyAggregation } from './studies.js';
export { triageList, type TriageEntry } from './triage.js';
export { applyPlatt, calibrateStudy } from './platt.js';
export { assessStudy, NOT_ASSESSED_SHARE, type LeftOutSlice, type NotAnalysedStudy, type SliceOod, type StudyAssessment } from './assessment.js';
export { formatSubmission, formatStudiesCsv, formatSlicesCsv } from './output.js';
export { openDecoder, decodeInOrder, type Decoder } from './decode-ahead.js';
export { type PredictTask, type PredictRecord, type SliceIds } from './decode-worker.js';
