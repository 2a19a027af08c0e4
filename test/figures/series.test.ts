import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plotPixel } from '../../src/figures/axes.js';
import { LIGHT_THEME, SERIES_CURVE_COLORS, seriesFigure, seriesLayout, type SeriesPanel } from '../../src/figures/index.js';
import { decodePng, hexRgb, pngHeader } from './png.js';
import { countNear } from './plot-pixels.js';

test('seriesFigure: positive slices shaded, each model a line at its probabilities, one panel per label', async () => {
  const truth = [0, 0, 1, 1, 1, 0, 0, 0, 0, 0];
  const panels: SeriesPanel[] = [
    { label: 'any', truth, curves: [{ name: '2-D', probs: truth.map(() => 0.2) }, { name: 'sequence', probs: truth.map(() => 0.8) }] },
    { label: 'subdural', truth, curves: [{ name: '2-D', probs: truth.map(() => 0.2) }, { name: 'sequence', probs: truth.map(() => 0.8) }] },
  ];
  const png = seriesFigure(panels, { title: 'one series' });
  const layout = seriesLayout(panels, { title: 'one series' });
  assert.deepEqual(pngHeader(png), { width: layout.width, height: layout.height });
  const px = await decodePng(png);
  const [bg] = [hexRgb(LIGHT_THEME.background)];
  for (const rect of layout.rects) {
    // Between the two lines (P = 0.5 is a grid line, so P = 0.35): shaded over slice 4, background over slice 8.
    const shaded = plotPixel(rect, 4, 0.35, layout.xScale);
    const clear = plotPixel(rect, 8, 0.35, layout.xScale);
    const [r1] = px.at(Math.round(shaded.x), Math.round(shaded.y));
    const [r2] = px.at(Math.round(clear.x), Math.round(clear.y));
    assert.equal(r2, bg[0], 'unshaded slice shows the background');
    assert.ok(r1 < r2 - 5, `positive slice shaded (${r1} vs ${r2})`);
    const line = plotPixel(rect, 7, 0.8, layout.xScale);
    assert.ok(countNear(px, Math.round(line.x), Math.round(line.y), 2, SERIES_CURVE_COLORS[1], 40) > 0, 'the second model\'s line at P = 0.8');
  }
});
