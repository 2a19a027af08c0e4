// Explaining the model: per-pixel SHAP attributions of each label (gradient and partition SHAP), the
// model folder's background sample, and `ich explain` as a library call.
export * from './types.js';
export * from './model.js';
export * from './background.js';
export * from './gradient.js';
export * from './masker.js';
export * from './partition.js';
export * from './explain-files.js';
export * from './region.js';
