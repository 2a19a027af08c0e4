// Where everything of the calibration figure goes (calibration.ts draws it): plot and histogram
// rectangles, markers sized by count, bars, legend and key, computed from the series alone so that
// tests can check the picture's geometry without reading pixels.
import { formatCount } from './canvas.js';
import { type AxisScale, type PlotRect, formatMetric, plotPixel } from './axes.js';
import { type FigureTheme, type ThemeName, labelColor } from './theme.js';

export interface CalibrationBin {
  /** Mean predicted probability of the predictions in the bin. */
  meanPredicted: number;
  /** Fraction of them that are positive. */
  observed: number;
  /** How many predictions the bin holds (0 = empty: not drawn). */
  count: number;
  /** The bin's edges, for the histogram; default: the equal-width bin (of `binCount`) holding meanPredicted. */
  lower?: number;
  upper?: number;
}

export interface CalibrationSeries {
  label: string;
  bins: readonly CalibrationBin[];
}

export interface CalibrationFigureOptions {
  title?: string;
  subtitle?: string;
  /** Equal-width bins on [0, 1] the histogram assumes for bins without edges. Default 10. */
  binCount?: number;
  /** Histogram bar height: 'log' count (default) or the label's 'share' of its predictions. */
  histogram?: 'log' | 'share';
  /** Side of the square reliability plot in pixels (240–1200). Default 440. */
  plotSize?: number;
  /** Default 'light' (figures go into reports). */
  theme?: ThemeName | FigureTheme;
}

export interface CalibrationPoint {
  label: string;
  color: string;
  meanPredicted: number;
  observed: number;
  count: number;
  /** Marker centre in figure pixels and its radius. */
  x: number;
  y: number;
  radius: number;
}

export interface CalibrationBar {
  label: string;
  color: string;
  count: number;
  /** What the height shows: the count ('log') or count / label total ('share'). */
  value: number;
  /** Integer rectangle in figure pixels, standing on the histogram's bottom edge. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CalibrationLegendEntry {
  label: string;
  color: string;
  /** Predictions over the label's non-empty bins, and the count-weighted mean |observed − predicted|. */
  total: number;
  ece: number | undefined;
  /** "ECE 0.031" and "n = 8,000 · 10 bins". */
  text: string;
  detail: string;
  /** Left end of the swatch and baseline of the first line. */
  x: number;
  y: number;
}

export interface CalibrationLayout {
  width: number;
  height: number;
  title: string;
  subtitle: string;
  /** The reliability plot: unit square, mean predicted → x, observed → y (up). */
  plot: PlotRect;
  /** The histogram under it, sharing its x mapping. */
  histogram: PlotRect;
  histogramMode: 'log' | 'share';
  /** Vertical scale of the histogram (log10 counts from 1, or share 0–1). */
  histogramScale: AxisScale;
  histogramTicks: number[];
  ticks: number[];
  /** Non-empty bins of every label, in drawing order (largest markers first). */
  points: CalibrationPoint[];
  bars: CalibrationBar[];
  legend: CalibrationLegendEntry[];
  /** Reference markers for the size key. */
  sizeKey: { count: number; radius: number; x: number; y: number }[];
}

export const CALIBRATION_MARKER_RADIUS = { min: 3, max: 9 };

const MARGIN = { top: 92, left: 84, bottom: 66, right: 24 };
const HIST_GAP = 26;
/** The legend's place: gap from the plot, width, row height. */
export const LEGEND = { gap: 32, width: 236, row: 42 };

/** Marker radius of a bin with `count` predictions when the largest bin has `maxCount`: area ∝ count. */
export function calibrationMarkerRadius(count: number, maxCount: number): number {
  const { min, max } = CALIBRATION_MARKER_RADIUS;
  return maxCount > 0 ? min + (max - min) * Math.sqrt(Math.max(0, count) / maxCount) : min;
}

/** 1, 10, 100, 1k, 10k, 100k, 1M: compact powers of ten. */
export function formatPower(v: number): string {
  if (v >= 1e6) return `${formatCount(v / 1e6)}M`;
  if (v >= 1e3) return `${formatCount(v / 1e3)}k`;
  return formatCount(v);
}

function nonEmpty(b: CalibrationBin): boolean {
  return b.count > 0 && Number.isFinite(b.meanPredicted) && Number.isFinite(b.observed);
}

function checkSeries(series: readonly CalibrationSeries[]): void {
  if (series.length === 0) throw new Error('calibration figure: no labels given');
  for (const s of series) {
    for (const b of s.bins) {
      if (!(b.count >= 0) || !Number.isFinite(b.count)) throw new Error(`calibration ${s.label}: bin count ${b.count}; expected a finite count ≥ 0`);
    }
  }
}

/** Reference counts for the size key: the largest bin and one and two decades below, rounded. */
function keyCounts(maxCount: number): number[] {
  const out: number[] = [];
  for (const f of [1, 0.1, 0.01]) {
    const raw = maxCount * f;
    if (raw < 1) break;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const c = f === 1 ? Math.round(raw) : Math.round(raw / mag) * mag;
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** Figure pixel of a reliability point (mean predicted, observed). */
export function calibrationPixel(layout: Pick<CalibrationLayout, 'plot'>, meanPredicted: number, observed: number): { x: number; y: number } {
  return plotPixel(layout.plot, meanPredicted, observed);
}

/** Where everything goes; calibrationFigure draws exactly this. */
export function calibrationLayout(series: readonly CalibrationSeries[], opts: CalibrationFigureOptions = {}): CalibrationLayout {
  checkSeries(series);
  const size = Math.round(opts.plotSize ?? 440);
  if (!(size >= 240 && size <= 1200)) throw new Error(`calibration figure: plot size ${opts.plotSize} outside 240–1200`);
  const binCount = opts.binCount ?? 10;
  if (!Number.isInteger(binCount) || binCount < 1) throw new Error(`calibration figure: bin count ${binCount}; expected an integer ≥ 1`);
  const mode = opts.histogram ?? 'log';
  const plot = { x: MARGIN.left, y: MARGIN.top, width: size, height: size };
  const histogram = { x: plot.x, y: plot.y + plot.height + HIST_GAP, width: size, height: Math.round(size * 0.28) };

  const colors = series.map((s, i) => labelColor(s.label, i));
  const kept = series.map((s) => s.bins.filter(nonEmpty));
  const maxCount = Math.max(0, ...kept.flat().map((b) => b.count));

  const points: CalibrationPoint[] = [];
  kept.forEach((bins, i) => {
    for (const b of [...bins].sort((p, q) => p.meanPredicted - q.meanPredicted)) {
      const px = calibrationPixel({ plot }, b.meanPredicted, b.observed);
      points.push({ label: series[i]!.label, color: colors[i]!, meanPredicted: b.meanPredicted, observed: b.observed, count: b.count, x: px.x, y: px.y, radius: calibrationMarkerRadius(b.count, maxCount) });
    }
  });

  // Drawing order: largest markers first (stable), so small bins stay visible on top.
  points.sort((a, b) => b.radius - a.radius);

  // Histogram: each bin's slot holds one narrow bar per label, side by side in label order.
  const histogramScale: AxisScale = mode === 'log' ? { lo: 1, hi: Math.max(10, 10 ** Math.ceil(Math.log10(Math.max(1, maxCount)))), log: true } : { lo: 0, hi: 1 };
  const histogramTicks: number[] = [];
  if (mode === 'log') {
    const decades = Math.round(Math.log10(histogramScale.hi));
    const every = decades > 5 ? 2 : 1;
    for (let d = 0; d <= decades; d += every) histogramTicks.push(10 ** d);
  } else {
    histogramTicks.push(0, 0.5, 1);
  }
  const bottom = histogram.y + histogram.height;
  const bars: CalibrationBar[] = [];
  kept.forEach((bins, i) => {
    const total = bins.reduce((s, b) => s + b.count, 0);
    for (const b of bins) {
      let lower = b.lower;
      let upper = b.upper;
      if (lower === undefined || upper === undefined || !(upper > lower)) {
        const k = Math.min(binCount - 1, Math.max(0, Math.floor(b.meanPredicted * binCount)));
        lower = k / binCount;
        upper = (k + 1) / binCount;
      }
      const x0 = plotPixel(histogram, lower, 0).x + 2;
      const slot = (plotPixel(histogram, upper, 0).x - 2 - x0) / series.length;
      const left = Math.round(x0 + slot * i);
      const right = Math.round(x0 + slot * (i + 1));
      const value = mode === 'log' ? b.count : b.count / total;
      const frac = mode === 'log' ? Math.log10(Math.max(1, value)) / Math.log10(histogramScale.hi) : value;
      const height = Math.max(2, Math.round(Math.min(1, frac) * histogram.height));
      bars.push({ label: series[i]!.label, color: colors[i]!, count: b.count, value, x: left, y: bottom - height, width: Math.max(1, right - left), height });
    }
  });

  const lx = plot.x + plot.width + LEGEND.gap;
  let y = plot.y + 14;
  const legend = series.map((s, i) => {
    const bins = kept[i]!;
    const total = bins.reduce((a, b) => a + b.count, 0);
    const ece = total > 0 ? bins.reduce((a, b) => a + b.count * Math.abs(b.observed - b.meanPredicted), 0) / total : undefined;
    const entry = {
      label: s.label,
      color: colors[i]!,
      total,
      ece,
      text: `ECE ${formatMetric(ece)}`,
      detail: `n = ${formatCount(total)}  \u00b7  ${bins.length} bin${bins.length === 1 ? '' : 's'}`,
      x: lx,
      y,
    };
    y += LEGEND.row;
    return entry;
  });
  y += 16;
  const sizeKey: CalibrationLayout['sizeKey'] = [];
  let kx = lx + CALIBRATION_MARKER_RADIUS.max;
  const ky = y + 20 + CALIBRATION_MARKER_RADIUS.max;
  for (const count of keyCounts(maxCount)) {
    sizeKey.push({ count, radius: calibrationMarkerRadius(count, maxCount), x: kx, y: ky });
    kx += 82;
  }

  return {
    width: lx + LEGEND.width + MARGIN.right,
    height: histogram.y + histogram.height + MARGIN.bottom,
    title: opts.title ?? 'Calibration per hemorrhage label',
    subtitle: opts.subtitle ?? 'Observed frequency per bin of predicted probability  \u00b7  dashed: perfect calibration',
    plot,
    histogram,
    histogramMode: mode,
    histogramScale,
    histogramTicks,
    ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    points,
    bars,
    legend,
    sizeKey,
  };
}
