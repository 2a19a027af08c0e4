/**
 * Plot-area helpers shared by the probability plots (ROC, calibration): a pixel rectangle, the
 * mapping from data to pixels, grid and frame, the dashed reference diagonal and point markers.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { type Figure, drawText } from './canvas.js';

/** A rectangle in figure pixels (integers for plot areas, so 1-px lines land on whole pixels). */
export interface PlotRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A data range shown along one axis; `log` maps log10 of the value (lo and hi must be > 0). */
export interface AxisScale {
  lo: number;
  hi: number;
  log?: boolean;
}

export const UNIT_SCALE: AxisScale = { lo: 0, hi: 1 };

/** Where `v` lies along `scale`, 0 at lo and 1 at hi (not clamped). */
export function scaleFraction(scale: AxisScale, v: number): number {
  if (scale.log) return (Math.log10(v) - Math.log10(scale.lo)) / (Math.log10(scale.hi) - Math.log10(scale.lo));
  return (v - scale.lo) / (scale.hi - scale.lo);
}

/** Figure pixel of data point (u, v): u grows to the right, v upwards; unit scales by default. */
export function plotPixel(rect: PlotRect, u: number, v: number, xScale: AxisScale = UNIT_SCALE, yScale: AxisScale = UNIT_SCALE): { x: number; y: number } {
  return {
    x: rect.x + scaleFraction(xScale, u) * rect.width,
    y: rect.y + rect.height - scaleFraction(yScale, v) * rect.height,
  };
}

/** 0, 0.2, …, 1 → "0", "0.2", …, "1". */
export function formatTick(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

/** A probability-like value with three decimals, or "n/a" when undefined or not finite. */
export function formatMetric(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

export interface AxesStyle {
  xScale?: AxisScale;
  yScale?: AxisScale;
  /** Data values with a grid line; those given in xLabels/yLabels also get a tick label. */
  xTicks: readonly number[];
  yTicks: readonly number[];
  /** Tick label text; false to draw the grid line only (default: formatTick). */
  xLabel?: ((v: number) => string) | false;
  yLabel?: ((v: number) => string) | false;
  xTitle?: string;
  yTitle?: string;
}

/** Grid lines, the axis frame, tick labels and axis titles of one plot area. */
export function drawAxes(fig: Figure, rect: PlotRect, style: AxesStyle): void {
  const { ctx, theme } = fig;
  const xScale = style.xScale ?? UNIT_SCALE;
  const yScale = style.yScale ?? UNIT_SCALE;
  const xLabel = style.xLabel === undefined ? formatTick : style.xLabel;
  const yLabel = style.yLabel === undefined ? formatTick : style.yLabel;
  const bottom = rect.y + rect.height;
  ctx.save();
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeStyle = theme.grid;
  for (const t of style.xTicks) {
    const x = Math.round(plotPixel(rect, t, yScale.lo, xScale, yScale).x) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, rect.y);
    ctx.lineTo(x, bottom);
    ctx.stroke();
    if (xLabel) drawText(ctx, xLabel(t), x, bottom + 17, { size: 12, color: theme.muted, align: 'center' });
  }
  for (const t of style.yTicks) {
    const y = Math.round(plotPixel(rect, xScale.lo, t, xScale, yScale).y) + 0.5;
    ctx.beginPath();
    ctx.moveTo(rect.x, y);
    ctx.lineTo(rect.x + rect.width, y);
    ctx.stroke();
    if (yLabel) drawText(ctx, yLabel(t), rect.x - 7, y + 4, { size: 12, color: theme.muted, align: 'right' });
  }
  ctx.strokeStyle = theme.axis;
  ctx.strokeRect(rect.x + 0.5, rect.y + 0.5, rect.width - 1, rect.height - 1);
  ctx.restore();
  if (style.xTitle) drawText(ctx, style.xTitle, rect.x + rect.width / 2, bottom + 40, { size: 13, color: theme.text, align: 'center', maxWidth: rect.width + 40, minSize: 10 });
  if (style.yTitle) verticalText(fig, style.yTitle, rect.x - 46, rect.y + rect.height / 2, rect.height + 20);
}

/** Text rotated a quarter turn anticlockwise, centred on (x, y), baseline towards the plot. */
export function verticalText(fig: Figure, text: string, x: number, y: number, maxWidth: number, size = 13): void {
  const { ctx } = fig;
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-Math.PI / 2);
  drawText(ctx, text, 0, 0, { size, color: fig.theme.text, align: 'center', maxWidth, minSize: 9 });
  ctx.restore();
}

/** Dash pattern (on, off pixels) of reference lines: the chance and perfect-calibration diagonals. */
export const REFERENCE_DASH: readonly [number, number] = [7, 6];
export const REFERENCE_LINE_WIDTH = 1.5;

/** The dashed grey line from data (0, 0) to (1, 1). */
export function drawReferenceDiagonal(fig: Figure, rect: PlotRect): void {
  const { ctx, theme } = fig;
  ctx.save();
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = REFERENCE_LINE_WIDTH;
  ctx.setLineDash([...REFERENCE_DASH]);
  ctx.beginPath();
  ctx.moveTo(rect.x, rect.y + rect.height);
  ctx.lineTo(rect.x + rect.width, rect.y);
  ctx.stroke();
  ctx.restore();
}

/** Clips drawing to the plot area grown by `pad` pixels (so lines on the edges show whole). */
export function clipTo(ctx: SKRSContext2D, rect: PlotRect, pad = 0): void {
  ctx.beginPath();
  ctx.rect(rect.x - pad, rect.y - pad, rect.width + 2 * pad, rect.height + 2 * pad);
  ctx.clip();
}

export type MarkerShape = 'circle' | 'square' | 'diamond' | 'triangle';
export const MARKER_SHAPES: readonly MarkerShape[] = ['circle', 'square', 'diamond', 'triangle'];

/** A filled marker of "radius" r centred on (x, y), outlined with `stroke` when given. */
export function drawMarker(ctx: SKRSContext2D, shape: MarkerShape, x: number, y: number, r: number, fill: string, stroke?: string, strokeWidth = 1.5): void {
  ctx.save();
  ctx.setLineDash([]);
  ctx.beginPath();
  switch (shape) {
    case 'circle':
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case 'square': {
      const s = r * 0.9;
      ctx.rect(x - s, y - s, 2 * s, 2 * s);
      break;
    }
    case 'diamond': {
      const s = r * 1.25;
      ctx.moveTo(x, y - s);
      ctx.lineTo(x + s, y);
      ctx.lineTo(x, y + s);
      ctx.lineTo(x - s, y);
      ctx.closePath();
      break;
    }
    case 'triangle': {
      const s = r * 1.3;
      ctx.moveTo(x, y - s);
      ctx.lineTo(x + s * 0.94, y + s * 0.6);
      ctx.lineTo(x - s * 0.94, y + s * 0.6);
      ctx.closePath();
      break;
    }
  }
  ctx.fillStyle = fill;
  ctx.fill();
  if (stroke !== undefined) {
    ctx.strokeStyle = stroke;
    ctx.lineWidth = strokeWidth;
    ctx.stroke();
  }
  ctx.restore();
}

/** Draws a polyline through the finite points; a non-finite point breaks the line. */
export function strokeSeries(ctx: SKRSContext2D, points: readonly { x: number; y: number }[]): void {
  ctx.beginPath();
  let pen = false;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(p.x, p.y);
    else ctx.moveTo(p.x, p.y);
    pen = true;
  }
  ctx.stroke();
}
