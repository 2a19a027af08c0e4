// Importing Keras models that ship as TensorFlow.js files: nsfwjs's InceptionV3 for transfer learning.
export {
  inceptionV3Model, inceptionV3Weights, inceptionV3Blocks, inceptionV3NodesBefore, inceptionV3Topology, inceptionV3MixedBlocks,
  INCEPTION_V3_MIN_SIZE, INCEPTION_V3_NODES, type InceptionV3Options, type InceptionV3Block,
} from './inception-v3.js';
export { readInceptionV3Files, readInceptionV3Model, readShards, nsfwjsPackageDir, inceptionV3Dir, NSFWJS_VERSION, type KerasModelFiles } from './nsfwjs-files.js';
export { decodeWeights, decodeWeight, locateWeights, float16ToFloat32, type StoredWeight, type WeightsManifest, type WeightEntry, type DecodedTensor } from './tfjs-weights.js';
export { engineLayer, engineWeights, nodeName, hwioToOihw, SUPPORTED_KERAS_CLASSES } from './keras-layers.js';
export { kerasLayers, type KerasLayer } from './keras-topology.js';
export { parseJsLiteral } from './js-literal.js';
