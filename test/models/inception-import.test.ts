// The InceptionV3 importer against TensorFlow.js running nsfwjs's original Keras model: the same
// quantized files (tfjs dequantizes them itself here), the Keras graph truncated at mixed5 / mixed7 /
// mixed10 and globally average-pooled, versus our ONNX graph of the imported network in ORT.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { planStudy } from '../../src/data/phantom/plan.js';
import { renderSlice } from '../../src/data/phantom/render.js';
import { seededRandom } from '../../src/shared/random.js';
import { Affine, compileInference, initWeights, type Model, modelParams, modelShapes, openSession, outputShape, runSession } from '../../src/engine/index.js';
import { inceptionPooledBase, nodesBefore } from '../../src/models/inception.js';
import {
  INCEPTION_V3_MIN_SIZE, decodeWeights, float16ToFloat32, inceptionV3Blocks, inceptionV3Model, inceptionV3Weights, kerasLayers, parseJsLiteral,
  readInceptionV3Files, type KerasModelFiles, type WeightsManifest,
} from '../../src/models/keras/index.js';
import { ancestors } from '../../src/models/keras/keras-topology.js';
import { buildModel } from '../../src/models/registry.js';
import { parseWindows, windowImage } from '../../src/preprocess/window.js';
import { checkLayerGradients } from '../engine/gradcheck.js';

const SIZE = 128;
const CUTS = ['mixed5', 'mixed7', 'mixed10'] as const;
const FEATURES: Record<(typeof CUTS)[number], number> = { mixed5: 768, mixed7: 768, mixed10: 2048 };
/** Largest |ours − TF.js| allowed on a pooled feature. */
const ATOL = 1e-4;

let files: KerasModelFiles;

before(async () => {
  tf.env().set('PROD', true); // no "install tfjs-node" banner
  assert.ok(await tf.setBackend('cpu'), 'TF.js cpu backend');
  files = readInceptionV3Files();
});

after(() => tf.disposeVariables());

/** All shards back to back, as tfjs's loaders hand them to decodeWeights. */
function concatenated(f: KerasModelFiles): ArrayBuffer {
  const parts = f.shards.flat();
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.buffer;
}

test('the minified-literal reader: unquoted keys, !0/!1, .5 and 1e-7 numbers, escapes; it evaluates nothing', () => {
  const text = `x=1;n.exports={a:!0,b:!1,"c d":[.5,-.25,1e-7,3,-2E+2,null],e:{f:"q\\"uo\\u0074e",g:'s'},h:[],i:{}},z`;
  const { value, end } = parseJsLiteral(text, text.indexOf('{'));
  assert.deepEqual(value, { a: true, b: false, 'c d': [0.5, -0.25, 1e-7, 3, -200, null], e: { f: 'q"uote', g: 's' }, h: [], i: {} });
  assert.equal(text[end], ',');
  assert.throws(() => parseJsLiteral('{a:f()}'), /unsupported value/);
  assert.throws(() => parseJsLiteral('{a:1'), /expected ',' or '}'/);
  assert.throws(() => readInceptionV3Files('/nonexistent/inception_v3'), /model\.min\.js is missing: is nsfwjs@4\.4\.0 installed completely\?/);
});

test('shards: base64 read from the bundles equals Buffer base64 decoding; every weight dequantizes as tf.io.decodeWeights does', async () => {
  for (const [g, group] of files.weightsManifest.entries()) {
    for (const [k, path] of group.paths.entries()) {
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(`${files.dir}/${path}.min.js`, 'latin1');
      const m = /exports="([A-Za-z0-9+/=]*)"/.exec(text);
      assert.ok(m, path);
      assert.ok(Buffer.from(m[1], 'base64').equals(files.shards[g][k]), `${path} decodes differently`);
    }
  }
  const ours = decodeWeights(files.weightsManifest, files.shards);
  const specs = files.weightsManifest.flatMap((g) => g.weights);
  const theirs = tf.io.decodeWeights(concatenated(files), specs as tf.io.WeightsManifestEntry[]);
  assert.equal(ours.size, specs.length);
  let total = 0;
  for (const s of specs) {
    const a = ours.get(s.name)!.data;
    const b = theirs[s.name].dataSync() as Float32Array;
    assert.equal(a.length, b.length, s.name);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${s.name}[${i}]: ${a[i]} vs tfjs ${b[i]}`);
    total += a.length;
  }
  tf.dispose(Object.values(theirs));
  assert.equal(total, 22_360_869);
});

test('dequantization of uint16, float16 and float32 entries, one straddling two shards, matches tf.io.decodeWeights bit for bit', () => {
  const random = seededRandom(5);
  const halves = Uint16Array.from({ length: 65536 }, (_, i) => i); // every float16 bit pattern
  const u16 = Uint16Array.from({ length: 300 }, () => Math.floor(random() * 65536));
  const f32 = Float32Array.from({ length: 77 }, () => (random() - 0.5) * 1e3);
  const u8 = Uint8Array.from({ length: 33 }, () => Math.floor(random() * 256));
  const bytes = new Uint8Array(halves.byteLength + u16.byteLength + f32.byteLength + u8.byteLength);
  bytes.set(new Uint8Array(halves.buffer), 0);
  bytes.set(new Uint8Array(u16.buffer), halves.byteLength);
  bytes.set(new Uint8Array(f32.buffer), halves.byteLength + u16.byteLength);
  bytes.set(u8, halves.byteLength + u16.byteLength + f32.byteLength);
  const manifest: WeightsManifest = [
    { paths: ['a', 'b'], weights: [
      { name: 'h', shape: [256, 256], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'u', shape: [3, 100], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.000123456789, min: -3.3 } },
    ] },
    { paths: ['c'], weights: [
      { name: 'f', shape: [7, 11], dtype: 'float32' },
      { name: 'q', shape: [33], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.0171, min: -1.23456789 } },
    ] },
  ];
  const cut1 = halves.byteLength + 101; // 'u' straddles the first two shards
  const cut2 = halves.byteLength + u16.byteLength;
  const shards = [[bytes.slice(0, cut1), bytes.slice(cut1, cut2)], [bytes.slice(cut2)]];
  const ours = decodeWeights(manifest, shards);
  const theirs = tf.io.decodeWeights(bytes.buffer, manifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[]);
  for (const name of ['h', 'u', 'f', 'q']) {
    const a = ours.get(name)!.data;
    const b = theirs[name].dataSync() as Float32Array;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) assert.fail(`${name}[${i}]: ${a[i]} vs tfjs ${b[i]}`);
  }
  tf.dispose(Object.values(theirs));
  assert.equal(float16ToFloat32(0x3c00), 1);
  assert.equal(float16ToFloat32(0xc000), -2);
  assert.equal(float16ToFloat32(0x0001), 2 ** -24);
  assert.equal(float16ToFloat32(0x7c00), Infinity);
});

test('the topology: what the importer relies on', () => {
  const layers = kerasLayers(files.modelTopology);
  assert.equal(layers.length, 318);
  const bn = layers.filter((l) => l.class_name === 'BatchNormalization');
  assert.equal(bn.length, 94);
  assert.ok(bn.every((l) => l.config.scale === false && l.config.epsilon === 0.001 && l.config.center === true));
  assert.ok(layers.filter((l) => l.class_name === 'Conv2D').every((l) => l.config.use_bias === false && l.config.activation === 'linear'));
  assert.ok(files.weightsManifest.every((g) => g.weights.every((w) => w.quantization?.dtype === 'uint8')));
  // The pooling before nsfwjs's head is a fixed 8×8 window (299-pixel input); ours pools globally.
  const head = layers.find((l) => l.name === 'average_pooling2d_10')!;
  assert.deepEqual(head.config.pool_size, [8, 8]);
});

test('feature size at each cut, input size checks, nodes named after the Keras layers, blocks', () => {
  for (const cut of ['mixed0', 'mixed3', ...CUTS, 'mixed8']) {
    const model = inceptionV3Model({ baseUntil: cut });
    const expected = { mixed0: 256, mixed3: 768, mixed8: 1280, ...FEATURES }[cut];
    assert.deepEqual(modelShapes(model).get('avg_pool'), [expected], cut);
    assert.deepEqual(outputShape(model), [6]);
  }
  assert.deepEqual(modelShapes(inceptionV3Model({ size: INCEPTION_V3_MIN_SIZE, baseUntil: 'mixed10' })).get('mixed10'), [2048, 1, 1]);
  assert.deepEqual(modelShapes(inceptionV3Model({ size: 299, baseUntil: 'mixed10' })).get('mixed10'), [2048, 8, 8]);
  assert.throws(() => inceptionV3Model({ size: 74 }), /input size 74 is too small; InceptionV3 needs an integer side of at least 75/);
  assert.throws(() => inceptionV3Model({ size: 32, baseUntil: 'mixed0' }), /at least 75/);
  assert.throws(() => inceptionV3Model({ baseUntil: 'mixed11' }), /baseUntil 'mixed11' is not a block/);
  assert.throws(() => inceptionV3Model({ baseUntil: 'mixed9_0' }), /not a block/);

  const model = inceptionV3Model({ baseUntil: 'mixed10', head: 4 });
  assert.deepEqual(outputShape(model), [4]);
  const layers = kerasLayers(files.modelTopology);
  const base = [...ancestors(layers, 'mixed10')].filter((n) => n !== 'input_1');
  assert.deepEqual(new Set(model.nodes.map((n) => n.name)), new Set(['rescale', ...base, 'avg_pool', 'head']));
  assert.ok(model.nodes[0].layer instanceof Affine && model.nodes[0].name === 'rescale');

  const blocks = inceptionV3Blocks(model);
  assert.deepEqual(blocks.map((b) => b.name), ['stem', ...Array.from({ length: 11 }, (_, k) => `mixed${k}`), 'head']);
  assert.equal(blocks.flatMap((b) => b.nodes).length, model.nodes.length, 'every node in exactly one block');
  assert.equal(new Set(blocks.flatMap((b) => b.nodes)).size, model.nodes.length);
  assert.deepEqual(blocks[0].nodes.slice(-2), ['activation_5', 'max_pooling2d_2']);
  assert.deepEqual(blocks.at(-1)!.nodes, ['avg_pool', 'head']);
  // In Keras' own layer order each block runs from after the previous mixed layer to its own.
  const order = layers.map((l) => l.name);
  for (const b of blocks.slice(1, -1)) {
    const at = (n: string) => order.indexOf(n);
    assert.equal(b.nodes.at(-1), b.name);
    assert.ok(b.nodes.every((n) => at(n) > at(blocks[blocks.indexOf(b) - 1].nodes.at(-1)!) && at(n) <= at(b.name)), b.name);
  }
  assert.ok(blocks.find((b) => b.name === 'mixed9')!.nodes.includes('mixed9_0'));
  const frozen = new Set(nodesBefore(model, 'mixed7'));
  assert.ok(frozen.has('conv2d_1') && frozen.has('mixed6') && !frozen.has('mixed7') && !frozen.has('head'));
});

test('pretrained weights: every base parameter filled and transposed, the head left to the caller; channels ≠ 3 is refused', (t) => {
  const started = performance.now();
  const model = inceptionV3Model({ baseUntil: 'mixed5' });
  const weights = inceptionV3Weights(model, new Map(), files);
  t.diagnostic(`mixed5 model and weights (shards already read) in ${(performance.now() - started).toFixed(0)} ms`);
  const params = modelParams(model);
  assert.deepEqual(params.filter((p) => !weights.has(p.name)).map((p) => p.name), ['head.weight', 'head.bias']);
  // A 1×7 kernel (mixed4): HWIO → OIHW, every value.
  const conv = kerasLayers(files.modelTopology).find((l) => l.class_name === 'Conv2D' && JSON.stringify(l.config.kernel_size) === '[1,7]')!;
  const bn = 'batch_normalization_7';
  const decoded = decodeWeights(files.weightsManifest, files.shards, (n) => n === `${conv.name}/kernel` || n === `${bn}/moving_variance`);
  const k = decoded.get(`${conv.name}/kernel`)!;
  const [kh, kw, ci, co] = k.shape;
  assert.deepEqual([kh, kw], [1, 7]);
  const ours = weights.get(`${conv.name}.weight`)!;
  assert.deepEqual(params.find((p) => p.name === `${conv.name}.weight`)!.shape, [co, ci, kh, kw]);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) {
          if (ours[((o * ci + i) * kh + y) * kw + x] !== k.data[((y * kw + x) * ci + i) * co + o]) assert.fail(`${conv.name} [${y},${x},${i},${o}]`);
        }
      }
    }
  }
  assert.deepEqual(weights.get(`${bn}.moving_variance`), decoded.get(`${bn}/moving_variance`)!.data);
  assert.ok(!params.some((p) => p.name.endsWith('.gamma')), 'scale: false → no gamma');
  const merged = inceptionV3Weights(model, initWeights(model, 1), files);
  assert.equal(merged.size, params.length);

  const oneWindow = inceptionV3Model({ channels: 1 });
  assert.throws(() => inceptionV3Weights(oneWindow, new Map(), files), /conv2d_1 was trained on 3 input channels \(RGB\) and this model has 1/);
});

test('the registry rebuilds the architecture from its options', () => {
  const options = { size: 96, baseUntil: 'mixed7' };
  const a = buildModel({ name: 'inception', options });
  const b = inceptionV3Model(options);
  assert.deepEqual(a.nodes.map((n) => [n.name, n.layer.kind, n.inputs]), b.nodes.map((n) => [n.name, n.layer.kind, n.inputs]));
  assert.deepEqual(modelParams(a).map((p) => [p.name, p.shape]), modelParams(b).map((p) => [p.name, p.shape]));
});

test('Affine (the input rescale): gradient 2·dy against finite differences', async () => {
  await checkLayerGradients(new Affine({ scale: 2, shift: -1 }), { batch: 2, inputShapes: [[3, 4, 5]] });
});

// ---- Against TF.js -------------------------------------------------------------------------------

/** Two phantom slices (brain, subdural and soft windows) and one uniform random image, NCHW in [0, 1]. */
function images(): Float32Array {
  const n = SIZE * SIZE;
  const windows = parseWindows('brain,subdural,soft');
  const out = new Float32Array(3 * 3 * n);
  const plan = planStudy(2, { seed: 11, size: SIZE, positiveShare: 1, compress: false });
  [Math.round(plan.slices * 0.5), Math.round(plan.bleeds[0]?.zCenter ?? plan.slices * 0.3)].forEach((slice, b) => {
    const { hu } = renderSlice(plan, slice);
    windows.forEach((w, c) => windowImage(hu, w, out.subarray((b * 3 + c) * n, (b * 3 + c + 1) * n)));
  });
  const random = seededRandom(9);
  for (let i = 2 * 3 * n; i < out.length; i++) out[i] = random();
  return out;
}

/** nsfwjs's Keras model loaded by tfjs from the same files, cut to the given layers' outputs, input SIZE². */
async function tfjsModel(outputs: readonly string[]): Promise<tf.LayersModel> {
  const topology = structuredClone(files.modelTopology) as { model_config: { config: { layers: { name: string; class_name: string; config: Record<string, unknown> }[]; output_layers: unknown } } };
  const config = topology.model_config.config;
  const keep = new Set(outputs.flatMap((o) => [...ancestors(kerasLayers(files.modelTopology), o)]));
  config.layers = config.layers.filter((l) => keep.has(l.name));
  const input = config.layers.find((l) => l.class_name === 'InputLayer')!;
  input.config.batch_input_shape = [null, SIZE, SIZE, 3];
  config.output_layers = outputs.map((o) => [o, 0, 0]);
  const weightSpecs = files.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  // strict: false, as the head's weights (past the cut) are in the files but not in the model.
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs, weightData: concatenated(files) }), { strict: false });
}

test(`pooled features at ${CUTS.join(', ')}: our ONNX graph in ORT vs TF.js on nsfwjs's Keras model (${SIZE}×${SIZE}, 3 images)`, async (t) => {
  const x = images();
  const batch = 3;
  let started = performance.now();
  const keras = await tfjsModel(CUTS);
  const expected = tf.tidy(() => {
    const nhwc = tf.tensor4d(x, [batch, 3, SIZE, SIZE]).transpose([0, 2, 3, 1]).mul(2).sub(1);
    const outs = keras.predict(nhwc) as tf.Tensor4D[];
    return outs.map((o) => o.mean([1, 2]).dataSync() as Float32Array);
  });
  keras.dispose();
  const tfjsMs = performance.now() - started;

  started = performance.now();
  const full = inceptionV3Model({ size: SIZE, baseUntil: 'mixed10' });
  const weights = inceptionV3Weights(full, new Map(), files);
  for (const [c, cut] of CUTS.entries()) {
    const base: Model = inceptionPooledBase(inceptionV3Model({ size: SIZE, baseUntil: cut }));
    const session = await openSession(compileInference(base, weights, { logits: true }));
    const { logits } = await runSession(session, { input: { data: x, dims: [batch, 3, SIZE, SIZE] } }, ['logits']);
    await session.release();
    assert.deepEqual([...logits.dims], [batch, FEATURES[cut]]);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < logits.data.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(logits.data[i] - expected[c][i]));
      maxAbs = Math.max(maxAbs, Math.abs(expected[c][i]));
    }
    t.diagnostic(`${cut}: max |ours − tfjs| ${maxDiff.toExponential(2)} (features up to ${maxAbs.toFixed(3)})`);
    assert.ok(maxAbs > 0.05, `${cut}: features are all ~0; the comparison would prove nothing`);
    assert.ok(maxDiff <= ATOL, `${cut}: max |ours − tfjs| = ${maxDiff.toExponential(3)} > ${ATOL}`);
  }
  t.diagnostic(`TF.js cpu: ${(tfjsMs / 1000).toFixed(1)} s; ours (weights, 3 graphs compiled and run): ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
