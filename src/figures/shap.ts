/**
 * The attribution figure of `ich explain`, laid out like shap's `image_plot`: the slice in the brain
 * window on the left, then one panel per explained label with its attribution map drawn over a grey,
 * faded copy of the slice in shap's red_transparent_blue colours (red pushes the label's probability
 * up, blue pushes it down, zero leaves the slice showing), and one colour bar with symmetric limits
 * shared by every panel.
 */
import { resampleArea } from '../preprocess/resample.js';
import { PANEL_TITLE_HEIGHT, createFigure, drawText, panelTitle, toPng } from './canvas.js';
import { greyToRgba, imageData } from './raster.js';
import { type FigureTheme, type ThemeName, resolveTheme } from './theme.js';

/** shap's red (#ff0d57): attribution for the label. */
export const SHAP_RED: readonly [number, number, number] = [255, 13, 87];
/** shap's blue (#1e88e5): attribution against the label. */
export const SHAP_BLUE: readonly [number, number, number] = [30, 136, 229];
/** Opacity of the grey slice under the attribution maps (shap's image_plot uses 0.15). */
export const SHAP_SLICE_ALPHA = 0.2;
/** Percentile of |attribution| over all panels that sets the colour limits (as shap). */
export const SHAP_LIMIT_PERCENTILE = 99.9;

export interface ShapPanelInput {
  /** Label name, the panel title. */
  label: string;
  /** The model's probability for the label, in the subtitle. */
  probability: number;
  /** Attributions, N×N row-major (the same N as the slice). */
  map: Float32Array;
}

export interface ShapFigureOptions {
  /** Side of each square panel in pixels (64–1024). Default: N scaled by a whole factor to about 192 (N ≥ 256: 256). */
  panelSize?: number;
  /** Figure title (e.g. the file or SOPInstanceUID); false or undefined for none. */
  title?: string | false;
  /** A muted line under the title, e.g. the method and its settings. */
  info?: string;
  /** Title and subtitle of the slice panel. Default 'slice', 'brain window (C 40 / W 80)'. */
  imageTitle?: string;
  imageSubtitle?: string;
  /** Colour limits ±limit; default the 99.9th percentile of |attribution| over all panels. */
  limit?: number;
  /** Caption under the colour bar. */
  colorbarCaption?: string;
  /** Opacity of the faded slice under the maps (0–1). Default SHAP_SLICE_ALPHA. */
  sliceAlpha?: number;
  /** Default 'light' (white, as shap). */
  theme?: ThemeName | FigureTheme;
}

export interface ShapPanel {
  title: string;
  subtitle: string;
  /** Top-left corner and side of the image inside the figure, in pixels. */
  x: number;
  y: number;
  size: number;
}

export interface ShapColorbarTick {
  value: number;
  /** Pixel column of the tick (figure coordinates) and its label. */
  x: number;
  text: string;
}

export interface ShapColorbar {
  /** The gradient rectangle: −limit at x, +limit at x + width. */
  x: number;
  y: number;
  width: number;
  height: number;
  limit: number;
  ticks: ShapColorbarTick[];
  caption: string;
  /** Baselines of the tick labels and the caption. */
  tickY: number;
  captionY: number;
}

export interface ShapLayout {
  width: number;
  height: number;
  /** N, the side of the slice and of every map. */
  n: number;
  title: string | undefined;
  info: string | undefined;
  /** The slice panel. */
  image: ShapPanel;
  /** One panel per label, in the order given. */
  panels: ShapPanel[];
  colorbar: ShapColorbar;
}

const MARGIN = 20;
const GAP = 14;
const HEADER = 58;
const COLORBAR = { gap: 22, height: 14, maxWidth: 520, minWidth: 200, below: 62 };

/** The percentile p (0–100) of |values| over all arrays, interpolated linearly between ranks (numpy's default). */
export function absPercentile(arrays: readonly Float32Array[], p: number): number {
  const total = arrays.reduce((s, a) => s + a.length, 0);
  if (total === 0) return 0;
  const abs = new Float32Array(total);
  let o = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) abs[o++] = Math.abs(a[i]!);
  abs.sort();
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (total - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(total - 1, lo + 1);
  return abs[lo]! + (abs[hi]! - abs[lo]!) * (rank - lo);
}

/** A colour-bar number: up to 2 significant digits, real minus sign, exponent form for tiny or huge values. */
export function formatAttribution(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a >= 1e-3 && a < 1e4 ? String(Number(a.toPrecision(2))) : a.toExponential(1).replace('e-', 'e\u2212').replace('e+', 'e');
  return v < 0 ? `\u2212${s}` : s;
}

/**
 * Round tick values on [−limit, limit]: 0 and ± multiples of the smallest step of 1, 2 or 5 × 10^k
 * that is at least limit / 2.5 (one or two ticks each side), as matplotlib would put them.
 */
export function colorbarTicks(limit: number): number[] {
  if (!(limit > 0 && Number.isFinite(limit))) return [0];
  const raw = limit / 2.5;
  const e = Math.floor(Math.log10(raw));
  let step = 10 ** (e + 1);
  for (const m of [1, 2, 5]) {
    if (m * 10 ** e >= raw * (1 - 1e-9)) {
      step = m * 10 ** e;
      break;
    }
  }
  const k = Math.floor(limit / step + 1e-9);
  const ticks: number[] = [];
  for (let i = -k; i <= k; i++) ticks.push(i === 0 ? 0 : Number((i * step).toPrecision(12)));
  return ticks;
}

function defaultPanelSize(n: number): number {
  return n >= 256 ? 256 : n * Math.max(1, Math.round(192 / n));
}

/** Where everything goes; shapFigure draws exactly this. `n` is the side of the slice and the maps. */
export function shapLayout(n: number, panels: readonly ShapPanelInput[], opts: ShapFigureOptions = {}): ShapLayout {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`attribution figure: slice side ${n}: expected a positive integer`);
  if (panels.length === 0) throw new Error('attribution figure: no labels to show');
  for (const p of panels) {
    if (p.map.length !== n * n) throw new Error(`attribution figure: map of ${p.label} has ${p.map.length} values, expected ${n}×${n} = ${n * n}`);
  }
  const size = opts.panelSize ?? defaultPanelSize(n);
  if (!(Number.isInteger(size) && size >= 64 && size <= 1024)) throw new Error(`panel size ${size}: expected an integer from 64 to 1024`);
  const alpha = opts.sliceAlpha ?? SHAP_SLICE_ALPHA;
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`slice alpha ${alpha}: expected a number in [0, 1]`);

  const title = opts.title === false || opts.title === undefined ? undefined : opts.title;
  const top = MARGIN + (title !== undefined ? HEADER : 0) + PANEL_TITLE_HEIGHT;
  const at = (i: number) => MARGIN + i * (size + GAP);
  const image: ShapPanel = { title: opts.imageTitle ?? 'slice', subtitle: opts.imageSubtitle ?? 'brain window (C 40 / W 80)', x: at(0), y: top, size };
  const labelPanels = panels.map((p, i): ShapPanel => ({ title: p.label, subtitle: `p = ${p.probability.toFixed(3)}`, x: at(i + 1), y: top, size }));
  const width = at(panels.length + 1) - GAP + MARGIN;

  const limitGiven = opts.limit;
  if (limitGiven !== undefined && !(limitGiven > 0 && Number.isFinite(limitGiven))) throw new Error(`colour limit ${limitGiven}: expected a positive number`);
  const limit = limitGiven ?? absPercentile(panels.map((p) => p.map), SHAP_LIMIT_PERCENTILE);
  // The bar sits under the label panels, centred on them.
  const spanX = labelPanels[0]!.x;
  const spanW = labelPanels.at(-1)!.x + size - spanX;
  const barW = Math.round(Math.min(COLORBAR.maxWidth, Math.max(Math.min(COLORBAR.minWidth, width - 2 * MARGIN), spanW)));
  const barX = Math.round(Math.min(Math.max(MARGIN, spanX + (spanW - barW) / 2), width - MARGIN - barW));
  const barY = top + size + COLORBAR.gap;
  const ticks = colorbarTicks(limit).map((v) => ({ value: v, x: barX + (limit > 0 ? (v / limit + 1) / 2 : 0.5) * barW, text: formatAttribution(v) }));
  const colorbar: ShapColorbar = {
    x: barX,
    y: barY,
    width: barW,
    height: COLORBAR.height,
    limit,
    ticks,
    caption: opts.colorbarCaption ?? shapCaption('probability'),
    tickY: barY + COLORBAR.height + 17,
    captionY: barY + COLORBAR.height + 38,
  };
  return { width, height: barY + COLORBAR.height + COLORBAR.below, n, title, info: title !== undefined ? opts.info : undefined, image, panels: labelPanels, colorbar };
}

/** Brings an N×N plane to size×size: nearest neighbour when enlarging (pixels stay crisp, as imshow shows them), area average when shrinking. */
function toPanel(plane: Float32Array, n: number, size: number, out: Float32Array): Float32Array {
  if (size < n) {
    resampleArea(plane, n, n, size, 0, out);
    return out;
  }
  const src = new Int32Array(size);
  for (let i = 0; i < size; i++) src[i] = Math.min(n - 1, Math.floor(((i + 0.5) * n) / size));
  for (let y = 0; y < size; y++) {
    const row = src[y]! * n;
    for (let x = 0; x < size; x++) out[y * size + x] = plane[row + src[x]!]!;
  }
  return out;
}

function hexToRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/**
 * The colour of attribution v over a base grey (0–255) with limits ±limit, shap's red_transparent_blue:
 * opacity |v| / limit (clipped to 1) of red for v > 0, blue for v < 0, nothing at 0.
 */
export function shapColor(v: number, limit: number, base: readonly [number, number, number]): [number, number, number] {
  const a = limit > 0 && Number.isFinite(v) ? Math.min(1, Math.abs(v) / limit) : 0;
  const c = v > 0 ? SHAP_RED : SHAP_BLUE;
  return [base[0] * (1 - a) + c[0] * a, base[1] * (1 - a) + c[1] * a, base[2] * (1 - a) + c[2] * a];
}

/** The colour bar's caption for attributions of the probability or of the logit. */
export function shapCaption(output: 'probability' | 'logit'): string {
  return `SHAP value (change of the ${output})`;
}

/**
 * Renders the attribution figure of one slice as a PNG. `slice` holds the model input (C×N×N or
 * N×N, values in [0, 1]); its first N×N plane (the brain window) is shown. Every map is N×N.
 */
export function shapFigure(slice: Float32Array, n: number, panels: readonly ShapPanelInput[], opts: ShapFigureOptions = {}): Buffer {
  if (slice.length < n * n) throw new Error(`attribution figure: slice has ${slice.length} values, expected at least ${n}×${n}`);
  const layout = shapLayout(n, panels, opts);
  const fig = createFigure(layout.width, layout.height, resolveTheme(opts.theme, 'light'));
  const { ctx, theme } = fig;
  const size = layout.image.size;
  const plane = size * size;
  const bg = hexToRgb(theme.background);
  const alpha = opts.sliceAlpha ?? SHAP_SLICE_ALPHA;

  if (layout.title !== undefined) {
    drawText(ctx, layout.title, MARGIN, MARGIN + 18, { size: 18, weight: 'bold', color: theme.text, maxWidth: layout.width - 2 * MARGIN });
    if (layout.info) drawText(ctx, layout.info, MARGIN, MARGIN + 42, { size: 13, color: theme.muted, maxWidth: layout.width - 2 * MARGIN, minSize: 10 });
  }

  const grey = toPanel(slice.subarray(0, n * n), n, size, new Float32Array(plane));
  const rgba = new Uint8ClampedArray(plane * 4);
  panelTitle(fig, layout.image.x, layout.image.y, size, layout.image.title, layout.image.subtitle);
  ctx.putImageData(imageData(greyToRgba(grey, 0, plane, rgba), size, size), layout.image.x, layout.image.y);

  const map = new Float32Array(plane);
  const { limit } = layout.colorbar;
  panels.forEach((p, k) => {
    const panel = layout.panels[k]!;
    panelTitle(fig, panel.x, panel.y, size, panel.title, panel.subtitle);
    toPanel(p.map, n, size, map);
    for (let i = 0, o = 0; i < plane; i++, o += 4) {
      const g = Math.min(1, Math.max(0, grey[i]!)) * 255;
      const base: [number, number, number] = [bg[0] * (1 - alpha) + g * alpha, bg[1] * (1 - alpha) + g * alpha, bg[2] * (1 - alpha) + g * alpha];
      const c = shapColor(map[i]!, limit, base);
      rgba[o] = c[0];
      rgba[o + 1] = c[1];
      rgba[o + 2] = c[2];
      rgba[o + 3] = 255;
    }
    ctx.putImageData(imageData(rgba, size, size), panel.x, panel.y);
  });

  // The colour bar: the same colours over the figure background, −limit … +limit.
  const cb = layout.colorbar;
  const bar = new Uint8ClampedArray(cb.width * cb.height * 4);
  for (let x = 0; x < cb.width; x++) {
    const v = (((x + 0.5) / cb.width) * 2 - 1) * (limit > 0 ? limit : 1);
    const c = shapColor(v, limit > 0 ? limit : 1, bg);
    for (let y = 0; y < cb.height; y++) {
      const o = (y * cb.width + x) * 4;
      bar[o] = c[0];
      bar[o + 1] = c[1];
      bar[o + 2] = c[2];
      bar[o + 3] = 255;
    }
  }
  ctx.putImageData(imageData(bar, cb.width, cb.height), cb.x, cb.y);
  ctx.save();
  ctx.strokeStyle = theme.axis;
  ctx.lineWidth = 1;
  ctx.strokeRect(cb.x - 0.5, cb.y - 0.5, cb.width + 1, cb.height + 1);
  for (const t of cb.ticks) {
    const x = Math.round(t.x) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, cb.y + cb.height);
    ctx.lineTo(x, cb.y + cb.height + 4);
    ctx.stroke();
    drawText(ctx, t.text, x, cb.tickY, { size: 12, color: theme.muted, align: 'center' });
  }
  ctx.restore();
  drawText(ctx, cb.caption, cb.x + cb.width / 2, cb.captionY, { size: 13, color: theme.text, align: 'center', maxWidth: Math.max(cb.width, 200), minSize: 10 });
  return toPng(fig);
}
