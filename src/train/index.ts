// Training: the loop and the pieces it is made of (what runs around it, `ich train` and `ich compare-optimizers`, is in workflow/).
export { trainModel, imageTrainData, type TrainOptions, type TrainData, type TrainTarget, type TrainResult, type EpochResult } from './loop.js';
export { inceptionPlan, type InceptionPlanOptions } from './inception.js';
export { cachedFeatures, extractFeatures, FeatureSource, type FeatureTable } from './features.js';
export { BatchLoader, cachedSamples, epochOrder, type Sample, type SampleSource, type Batch, type BatchOptions } from './dataset.js';
export { augmentRecord, randomAugmentation, type Augmentation } from './augment.js';
export { prepareData, type PipelineOptions } from './pipeline.js';
export { predictLoader } from './predict-set.js';
export { sequencePlan, sequenceBase, SEQUENCE_ARCHITECTURES, type SequenceArchitecture } from './sequence.js';
export { SeriesSource, seriesGroups } from './series-source.js';
export { fitOodDetector, refitOodThreshold, calibrateOod, recordConformanceRanges, OOD_FIT_SLICES, OOD_FOLDS, type OodFitOptions } from './ood-fit.js';
