import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DARK_THEME, LABEL_COLORS, LIGHT_THEME, ROC_X_TITLE, ROC_Y_TITLE, rocFigure, rocLayout, rocPixel, type RocPlotCurve } from '../../src/figures/index.js';
import { decodePng, hexRgb, pngHeader } from './png.js';
import { colorDistance, countNear, sampleDiagonal } from './plot-pixels.js';

const LABELS = ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'];

/** A seeded LCG in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** ROC points from threshold +∞ down (ties grouped) and the trapezoid AUC. */
function roc(scores: number[], positive: boolean[]): { fpr: Float64Array; tpr: Float64Array; auc: number } {
  const order = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!);
  const P = positive.filter(Boolean).length;
  const N = positive.length - P;
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  order.forEach((i, k) => {
    if (positive[i]) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      fpr.push(fp / N);
      tpr.push(tp / P);
    }
  });
  let auc = 0;
  for (let k = 1; k < fpr.length; k++) auc += ((fpr[k]! - fpr[k - 1]!) * (tpr[k]! + tpr[k - 1]!)) / 2;
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), auc };
}

const PERFECT: RocPlotCurve = { label: 'intraventricular', fpr: [0, 0, 1], tpr: [0, 1, 1], auc: 1 };

describe('rocFigure', () => {
  it('is a PNG of the layout size, light by default, with a square unit plot', async () => {
    const layout = rocLayout([PERFECT]);
    const png = rocFigure([PERFECT]);
    assert.deepEqual(pngHeader(png), { width: layout.width, height: layout.height });
    assert.equal(layout.plot.width, layout.plot.height);
    assert.deepEqual(layout.ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(rocPixel(layout, 0, 0), { x: layout.plot.x, y: layout.plot.y + layout.plot.height });
    assert.deepEqual(rocPixel(layout, 1, 1), { x: layout.plot.x + layout.plot.width, y: layout.plot.y });
    assert.deepEqual(rocPixel(layout, 0.25, 0.5), { x: layout.plot.x + layout.plot.width / 4, y: layout.plot.y + layout.plot.height / 2 });
    const px = await decodePng(png);
    assert.deepEqual(px.at(1, 1).slice(0, 3), hexRgb(LIGHT_THEME.background));
    assert.equal(ROC_X_TITLE, '1 \u2212 specificity (false-positive rate)');
    assert.equal(ROC_Y_TITLE, 'sensitivity (true-positive rate)');
  });

  it("draws a perfect classifier's curve through the top-left corner in its label colour", async () => {
    const layout = rocLayout([PERFECT]);
    const px = await decodePng(rocFigure([PERFECT]));
    const color = LABEL_COLORS.intraventricular!;
    assert.equal(layout.legend[0]!.color, color);
    const corner = rocPixel(layout, 0, 1);
    assert.ok(countNear(px, corner.x, corner.y, 2, color) >= 4, 'label colour at the top-left corner');
    // Up the left edge and along the top edge, not through the middle.
    for (const t of [0.1, 0.5, 0.9]) {
      const left = rocPixel(layout, 0, t);
      const top = rocPixel(layout, t, 1);
      assert.ok(countNear(px, left.x, left.y, 1, color) >= 2, `left edge at tpr ${t}`);
      assert.ok(countNear(px, top.x, top.y, 1, color) >= 2, `top edge at fpr ${t}`);
    }
    const middle = rocPixel(layout, 0.5, 0.75);
    assert.equal(countNear(px, middle.x, middle.y, 6, color, 60), 0);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`${theme}: the chance diagonal is dashed grey`, async () => {
      const layout = rocLayout([PERFECT], { theme });
      const px = await decodePng(rocFigure([PERFECT], { theme }));
      const s = sampleDiagonal(px, layout.plot, hexRgb((theme === 'light' ? LIGHT_THEME : DARK_THEME).background));
      const n = s.grey + s.background + s.other;
      assert.ok(s.grey > n * 0.3, `grey ${s.grey} of ${n}`);
      assert.ok(s.background > n * 0.2, `gaps ${s.background} of ${n}`);
      assert.ok(s.transitions >= 40, `${s.transitions} dash transitions`);
    });
  }

  it('puts a random classifier near the diagonal', async () => {
    const rand = rng(20240611);
    const scores: number[] = [];
    const positive: boolean[] = [];
    for (let i = 0; i < 4000; i++) {
      scores.push(rand());
      positive.push(rand() < 0.3);
    }
    const curve = { label: 'subarachnoid', ...roc(scores, positive) };
    assert.ok(Math.abs(curve.auc - 0.5) < 0.04, `AUC ${curve.auc}`);
    const layout = rocLayout([curve]);
    const px = await decodePng(rocFigure([curve]));
    const color = LABEL_COLORS.subarachnoid!;
    for (let u = 0.1; u < 0.95; u += 0.1) {
      const x = Math.round(rocPixel(layout, u, 0).x);
      const hits: number[] = [];
      for (let y = layout.plot.y; y < layout.plot.y + layout.plot.height; y++) if (colorDistance(px, x, y, color) <= 40) hits.push(y);
      assert.ok(hits.length > 0, `curve crosses fpr ${u.toFixed(1)}`);
      const diagonal = rocPixel(layout, u, u).y;
      for (const y of hits) assert.ok(Math.abs(y - diagonal) <= 0.07 * layout.plot.height, `fpr ${u.toFixed(1)}: curve at y ${y}, diagonal ${diagonal.toFixed(1)}`);
    }
    const corner = rocPixel(layout, 0, 1);
    assert.equal(countNear(px, corner.x + 20, corner.y + 20, 15, color, 60), 0);
  });

  it('shows every label with its AUC and "n/a" when undefined (also for an empty curve)', async () => {
    const rand = rng(7);
    const curves: RocPlotCurve[] = LABELS.map((label, i) => {
      const scores: number[] = [];
      const positive: boolean[] = [];
      for (let k = 0; k < 300; k++) {
        const pos = rand() < 0.2;
        positive.push(pos);
        scores.push(rand() + (pos ? 0.1 * i : 0));
      }
      return { label, ...roc(scores, positive) };
    });
    curves[1] = { label: 'epidural', fpr: new Float64Array(0), tpr: new Float64Array(0), auc: undefined };
    curves[4] = { ...curves[4]!, auc: Number.NaN };
    const layout = rocLayout(curves);
    const png = rocFigure(curves);
    assert.deepEqual(layout.legend.map((e) => e.label), LABELS);
    assert.deepEqual(layout.legend.map((e) => e.color), LABELS.map((l) => LABEL_COLORS[l]));
    assert.equal(layout.legend[1]!.text, 'AUC n/a');
    assert.equal(layout.legend[4]!.text, 'AUC n/a');
    assert.equal(layout.legend[0]!.text, `AUC ${curves[0]!.auc!.toFixed(3)}`);
    assert.match(layout.subtitle, /Mean AUC 0\.\d{3} \(4 of 6 labels\)/);
    const px = await decodePng(png);
    // Text ink on the legend row of the n/a entry, to the right of the swatch.
    const e = layout.legend[1]!;
    let ink = 0;
    for (let y = e.y - 12; y <= e.y + 2; y++) for (let x = e.x + 30; x < layout.width - 20; x++) if (colorDistance(px, x, y, LIGHT_THEME.background) > 200) ink++;
    assert.ok(ink > 60, `${ink} text pixels`);
    // The swatch is in the label colour.
    assert.ok(countNear(px, e.x + 12, e.y - 5, 1, e.color) >= 2);
  });

  it('marks operating points in the label colour, one shape per name', async () => {
    const rand = rng(3);
    const scores: number[] = [];
    const positive: boolean[] = [];
    for (let k = 0; k < 1000; k++) {
      const pos = rand() < 0.25;
      positive.push(pos);
      scores.push(rand() + (pos ? 0.5 : 0));
    }
    const any = { label: 'any', ...roc(scores, positive) };
    const k95 = any.tpr.findIndex((t) => t >= 0.95);
    const ops = [
      { label: 'any', fpr: 0.3, tpr: 0.8, name: 'threshold 0.5' },
      { label: 'subdural', fpr: 0.6, tpr: 0.4, name: 'threshold 0.5' },
      { label: 'any', fpr: any.fpr[k95]!, tpr: any.tpr[k95]!, name: '95% sensitivity (any)' },
      { label: 'any', fpr: Number.NaN, tpr: Number.NaN, name: 'undefined point' },
    ];
    const curves = [any, { label: 'subdural', fpr: [0, 1], tpr: [0, 1], auc: 0.5 }];
    const layout = rocLayout(curves, { operatingPoints: ops });
    const px = await decodePng(rocFigure(curves, { operatingPoints: ops }));
    assert.deepEqual(layout.markers.map((m) => m.shape), ['circle', 'circle', 'square', 'diamond']);
    assert.deepEqual(layout.markerLegend.map((g) => g.name), ['threshold 0.5', '95% sensitivity (any)', 'undefined point']);
    assert.equal(layout.markerLegend[0]!.rows[0]!.text, 'any: sens 0.800, spec 0.700');
    assert.equal(layout.markerLegend[2]!.rows[0]!.text, 'any: sens n/a, spec n/a');
    for (const m of layout.markers.slice(0, 3)) {
      const p = rocPixel(layout, m.fpr, m.tpr);
      assert.deepEqual({ x: m.x, y: m.y }, p);
      assert.equal(m.color, LABEL_COLORS[m.label]);
      assert.ok(countNear(px, p.x, p.y, 1, m.color) >= 4, `${m.label} ${m.name} marker`);
    }
    assert.ok(Number.isNaN(layout.markers[3]!.x));
    assert.ok(layout.height >= layout.markerLegend.at(-1)!.rows.at(-1)!.y + 8, 'legend fits');
  });

  it('rejects mismatched curves, no curves and odd plot sizes', () => {
    assert.throws(() => rocFigure([]), /no curves/);
    assert.throws(() => rocFigure([{ label: 'any', fpr: [0, 1], tpr: [0], auc: undefined }]), /any: 2 false-positive rates but 1 true-positive/);
    assert.throws(() => rocFigure([PERFECT], { plotSize: 50 }), /plot size/);
  });
});
