/**
 * The ROC figure of `ich eval --report`: one curve per hemorrhage label on a square unit plot, the
 * dashed chance diagonal, a legend with each label's AUC and optional operating-point markers
 * (e.g. threshold 0.5 and the threshold giving 95% sensitivity for `any`).
 */
import { createFigure, drawText, toPng } from './canvas.js';
import { type MarkerShape, type PlotRect, MARKER_SHAPES, clipTo, drawAxes, drawMarker, drawReferenceDiagonal, formatMetric, plotPixel, strokeSeries } from './axes.js';
import { type FigureTheme, type ThemeName, labelColor, resolveTheme } from './theme.js';

export interface RocPlotCurve {
  label: string;
  /** False-positive rates (1 − specificity), in drawing order, e.g. from threshold +∞ down to −∞. */
  fpr: Float64Array | readonly number[];
  /** True-positive rates (sensitivity), one per fpr. */
  tpr: Float64Array | readonly number[];
  /** Area under the curve; undefined (shown "n/a") when it is not defined, e.g. no positives. */
  auc: number | undefined;
}

export interface RocOperatingPoint {
  /** The curve (label) the point belongs to; the marker takes its colour. */
  label: string;
  fpr: number;
  tpr: number;
  /** What the point is, e.g. "threshold 0.5"; points with the same name share a marker shape. */
  name: string;
}

export interface RocFigureOptions {
  title?: string;
  /** Replaces the subtitle (default: mean AUC over the labels that have one). */
  subtitle?: string;
  operatingPoints?: readonly RocOperatingPoint[];
  /** Side of the square plot area in pixels (240–1200). Default 480. */
  plotSize?: number;
  /** Default 'light' (figures go into reports). */
  theme?: ThemeName | FigureTheme;
}

export interface RocLegendEntry {
  label: string;
  color: string;
  /** "AUC 0.953" or "AUC n/a". */
  text: string;
  /** Left end of the colour swatch and the text baseline. */
  x: number;
  y: number;
}

export interface RocMarker {
  label: string;
  name: string;
  fpr: number;
  tpr: number;
  shape: MarkerShape;
  color: string;
  /** Centre in figure pixels (NaN when fpr or tpr is not finite: not drawn). */
  x: number;
  y: number;
  radius: number;
}

export interface RocMarkerLegend {
  name: string;
  shape: MarkerShape;
  /** Marker centre and text baseline of the name row. */
  x: number;
  y: number;
  /** One row per point with this name: "any: sensitivity 0.950, specificity 0.712". */
  rows: { label: string; color: string; text: string; y: number }[];
}

export interface RocLayout {
  width: number;
  height: number;
  title: string;
  subtitle: string;
  /** The unit square: fpr 0 → plot.x, 1 → plot.x + plot.width; tpr 0 → bottom, 1 → plot.y. */
  plot: PlotRect;
  ticks: number[];
  legend: RocLegendEntry[];
  markers: RocMarker[];
  markerLegend: RocMarkerLegend[];
}

export const ROC_X_TITLE = '1 \u2212 specificity (false-positive rate)';
export const ROC_Y_TITLE = 'sensitivity (true-positive rate)';
export const ROC_CURVE_WIDTH = 2.5;
export const ROC_MARKER_RADIUS = 6;

const MARGIN = { top: 92, left: 84, bottom: 66, right: 24 };
const LEGEND = { gap: 32, width: 252, row: 26 };

function checkCurves(curves: readonly RocPlotCurve[]): void {
  if (curves.length === 0) throw new Error('ROC figure: no curves given');
  for (const c of curves) {
    if (c.fpr.length !== c.tpr.length) throw new Error(`ROC curve ${c.label}: ${c.fpr.length} false-positive rates but ${c.tpr.length} true-positive rates`);
  }
}

function defaultSubtitle(curves: readonly RocPlotCurve[]): string {
  const aucs = curves.map((c) => c.auc).filter((a): a is number => a !== undefined && Number.isFinite(a));
  const mean = aucs.length ? aucs.reduce((s, a) => s + a, 0) / aucs.length : undefined;
  const over = aucs.length === curves.length ? `${curves.length} label${curves.length === 1 ? '' : 's'}` : `${aucs.length} of ${curves.length} labels`;
  return `Mean AUC ${formatMetric(mean)} (${over})  \u00b7  dashed: chance`;
}

/** Figure pixel of an ROC point (fpr, tpr). */
export function rocPixel(layout: Pick<RocLayout, 'plot'>, fpr: number, tpr: number): { x: number; y: number } {
  return plotPixel(layout.plot, fpr, tpr);
}

/** Where everything goes; rocFigure draws exactly this. */
export function rocLayout(curves: readonly RocPlotCurve[], opts: RocFigureOptions = {}): RocLayout {
  checkCurves(curves);
  const size = Math.round(opts.plotSize ?? 480);
  if (!(size >= 240 && size <= 1200)) throw new Error(`ROC figure: plot size ${opts.plotSize} outside 240–1200`);
  const plot = { x: MARGIN.left, y: MARGIN.top, width: size, height: size };
  const lx = plot.x + plot.width + LEGEND.gap;

  let y = plot.y + 14;
  const legend = curves.map((c, i) => {
    const entry = { label: c.label, color: labelColor(c.label, i), text: `AUC ${formatMetric(c.auc)}`, x: lx, y };
    y += LEGEND.row;
    return entry;
  });

  const colorOf = (label: string): string => {
    const i = curves.findIndex((c) => c.label === label);
    return labelColor(label, i < 0 ? curves.length : i);
  };
  const names: string[] = [];
  const markers = (opts.operatingPoints ?? []).map((p) => {
    if (!names.includes(p.name)) names.push(p.name);
    const shape = MARKER_SHAPES[names.indexOf(p.name) % MARKER_SHAPES.length]!;
    const ok = Number.isFinite(p.fpr) && Number.isFinite(p.tpr);
    const px = ok ? rocPixel({ plot }, p.fpr, p.tpr) : { x: NaN, y: NaN };
    return { label: p.label, name: p.name, fpr: p.fpr, tpr: p.tpr, shape, color: colorOf(p.label), x: px.x, y: px.y, radius: ROC_MARKER_RADIUS };
  });

  const markerLegend: RocMarkerLegend[] = [];
  if (names.length) y += 22;
  for (const name of names) {
    const own = markers.filter((m) => m.name === name);
    const entry: RocMarkerLegend = { name, shape: own[0]!.shape, x: lx + 11, y, rows: [] };
    y += 20;
    for (const m of own) {
      const spec = Number.isFinite(m.fpr) ? 1 - m.fpr : NaN;
      entry.rows.push({ label: m.label, color: m.color, text: `${m.label}: sens ${formatMetric(m.tpr)}, spec ${formatMetric(spec)}`, y });
      y += 18;
    }
    markerLegend.push(entry);
    y += 8;
  }

  const width = lx + LEGEND.width + MARGIN.right;
  const height = Math.max(plot.y + plot.height + MARGIN.bottom, y + 12);
  return {
    width,
    height,
    title: opts.title ?? 'ROC curves per hemorrhage label',
    subtitle: opts.subtitle ?? defaultSubtitle(curves),
    plot,
    ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    legend,
    markers,
    markerLegend,
  };
}

/**
 * ROC curves of every label on one square plot, in label colours and the given order (later curves
 * on top), with the chance diagonal, an AUC legend and operating-point markers. Returns a PNG.
 */
export function rocFigure(curves: readonly RocPlotCurve[], opts: RocFigureOptions = {}): Buffer {
  const layout = rocLayout(curves, opts);
  const fig = createFigure(layout.width, layout.height, resolveTheme(opts.theme, 'light'));
  const { ctx, theme } = fig;
  const { plot } = layout;

  drawText(ctx, layout.title, 24, 36, { size: 19, weight: 'bold', color: theme.text, maxWidth: layout.width - 48 });
  drawText(ctx, layout.subtitle, 24, 60, { size: 13, color: theme.muted, maxWidth: layout.width - 48, minSize: 10 });

  drawAxes(fig, plot, { xTicks: layout.ticks, yTicks: layout.ticks, xTitle: ROC_X_TITLE, yTitle: ROC_Y_TITLE });
  drawReferenceDiagonal(fig, plot);

  ctx.save();
  clipTo(ctx, plot, Math.ceil(ROC_CURVE_WIDTH));
  ctx.lineWidth = ROC_CURVE_WIDTH;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  curves.forEach((c, i) => {
    const points = Array.from({ length: c.fpr.length }, (_, k) => rocPixel(layout, c.fpr[k]!, c.tpr[k]!));
    ctx.strokeStyle = layout.legend[i]!.color;
    strokeSeries(ctx, points);
  });
  ctx.restore();

  for (const m of layout.markers) {
    if (Number.isFinite(m.x) && Number.isFinite(m.y)) drawMarker(ctx, m.shape, m.x, m.y, m.radius, m.color, theme.text);
  }

  // Legend: a line swatch, the label and its AUC, right-aligned.
  const right = layout.legend[0]!.x + LEGEND.width;
  ctx.lineWidth = ROC_CURVE_WIDTH;
  ctx.lineCap = 'round';
  for (const e of layout.legend) {
    ctx.strokeStyle = e.color;
    ctx.beginPath();
    ctx.moveTo(e.x + 2, e.y - 5);
    ctx.lineTo(e.x + 22, e.y - 5);
    ctx.stroke();
    drawText(ctx, e.label, e.x + 30, e.y, { size: 13, color: theme.text, maxWidth: LEGEND.width - 30 - 86, minSize: 10 });
    drawText(ctx, e.text, right, e.y, { size: 13, color: theme.text, align: 'right' });
  }
  for (const g of layout.markerLegend) {
    drawMarker(ctx, g.shape, g.x, g.y - 5, ROC_MARKER_RADIUS - 1, theme.background, theme.text);
    drawText(ctx, g.name, g.x + 19, g.y, { size: 13, weight: 'bold', color: theme.text, maxWidth: LEGEND.width - 30, minSize: 10 });
    for (const row of g.rows) {
      drawMarker(ctx, g.shape, g.x + 8, row.y - 4, 4, row.color, theme.text, 1);
      drawText(ctx, row.text, g.x + 19, row.y, { size: 12, color: theme.muted, maxWidth: LEGEND.width - 30, minSize: 9 });
    }
  }
  return toPng(fig);
}
