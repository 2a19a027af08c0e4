// The intracranial region from the HU image alone, judged against the phantom generator's own tissue
// map, in both phantom styles and at the sizes models read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acquire } from '../../src/data/phantom/acquire.js';
import { planStudy } from '../../src/data/phantom/plan.js';
import { Rng } from '../../src/shared/rng.js';
import { renderSlice } from '../../src/data/phantom/render.js';
import { Tissue } from '../../src/data/phantom/tissue.js';
import { intracranialMask, maskAtSize, softRegion } from '../../src/preprocess/intracranial.js';

const INSIDE = new Set<number>([Tissue.csf, Tissue.sulcus, Tissue.grey, Tissue.white, Tissue.ventricle, Tissue.cistern, Tissue.blood, Tissue.edema]);

test('the region covers the brain and every bleed and little else, in both phantom styles, at 64² to 256²', () => {
  for (const style of ['a', 'b'] as const) {
    for (const size of [64, 128, 256]) {
      let brain = 0, brainIn = 0, other = 0, otherIn = 0, bleed = 0, bleedIn = 0, found = 0, slices = 0;
      for (let k = 0; k < 10; k++) {
        const plan = planStudy(k, { seed: 23, size, positiveShare: 0.6, compress: false, style });
        const rng = new Rng(plan.seed);
        for (let i = 2; i < plan.slices - 2; i += 4) {
          const s = renderSlice(plan, i);
          const tissue = Uint8Array.from(s.tissue);
          const bleeds = Object.values(s.masks).map((m) => Uint8Array.from(m));
          const hu = new Int16Array(size * size);
          acquire(s.hu, size, { ...plan.storage, rescaleSlope: 1, rescaleIntercept: 0, pixelRepresentation: 1, bitsStored: 16, rsnaWrap: false, padding: undefined }, rng, new Float32Array(size * size), hu, plan.head.styleB?.motion);
          const m = intracranialMask(hu, size, size);
          slices++;
          if (!m) continue;
          found++;
          for (let p = 0; p < m.length; p++) {
            if (INSIDE.has(tissue[p]!)) [brain, brainIn] = [brain + 1, brainIn + m[p]!];
            else [other, otherIn] = [other + 1, otherIn + m[p]!];
          }
          for (const b of bleeds) for (let p = 0; p < b.length; p++) if (b[p]) [bleed, bleedIn] = [bleed + 1, bleedIn + m[p]!];
        }
      }
      const what = `style ${style}, ${size}²`;
      assert.ok(found >= 0.85 * slices, `${what}: a region on ${found} of ${slices} slices`);
      assert.ok(brainIn / brain > 0.98, `${what}: brain covered ${brainIn / brain}`);
      assert.ok(bleed > 0 && bleedIn / bleed > 0.95, `${what}: bleed covered ${bleedIn / bleed}`);
      assert.ok(otherIn / other < 0.035, `${what}: ${otherIn / other} of the rest marked`);
    }
  }
});

test('no skull, no region; an open skull does not leak; calcifications inside are part of it; maskAtSize follows the tensor layout', () => {
  const n = 64;
  const blank = new Float32Array(n * n).fill(30);
  assert.equal(intracranialMask(blank, n, n), undefined);
  const ring = (gap: boolean, calcified: boolean) => {
    const hu = new Float32Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const r = Math.hypot(x - 31.5, y - 31.5);
        const angle = Math.atan2(y - 31.5, x - 31.5);
        const bone = r > 22 && r < 26 && !(gap && Math.abs(angle) < 0.02);
        hu[y * n + x] = bone ? 1200 : r < 22 ? (calcified && r < 2 ? 600 : 35) : -1000;
      }
    }
    return hu;
  };
  const closed = intracranialMask(ring(false, true), n, n)!;
  assert.equal(closed[32 * n + 32], 1, 'the calcification at the centre is inside');
  assert.equal(closed[2 * n + 2], 0, 'the corner is outside');
  const open = intracranialMask(ring(true, false), n, n);
  assert.ok(open && open[32 * n + 32] === 1, 'a one-pixel gap is closed');
  const small = maskAtSize(Uint8Array.from({ length: 32 * 64 }, (_, i) => (i % 64 < 32 ? 1 : 0)), 32, 64, 16);
  // 32 × 64 is centred on a 64 × 64 square: rows 0–3 and 12–15 of the 16² mask are padding.
  assert.deepEqual([small[0], small[4 * 16], small[4 * 16 + 8], small[15 * 16]], [0, 1, 0, 0]);
});

test("the soft part leaves out a calcification with its blurred rim, but not the brain along the inner table", () => {
  const n = 128;
  const hu = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const r = Math.hypot(x - 63.5, y - 63.5);
      // A calcification of 3 px radius at (40, 64) whose edge is blurred to blood-like 60–140 HU over 2 px.
      const c = Math.hypot(x - 64, y - 40);
      const calc = c < 3 ? 500 : c < 5 ? 140 - 40 * (c - 3) : 35;
      hu[y * n + x] = r > 50 && r < 56 ? 1200 : r <= 50 ? calc : -1000;
    }
  }
  const mask = intracranialMask(hu, n, n)!;
  const soft = softRegion(hu, mask, n, n, 64);
  const at = (y: number, x: number) => soft[Math.floor(y / 2) * 64 + Math.floor(x / 2)];
  assert.equal(at(40, 64), 0, 'the calcification');
  assert.equal(at(40, 69), 0, 'its rim (blood-like HU) goes with it');
  assert.equal(at(40, 74), 1, 'the brain beyond the rim');
  assert.equal(at(64, 64), 1, 'the centre');
  assert.equal(at(64, 63 + 47), 1, 'brain 3 px inside the inner table is soft: bleeds lie against the skull');
  assert.equal(at(64, 63 + 53), 0, 'the skull is not');
});
