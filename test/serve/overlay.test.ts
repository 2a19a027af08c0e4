// Attribution overlays: where the map lands on the slice and in which colours, and the service's
// cached maps against ich explain's.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { synthesize } from '../../src/data/phantom/synth.js';
import { explainFiles } from '../../src/explain/explain-files.js';
import { SHAP_BLUE, SHAP_RED } from '../../src/figures/shap.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { SliceAttributions, notSliceWise } from '../../src/serve/attributions.js';
import { blendOverlay, windowedSlice } from '../../src/serve/render.js';
import { runCli } from '../helpers/hu.js';
import { TempDir } from '../helpers/paths.js';

test('an overlay is drawn where the model saw it: a wide slice is centred on the square the model read, values bilinear between map pixels, shap colours', () => {
  // 2 rows × 4 columns of grey 100; the model saw it centred on a 4×4 square, resampled to 2×2.
  const img = { rgba: new Uint8ClampedArray(2 * 4 * 4).fill(100), rows: 2, columns: 4 };
  blendOverlay(img, { map: Float32Array.from([1, -1, 1, -1]), size: 2, limit: 1 });
  const px = (x: number, y: number) => Array.from(img.rgba.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4));
  for (const y of [0, 1]) {
    assert.deepEqual(px(0, y), [...SHAP_RED, 100], 'left edge: +1 at full opacity');
    assert.deepEqual(px(3, y), [...SHAP_BLUE, 100], 'right edge: −1 at full opacity');
    // x = 1 sits a quarter of the way from the left map pixel's centre: +0.5, half red.
    px(1, y).slice(0, 3).forEach((v, c) => assert.ok(Math.abs(v - (100 * 0.5 + SHAP_RED[c]! * 0.5)) <= 0.5, `x = 1, channel ${c}: ${v}`));
  }
  const unchanged = { rgba: new Uint8ClampedArray(8 * 4).fill(100), rows: 2, columns: 4 };
  blendOverlay(unchanged, { map: new Float32Array(4), size: 2, limit: 0 });
  assert.ok(unchanged.rgba.every((v) => v === 100), 'a zero map with limit 0 leaves the slice as it is');
});

let tmp: TempDir;
let model: string;
let files: { path: string; sop: string }[];

before(async () => {
  tmp = new TempDir();
  const data = tmp.file('data');
  await synthesize({ out: data, studies: 4, seed: 3, size: 64, positiveShare: 0.3, corrupt: 0 });
  model = tmp.file('model');
  const r = runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '32', '--batch', '16', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  files = (await predictFiles(model, [join(data, 'images')], { threads: 0 })).slices.slice(0, 2).map((s) => ({ path: s.path, sop: s.sop }));
});
after(() => tmp.remove());

test("the service's overlay is ich explain's gradient map of that label, computed once and then read from DATA/attributions", async () => {
  const attributions = new SliceAttributions(model, tmp.file('serve'), { samples: 8, threads: 1 });
  try {
    assert.equal(attributions.unavailable, undefined);
    const [a, b] = await Promise.all([attributions.overlay(files[0]!.path, files[0]!.sop, 5), attributions.overlay(files[1]!.path, files[1]!.sop, 0)]);
    const ref = await explainFiles(model, files.map((f) => f.path), { method: 'gradient', samples: 8, labels: ['subdural'], threads: 1 });
    assert.deepEqual(Array.from(a.map), Array.from(ref.files[0]!.explanations[0]!.map));
    assert.equal(a.size, 32);
    assert.ok(a.limit > 0 && b.limit > 0);
    const cached = readdirSync(join(tmp.file('serve'), 'attributions'), { recursive: true }) as string[];
    assert.equal(cached.filter((f) => f.endsWith('.f32')).length, 2, cached.join(' '));
    // A second service over the same folder reads the maps instead of explaining again.
    const again = new SliceAttributions(model, tmp.file('serve'), { samples: 8, threads: 1 });
    assert.deepEqual(Array.from((await again.overlay(files[0]!.path, files[0]!.sop, 5)).map), Array.from(a.map));
    await again.close();
    // Drawn over the slice at its own size.
    const img = await windowedSlice(files[0]!.path, 'brain', a);
    assert.equal(img.rgba.length, 64 * 64 * 4);
    assert.ok(existsSync(join(tmp.file('serve'), 'attributions')));
  } finally {
    await attributions.close();
  }
});

test('models that read whole series or neighbouring slices have no overlays, and say why', () => {
  const card = (input: object) => ({ architecture: { name: 'm' }, input }) as unknown as Parameters<typeof notSliceWise>[0];
  assert.equal(notSliceWise(card({ size: 32 })), undefined);
  assert.match(notSliceWise(card({ series: true }))!, /whole series/);
  assert.match(notSliceWise(card({ context: { slices: 1 } }))!, /neighbouring slices/);
});

test('a map nobody waits for any more is skipped when its turn comes; one still wanted by another request is computed', async () => {
  const attributions = new SliceAttributions(model, tmp.file('serve-abort'), { samples: 8, threads: 1 });
  try {
    const [a, b] = files as [{ path: string; sop: string }, { path: string; sop: string }];
    const left = new AbortController();
    const first = attributions.overlay(a.path, a.sop, 0);
    const skipped = attributions.overlay(b.path, b.sop, 0, left.signal);
    const shared = [new AbortController(), new AbortController()];
    const wanted = shared.map((c) => attributions.overlay(b.path, b.sop, 1, c.signal));
    left.abort();
    shared[0]!.abort();
    await first;
    await assert.rejects(skipped, /went away before its turn/);
    const [m1, m2] = await Promise.all(wanted);
    assert.equal(m1, m2, 'one computation for both requests');
    const cached = (readdirSync(join(tmp.file('serve-abort'), 'attributions'), { recursive: true }) as string[]).filter((f) => f.endsWith('.f32'));
    assert.equal(cached.length, 2, `the skipped map is not stored: ${cached.join(' ')}`);
  } finally {
    await attributions.close();
  }
});
