// The model engine: layer graphs compiled to ONNX graphs, run by ONNX Runtime.
export * from './layers/index.js';
export { Emitter } from './emitter.js';
export { GraphBuilder, INPUT, sequential, freeze, modelShapes, modelParams, outputShape, emitForward, emitBackward } from './graph.js';
export type { Model, ModelNode, Param, Weights, ForwardPass, BackwardPass, ForwardOptions, BackwardOptions } from './graph.js';
export { compileInference, compileInputGradient, compileTrainStep, NAMES } from './compile.js';
export type { RewriteOptions, InferenceOptions, InputGradientOptions, TrainStepOptions, TrainStepGraph, TrainParamIO, TrainStateIO, TrainBufferIO } from './compile.js';
export { poolBeforeActivation } from './rewrite.js';
export { emitWeightedBceWithLogits } from './loss.js';
export { makeOptimizer, ADAM_DEFAULTS, SGD_DEFAULTS, RMSPROP_DEFAULTS } from './optimizers.js';
export type { OptimizerConfig, AdamConfig, SgdConfig, RmspropConfig, Optimizer } from './optimizers.js';
export { initWeights, initTensor } from './init.js';
export { openSession, runSession, scalar, ort } from './session.js';
export type { SessionOptions, HostTensor } from './session.js';
export { OPSET, IR_VERSION, serializeModel, decodeModel } from './onnx.js';
export { TrainSession, type TrainSessionOptions } from './train-session.js';
