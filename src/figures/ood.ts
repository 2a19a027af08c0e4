/**
 * The out-of-distribution score's figure: a histogram of the scores of each group of in-distribution
 * slices (e.g. the test part, another phantom style), share per bin, on one x axis with the model's
 * threshold as a dashed line and each named file (real CT slices) as a marker with its name.
 */
import { type PlotRect, REFERENCE_DASH, drawAxes, plotPixel } from './axes.js';
import { createFigure, drawText, formatCount, panelTitle, PANEL_TITLE_HEIGHT, toPng } from './canvas.js';
import { type FigureTheme, type ThemeName, labelColor, resolveTheme } from './theme.js';

export interface OodScoreGroup {
  name: string;
  scores: readonly number[];
}

export interface OodFigureOptions {
  title?: string;
  subtitle?: string;
  /** Histogram bins over the x range. Default 40. */
  bins?: number;
  theme?: ThemeName | FigureTheme;
}

const WIDTH = 900;
const PLOT: PlotRect = { x: 70, y: PANEL_TITLE_HEIGHT + 20, width: 800, height: 300 };
const MARKER_ROWS = 5;

/** The PNG: `groups` as step histograms (share of the group per bin), `files` as labelled markers, the threshold dashed. */
export function oodScoreFigure(groups: readonly OodScoreGroup[], files: readonly { name: string; score: number }[], threshold: number, o: OodFigureOptions = {}): Buffer {
  const theme = resolveTheme(o.theme, 'light');
  const all = [...groups.flatMap((g) => g.scores), ...files.map((f) => f.score), threshold];
  const hi = Math.max(...all) * 1.05;
  const bins = o.bins ?? 40;
  const width = hi / bins;
  const hist = groups.map((g) => {
    const counts = new Array<number>(bins).fill(0);
    for (const s of g.scores) counts[Math.min(bins - 1, Math.floor(s / width))]!++;
    return counts.map((c) => c / Math.max(1, g.scores.length));
  });
  const top = Math.max(0.05, ...hist.flat()) * 1.1;
  const markersTop = PLOT.y + PLOT.height + 48;
  const fig = createFigure(WIDTH, markersTop + MARKER_ROWS * 18 + 30 + groups.length * 18, theme);
  panelTitle(fig, PLOT.x, PLOT.y - 6, PLOT.width, o.title ?? 'Out-of-distribution score', o.subtitle);
  const xScale = { lo: 0, hi };
  const yScale = { lo: 0, hi: top };
  const step = niceStep(hi / 8);
  drawAxes(fig, PLOT, {
    xScale, yScale, xTicks: range(0, hi, step), yTicks: range(0, top, niceStep(top / 5)),
    yLabel: (v) => `${Math.round(v * 100)} %`, xTitle: 'ood_score (Mahalanobis distance to the nearest class)', yTitle: 'share of slices',
  });
  const { ctx } = fig;
  hist.forEach((h, gi) => {
    ctx.strokeStyle = labelColor(`group${gi}`, gi + 1);
    ctx.lineWidth = 2;
    ctx.beginPath();
    h.forEach((v, b) => {
      const a = plotPixel(PLOT, b * width, v, xScale, yScale);
      const z = plotPixel(PLOT, (b + 1) * width, v, xScale, yScale);
      if (b === 0) ctx.moveTo(a.x, plotPixel(PLOT, 0, 0, xScale, yScale).y);
      ctx.lineTo(a.x, a.y);
      ctx.lineTo(z.x, z.y);
    });
    ctx.lineTo(plotPixel(PLOT, hi, 0, xScale, yScale).x, plotPixel(PLOT, 0, 0, xScale, yScale).y);
    ctx.stroke();
  });
  const t = plotPixel(PLOT, threshold, 0, xScale, yScale).x;
  ctx.setLineDash([...REFERENCE_DASH]);
  ctx.strokeStyle = theme.text;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(t, PLOT.y);
  ctx.lineTo(t, markersTop + MARKER_ROWS * 18);
  ctx.stroke();
  ctx.setLineDash([]);
  drawText(ctx, `threshold ${threshold.toFixed(2)}`, t + 4, PLOT.y + 14, { size: 12, color: theme.text });
  [...files].sort((a, b) => a.score - b.score).forEach((f, i) => {
    const x = plotPixel(PLOT, f.score, 0, xScale, yScale).x;
    const y = markersTop + (i % MARKER_ROWS) * 18;
    ctx.fillStyle = '#d62728';
    ctx.beginPath();
    ctx.arc(x, y - 4, 4, 0, 2 * Math.PI);
    ctx.fill();
    drawText(ctx, `${f.name} ${f.score.toFixed(1)}`, x + 7, y, { size: 11, color: theme.text });
  });
  drawText(ctx, 'named files (red)', PLOT.x, markersTop - 16, { size: 12, color: theme.muted });
  groups.forEach((g, gi) => {
    const y = markersTop + MARKER_ROWS * 18 + 24 + gi * 18;
    ctx.fillStyle = labelColor(`group${gi}`, gi + 1);
    ctx.fillRect(PLOT.x, y - 9, 18, 3);
    const over = g.scores.filter((s) => s > threshold).length;
    drawText(ctx, `${g.name}: ${formatCount(g.scores.length)} slices, ${(100 * over / Math.max(1, g.scores.length)).toFixed(1)} % above the threshold`, PLOT.x + 26, y, { size: 12, color: theme.text });
  });
  return toPng(fig);
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

function range(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let v = lo; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}
