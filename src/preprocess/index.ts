export { WINDOW_PRESETS, DEFAULT_WINDOWS, parseWindows, windowImage, type HuWindow } from './window.js';
export { resampleArea } from './resample.js';
export { sliceTensor, tensorSpec, DEFAULT_SIZE, type TensorSpec } from './tensor.js';
export { fileTensor } from './file-tensor.js';
export { stackContext, contextChannels, contextOffsets, checkContext, CONTEXT_WINDOWS, type ContextSpec } from './context.js';
export { intracranialMask, maskAtSize, softRegion, fileBrainRegion, BONE_HU, SOFT_HU, type BrainRegion } from './intracranial.js';
