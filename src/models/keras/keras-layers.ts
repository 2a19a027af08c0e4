// One Keras layer (channels_last) → one engine layer (NCHW), and its weights → the engine's
// parameters: Conv2D kernels HWIO → OIHW; Dense kernels stay [in, out] (the engine's layout too);
// BatchNormalization's gamma / beta / moving statistics as they are (scale: false means no gamma).
import { AvgPool2d, BatchNorm, Concat, Conv2d, Dense, GlobalAveragePool, type Layer, MaxPool2d, ReLU } from '../../engine/layers/index.js';
import type { KerasLayer } from './keras-topology.js';
import { type DecodedTensor, type StoredWeight, decodeWeight } from './tfjs-weights.js';

/** The layer classes this importer maps (InputLayer is the graph input, not a layer). */
export const SUPPORTED_KERAS_CLASSES = ['Conv2D', 'BatchNormalization', 'Activation', 'MaxPooling2D', 'AveragePooling2D', 'Concatenate', 'GlobalAveragePooling2D', 'Dense'] as const;

const NODE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A Keras layer name as an engine node name (letters, digits, _ and -; a letter first). */
export function nodeName(kerasName: string): string {
  if (NODE_NAME.test(kerasName) && kerasName !== 'input') return kerasName;
  const cleaned = kerasName.replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z]/.test(cleaned) && cleaned !== 'input' ? cleaned : `k_${cleaned}`;
}

const pair = (v: unknown, what: string): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x))) return [v[0] as number, v[1] as number];
  throw new Error(`${what}: expected a number or two integers, got ${JSON.stringify(v)}`);
};

function square(v: unknown, what: string): number {
  const [a, b] = pair(v, what);
  if (a !== b) throw new Error(`${what}: only square windows are supported, got ${a}×${b}`);
  return a;
}

function channelsLast(k: KerasLayer): void {
  const format = k.config.data_format;
  if (format !== undefined && format !== 'channels_last') throw new Error(`Keras layer ${k.name}: data_format ${String(format)} (only channels_last)`);
}

function linear(k: KerasLayer): void {
  const act = k.config.activation;
  if (act !== undefined && act !== 'linear') throw new Error(`Keras layer ${k.name}: fused activation '${String(act)}' is not supported (only linear)`);
}

/** The engine layer computing what the Keras layer computes (in NCHW). */
export function engineLayer(k: KerasLayer): Layer {
  const c = k.config;
  switch (k.class_name) {
    case 'Conv2D': {
      channelsLast(k);
      linear(k);
      const dilation = pair(c.dilation_rate ?? 1, `${k.name} dilation_rate`);
      if (dilation[0] !== 1 || dilation[1] !== 1) throw new Error(`Keras layer ${k.name}: dilated convolutions are not supported`);
      if (c.padding !== 'same' && c.padding !== 'valid') throw new Error(`Keras layer ${k.name}: padding ${String(c.padding)}`);
      return new Conv2d({
        filters: c.filters as number,
        kernel: pair(c.kernel_size, `${k.name} kernel_size`),
        stride: pair(c.strides ?? 1, `${k.name} strides`),
        padding: c.padding,
        bias: c.use_bias !== false,
      });
    }
    case 'BatchNormalization': {
      const axis = c.axis;
      if (axis !== 3 && axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === 3 || axis[0] === -1))) {
        throw new Error(`Keras layer ${k.name}: BatchNormalization over axis ${JSON.stringify(axis)} (only the channel axis)`);
      }
      return new BatchNorm({ epsilon: c.epsilon as number, momentum: c.momentum as number, scale: c.scale !== false, center: c.center !== false });
    }
    case 'Activation':
      if (c.activation !== 'relu') throw new Error(`Keras layer ${k.name}: activation '${String(c.activation)}' (only relu)`);
      return new ReLU();
    case 'MaxPooling2D':
      channelsLast(k);
      if (c.padding !== 'valid') throw new Error(`Keras layer ${k.name}: MaxPooling2D padding ${String(c.padding)} (only valid)`);
      return new MaxPool2d({ kernel: square(c.pool_size, `${k.name} pool_size`), stride: square(c.strides ?? c.pool_size, `${k.name} strides`) });
    case 'AveragePooling2D':
      channelsLast(k);
      if (c.padding !== 'same' && c.padding !== 'valid') throw new Error(`Keras layer ${k.name}: padding ${String(c.padding)}`);
      // Keras' 'same' average excludes the padding from each window's count; so does AvgPool2d.
      return new AvgPool2d({ kernel: square(c.pool_size, `${k.name} pool_size`), stride: square(c.strides ?? c.pool_size, `${k.name} strides`), padding: c.padding });
    case 'Concatenate':
      if (c.axis !== -1 && c.axis !== 3) throw new Error(`Keras layer ${k.name}: Concatenate along axis ${String(c.axis)} (only channels)`);
      return new Concat();
    case 'GlobalAveragePooling2D':
      channelsLast(k);
      return new GlobalAveragePool();
    case 'Dense':
      linear(k);
      return new Dense({ units: c.units as number, bias: c.use_bias !== false });
    default:
      throw new Error(`Keras layer ${k.name}: class ${k.class_name} is not supported (supported: ${SUPPORTED_KERAS_CLASSES.join(', ')})`);
  }
}

/** The Keras weight names a layer owns (`<layer>/<weight>`), in the engine's parameter order. */
export function kerasWeightNames(k: KerasLayer): Record<string, string> {
  const c = k.config;
  switch (k.class_name) {
    case 'Conv2D':
    case 'Dense':
      return { weight: `${k.name}/kernel`, ...(c.use_bias !== false ? { bias: `${k.name}/bias` } : {}) };
    case 'BatchNormalization':
      return {
        ...(c.scale !== false ? { gamma: `${k.name}/gamma` } : {}),
        ...(c.center !== false ? { beta: `${k.name}/beta` } : {}),
        moving_mean: `${k.name}/moving_mean`,
        moving_variance: `${k.name}/moving_variance`,
      };
    default:
      return {};
  }
}

/** HWIO (Keras) → OIHW (ONNX Conv); `data` may be longer than the kernel (a scratch buffer). */
export function hwioToOihw(data: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(kh * kw * ci * co);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        const src = ((y * kw + x) * ci + i) * co;
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = data[src + o];
      }
    }
  }
  return out;
}

// Conv kernels are dequantized here before being transposed into their own array: fresh memory is
// touched once per parameter (page faults dominate the import's time otherwise).
let scratch = new Float32Array(0);

/** The layer's parameters by the engine's local names, in the engine's layouts, with their shapes. */
export function engineWeights(k: KerasLayer, stored: ReadonlyMap<string, StoredWeight>): Map<string, DecodedTensor> {
  const out = new Map<string, DecodedTensor>();
  for (const [local, kerasName] of Object.entries(kerasWeightNames(k))) {
    const w = stored.get(kerasName);
    if (!w) throw new Error(`the Keras weights have no ${kerasName}`);
    const shape = w.entry.shape;
    if (k.class_name === 'Conv2D' && local === 'weight') {
      if (shape.length !== 4) throw new Error(`${kerasName}: expected an HWIO kernel, got [${shape.join(',')}]`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (scratch.length < n) scratch = new Float32Array(n);
      const [kh, kw, ci, co] = shape;
      out.set(local, { shape: [co, ci, kh, kw], data: hwioToOihw(decodeWeight(w.entry, w.bytes, scratch), shape) });
    } else {
      out.set(local, { shape, data: decodeWeight(w.entry, w.bytes) });
    }
  }
  return out;
}
