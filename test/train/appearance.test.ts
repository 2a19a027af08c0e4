import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/shared/rng.js';
import { WINDOW_PRESETS } from '../../src/preprocess/window.js';
import { AppearanceScratch, type Appearance, applyAppearance, channelWindows, randomAppearance } from '../../src/train/appearance.js';

const size = 16;
const plane = size * size;
const windows = [WINDOW_PRESETS.brain!, WINDOW_PRESETS.subdural!, WINDOW_PRESETS.soft!];
const none: Appearance = { blur: 0, gain: 1, offsetHu: 0, noiseHu: 0, grain: 1 };

/** A C×16×16 record of one HU image seen through each channel's window (clipped to [0, 1], stored as uint8 like the cache). */
function record(hu: (p: number) => number, chans = channelWindows(windows)): Float32Array {
  const x = new Float32Array(chans.length * plane);
  chans.forEach((w, c) => {
    for (let p = 0; p < plane; p++) x[c * plane + p] = Math.round(255 * Math.min(1, Math.max(0, (hu(p) - (w.center - w.width / 2)) / w.width))) / 255;
  });
  return x;
}
/** Air outside a disc, bone on its rim, brain (20–60 HU) inside. */
const head = (p: number) => {
  const r = Math.hypot((p % size) - 7.5, Math.floor(p / size) - 7.5);
  return r > 7 ? -1000 : r > 6 ? 1200 : 20 + ((p * 7) % 41);
};
const huOf = (x: Float32Array, c: number, p: number, w: { center: number; width: number }) => w.center - w.width / 2 + x[c * plane + p]! * w.width;

test('no change leaves the record as it was; an HU offset moves each window by offset ÷ width; clipped air and bone keep their value', () => {
  const chans = channelWindows(windows);
  const x = record(head);
  const y = Float32Array.from(x);
  applyAppearance(y, 0, chans, none, () => 0, new AppearanceScratch(size));
  assert.deepEqual(y, x);
  const z = Float32Array.from(x);
  applyAppearance(z, 0, chans, { ...none, offsetHu: 8 }, () => 0, new AppearanceScratch(size));
  let moved = 0;
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      const before = x[c * plane + p]!;
      if (before === 0 || before === 1) assert.equal(z[c * plane + p], before, `channel ${c} pixel ${p}: clipped pixels are left alone`);
      else {
        assert.ok(Math.abs(z[c * plane + p]! - Math.min(1, before + 8 / chans[c]!.width)) < 1e-6, `channel ${c} pixel ${p}`);
        moved++;
      }
    }
  }
  assert.ok(moved > 100, `${moved} unclipped pixels moved`);
});

test('the noise is one HU field per slice, shared by its windows; a 2.5-D neighbour gets its own', () => {
  const context = { slices: 1, windows: 'first' as const };
  const chans = channelWindows(windows, context);
  assert.deepEqual(chans.map((c) => [c.width, c.slice]), [[80, 0], [200, 0], [380, 0], [80, 1], [80, 2]]);
  assert.deepEqual(channelWindows(windows, { slices: 1, windows: 'all' }).map((c) => c.slice), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  const x = record(() => 40, chans);
  const before = Float32Array.from(x);
  const rng = new Rng(3);
  applyAppearance(x, 0, chans, { ...none, noiseHu: 5, grain: 0.7 }, () => rng.normal(), new AppearanceScratch(size));
  const delta = (c: number, p: number) => huOf(x, c, p, chans[c]!) - huOf(before, c, p, chans[c]!);
  let sq = 0;
  for (let p = 0; p < plane; p++) {
    // Every window of slice 0 shows the same change in HU.
    assert.ok(Math.abs(delta(1, p) - delta(0, p)) < 1e-3 && Math.abs(delta(2, p) - delta(0, p)) < 1e-3, `pixel ${p}: ${delta(0, p)}, ${delta(1, p)}, ${delta(2, p)}`);
    sq += delta(0, p) ** 2;
  }
  assert.ok(Math.abs(Math.sqrt(sq / plane) - 5) < 0.5, `noise σ ${Math.sqrt(sq / plane)} HU`);
  let same = 0;
  for (let p = 0; p < plane; p++) if (Math.abs(delta(3, p) - delta(0, p)) < 0.01) same++;
  assert.ok(same < plane / 4, `the neighbour's noise is another field (${same} equal pixels)`);
});

test('blur softens an edge; random draws stay in their ranges and repeat from the same source', () => {
  const chans = channelWindows(windows.slice(0, 1));
  const edge = record((p) => (p % size < 8 ? 20 : 60), chans);
  applyAppearance(edge, 0, chans, { ...none, blur: 1 }, () => 0, new AppearanceScratch(size));
  const row = Array.from({ length: size }, (_, c) => edge[5 * size + c]!);
  assert.ok(row[7]! > 0.25 + 0.02 && row[8]! < 0.75 - 0.02, `edge ${row[7]} → ${row[8]}`);
  const draw = (seed: number) => {
    const r = new Rng(seed);
    return Array.from({ length: 300 }, () => randomAppearance(() => r.random()));
  };
  const draws = draw(5);
  assert.ok(draws.every((a) => a.blur <= 1.2 && Math.abs(a.gain - 1) <= 0.06 && Math.abs(a.offsetHu) <= 6 && a.noiseHu >= 0 && a.noiseHu <= 12));
  assert.ok(draws.filter((a) => a.blur > 0).length > 100 && draws.filter((a) => a.blur === 0).length > 100, 'about half the draws blur');
  assert.deepEqual(draw(5)[17], draws[17]);
});
