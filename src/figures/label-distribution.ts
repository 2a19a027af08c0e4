/** The class-balance chart: how many slices are positive for each hemorrhage label. */
import { createFigure, drawText, formatCount, toPng } from './canvas.js';
import { type FigureTheme, type ThemeName, labelColor, resolveTheme } from './theme.js';

export interface LabelCount {
  label: string;
  /** Slices positive for this label. */
  positive: number;
  /** Slices with a known value for this label. */
  total: number;
}

export interface LabelChartOptions {
  width?: number;
  height?: number;
  title?: string;
  /** Replaces the subtitle (default: slice count and negatives). */
  subtitle?: string;
  /** Slices negative for every label; default total − positive of the "any" row, when there is one. */
  negative?: number;
  /** Default 'light' (charts go into reports); 'dark' matches the inspect figure. */
  theme?: ThemeName | FigureTheme;
}

export interface LabelBar {
  label: string;
  positive: number;
  total: number;
  /** positive / total × 100, or NaN when total is 0. */
  percent: number;
  color: string;
  /** The bar's rectangle in figure pixels (integers; height 0 for a zero count). */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LabelChartLayout {
  width: number;
  height: number;
  title: string;
  subtitle: string;
  plot: { x: number; y: number; width: number; height: number };
  yMax: number;
  ticks: number[];
  bars: LabelBar[];
}

/** "14.3%", "0.42%", "0%", "–" for an empty total. */
export function formatPercent(p: number): string {
  if (Number.isNaN(p)) return '–';
  if (p === 0) return '0%';
  if (p < 1) return `${p.toFixed(2)}%`;
  return `${p.toFixed(1)}%`;
}

/** Round tick step (1, 2, 2.5 or 5 × 10^k, at least 1) giving about `count` intervals up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  return Math.max(1, step);
}

/** The tightest round axis maximum ≥ target, with 4 to 6 intervals. */
function niceAxis(target: number): { yMax: number; step: number } {
  let best = { yMax: Infinity, step: 1 };
  for (let count = 4; count <= 6; count++) {
    const step = niceStep(target, count);
    const yMax = Math.ceil(target / step) * step;
    if (yMax < best.yMax) best = { yMax, step };
  }
  return best;
}

function checkRows(rows: readonly LabelCount[]): void {
  if (rows.length === 0) throw new Error('label distribution: no labels given');
  for (const r of rows) {
    const ok = Number.isInteger(r.positive) && Number.isInteger(r.total) && r.positive >= 0 && r.positive <= r.total;
    if (!ok) throw new Error(`label ${r.label}: positive ${r.positive} of total ${r.total}; expected integers with 0 ≤ positive ≤ total`);
  }
}

function defaultSubtitle(rows: readonly LabelCount[], negativeOpt: number | undefined): string {
  const any = rows.find((r) => r.label === 'any');
  const total = any?.total ?? Math.max(...rows.map((r) => r.total));
  const negative = negativeOpt ?? (any ? any.total - any.positive : undefined);
  const parts = [`${formatCount(total)} slices`];
  if (negative !== undefined) parts.push(`${formatCount(negative)} negative (${formatPercent(total ? (100 * negative) / total : NaN)})`);
  if (any) parts.push(`${formatCount(any.positive)} with any hemorrhage`);
  if (rows.some((r) => r.total !== rows[0]!.total)) parts.push('totals differ per label');
  return parts.join('  ·  ');
}

const MARGIN = { top: 92, right: 24, bottom: 60, left: 84 };

/** Where each bar goes; labelDistributionChart draws exactly this. */
export function labelDistributionLayout(rows: readonly LabelCount[], opts: LabelChartOptions = {}): LabelChartLayout {
  checkRows(rows);
  const width = Math.round(opts.width ?? Math.max(560, 150 + 112 * rows.length));
  const height = Math.round(opts.height ?? 460);
  const plot = { x: MARGIN.left, y: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
  if (plot.width < 40 * rows.length || plot.height < 80) throw new Error(`label distribution: ${width}×${height} is too small for ${rows.length} labels`);

  const maxCount = Math.max(...rows.map((r) => r.positive));
  // Headroom so the percentage above the tallest bar stays inside the plot.
  const target = Math.max(1, maxCount * 1.12);
  const { yMax, step } = niceAxis(target);
  const ticks: number[] = [];
  for (let t = 0; t <= yMax + step / 2; t += step) ticks.push(t);

  const slot = plot.width / rows.length;
  const barWidth = Math.round(Math.min(slot * 0.62, 96));
  const baseline = plot.y + plot.height;
  const bars = rows.map((r, i) => {
    const h = Math.round((r.positive / yMax) * plot.height);
    return {
      label: r.label,
      positive: r.positive,
      total: r.total,
      percent: r.total ? (100 * r.positive) / r.total : NaN,
      color: labelColor(r.label, i),
      x: Math.round(plot.x + slot * i + (slot - barWidth) / 2),
      y: baseline - h,
      width: barWidth,
      height: h,
    };
  });

  return {
    width,
    height,
    title: opts.title ?? 'Positive slices per hemorrhage label',
    subtitle: opts.subtitle ?? defaultSubtitle(rows, opts.negative),
    plot,
    yMax,
    ticks,
    bars,
  };
}

/** Bar chart of positive slices per label (in the given order), with the percentage above each bar. */
export function labelDistributionChart(rows: readonly LabelCount[], opts: LabelChartOptions = {}): Buffer {
  const layout = labelDistributionLayout(rows, opts);
  const fig = createFigure(layout.width, layout.height, resolveTheme(opts.theme, 'light'));
  const { ctx, theme } = fig;
  const { plot } = layout;
  const baseline = plot.y + plot.height;
  const sameTotals = rows.every((r) => r.total === rows[0]!.total);

  drawText(ctx, layout.title, MARGIN.left - 60, 36, { size: 19, weight: 'bold', color: theme.text, maxWidth: layout.width - 48 });
  drawText(ctx, layout.subtitle, MARGIN.left - 60, 60, { size: 13, color: theme.muted, maxWidth: layout.width - 48, minSize: 10 });

  // Grid and y tick labels.
  ctx.lineWidth = 1;
  for (const t of layout.ticks) {
    const y = Math.round(baseline - (t / layout.yMax) * plot.height) + 0.5;
    ctx.strokeStyle = t === 0 ? theme.axis : theme.grid;
    ctx.beginPath();
    ctx.moveTo(plot.x, y);
    ctx.lineTo(plot.x + plot.width, y);
    ctx.stroke();
    drawText(ctx, formatCount(t), plot.x - 8, y + 4, { size: 12, color: theme.muted, align: 'right' });
  }
  ctx.save();
  ctx.translate(20, plot.y + plot.height / 2);
  ctx.rotate(-Math.PI / 2);
  drawText(ctx, 'positive slices', 0, 0, { size: 13, color: theme.muted, align: 'center' });
  ctx.restore();

  const slot = plot.width / layout.bars.length;
  for (const bar of layout.bars) {
    ctx.fillStyle = bar.color;
    // Integer rectangle over the baseline's top half-pixel, so bar pixels are the exact colour.
    if (bar.height > 0) ctx.fillRect(bar.x, bar.y, bar.width, bar.height);
    const cx = bar.x + bar.width / 2;
    drawText(ctx, formatPercent(bar.percent), cx, bar.y - 7, { size: 14, weight: 'bold', color: theme.text, align: 'center', maxWidth: slot - 4 });
    drawText(ctx, bar.label, cx, baseline + 20, { size: 13, color: theme.text, align: 'center', maxWidth: slot - 6, minSize: 10 });
    const count = sameTotals ? formatCount(bar.positive) : `${formatCount(bar.positive)} / ${formatCount(bar.total)}`;
    drawText(ctx, count, cx, baseline + 38, { size: 12, color: theme.muted, align: 'center', maxWidth: slot - 6, minSize: 9 });
  }
  return toPng(fig);
}
