import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CALIBRATION_MARKER_RADIUS, LABEL_COLORS, LIGHT_THEME, calibrationFigure, calibrationLayout, calibrationMarkerRadius, calibrationPixel, plotPixel, type CalibrationSeries } from '../../src/figures/index.js';
import { decodePng, hexRgb, pngHeader, type Pixels } from './png.js';
import { colorDistance, countNear, sampleDiagonal } from './plot-pixels.js';

const SUBDURAL: CalibrationSeries = {
  label: 'subdural',
  bins: [
    { meanPredicted: 0.05, observed: 0.02, count: 1000 },
    { meanPredicted: 0.3, observed: 0.6, count: 50 },
    { meanPredicted: 0.75, observed: 0.7, count: 0 },
    { meanPredicted: Number.NaN, observed: Number.NaN, count: 0 },
  ],
};

const LABELS = ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'];

/** Six labels, ten equal-width bins each, slightly over-confident, most predictions near 0. */
function sixLabels(): CalibrationSeries[] {
  return LABELS.map((label, i) => ({
    label,
    bins: Array.from({ length: 10 }, (_, k) => {
      const meanPredicted = (k + 0.5) / 10;
      return { meanPredicted, observed: Math.min(1, Math.max(0, 0.5 + (meanPredicted - 0.5) * (0.8 + 0.05 * i))), count: k === 0 ? 5000 : Math.round(400 / (k + i)) };
    }),
  }));
}

/** Height of the run of `hex` going up from the histogram's bottom edge in column x. */
function runHeight(px: Pixels, x: number, bottom: number, hex: string): number {
  let h = 0;
  for (let y = bottom - 1; y >= 0 && colorDistance(px, x, y, hex) === 0; y--) h++;
  return h;
}

describe('calibrationFigure', () => {
  it('is a PNG of the layout size, light by default, with the histogram under the plot', async () => {
    const layout = calibrationLayout(sixLabels());
    const png = calibrationFigure(sixLabels());
    assert.deepEqual(pngHeader(png), { width: layout.width, height: layout.height });
    const px = await decodePng(png);
    assert.deepEqual(px.at(1, 1).slice(0, 3), hexRgb(LIGHT_THEME.background));
    const { plot, histogram } = layout;
    assert.equal(plot.width, plot.height);
    assert.equal(histogram.x, plot.x);
    assert.equal(histogram.width, plot.width);
    assert.ok(histogram.y > plot.y + plot.height && histogram.height >= 60);
    assert.deepEqual(layout.legend.map((e) => e.color), LABELS.map((l) => LABEL_COLORS[l]));
    assert.equal(layout.points.length, 60);
    assert.equal(layout.bars.length, 60);
    // Largest markers first, so small ones are drawn on top.
    for (let k = 1; k < layout.points.length; k++) assert.ok(layout.points[k - 1]!.radius >= layout.points[k]!.radius);
  });

  it('puts the marker of a known bin at its pixel, in the label colour, and leaves out empty bins', async () => {
    const layout = calibrationLayout([SUBDURAL]);
    const px = await decodePng(calibrationFigure([SUBDURAL]));
    const { plot } = layout;
    const expected = { x: plot.x + 0.3 * plot.width, y: plot.y + (1 - 0.6) * plot.height };
    assert.deepEqual(calibrationPixel(layout, 0.3, 0.6), expected);
    assert.equal(layout.points.length, 2);
    const point = layout.points.find((p) => p.count === 50)!;
    assert.deepEqual({ x: point.x, y: point.y }, expected);
    const color = LABEL_COLORS.subdural!;
    assert.equal(point.color, color);
    // The four pixels around the centre are covered by the (opaque) marker.
    for (const [dx, dy] of [[-1, -1], [0, -1], [-1, 0], [0, 0]] as const) assert.deepEqual(px.at(Math.round(expected.x) + dx, Math.round(expected.y) + dy).slice(0, 3), hexRgb(color));
    // Marker size follows the count: the 1000-slice bin is the largest possible.
    assert.equal(layout.points.find((p) => p.count === 1000)!.radius, CALIBRATION_MARKER_RADIUS.max);
    assert.ok(Math.abs(point.radius - calibrationMarkerRadius(50, 1000)) < 1e-12 && point.radius > CALIBRATION_MARKER_RADIUS.min && point.radius < 6);
    // Nothing at the empty bin's place (0.75, 0.7).
    const empty = calibrationPixel(layout, 0.75, 0.7);
    assert.equal(countNear(px, empty.x, empty.y, 4, color, 60), 0);
    // ECE: count-weighted |observed − predicted|.
    const ece = (1000 * 0.03 + 50 * 0.3) / 1050;
    assert.equal(layout.legend[0]!.text, `ECE ${ece.toFixed(3)}`);
    assert.match(layout.legend[0]!.detail, /n = 1,050 {2}· {2}2 bins/);
  });

  it('draws the perfect-calibration diagonal dashed grey', async () => {
    // Bins off the diagonal, so the line is clear.
    const series = [{ label: 'any', bins: [{ meanPredicted: 0.1, observed: 0.6, count: 10 }, { meanPredicted: 0.4, observed: 0.9, count: 10 }] }];
    const layout = calibrationLayout(series);
    const px = await decodePng(calibrationFigure(series));
    const s = sampleDiagonal(px, layout.plot, hexRgb(LIGHT_THEME.background));
    const n = s.grey + s.background + s.other;
    assert.ok(s.grey > n * 0.3 && s.background > n * 0.2 && s.transitions >= 40, JSON.stringify(s));
  });

  it('histogram bars: log counts in their bin slot, one bar per label', async () => {
    const layout = calibrationLayout([SUBDURAL]);
    const px = await decodePng(calibrationFigure([SUBDURAL]));
    const { histogram } = layout;
    const bottom = histogram.y + histogram.height;
    assert.deepEqual(layout.histogramScale, { lo: 1, hi: 1000, log: true });
    assert.deepEqual(layout.histogramTicks, [1, 10, 100, 1000]);
    for (const bar of layout.bars) {
      const exact = (Math.log10(bar.count) / 3) * histogram.height;
      assert.ok(Math.abs(bar.height - exact) <= 0.5, `${bar.count}: ${bar.height} px`);
      assert.equal(runHeight(px, bar.x + Math.floor(bar.width / 2), bottom, bar.color), bar.height);
    }
    const b50 = layout.bars.find((b) => b.count === 50)!;
    assert.ok(b50.x >= plotPixel(histogram, 0.3, 0).x && b50.x + b50.width <= plotPixel(histogram, 0.4, 0).x, 'in the 0.3–0.4 slot');

    const six = calibrationLayout(sixLabels());
    const slot0 = six.bars.filter((b) => b.count === 5000);
    assert.deepEqual(slot0.map((b) => b.label), LABELS);
    for (let i = 1; i < slot0.length; i++) assert.ok(slot0[i]!.x >= slot0[i - 1]!.x + slot0[i - 1]!.width, 'side by side');
    assert.ok(slot0[0]!.x >= six.histogram.x && slot0.at(-1)!.x + slot0.at(-1)!.width <= plotPixel(six.histogram, 0.1, 0).x);
  });

  it('histogram share mode: each label sums to 100%', async () => {
    const layout = calibrationLayout([SUBDURAL], { histogram: 'share' });
    assert.deepEqual(layout.histogramTicks, [0, 0.5, 1]);
    const values = layout.bars.map((b) => b.value);
    assert.ok(Math.abs(values.reduce((a, v) => a + v, 0) - 1) < 1e-12);
    const big = layout.bars.find((b) => b.count === 1000)!;
    assert.equal(big.height, Math.round((1000 / 1050) * layout.histogram.height));
    const px = await decodePng(calibrationFigure([SUBDURAL], { histogram: 'share' }));
    assert.equal(runHeight(px, big.x + 1, layout.histogram.y + layout.histogram.height, big.color), big.height);
  });

  it('renders a label with no non-empty bins (ECE n/a) and rejects bad input', async () => {
    const series = [{ label: 'epidural', bins: [] }, SUBDURAL];
    const layout = calibrationLayout(series);
    assert.equal(layout.legend[0]!.text, 'ECE n/a');
    assert.deepEqual(pngHeader(calibrationFigure(series)), { width: layout.width, height: layout.height });
    assert.throws(() => calibrationFigure([]), /no labels/);
    assert.throws(() => calibrationFigure([{ label: 'any', bins: [{ meanPredicted: 0.1, observed: 0, count: -2 }] }]), /any: bin count -2/);
    assert.throws(() => calibrationFigure([SUBDURAL], { binCount: 0 }), /bin count 0/);
  });
});
