// Gradient check for one layer: emit forward + backward into one ONNX graph, run it in ORT, and compare
// dL/dx and dL/dθ for L = Σ y·r (r a fixed random cotangent) with central finite differences of L,
// the differences summed in float64 from a forward-only graph's float32 outputs.
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/shared/random.js';
import { Emitter } from '../../src/engine/emitter.js';
import type { Layer, Shape } from '../../src/engine/layers/index.js';
import { serializeModel, valueInfo } from '../../src/engine/onnx.js';
import { type HostTensor, openSession, runSession } from '../../src/engine/session.js';

/** The project's seeded PRNG (mulberry32). */
export const rng = seededRandom;

export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function uniform(random: () => number, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * random());
}

/** Values at least `gap` from zero (for ReLU kinks). */
export function awayFromZero(random: () => number, n: number, gap = 0.1): Float32Array {
  return Float32Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1) * (gap + (1 - gap) * random()));
}

/** A shuffled grid spaced `step` apart: no two values within 2·eps (for max-pooling ties). */
export function distinct(random: () => number, n: number, step = 0.05): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => (i - n / 2) * step);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

export interface GradCheckOptions {
  batch: number;
  inputShapes: Shape[];
  /** Input values; default uniform(−1, 1). */
  inputs?: Float32Array[];
  /** Parameter values by local name; default uniform(−0.5, 0.5), buffers uniform(0.5, 1.5). */
  params?: Record<string, Float32Array>;
  eps?: number;
  rtol?: number;
  /** Most coordinates per tensor to difference (a random subset beyond that). */
  maxCoords?: number;
  seed?: number;
  /** Forward in training mode (default) or inference mode (frozen layers, the input-gradient graph). */
  training?: boolean;
}

interface Built {
  bytes: Uint8Array;
  outShape: number[];
  paramShapes: Record<string, number[]>;
  trainable: string[];
}

function build(layer: Layer, batch: number, inputShapes: Shape[], differentiate: boolean, training: boolean): Built {
  const e = new Emitter();
  const xs = inputShapes.map((_, i) => `x${i}`);
  const specs = layer.params(inputShapes);
  const params = Object.fromEntries(specs.map((p) => [p.name, `p.${p.name}`]));
  e.reserve(...xs, ...Object.values(params), 'dy');
  const outShape = [batch, ...layer.outputShape(inputShapes)];
  const inputs = [
    ...xs.map((x, i) => valueInfo(x, 'float32', [batch, ...inputShapes[i]])),
    ...specs.map((p) => valueInfo(params[p.name], 'float32', p.shape)),
  ];
  const outputs = [valueInfo('y', 'float32', outShape)];
  const fwd = layer.forward(e, { inputs: xs, inputShapes, params, training, differentiate });
  e.rename(fwd.output, 'y');
  if (differentiate) {
    inputs.push(valueInfo('dy', 'float32', outShape));
    const bwd = layer.backward(e, {
      saved: fwd.saved, gradOutput: 'dy', inputShapes, outputShape: outShape.slice(1), params, needInputGrads: xs.map(() => true),
      needParamGrads: true, training,
    });
    bwd.gradInputs.forEach((g, i) => {
      assert.ok(g, `${layer.kind} gave no gradient for input ${i}`);
      e.rename(g, `dx${i}`);
      outputs.push(valueInfo(`dx${i}`, 'float32', [batch, ...inputShapes[i]]));
    });
    for (const p of specs.filter((q) => q.trainable !== false)) {
      const g = bwd.gradParams[p.name];
      assert.ok(g, `${layer.kind} gave no gradient for parameter ${p.name}`);
      e.rename(g, `d.${p.name}`);
      outputs.push(valueInfo(`d.${p.name}`, 'float32', p.shape));
    }
  }
  const bytes = serializeModel(e.graph(`${layer.kind}_check`, inputs, outputs));
  return {
    bytes, outShape,
    paramShapes: Object.fromEntries(specs.map((p) => [p.name, p.shape])),
    trainable: specs.filter((p) => p.trainable !== false).map((p) => p.name),
  };
}

/** Returns the largest relative error seen (for reporting); asserts it is within rtol. */
export async function checkLayerGradients(layer: Layer, options: GradCheckOptions): Promise<number> {
  const { batch, inputShapes, eps = 1e-2, rtol = 1e-2, maxCoords = 120, seed = 1, training = true } = options;
  const random = rng(seed);
  const withGrad = build(layer, batch, inputShapes, true, training);
  const forwardOnly = build(layer, batch, inputShapes, false, training);
  const [sessGrad, sessFwd] = await Promise.all([openSession(withGrad.bytes), openSession(forwardOnly.bytes)]);

  const feeds: Record<string, HostTensor> = {};
  inputShapes.forEach((s, i) => {
    const dims = [batch, ...s];
    feeds[`x${i}`] = { data: options.inputs?.[i] ?? uniform(random, sizeOf(dims)), dims };
  });
  for (const [name, shape] of Object.entries(withGrad.paramShapes)) {
    const buffer = !withGrad.trainable.includes(name);
    feeds[`p.${name}`] = { data: options.params?.[name] ?? uniform(random, sizeOf(shape), buffer ? 0.5 : -0.5, buffer ? 1.5 : 0.5), dims: shape };
  }
  const r = uniform(random, sizeOf(withGrad.outShape));
  const analytic = await runSession(sessGrad, { ...feeds, dy: { data: r, dims: withGrad.outShape } });
  const fwdFeeds = { ...feeds };

  const lossAt = async (): Promise<number> => {
    const { y } = await runSession(sessFwd, fwdFeeds, ['y']);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += y.data[i] * r[i];
    return s;
  };

  const targets: [feed: string, grad: string][] = [
    ...inputShapes.map((_, i): [string, string] => [`x${i}`, `dx${i}`]),
    ...withGrad.trainable.map((n): [string, string] => [`p.${n}`, `d.${n}`]),
  ];
  let worst = 0;
  for (const [feed, gradName] of targets) {
    const base = feeds[feed].data as Float32Array;
    const g = analytic[gradName].data;
    assert.deepEqual([...analytic[gradName].dims], [...feeds[feed].dims], `${gradName} shape`);
    const coords = Array.from({ length: base.length }, (_, i) => i);
    for (let i = coords.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [coords[i], coords[j]] = [coords[j], coords[i]];
    }
    const picked = coords.slice(0, maxCoords);
    const numeric: number[] = [];
    for (const i of picked) {
      const copy = Float32Array.from(base);
      fwdFeeds[feed] = { data: copy, dims: feeds[feed].dims };
      const x0 = copy[i];
      copy[i] = x0 + eps;
      const plus = await lossAt();
      copy[i] = x0 - eps;
      const minus = await lossAt();
      // The perturbation actually applied, after float32 rounding.
      numeric.push((plus - minus) / (Math.fround(x0 + eps) - Math.fround(x0 - eps)));
    }
    fwdFeeds[feed] = feeds[feed];
    const scale = Math.max(...numeric.map(Math.abs));
    assert.ok(scale > 1e-3, `${layer.kind} ${gradName}: finite differences are all ~0 (max ${scale}); the check would prove nothing`);
    let maxDiff = 0;
    picked.forEach((i, k) => { maxDiff = Math.max(maxDiff, Math.abs(g[i] - numeric[k])); });
    const rel = maxDiff / scale;
    worst = Math.max(worst, rel);
    assert.ok(rel <= rtol, `${layer.kind} ${gradName}: max |analytic − numeric| = ${maxDiff.toExponential(3)}, ${rel.toExponential(2)} of max |numeric| ${scale.toExponential(3)}`);
  }
  await Promise.all([sessGrad.release(), sessFwd.release()]);
  return worst;
}
