/**
 * A label's probability along an ordered series: one line per model, the slices whose label is
 * positive shaded, probability 0–1 upwards and slice number to the right — how a 2-D model and a
 * context model read the same series.
 */
import { type AxisScale, clipTo, drawAxes, plotPixel, type PlotRect, strokeSeries } from './axes.js';
import { createFigure, drawText, panelTitle, PANEL_TITLE_HEIGHT, toPng } from './canvas.js';
import { resolveTheme, type ThemeName } from './theme.js';

export interface SeriesCurve {
  name: string;
  /** One probability per slice, in series order. */
  probs: readonly number[];
}

export interface SeriesPanel {
  label: string;
  /** Ground truth per slice (1: positive), shaded; omit when unknown. */
  truth?: readonly number[];
  curves: readonly SeriesCurve[];
}

/** Line colours in curve order (the Okabe–Ito colours that read well on white). */
export const SERIES_CURVE_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#555555'] as const;

export interface SeriesFigureOptions {
  title?: string;
  width?: number;
  panelHeight?: number;
  theme?: ThemeName;
}

/** Where the panels go: figure size, each panel's plot area, and the slice axis (slice i at i). */
export function seriesLayout(panels: readonly SeriesPanel[], opts: SeriesFigureOptions = {}): { width: number; height: number; rects: PlotRect[]; xScale: AxisScale; legend: number } {
  const width = opts.width ?? 820;
  const panelHeight = opts.panelHeight ?? 150;
  const left = 62;
  const legend = 210;
  const top = opts.title ? 34 : 8;
  const gap = PANEL_TITLE_HEIGHT + 12;
  const slices = Math.max(1, ...panels.flatMap((p) => p.curves.map((c) => c.probs.length)));
  const rects = panels.map((_, k) => ({ x: left, y: top + gap + k * (panelHeight + gap), width: width - left - legend, height: panelHeight }));
  return { width, height: top + panels.length * (panelHeight + gap) + 40, rects, xScale: { lo: 0.5, hi: slices + 0.5 }, legend };
}

/** One panel per label, stacked; every panel spans the same slices. */
export function seriesFigure(panels: readonly SeriesPanel[], opts: SeriesFigureOptions = {}): Buffer {
  const theme = resolveTheme(opts.theme, 'light');
  const { width, height, rects, xScale, legend } = seriesLayout(panels, opts);
  const fig = createFigure(width, height, theme);
  if (opts.title) drawText(fig.ctx, opts.title, width / 2, 24, { size: 16, weight: 'bold', color: theme.text, align: 'center', maxWidth: width - 20 });
  const slices = xScale.hi - 0.5;
  const step = Math.max(1, Math.ceil(slices / 10 / 5) * 5);
  const xTicks = Array.from({ length: Math.floor(slices / step) + 1 }, (_, i) => Math.max(1, i * step));
  panels.forEach((panel, k) => {
    const rect = rects[k]!;
    panelTitle(fig, rect.x, rect.y, rect.width, panel.label);
    const { ctx } = fig;
    if (panel.truth) {
      ctx.fillStyle = theme.name === 'dark' ? 'rgba(255,255,255,0.12)' : 'rgba(0,0,0,0.08)';
      panel.truth.forEach((t, i) => {
        if (t < 0.5) return;
        const a = plotPixel(rect, i + 0.5, 1, xScale);
        const b = plotPixel(rect, i + 1.5, 0, xScale);
        ctx.fillRect(a.x, a.y, b.x - a.x, b.y - a.y);
      });
    }
    drawAxes(fig, rect, { xScale, xTicks, yTicks: [0, 0.5, 1], xTitle: k === panels.length - 1 ? 'slice (ordered along the normal)' : undefined, yTitle: 'P' });
    panel.curves.forEach((c, j) => {
      const color = SERIES_CURVE_COLORS[j % SERIES_CURVE_COLORS.length]!;
      ctx.save();
      clipTo(ctx, rect, 2);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash(j === 0 ? [6, 4] : []);
      strokeSeries(ctx, c.probs.map((p, i) => plotPixel(rect, i + 1, p, xScale)));
      ctx.restore();
      const y = rect.y + 18 + j * 20;
      ctx.fillStyle = color;
      ctx.fillRect(rect.x + rect.width + 14, y - 9, 16, 4);
      drawText(ctx, c.name, rect.x + rect.width + 36, y - 3, { size: 12, color: theme.text, maxWidth: legend - 40 });
    });
    if (panel.truth) drawText(ctx, 'shaded: positive', rect.x + rect.width + 14, rect.y + rect.height - 4, { size: 11, color: theme.muted });
  });
  return toPng(fig);
}
