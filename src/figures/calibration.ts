/**
 * The calibration figure of `ich eval --report`: a reliability diagram (observed frequency against
 * mean predicted probability per bin, one series per hemorrhage label, marker area ∝ the bin's
 * count, the dashed perfect-calibration diagonal) over a small histogram of how many predictions
 * fall in each bin (log count, or each label's share).
 */
import { createFigure, drawText, formatCount, toPng } from './canvas.js';
import { clipTo, drawAxes, drawMarker, drawReferenceDiagonal, strokeSeries, verticalText } from './axes.js';
import { resolveTheme } from './theme.js';

import { CALIBRATION_MARKER_RADIUS, type CalibrationFigureOptions, type CalibrationSeries, calibrationLayout, formatPower, LEGEND } from './calibration-layout.js';

export * from './calibration-layout.js';

/**
 * Reliability diagram of every label (marker area ∝ bin count, empty bins left out) with the
 * perfect-calibration diagonal, over a histogram of predictions per bin. Returns a PNG.
 */
export function calibrationFigure(series: readonly CalibrationSeries[], opts: CalibrationFigureOptions = {}): Buffer {
  const layout = calibrationLayout(series, opts);
  const fig = createFigure(layout.width, layout.height, resolveTheme(opts.theme, 'light'));
  const { ctx, theme } = fig;
  const { plot, histogram } = layout;

  drawText(ctx, layout.title, 24, 36, { size: 19, weight: 'bold', color: theme.text, maxWidth: layout.width - 48 });
  drawText(ctx, layout.subtitle, 24, 60, { size: 13, color: theme.muted, maxWidth: layout.width - 48, minSize: 10 });

  drawAxes(fig, plot, { xTicks: layout.ticks, yTicks: layout.ticks, xLabel: false, yTitle: 'observed frequency' });
  drawReferenceDiagonal(fig, plot);

  // Lines through each label's bins, then all markers, largest first so small bins stay visible.
  ctx.save();
  clipTo(ctx, plot, CALIBRATION_MARKER_RADIUS.max + 1);
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  for (const s of layout.legend) {
    ctx.strokeStyle = s.color;
    strokeSeries(ctx, layout.points.filter((p) => p.label === s.label).sort((a, b) => a.meanPredicted - b.meanPredicted));
  }
  for (const p of layout.points) {
    drawMarker(ctx, 'circle', p.x, p.y, p.radius, p.color, theme.background, 1.25);
  }
  ctx.restore();

  const log = layout.histogramMode === 'log';
  drawAxes(fig, histogram, {
    yScale: layout.histogramScale,
    xTicks: layout.ticks,
    yTicks: layout.histogramTicks,
    yLabel: log ? formatPower : (v) => `${Math.round(v * 100)}%`,
    xTitle: 'predicted probability',
  });
  verticalText(fig, log ? 'count (log)' : 'share', histogram.x - 46, histogram.y + histogram.height / 2, histogram.height + 10, 12);
  for (const b of layout.bars) {
    ctx.fillStyle = b.color;
    ctx.fillRect(b.x, b.y, b.width, b.height);
  }

  // Legend: swatch (line and marker), label, ECE; muted count line; then the marker size key.
  for (const e of layout.legend) {
    ctx.strokeStyle = e.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(e.x + 1, e.y - 5);
    ctx.lineTo(e.x + 21, e.y - 5);
    ctx.stroke();
    drawMarker(ctx, 'circle', e.x + 11, e.y - 5, 4.5, e.color, theme.background, 1);
    drawText(ctx, e.label, e.x + 30, e.y, { size: 13, color: theme.text, maxWidth: LEGEND.width - 30 - 78, minSize: 10 });
    drawText(ctx, e.text, e.x + LEGEND.width, e.y, { size: 13, color: theme.text, align: 'right' });
    drawText(ctx, e.detail, e.x + 30, e.y + 17, { size: 11, color: theme.muted, maxWidth: LEGEND.width - 30, minSize: 9 });
  }
  if (layout.sizeKey.length) {
    const k0 = layout.sizeKey[0]!;
    drawText(ctx, 'marker area \u221d predictions in bin', k0.x - k0.radius, k0.y - CALIBRATION_MARKER_RADIUS.max - 10, { size: 12, color: theme.muted, maxWidth: LEGEND.width, minSize: 9 });
    for (const k of layout.sizeKey) {
      drawMarker(ctx, 'circle', k.x, k.y, k.radius, theme.background, theme.muted, 1.25);
      drawText(ctx, formatCount(k.count), k.x + CALIBRATION_MARKER_RADIUS.max + 5, k.y + 4, { size: 11, color: theme.muted, maxWidth: 82 - 2 * CALIBRATION_MARKER_RADIUS.max - 6, minSize: 8 });
    }
  }
  return toPng(fig);
}
