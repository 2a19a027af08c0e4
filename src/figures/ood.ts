/**
 * The out-of-distribution score's figure: a histogram of the scores of each group of in-distribution
 * slices (e.g. the test part, another phantom style), share per bin, on one x axis with the model's
 * threshold as a dashed line and each named file (real CT slices) as a marker with its name.
 */
import { type PlotRect, REFERENCE_DASH, drawAxes, plotPixel } from './axes.js';
import { createFigure, drawText, formatCount, panelTitle, PANEL_TITLE_HEIGHT, toPng } from './canvas.js';
import { type FigureTheme, type ThemeName, resolveTheme } from './theme.js';

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

/** Colours of the groups (Okabe–Ito blue, then orange, grey) and of the named files. */
const GROUP_COLORS = ['#0072b2', '#e69f00', '#999999', '#009e73'];
const FILE_COLOR = '#d55e00';

/**
 * The PNG: `groups` as step histograms (share of the group per bin) over a logarithmic score axis
 * (in-distribution scores sit within a factor 2 or so, outliers reach 10×), `files` as labelled
 * markers with their score and its ratio to the threshold, the threshold dashed.
 */
export function oodScoreFigure(groups: readonly OodScoreGroup[], files: readonly { name: string; score: number }[], threshold: number, o: OodFigureOptions = {}): Buffer {
  const theme = resolveTheme(o.theme, 'light');
  const all = [...groups.flatMap((g) => g.scores), ...files.map((f) => f.score), threshold].filter((v) => v > 0);
  const decade = (v: number) => Math.log10(v);
  const xScale = { lo: Math.floor(decade(Math.min(...all)) * 4) / 4, hi: Math.ceil(decade(Math.max(...all)) * 4) / 4 + 0.05 };
  const bins = o.bins ?? 60;
  const width = (xScale.hi - xScale.lo) / bins;
  const binOf = (v: number) => Math.max(0, Math.min(bins - 1, Math.floor((decade(Math.max(v, 10 ** xScale.lo)) - xScale.lo) / width)));
  const hist = groups.map((g) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of g.scores) counts[binOf(v)]!++;
    return counts.map((c) => c / Math.max(1, g.scores.length));
  });
  const top = Math.max(0.05, ...hist.flat()) * 1.1;
  const markersTop = PLOT.y + PLOT.height + 70;
  const fig = createFigure(WIDTH, markersTop + MARKER_ROWS * 18 + 30 + groups.length * 18, theme);
  panelTitle(fig, PLOT.x, PLOT.y - 6, PLOT.width, o.title ?? 'Out-of-distribution score', o.subtitle);
  const yScale = { lo: 0, hi: top };
  const ticks = [1, 2, 5].flatMap((m) => [0.1, 1, 10, 100, 1000].map((p) => m * p)).filter((v) => decade(v) >= xScale.lo && decade(v) <= xScale.hi).sort((a, b) => a - b);
  drawAxes(fig, PLOT, {
    xScale, yScale, xTicks: ticks.map(decade), yTicks: range(0, top, niceStep(top / 5)),
    xLabel: (v) => String(Number((10 ** v).toPrecision(2))), yLabel: (v) => `${Math.round(v * 100)} %`,
    xTitle: 'ood_score (Mahalanobis distance to the nearest class mean; log scale)', yTitle: 'share of slices',
  });
  const { ctx } = fig;
  const px = (v: number) => plotPixel(PLOT, decade(v), 0, xScale, yScale).x;
  const baseline = plotPixel(PLOT, xScale.lo, 0, xScale, yScale).y;
  hist.forEach((h, gi) => {
    ctx.strokeStyle = GROUP_COLORS[gi % GROUP_COLORS.length]!;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(PLOT.x, baseline);
    h.forEach((v, b) => {
      const y = plotPixel(PLOT, xScale.lo, v, xScale, yScale).y;
      ctx.lineTo(plotPixel(PLOT, xScale.lo + b * width, 0, xScale, yScale).x, y);
      ctx.lineTo(plotPixel(PLOT, xScale.lo + (b + 1) * width, 0, xScale, yScale).x, y);
    });
    ctx.lineTo(PLOT.x + PLOT.width, baseline);
    ctx.stroke();
  });
  const t = px(threshold);
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
    const x = px(f.score);
    const y = markersTop + (i % MARKER_ROWS) * 18;
    ctx.fillStyle = FILE_COLOR;
    ctx.beginPath();
    ctx.arc(x, y - 4, 4, 0, 2 * Math.PI);
    ctx.fill();
    const text = `${f.name} ${f.score.toFixed(1)} (${(f.score / threshold).toFixed(1)}×)`;
    ctx.font = '11px sans-serif';
    const right = x + 7 + ctx.measureText(text).width > WIDTH - 8;
    drawText(ctx, text, right ? x - 7 : x + 7, y, { size: 11, color: theme.text, align: right ? 'right' : 'left' });
  });
  drawText(ctx, 'named files (real CT slices; score and its ratio to the threshold)', PLOT.x, markersTop - 16, { size: 12, color: theme.muted });
  groups.forEach((g, gi) => {
    const y = markersTop + MARKER_ROWS * 18 + 24 + gi * 18;
    ctx.fillStyle = GROUP_COLORS[gi % GROUP_COLORS.length]!;
    ctx.fillRect(PLOT.x, y - 9, 18, 3);
    const over = g.scores.filter((v) => v > threshold).length;
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
