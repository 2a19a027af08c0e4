// Workflows that string several areas together: `ich train` (index → split → cache → train →
// background sample → OOD fit → calibration), fold models for stacking, and `ich compare-optimizers`.
export { trainRun, optimizerConfig, ARCHITECTURES, OPTIMIZERS, DEFAULT_SCHEDULE, type TrainRunOptions, type OptimizerKind, type TrainRecipe, outOfFoldLogits, foldsByPatient, type FoldOptions } from './train-run.js';
export { compareOptimizers, DEFAULT_LRS, type CompareOptimizersOptions, type OptimizerTrial } from './compare-optimizers.js';
