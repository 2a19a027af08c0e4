// Every layer's emitted backward against central finite differences of its emitted forward, in ORT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileInference, openSession, ort, sequential } from '../../src/engine/index.js';
import { AvgPool2d, BatchNorm, Concat, Conv2d, Dense, Flatten, GlobalAveragePool, LeakyReLU, MaxPool2d, ReLU, Sigmoid, TemporalConv, Add, Columns, SeriesMean } from '../../src/engine/layers/index.js';
import { awayFromZero, checkLayerGradients, distinct, rng, sizeOf, uniform } from './gradcheck.js';

for (const weightGrad of ['im2col', 'conv'] as const) {
  test(`Conv2d 3×3 same, stride 1, bias (weight gradient by ${weightGrad})`, async () => {
    await checkLayerGradients(new Conv2d({ filters: 4, kernel: 3, padding: 'same', weightGrad }), { batch: 2, inputShapes: [[3, 5, 6]] });
  });
  test(`Conv2d 3×3 same, stride 2, odd size: asymmetric pads, ConvTranspose input gradient (${weightGrad})`, async () => {
    await checkLayerGradients(new Conv2d({ filters: 3, kernel: 3, stride: 2, padding: 'same', weightGrad }), { batch: 2, inputShapes: [[2, 7, 6]] });
  });
  test(`Conv2d 2×3 valid, stride 2, no bias, rows dropped by the floor (${weightGrad})`, async () => {
    await checkLayerGradients(new Conv2d({ filters: 2, kernel: [2, 3], stride: 2, bias: false, weightGrad }), { batch: 3, inputShapes: [[2, 5, 8]] });
  });
  test(`Conv2d 1×1 with padding wider than the kernel (${weightGrad})`, async () => {
    await checkLayerGradients(new Conv2d({ filters: 3, kernel: 1, padding: 1, weightGrad }), { batch: 2, inputShapes: [[2, 3, 4]] });
  });
}

test('Dense with bias', async () => {
  await checkLayerGradients(new Dense({ units: 3 }), { batch: 4, inputShapes: [[5]] });
});

test('Dense without bias', async () => {
  await checkLayerGradients(new Dense({ units: 2, bias: false }), { batch: 3, inputShapes: [[4]] });
});

test('ReLU', async () => {
  const n = sizeOf([2, 3, 3, 3]);
  await checkLayerGradients(new ReLU(), { batch: 2, inputShapes: [[3, 3, 3]], inputs: [awayFromZero(rng(2), n)] });
});

test('LeakyReLU', async () => {
  const n = sizeOf([2, 3, 3, 3]);
  await checkLayerGradients(new LeakyReLU(0.3), { batch: 2, inputShapes: [[3, 3, 3]], inputs: [awayFromZero(rng(3), n)] });
});

test('LeakyReLU with a slope above 1', async () => {
  const n = sizeOf([2, 3, 3, 3]);
  await checkLayerGradients(new LeakyReLU(1.5), { batch: 2, inputShapes: [[3, 3, 3]], inputs: [awayFromZero(rng(8), n)] });
});

test('Sigmoid', async () => {
  await checkLayerGradients(new Sigmoid(), { batch: 2, inputShapes: [[4]], inputs: [Float32Array.from([-3, -1, 0, 0.5, 1, 2, 4, -0.2])] });
});

test('MaxPool 2×2 (MaxUnpool gradient), odd width', async () => {
  const n = sizeOf([2, 3, 4, 5]);
  await checkLayerGradients(new MaxPool2d(), { batch: 2, inputShapes: [[3, 4, 5]], inputs: [distinct(rng(4), n)] });
});

test('MaxPool 3×3 stride 2, overlapping windows (scatter-add gradient)', async () => {
  const n = sizeOf([2, 2, 7, 7]);
  await checkLayerGradients(new MaxPool2d({ kernel: 3, stride: 2 }), { batch: 2, inputShapes: [[2, 7, 7]], inputs: [distinct(rng(5), n)] });
});

test('GlobalAveragePool', async () => {
  await checkLayerGradients(new GlobalAveragePool(), { batch: 2, inputShapes: [[3, 4, 5]] });
});

test('Flatten', async () => {
  await checkLayerGradients(new Flatten(), { batch: 2, inputShapes: [[2, 3, 4]] });
});

test('Concat along channels', async () => {
  await checkLayerGradients(new Concat(), { batch: 2, inputShapes: [[2, 3, 3], [3, 3, 3]] });
});

test('AvgPool 2×2 valid', async () => {
  await checkLayerGradients(new AvgPool2d(), { batch: 2, inputShapes: [[2, 4, 5]] });
});

test('AvgPool 3×3 stride 1 same (Inception style; borders average the in-bounds values only)', async () => {
  await checkLayerGradients(new AvgPool2d({ kernel: 3, stride: 1, padding: 'same' }), { batch: 2, inputShapes: [[2, 5, 4]] });
});

test('AvgPool 3×3 stride 2 same on an odd size (overlapping, asymmetric pads)', async () => {
  await checkLayerGradients(new AvgPool2d({ kernel: 3, stride: 2, padding: 'same' }), { batch: 2, inputShapes: [[2, 7, 6]] });
});

test('BatchNorm training mode on C×H×W (batch statistics)', async () => {
  await checkLayerGradients(new BatchNorm(), { batch: 3, inputShapes: [[3, 4, 4]] });
});

test('BatchNorm training mode on [C] without γ', async () => {
  await checkLayerGradients(new BatchNorm({ scale: false }), { batch: 5, inputShapes: [[4]] });
});

test('BatchNorm inference mode (moving statistics), as a frozen layer or the input-gradient graph sees it', async () => {
  await checkLayerGradients(new BatchNorm({ epsilon: 1e-3 }), { batch: 2, inputShapes: [[3, 3, 4]], training: false });
});

test('TemporalConv k=3 along a series of 6 slices (the batch axis), with bias', async () => {
  await checkLayerGradients(new TemporalConv({ filters: 3, kernel: 3 }), { batch: 6, inputShapes: [[4]] });
});

test('TemporalConv k=5 over a series shorter than the kernel, no bias', async () => {
  await checkLayerGradients(new TemporalConv({ filters: 2, kernel: 5, bias: false }), { batch: 3, inputShapes: [[3]] });
});

test('TemporalConv k=1 on a single slice', async () => {
  await checkLayerGradients(new TemporalConv({ filters: 2, kernel: 1 }), { batch: 1, inputShapes: [[5]] });
});

test('TemporalConv computes y[t, f] = b[f] + Σ_j Σ_d W[f, d, j] · x[t + j − k/2, d], zero beyond the series ends', async () => {
  const [t, d, f, k] = [7, 3, 2, 5];
  const model = sequential([d], [['tc', new TemporalConv({ filters: f, kernel: k })]]);
  const random = rng(11);
  const w = uniform(random, f * d * k);
  const b = uniform(random, f);
  const x = uniform(random, t * d);
  const session = await openSession(compileInference(model, new Map([['tc.weight', w], ['tc.bias', b]]), { logits: true }));
  const y = (await session.run({ input: new ort.Tensor('float32', x, [t, d]) })).logits!.data as Float32Array;
  for (let r = 0; r < t; r++) {
    for (let o = 0; o < f; o++) {
      let s = b[o]!;
      for (let j = 0; j < k; j++) {
        const at = r + j - (k - 1) / 2;
        if (at >= 0 && at < t) for (let c = 0; c < d; c++) s += w[(o * d + c) * k + j]! * x[at * d + c]!;
      }
      assert.ok(Math.abs(y[r * f + o]! - s) < 1e-5, `y[${r}, ${o}] = ${y[r * f + o]}, expected ${s}`);
    }
  }
  await session.release();
});

test('Add of two inputs (residual sum)', async () => {
  await checkLayerGradients(new Add(), { batch: 3, inputShapes: [[4], [4]] });
});

test('Columns [2, 5) of 7 features', async () => {
  await checkLayerGradients(new Columns({ start: 2, end: 5 }), { batch: 3, inputShapes: [[7]] });
});

test('SeriesMean over a series of 5 rows', async () => {
  await checkLayerGradients(new SeriesMean(), { batch: 5, inputShapes: [[3]] });
});
