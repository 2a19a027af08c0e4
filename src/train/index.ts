// Training: `ich train` and `ich compare-optimizers` as library calls, and the pieces they are made of.
export { trainRun, optimizerConfig, ARCHITECTURES, OPTIMIZERS, type TrainRunOptions, type OptimizerKind } from './run.js';
export { trainModel, imageTrainData, type TrainOptions, type TrainData, type TrainTarget, type TrainResult, type EpochResult } from './loop.js';
export { compareOptimizers, DEFAULT_LRS, type CompareOptimizersOptions, type OptimizerTrial } from './compare-optimizers.js';
export { inceptionPlan, type InceptionPlanOptions } from './inception.js';
export { cachedFeatures, extractFeatures, FeatureSource, type FeatureTable } from './features.js';
export { BatchLoader, cachedSamples, epochOrder, type Sample, type SampleSource, type Batch, type BatchOptions } from './dataset.js';
export { augmentRecord, randomAugmentation, type Augmentation } from './augment.js';
export { prepareData, type PipelineOptions } from './pipeline.js';
export { predictLoader } from './predict-set.js';
export { sequencePlan, sequenceBase, SEQUENCE_ARCHITECTURES, type SequenceArchitecture } from './sequence.js';
export { SeriesSource, seriesGroups } from './series-source.js';
export { fitOodDetector, refitOodThreshold, calibrateOod, recordConformanceRanges, OOD_FIT_SLICES, OOD_FOLDS, type OodFitOptions } from './ood-fit.js';
