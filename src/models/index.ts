export { baselineModel, type BaselineOptions } from './baseline.js';
export { buildModel, type Architecture, type SliceArchitecture } from './registry.js';
export { saveModelFolder, loadModelFolder, readModelCard, writeModelCard, modelCard, MODEL_FORMAT_VERSION, type ModelCard, type ModelFolder, type PlattParams, type StudyCalibrationCard } from './folder.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export { fitMahalanobis, mahalanobisScores, outOfFoldScores, shareThreshold, describeOodThreshold, DEFAULT_OOD_SHARE, OOD_SHRINKAGE, type OodCard } from './ood.js';
export { inceptionV3Model, inceptionV3Weights, inceptionV3Blocks, inceptionV3NodesBefore, INCEPTION_V3_MIN_SIZE, type InceptionV3Options, type InceptionV3Block } from './keras/index.js';
export { DEFAULT_BASE_UNTIL, INCEPTION_WEIGHTS_SOURCE, inceptionPooledBase, inceptionHead, blockIndex } from './inception.js';
export { sequenceModel, embeddingModel, sequenceHeadModel, addSequenceHead, EMBEDDING_NODES, SEQUENCE_INPUT, type SequenceHeadOptions } from './sequence.js';
