export { baselineModel, type BaselineOptions } from './baseline.js';
export { buildModel, type Architecture, type SliceArchitecture } from './registry.js';
export { saveModelFolder, loadModelFolder, readModelCard, writeModelCard, modelCard, MODEL_FORMAT_VERSION, type ModelCard, type ModelFolder } from './folder.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export { predictFiles, expandInputs, summarizeStudies, formatSubmission, formatStudiesCsv, type PredictOptions, type PredictResult, type SlicePrediction, type RejectedFile, type StudyPrediction, type StudyAggregation } from './predict.js';
export { inceptionV3Model, inceptionV3Weights, inceptionV3Blocks, inceptionV3NodesBefore, INCEPTION_V3_MIN_SIZE, type InceptionV3Options, type InceptionV3Block } from './keras/index.js';
export { DEFAULT_BASE_UNTIL, INCEPTION_WEIGHTS_SOURCE, inceptionPooledBase, inceptionHead, blockIndex } from './inception.js';
export { sequenceModel, embeddingModel, sequenceHeadModel, addSequenceHead, EMBEDDING_NODES, SEQUENCE_INPUT, type SequenceHeadOptions } from './sequence.js';
export { predictBySeries, seriesAware, type SeriesSummary as PredictedSeries } from './predict-series.js';
