import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSlice } from '../../src/dicom/load.js';
import { resampleArea } from '../../src/preprocess/resample.js';
import { decodeFrame } from '../../src/dicom/codecs/index.js';
import { huFromStored } from '../../src/dicom/hu.js';
import { parseDicomFile } from '../../src/dicom/read.js';
import { encodeCtSlice } from '../../src/dicom/write.js';
import { sliceTensor, storedSliceTensor, tensorSpec } from '../../src/preprocess/tensor.js';
import { parseWindows, windowImage } from '../../src/preprocess/window.js';
import { maxAbsDiff } from '../helpers/hu.js';
import { pydicomFile } from '../helpers/paths.js';

test('windows: presets, CENTER/WIDTH, and clear errors', () => {
  assert.deepEqual(parseWindows('brain,subdural,soft,bone').map((w) => [w.center, w.width]), [[40, 80], [80, 200], [40, 380], [600, 2800]]);
  assert.deepEqual(parseWindows('-600/1500').map((w) => [w.center, w.width]), [[-600, 1500]]);
  assert.throws(() => parseWindows('lung'), /neither a preset/);
  assert.throws(() => parseWindows('40/0'), /neither a preset|positive/);
  const hu = Float32Array.from([-1000, 0, 20, 40, 60, 80, 2000]);
  assert.deepEqual(Array.from(windowImage(hu, parseWindows('brain')[0]!)), [0, 0, 0.25, 0.5, 0.75, 1, 1]);
});

test('area resampling keeps constants, averages blocks exactly and pads non-square images with the fill value', () => {
  const out = new Float32Array(4);
  resampleArea(new Float32Array(16).fill(0.7), 4, 4, 2, 0, out);
  assert.ok(maxAbsDiff(out, [0.7, 0.7, 0.7, 0.7]) < 1e-6);
  const img = Float32Array.from({ length: 16 }, (_, i) => i);
  resampleArea(img, 4, 4, 2, 0, out);
  assert.deepEqual(Array.from(out), [2.5, 4.5, 10.5, 12.5]);
  // 2 rows × 4 columns centred on a 4×4 canvas of zeros: the top and bottom output rows hold half image, half fill.
  const wide = new Float32Array(8).fill(1);
  resampleArea(wide, 2, 4, 2, 0, out);
  assert.deepEqual(Array.from(out), [0.5, 0.5, 0.5, 0.5]);
  // Non-integer ratio (3 → 2): every output averages 1.5 input pixels; the total mass is preserved.
  const three = Float32Array.from([0, 3, 6, 9, 12, 15, 18, 21, 24]);
  resampleArea(three, 3, 3, 2, 0, out);
  assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) / 4 - 12) < 1e-5);
});

test('one-pass window binning equals windowing then resampling on a real 512² CT', async () => {
  const slice = await loadSlice(pydicomFile('J2K_pixelrep_mismatch.dcm'));
  for (const size of [128, 256]) {
    const spec = tensorSpec(size, 'brain,subdural,soft,bone');
    const fast = sliceTensor(slice, spec);
    const plane = size * size;
    const reference = new Float32Array(4 * plane);
    spec.windows.forEach((w, c) => resampleArea(windowImage(slice.hu, w), slice.rows, slice.columns, size, 0, reference, c * plane));
    assert.ok(maxAbsDiff(fast, reference) < 1e-5, `size ${size}: max diff ${maxAbsDiff(fast, reference)}`);
    assert.ok(fast.some((v) => v > 0.5) && fast.every((v) => v >= 0 && v <= 1));
  }
});

test('a 128² slice at N = 128 is windowed without resampling', async () => {
  const slice = await loadSlice(pydicomFile('CT_small.dcm'));
  const spec = tensorSpec(128, 'brain');
  assert.ok(maxAbsDiff(sliceTensor(slice, spec), windowImage(slice.hu, spec.windows[0]!)) < 1e-6);
  assert.throws(() => tensorSpec(8), /size 8/);
});

test('the stored-value fast path equals HU then windows, and declines what it cannot do exactly', async () => {
  const side = 256;
  const pixels = new Int16Array(side * side).map((_, i) => (i * 7919) % 3400); // HU −1024…2375
  const base = { sopInstanceUID: 'ID_a', studyInstanceUID: 'ID_s', seriesInstanceUID: 'ID_r', patientID: 'ID_p', rows: side, columns: side, bitsStored: 16, pixelRepresentation: 1 as const, rescaleSlope: 1, rescaleIntercept: -1024 };
  const variants = [
    { name: 'signed, intercept -1024', slice: base, fast: true },
    { name: 'slope 0.5, padding -2000 (maps to air)', slice: { ...base, rescaleSlope: 0.5, pixelPaddingValue: -2000 }, fast: true },
    { name: 'padding 1000 maps above air', slice: { ...base, pixelPaddingValue: 1000 }, fast: false },
    { name: 'BitsStored 12 needs masking', slice: { ...base, bitsStored: 12, pixelRepresentation: 0 as const, pixels: new Uint16Array(pixels.map((v) => v & 0xfff)) }, fast: false },
  ];
  const spec = tensorSpec(64);
  for (const v of variants) {
    const file = parseDicomFile(v.name, encodeCtSlice({ pixels, ...v.slice }));
    const frame = await decodeFrame(file);
    const fast = storedSliceTensor(frame, file.header, spec);
    const reference = sliceTensor(huFromStored(frame, file.header), spec);
    assert.equal(fast !== undefined, v.fast, v.name);
    if (fast) assert.ok(maxAbsDiff(fast, reference) < 1e-5, `${v.name}: ${maxAbsDiff(fast, reference)}`);
  }
});

test('the stored-value fast path refuses implausible HU exactly where huFromStored does, counted while binning or in a pass of its own', async () => {
  const side = 128;
  const base = { sopInstanceUID: '1.2.3.1', studyInstanceUID: '1.2.3', seriesInstanceUID: '1.2.3.2', patientID: 'P', rows: side, columns: side, bitsStored: 16, pixelRepresentation: 1 as const, rescaleSlope: 1, rescaleIntercept: -1024 };
  for (const share of [0.05, 0.095, 0.105, 0.2]) {
    // Brain-like values, air, padding, and `share` of the in-circle pixels at 5000 HU (or −1500 HU for the second half).
    const pixels = new Int16Array(side * side).map((_, i) => (i % 7 === 0 ? -3000 : i % 11 === 0 ? 24 : 1064));
    const inside = pixels.reduce((n, v) => n + (v !== -3000 ? 1 : 0), 0);
    let placed = 0;
    for (let i = 0; i < pixels.length && placed < share * inside; i++) if (pixels[i] !== -3000) pixels[i] = placed++ % 2 ? 6024 : -476;
    const file = parseDicomFile(`share ${share}`, encodeCtSlice({ pixels, ...base, pixelPaddingValue: -3000 }));
    const frame = await decodeFrame(file);
    const slow = (() => { try { huFromStored(frame, file.header); return 'ok'; } catch (e) { return (e as { code: string }).code; } })();
    assert.equal(slow, share > 0.1 ? 'implausible-hu' : 'ok', `share ${share}`);
    for (const windows of ['brain,subdural,soft', '0/10000', 'brain,subdural,soft,bone']) {
      const fast = (() => { try { return storedSliceTensor(frame, file.header, tensorSpec(64, windows)) ? 'ok' : 'declined'; } catch (e) { return (e as { code: string }).code; } })();
      assert.equal(fast, slow, `share ${share}, windows ${windows}`);
    }
  }
});
