import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { DARK_THEME, LIGHT_THEME, SHAP_BLUE, SHAP_RED, SHAP_SLICE_ALPHA, absPercentile, colorbarTicks, formatAttribution, shapColor, shapFigure, shapLayout, type ShapLayout, type ShapPanel, type ShapPanelInput } from '../../src/figures/index.js';
import { decodePng, hexRgb, pngHeader, type Pixels } from './png.js';

const N = 32;

/** A phantom "head": a disc of brain (0.5) with a bright rim (1) on black air, N×N. */
function headSlice(n = N): Float32Array {
  const s = new Float32Array(3 * n * n); // three channels; only the first is drawn
  const c = (n - 1) / 2;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const r = Math.hypot(x - c, y - c) / (n / 2);
      s[y * n + x] = r < 0.8 ? 0.5 : r < 0.95 ? 1 : 0;
      s[n * n + y * n + x] = 0.25; // another window: must not show
    }
  }
  return s;
}

/** Rectangles of the N×N grid: [x0, y0, x1, y1) */
const POS = [6, 6, 14, 14] as const;
const NEG = [18, 18, 26, 26] as const;

function blockMap(pos: number, neg: number, n = N): Float32Array {
  const m = new Float32Array(n * n);
  const fill = ([x0, y0, x1, y1]: readonly number[], v: number) => {
    for (let y = y0!; y < y1!; y++) for (let x = x0!; x < x1!; x++) m[y * n + x] = v;
  };
  fill(POS.map((v) => (v * n) / N), pos);
  fill(NEG.map((v) => (v * n) / N), neg);
  return m;
}

/** Figure pixel of the centre of grid cell (gx, gy) in a panel. */
function cell(p: ShapPanel, gx: number, gy: number, n = N): { x: number; y: number } {
  const scale = p.size / n;
  return { x: Math.floor(p.x + (gx + 0.5) * scale), y: Math.floor(p.y + (gy + 0.5) * scale) };
}

function rgbAt(px: Pixels, pt: { x: number; y: number }): [number, number, number] {
  const [r, g, b, a] = px.at(pt.x, pt.y);
  assert.equal(a, 255);
  return [r, g, b];
}

function near(got: readonly number[], want: readonly number[], tol: number, what: string): void {
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= tol, `${what}: got ${got.join(',')}, expected ${want.map((v) => v.toFixed(1)).join(',')}`);
}

/** Pixels in a rectangle that differ clearly from the background: text or drawing. */
function ink(px: Pixels, x0: number, y0: number, x1: number, y1: number, background: string): number {
  const bg = hexRgb(background);
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(px.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(px.width, x1); x++) {
      const p = px.at(x, y);
      if (Math.abs(p[0] - bg[0]) + Math.abs(p[1] - bg[1]) + Math.abs(p[2] - bg[2]) > 150) n++;
    }
  }
  return n;
}

describe('shapFigure', () => {
  const slice = headSlice();
  const panels: ShapPanelInput[] = [
    { label: 'any', probability: 0.93, map: blockMap(1, -1) },
    { label: 'subdural', probability: 0.0412, map: blockMap(0.5, -0.25) },
  ];
  let layout: ShapLayout;
  let png: Buffer;
  let px: Pixels;
  before(async () => {
    layout = shapLayout(N, panels, { title: 'ID_test', info: 'gradient' });
    png = shapFigure(slice, N, panels, { title: 'ID_test', info: 'gradient' });
    px = await decodePng(png);
  });

  it('is a PNG of the laid-out size: the slice, then one titled panel per label, side by side', () => {
    assert.deepEqual(pngHeader(png), { width: layout.width, height: layout.height });
    assert.equal(layout.panels.length, 2);
    assert.deepEqual(layout.panels.map((p) => p.title), ['any', 'subdural']);
    assert.deepEqual(layout.panels.map((p) => p.subtitle), ['p = 0.930', 'p = 0.041']);
    assert.equal(layout.image.title, 'slice');
    assert.match(layout.image.subtitle, /brain window/);
    assert.equal(layout.image.size, 192, 'N = 32 is enlarged six times');
    const all = [layout.image, ...layout.panels];
    for (let i = 1; i < all.length; i++) assert.ok(all[i]!.x >= all[i - 1]!.x + all[i - 1]!.size, 'panels do not overlap');
    assert.ok(all.every((p) => p.y === all[0]!.y && p.x + p.size <= layout.width));
    assert.ok(layout.colorbar.y > layout.image.y + layout.image.size && layout.colorbar.captionY < layout.height);
    // Light background, as shap.
    assert.deepEqual(px.at(1, 1).slice(0, 3), hexRgb(LIGHT_THEME.background));
  });

  it('draws the slice panel as the first channel in grey', () => {
    for (const [gx, gy, v] of [[16, 16, 0.5], [0, 0, 0], [16, 1, 1]] as const) {
      const [r, g, b] = rgbAt(px, cell(layout.image, gx, gy));
      assert.ok(r === g && g === b, `slice panel (${gx}, ${gy}) grey`);
      assert.ok(Math.abs(r - v * 255) <= 1, `slice panel (${gx}, ${gy}): ${r}, expected ${v * 255}`);
    }
  });

  it('limits are ±the 99.9th percentile of |attribution| over all panels, shown on the colour bar', () => {
    assert.equal(layout.colorbar.limit, 1);
    assert.deepEqual(layout.colorbar.ticks.map((t) => t.text), ['\u22121', '\u22120.5', '0', '0.5', '1']);
    assert.match(layout.colorbar.caption, /SHAP value/);
  });

  it('renders positive attribution red, negative blue, zero as the faded grey slice', () => {
    const any = layout.panels[0]!;
    near(rgbAt(px, cell(any, 10, 10)), SHAP_RED, 1, 'positive at the limit is shap red');
    near(rgbAt(px, cell(any, 22, 22)), SHAP_BLUE, 1, 'negative at the limit is shap blue');
    const white = hexRgb(LIGHT_THEME.background);
    for (const [gx, gy, v] of [[16, 16, 0.5], [0, 0, 0], [16, 1, 1], [3, 16, 0.5]] as const) {
      const got = rgbAt(px, cell(any, gx, gy));
      assert.ok(got[0] === got[1] && got[1] === got[2], `zero attribution at (${gx}, ${gy}) is grey: ${got}`);
      near(got, white.map((w) => w * (1 - SHAP_SLICE_ALPHA) + v * 255 * SHAP_SLICE_ALPHA), 1, `faded slice at (${gx}, ${gy})`);
    }
    // The faded slice keeps its contrast: air (0) darker than brain (0.5).
    assert.ok(rgbAt(px, cell(any, 0, 0))[0] < rgbAt(px, cell(any, 16, 16))[0]);
  });

  it('shares the colour scale: half the limit is half-opaque red, a quarter a quarter-opaque blue', () => {
    const sub = layout.panels[1]!;
    const base = hexRgb(LIGHT_THEME.background).map((w) => w * (1 - SHAP_SLICE_ALPHA) + 0.5 * 255 * SHAP_SLICE_ALPHA) as [number, number, number];
    const red = rgbAt(px, cell(sub, 10, 10));
    near(red, shapColor(0.5, 1, base), 1, 'half red');
    assert.ok(red[0] > red[1] + 60 && red[0] > red[2] + 40, `reddish ${red}`);
    const blue = rgbAt(px, cell(sub, 22, 22));
    near(blue, shapColor(-0.25, 1, base), 1, 'quarter blue');
    assert.ok(blue[2] > blue[0] + 30, `bluish ${blue}`);
  });

  it('draws titles over every panel and a blue-to-red colour bar with tick labels and caption', () => {
    for (const p of [layout.image, ...layout.panels]) assert.ok(ink(px, p.x, p.y - 40, p.x + p.size, p.y - 2, LIGHT_THEME.background) > 40, `title over ${p.title}`);
    assert.ok(ink(px, 20, 20, layout.width - 20, 70, LIGHT_THEME.background) > 60, 'figure title');
    const cb = layout.colorbar;
    const mid = cb.y + Math.floor(cb.height / 2);
    near(rgbAt(px, { x: cb.x + 1, y: mid }), SHAP_BLUE, 8, 'left end blue');
    near(rgbAt(px, { x: cb.x + cb.width - 2, y: mid }), SHAP_RED, 8, 'right end red');
    near(rgbAt(px, { x: cb.x + Math.floor(cb.width / 2), y: mid }), hexRgb(LIGHT_THEME.background), 8, 'middle transparent');
    const q = rgbAt(px, { x: cb.x + Math.floor(cb.width / 4), y: mid });
    assert.ok(q[2] > q[0] + 40, 'blue half');
    const q3 = rgbAt(px, { x: cb.x + Math.floor((3 * cb.width) / 4), y: mid });
    assert.ok(q3[0] > q3[2] + 40, 'red half');
    assert.ok(ink(px, cb.x - 10, cb.y + cb.height + 3, cb.x + cb.width + 10, cb.tickY + 3, LIGHT_THEME.background) > 30, 'tick labels');
    assert.ok(ink(px, cb.x - 10, cb.tickY + 6, cb.x + cb.width + 10, cb.captionY + 4, LIGHT_THEME.background) > 60, 'caption');
  });

  it('dark theme: zero attribution fades the slice towards the dark background', async () => {
    const p = await decodePng(shapFigure(slice, N, panels, { theme: 'dark', limit: 2 }));
    const l = shapLayout(N, panels, { theme: 'dark', limit: 2 });
    assert.equal(l.colorbar.limit, 2);
    const bg = hexRgb(DARK_THEME.background);
    const got = rgbAt(p, cell(l.panels[0]!, 16, 1));
    near(got, bg.map((c) => c * (1 - SHAP_SLICE_ALPHA) + 255 * SHAP_SLICE_ALPHA), 1, 'rim under zero');
    // +1 at limit 2: half-opaque red.
    const base = bg.map((c) => c * (1 - SHAP_SLICE_ALPHA) + 0.5 * 255 * SHAP_SLICE_ALPHA) as [number, number, number];
    near(rgbAt(p, cell(l.panels[0]!, 10, 10)), shapColor(1, 2, base), 1, 'half red on dark');
  });

  it('shrinks large inputs by area averaging', async () => {
    const n = 128;
    const big = [{ label: 'epidural', probability: 0.5, map: blockMap(0.02, -0.02, n) }];
    const l = shapLayout(n, big, { panelSize: 64 });
    assert.equal(l.image.size, 64);
    const p = await decodePng(shapFigure(headSlice(n), n, big, { panelSize: 64 }));
    const at = (gx: number, gy: number) => rgbAt(p, cell(l.panels[0]!, gx, gy, N));
    near(at(10, 10), SHAP_RED, 2, 'red block');
    near(at(22, 22), SHAP_BLUE, 2, 'blue block');
    assert.equal(formatAttribution(l.colorbar.limit), '0.02');
  });

  it('all-zero maps draw the faded slice only', async () => {
    const zero = [{ label: 'any', probability: 0.01, map: new Float32Array(N * N) }];
    const l = shapLayout(N, zero);
    assert.equal(l.colorbar.limit, 0);
    const p = await decodePng(shapFigure(slice, N, zero));
    for (let y = 0; y < N; y += 3) {
      for (let x = 0; x < N; x += 3) {
        const [r, g, b] = rgbAt(p, cell(l.panels[0]!, x, y));
        assert.ok(r === g && g === b, `(${x}, ${y}) grey`);
      }
    }
  });

  it('rejects wrong map sizes, no labels and bad options', () => {
    assert.throws(() => shapLayout(N, []), /no labels/);
    assert.throws(() => shapLayout(N, [{ label: 'any', probability: 0.5, map: new Float32Array(10) }]), /map of any has 10 values, expected 32×32/);
    assert.throws(() => shapLayout(N, panels, { panelSize: 20 }), /panel size 20/);
    assert.throws(() => shapLayout(N, panels, { limit: -1 }), /colour limit/);
    assert.throws(() => shapFigure(new Float32Array(5), N, panels), /slice has 5 values/);
  });
});

describe('attribution colour helpers', () => {
  it('absPercentile interpolates between ranks like numpy', () => {
    const a = Float32Array.from([0, -1, 2, -3, 4]);
    assert.equal(absPercentile([a], 100), 4);
    assert.equal(absPercentile([a], 50), 2);
    assert.ok(Math.abs(absPercentile([a], 90) - 3.6) < 1e-9);
    assert.equal(absPercentile([a.subarray(0, 2), a.subarray(2)], 0), 0);
    assert.equal(absPercentile([], 99.9), 0);
  });

  it('formats colour-bar values with two significant digits and a real minus', () => {
    assert.equal(formatAttribution(0.01234), '0.012');
    assert.equal(formatAttribution(-0.5), '\u22120.5');
    assert.equal(formatAttribution(3.2e-5), '3.2e\u22125');
    assert.equal(formatAttribution(0), '0');
  });

  it('colour-bar ticks: 0 and one or two round values each side', () => {
    assert.deepEqual(colorbarTicks(1), [-1, -0.5, 0, 0.5, 1]);
    assert.deepEqual(colorbarTicks(0.017), [-0.01, 0, 0.01]);
    assert.deepEqual(colorbarTicks(0.02), [-0.02, -0.01, 0, 0.01, 0.02]);
    assert.deepEqual(colorbarTicks(0.0103), [-0.01, -0.005, 0, 0.005, 0.01]);
    assert.deepEqual(colorbarTicks(3e-5), [-2e-5, 0, 2e-5]);
    assert.deepEqual(colorbarTicks(0), [0]);
    for (const limit of [0.0013, 0.07, 0.31, 4.4, 99]) {
      const t = colorbarTicks(limit);
      assert.ok(t.length >= 3 && t.length <= 5 && Math.max(...t) <= limit, `${limit}: ${t}`);
    }
  });

  it('shapColor: transparent at zero, full colour at the limit and beyond', () => {
    const base = [200, 200, 200] as const;
    assert.deepEqual(shapColor(0, 1, base), [200, 200, 200]);
    assert.deepEqual(shapColor(5, 1, base), [...SHAP_RED]);
    assert.deepEqual(shapColor(-1, 1, base), [...SHAP_BLUE]);
    assert.deepEqual(shapColor(1, 0, base), [200, 200, 200]);
    assert.deepEqual(shapColor(Number.NaN, 1, base), [200, 200, 200]);
  });
});
