/**
 * The phantom preview: what the synthetic head-CT phantoms look like, one row per subtype. Every
 * example shows the slice in the brain and the subdural window, each plain and with the ground-truth
 * mask outlined, so the bleed is seen unmarked and where the label says it is.
 */
import { resampleArea } from '../preprocess/resample.js';
import { type HuWindow, WINDOW_PRESETS, windowImage } from '../preprocess/window.js';
import { PANEL_TITLE_HEIGHT, createFigure, drawText, formatCount, formatSigned, panelTitle, toPng } from './canvas.js';
import { greyToRgba, imageData } from './raster.js';
import { type FigureTheme, type ThemeName, labelColor, resolveTheme } from './theme.js';
import { maskOutline } from './mask-outline.js';

export interface PreviewExample {
  /** Hounsfield units, rows × columns, row-major. */
  hu: Float32Array;
  rows: number;
  columns: number;
  /** rows × columns; non-zero = this row's subtype of bleed (all zero for a negative). */
  mask: Uint8Array;
  /** Shown under the example, e.g. study ID, slice rank, 'thin'. */
  caption?: string;
}

export interface PreviewRow {
  /** 'epidural' | 'intraparenchymal' | 'intraventricular' | 'subarachnoid' | 'subdural' | 'negative' (others get a palette colour). */
  label: string;
  examples: PreviewExample[];
}

export interface PhantomPreviewOptions {
  /** Side of each square panel in pixels (64–1024); slices are area-resampled to it. Default 160. */
  panelSize?: number;
  /** Figure title; false for none. Default 'Synthetic head-CT phantoms'. */
  title?: string | false;
  /** Default 'dark' (CT images). */
  theme?: ThemeName | FigureTheme;
}

export interface PreviewPanel {
  row: number;
  example: number;
  window: HuWindow;
  /** True for the panel with the mask outline drawn over the windowed slice. */
  outline: boolean;
  title: string;
  subtitle: string;
  /** Top-left corner and side of the image inside the figure, in pixels. */
  x: number;
  y: number;
  size: number;
}

export interface PreviewCaption {
  row: number;
  example: number;
  /** Centre of the caption lines and the width they may take. */
  x: number;
  width: number;
  /** Baselines of the caption and of the muted detail line (size, bleed area and mean HU). */
  y: number;
  detailY: number;
  text: string;
  detail: string;
}

export interface PreviewRowLayout {
  label: string;
  /** Short name radiologists use (EDH, IPH, …), or '' for labels without one. */
  abbreviation: string;
  /** Row header and outline colour; undefined for 'negative' (grey header, no outline). */
  color: string | undefined;
  /** Top of the row's panels. */
  y: number;
  panels: PreviewPanel[];
  captions: PreviewCaption[];
}

export interface PreviewLayout {
  width: number;
  height: number;
  title: string | undefined;
  subtitle: string;
  /** Thickness of the mask outline in panel pixels. */
  outlineWidth: number;
  rows: PreviewRowLayout[];
  /** Every panel, row by row. */
  panels: PreviewPanel[];
}

export const DEFAULT_PREVIEW_PANEL_SIZE = 160;

const PREVIEW_WINDOWS = [WINDOW_PRESETS.brain!, WINDOW_PRESETS.subdural!] as const;
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  epidural: 'EDH',
  intraparenchymal: 'IPH',
  intraventricular: 'IVH',
  subarachnoid: 'SAH',
  subdural: 'SDH',
  negative: 'no hemorrhage',
};

const MARGIN = 20;
const HEADER = 58;
/** Row header column: colour stripe and label name. */
const ROW_HEAD = 176;
const STRIPE = 4;
const PANEL_GAP = 4;
const GROUP_GAP = 24;
const CAPTION = 40;
const ROW_GAP = 14;
/** A panel pixel belongs to the bleed when the mask covers more than this fraction of it. */

function checkExample(label: string, e: PreviewExample, where: string): void {
  const ok = Number.isInteger(e.rows) && Number.isInteger(e.columns) && e.rows > 0 && e.columns > 0;
  if (!ok) throw new Error(`${where}: image size ${e.rows}×${e.columns}; expected positive integers`);
  const n = e.rows * e.columns;
  if (e.hu.length !== n) throw new Error(`${where}: ${e.hu.length} HU values for ${e.rows}×${e.columns}`);
  if (e.mask.length !== n) throw new Error(`${where}: mask has ${e.mask.length} values for ${e.rows}×${e.columns}`);
  if (label === 'negative') {
    const bleed = maskStats(e).pixels;
    if (bleed > 0) throw new Error(`${where}: a negative example with ${bleed} mask pixels`);
  }
}

/** Bleed pixels in the mask and their mean HU (NaN without any). */
function maskStats(e: PreviewExample): { pixels: number; meanHu: number } {
  let pixels = 0;
  let sum = 0;
  for (let i = 0; i < e.mask.length; i++) {
    if (e.mask[i] !== 0) {
      pixels++;
      sum += e.hu[i]!;
    }
  }
  return { pixels, meanHu: pixels ? sum / pixels : NaN };
}

function exampleDetail(label: string, e: PreviewExample): string {
  const size = `${e.rows}×${e.columns}`;
  if (label === 'negative') return `${size} · no bleed`;
  const { pixels, meanHu } = maskStats(e);
  if (pixels === 0) return `${size} · empty mask`;
  return `${size} · bleed ${formatCount(pixels)} px, mean ${formatSigned(Math.round(meanHu))} HU`;
}

/** Where each panel and caption goes; phantomPreview draws exactly this. */
export function phantomPreviewLayout(rows: readonly PreviewRow[], opts: PhantomPreviewOptions = {}): PreviewLayout {
  const size = opts.panelSize ?? DEFAULT_PREVIEW_PANEL_SIZE;
  if (!Number.isInteger(size) || size < 64 || size > 1024) throw new Error(`panel size ${size}: expected an integer from 64 to 1024`);
  if (rows.length === 0) throw new Error('phantom preview: no rows given');
  rows.forEach((r, i) => r.examples.forEach((e, j) => checkExample(r.label, e, `phantom preview row ${i} (${r.label}) example ${j}`)));
  const maxExamples = Math.max(...rows.map((r) => r.examples.length));
  if (maxExamples === 0) throw new Error('phantom preview: no examples given');

  const title = opts.title === false ? undefined : opts.title ?? 'Synthetic head-CT phantoms';
  const top = MARGIN + (title !== undefined ? HEADER : 0) + PANEL_TITLE_HEIGHT;
  const groupWidth = 4 * size + 3 * PANEL_GAP;
  const rowStep = size + CAPTION + ROW_GAP;
  const panels: PreviewPanel[] = [];

  const rowLayouts = rows.map((row, r): PreviewRowLayout => {
    const y = top + r * rowStep;
    const rowPanels: PreviewPanel[] = [];
    const captions: PreviewCaption[] = [];
    row.examples.forEach((e, j) => {
      const x0 = MARGIN + ROW_HEAD + j * (groupWidth + GROUP_GAP);
      PREVIEW_WINDOWS.forEach((w, k) => {
        for (const outline of [false, true]) {
          const i = 2 * k + (outline ? 1 : 0);
          rowPanels.push({
            row: r,
            example: j,
            window: w,
            outline,
            title: outline ? `${w.name} + mask` : w.name,
            subtitle: outline ? 'ground-truth outline' : `C ${formatSigned(w.center)} / W ${formatSigned(w.width)}`,
            x: x0 + i * (size + PANEL_GAP),
            y,
            size,
          });
        }
      });
      captions.push({
        row: r,
        example: j,
        x: x0 + groupWidth / 2,
        width: groupWidth,
        y: y + size + 17,
        detailY: y + size + 33,
        text: e.caption ?? `example ${j + 1}`,
        detail: exampleDetail(row.label, e),
      });
    });
    panels.push(...rowPanels);
    return {
      label: row.label,
      abbreviation: ABBREVIATIONS[row.label] ?? '',
      color: row.label === 'negative' ? undefined : labelColor(row.label, r),
      y,
      panels: rowPanels,
      captions,
    };
  });

  const [brain, subdural] = PREVIEW_WINDOWS;
  return {
    width: 2 * MARGIN + ROW_HEAD + maxExamples * groupWidth + (maxExamples - 1) * GROUP_GAP,
    height: top + rows.length * rowStep - ROW_GAP + MARGIN / 2,
    title,
    subtitle: `Brain window (C ${brain.center} / W ${brain.width}) and subdural window (C ${subdural.center} / W ${subdural.width}), ` +
      'each plain and with the ground-truth mask outlined just outside the bleed',
    outlineWidth: size >= 240 ? 2 : 1,
    rows: rowLayouts,
    panels,
  };
}

export { maskOutline, type MaskOutline } from './mask-outline.js';

function hexRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** Renders the phantom preview montage as a PNG. */
export function phantomPreview(rows: readonly PreviewRow[], opts: PhantomPreviewOptions = {}): Buffer {
  const layout = phantomPreviewLayout(rows, opts);
  const fig = createFigure(layout.width, layout.height, resolveTheme(opts.theme, 'dark'));
  const { ctx, theme } = fig;
  const size = layout.panels[0]!.size;
  const plane = size * size;

  if (layout.title !== undefined) {
    drawText(ctx, layout.title, MARGIN, MARGIN + 18, { size: 20, weight: 'bold', color: theme.text, maxWidth: layout.width - 2 * MARGIN });
    drawText(ctx, layout.subtitle, MARGIN, MARGIN + 42, { size: 13, color: theme.muted, maxWidth: layout.width - 2 * MARGIN, minSize: 10 });
  }
  // Column titles once, above the first row, over every example column.
  const widest = layout.rows.reduce((a, b) => (b.panels.length > a.panels.length ? b : a));
  for (const p of widest.panels) panelTitle(fig, p.x, layout.rows[0]!.y, p.size, p.title, p.subtitle);

  let windowed = new Float32Array(0);
  const small = new Float32Array(plane);
  const rgba = new Uint8ClampedArray(plane * 4);

  layout.rows.forEach((row, r) => {
    // Row header: a colour stripe along the panels, the label name and its abbreviation.
    ctx.fillStyle = row.color ?? theme.grid;
    ctx.fillRect(MARGIN, row.y, STRIPE, size);
    const textX = MARGIN + STRIPE + 12;
    const textWidth = ROW_HEAD - STRIPE - 12 - 10;
    drawText(ctx, row.label, textX, row.y + 24, { size: 16, weight: 'bold', color: row.color ?? theme.muted, maxWidth: textWidth, minSize: 12 });
    if (row.abbreviation) drawText(ctx, row.abbreviation, textX, row.y + 44, { size: 13, color: theme.muted, maxWidth: textWidth, minSize: 10 });
    if (row.panels.length === 0) {
      drawText(ctx, 'no examples', MARGIN + ROW_HEAD, row.y + size / 2, { size: 13, color: theme.muted });
      return;
    }

    const colour = row.color !== undefined ? hexRgb(row.color) : undefined;
    rows[r]!.examples.forEach((e, j) => {
      const n = e.rows * e.columns;
      if (windowed.length !== n) windowed = new Float32Array(n);
      const outline = colour !== undefined ? maskOutline(e.mask, e.rows, e.columns, size, layout.outlineWidth).outline : undefined;
      for (const w of PREVIEW_WINDOWS) {
        windowImage(e.hu, w, windowed);
        // Padding around non-square slices is black, as in the window itself.
        resampleArea(windowed, e.rows, e.columns, size, 0, small);
        greyToRgba(small, 0, plane, rgba);
        const plain = row.panels.find((p) => p.example === j && p.window === w && !p.outline)!;
        const outlined = row.panels.find((p) => p.example === j && p.window === w && p.outline)!;
        ctx.putImageData(imageData(rgba, size, size), plain.x, plain.y);
        if (outline && colour) {
          for (let i = 0; i < plane; i++) {
            if (!outline[i]) continue;
            rgba[4 * i] = colour[0];
            rgba[4 * i + 1] = colour[1];
            rgba[4 * i + 2] = colour[2];
          }
        }
        ctx.putImageData(imageData(rgba, size, size), outlined.x, outlined.y);
      }
      const c = row.captions[j]!;
      drawText(ctx, c.text, c.x, c.y, { size: 13, color: theme.text, align: 'center', maxWidth: c.width, minSize: 11 });
      drawText(ctx, c.detail, c.x, c.detailY, { size: 12, color: theme.muted, align: 'center', maxWidth: c.width, minSize: 10 });
    });
  });
  return toPng(fig);
}
