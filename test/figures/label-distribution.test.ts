import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_COLORS, formatPercent, labelDistributionChart, labelDistributionLayout, type LabelBar } from '../../src/figures/index.js';
import { decodePng, hexRgb, pngHeader, type Pixels } from './png.js';

const ROWS = [
  { label: 'any', positive: 1200, total: 8000 },
  { label: 'epidural', positive: 30, total: 8000 },
  { label: 'intraparenchymal', positive: 410, total: 8000 },
  { label: 'intraventricular', positive: 290, total: 8000 },
  { label: 'subarachnoid', positive: 0, total: 8000 },
  { label: 'subdural', positive: 530, total: 8000 },
];

/** Height of the bar-coloured run going up from the plot baseline at the bar's centre column. */
function measuredHeight(px: Pixels, bar: LabelBar, baseline: number): number {
  const [r, g, b] = hexRgb(bar.color);
  const x = bar.x + Math.floor(bar.width / 2);
  let h = 0;
  for (let y = baseline - 1; y >= 0; y--) {
    const [pr, pg, pb] = px.at(x, y);
    if (pr !== r || pg !== g || pb !== b) break;
    h++;
  }
  return h;
}

describe('labelDistributionChart', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`${theme}: bar heights follow the counts, in the given label order`, async () => {
      const layout = labelDistributionLayout(ROWS, { theme });
      const png = labelDistributionChart(ROWS, { theme });
      assert.deepEqual(pngHeader(png), { width: layout.width, height: layout.height });
      const px = await decodePng(png);
      const baseline = layout.plot.y + layout.plot.height;
      assert.deepEqual(layout.bars.map((b) => b.label), ROWS.map((r) => r.label));
      const heights = layout.bars.map((bar) => measuredHeight(px, bar, baseline));
      // Proportional to the counts, on one scale.
      layout.bars.forEach((bar, i) => {
        assert.equal(bar.color, LABEL_COLORS[bar.label]);
        assert.ok(Math.abs(heights[i]! - (ROWS[i]!.positive / layout.yMax) * layout.plot.height) <= 1, `${bar.label}: ${heights[i]} px`);
      });
      // Ordered as the counts: any > subdural > intraparenchymal > intraventricular > epidural > subarachnoid (0).
      const byCount = [...ROWS.keys()].sort((a, b) => ROWS[b]!.positive - ROWS[a]!.positive);
      for (let k = 1; k < byCount.length; k++) assert.ok(heights[byCount[k - 1]!]! > heights[byCount[k]!]!, `${ROWS[byCount[k - 1]!]!.label} taller than ${ROWS[byCount[k]!]!.label}`);
      assert.equal(heights[4], 0);
      // The tallest bar leaves room for its percentage, and bars go left to right in order.
      assert.ok(layout.bars[0]!.y - layout.plot.y >= 20);
      for (let i = 1; i < layout.bars.length; i++) assert.ok(layout.bars[i]!.x > layout.bars[i - 1]!.x + layout.bars[i - 1]!.width);
    });
  }

  it('prints a percentage above every bar (including a zero bar)', async () => {
    const layout = labelDistributionLayout(ROWS);
    const px = await decodePng(labelDistributionChart(ROWS));
    const bg = px.at(1, 1);
    for (const bar of layout.bars) {
      let ink = 0;
      for (let y = bar.y - 24; y < bar.y - 2; y++) {
        for (let x = bar.x; x < bar.x + bar.width; x++) {
          const p = px.at(x, y);
          if (Math.abs(p[0] - bg[0]) + Math.abs(p[1] - bg[1]) + Math.abs(p[2] - bg[2]) > 200) ink++;
        }
      }
      assert.ok(ink > 20, `${bar.label}: ${ink} text pixels above the bar`);
    }
  });

  it('states totals and negatives; formats percentages', () => {
    const layout = labelDistributionLayout(ROWS);
    assert.match(layout.subtitle, /8,000 slices/);
    assert.match(layout.subtitle, /6,800 negative \(85\.0%\)/);
    assert.doesNotMatch(layout.subtitle, /differ/);
    assert.match(labelDistributionLayout([{ label: 'x', positive: 1, total: 5 }, { label: 'y', positive: 1, total: 4 }]).subtitle, /totals differ/);
    assert.match(labelDistributionLayout(ROWS, { negative: 12 }).subtitle, /12 negative/);
    assert.deepEqual(layout.bars.map((b) => formatPercent(b.percent)), ['15.0%', '0.38%', '5.1%', '3.6%', '0%', '6.6%']);
    assert.equal(formatPercent(NaN), '–');
  });

  it('uses round axis ticks that cover the data', () => {
    const layout = labelDistributionLayout(ROWS);
    assert.equal(layout.ticks[0], 0);
    assert.equal(layout.ticks.at(-1), layout.yMax);
    assert.ok(layout.yMax >= 1200 * 1.1 && layout.yMax <= 1200 * 1.5, `yMax ${layout.yMax}`);
    const zero = labelDistributionLayout([{ label: 'any', positive: 0, total: 0 }]);
    assert.ok(zero.yMax >= 1 && zero.bars[0]!.height === 0);
  });

  it('rejects impossible counts and empty input', () => {
    assert.throws(() => labelDistributionChart([]), /no labels/);
    assert.throws(() => labelDistributionChart([{ label: 'any', positive: 5, total: 4 }]), /any: positive 5 of total 4/);
    assert.throws(() => labelDistributionChart([{ label: 'any', positive: -1, total: 4 }]), /positive -1/);
    assert.throws(() => labelDistributionChart(ROWS, { width: 100 }), /too small/);
  });
});
