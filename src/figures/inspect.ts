/**
 * The inspect figure: one CT slice as the pipeline sees it, in a row of panels — stored values,
 * Hounsfield units, each display window, and the windows stacked as RGB (the model input).
 */
import { basename } from 'node:path';
import type { CtSlice } from '../dicom/load.js';
import { transferSyntax } from '../dicom/syntax.js';
import { resampleArea } from '../preprocess/resample.js';
import { sliceTensor, tensorSpec } from '../preprocess/tensor.js';
import { DEFAULT_WINDOWS, type HuWindow, parseWindows } from '../preprocess/window.js';
import { PANEL_TITLE_HEIGHT, createFigure, drawText, formatSigned, panelTitle, toPng } from './canvas.js';
import { channelsToRgba, greyToRgba, imageData, minMax, normalizeLinear } from './raster.js';
import { type FigureTheme, type ThemeName, resolveTheme } from './theme.js';

export const DEFAULT_PANEL_SIZE = 256;
/** HU range of the HU panel unless `huRange` says otherwise. */
export const DEFAULT_HU_RANGE: readonly [number, number] = [-1000, 1000];

export interface InspectFigureOptions {
  /** Side of each square panel in pixels (64–1024); the image is area-resampled to it. Default 256. */
  panelSize?: number;
  /** Windows to show, as presets or CENTER/WIDTH (see parseWindows). Default brain,subdural,soft. */
  windows?: string | HuWindow[];
  /** Grey range of the HU panel: [low, high] (clipped) or 'minmax' (the slice's own range). Default [-1000, 1000]. */
  huRange?: 'minmax' | readonly [number, number];
  /** Figure title; false for none. Default: the file name. */
  title?: string | false;
  theme?: ThemeName | FigureTheme;
}

export type InspectPanelKind = 'stored' | 'hu' | 'window' | 'rgb';

export interface InspectPanel {
  kind: InspectPanelKind;
  title: string;
  subtitle: string;
  /** Top-left corner and side of the image inside the figure, in pixels. */
  x: number;
  y: number;
  size: number;
  /** The window a 'window' panel shows; the windows an 'rgb' panel maps to R, G, B. */
  windows: HuWindow[];
  /** Grey range [low, high] a 'stored' or 'hu' panel maps to black..white. */
  range?: [number, number];
  /** True when the panel is displayed inverted (stored values of MONOCHROME1 files). */
  inverted: boolean;
}

export interface InspectLayout {
  width: number;
  height: number;
  title: string | undefined;
  info: string;
  footer: string;
  panels: InspectPanel[];
}

const MARGIN = 20;
const GAP = 14;
const HEADER = 58;
const FOOTER = 34;

function windowRange(w: HuWindow): string {
  return `${formatSigned(w.center - w.width / 2)} … ${formatSigned(w.center + w.width / 2)} HU`;
}

/** Where each panel goes and what it is titled; inspectFigure draws exactly this. */
export function inspectFigureLayout(slice: CtSlice, opts: InspectFigureOptions = {}): InspectLayout {
  const size = opts.panelSize ?? DEFAULT_PANEL_SIZE;
  if (!Number.isInteger(size) || size < 64 || size > 1024) throw new Error(`panel size ${size}: expected an integer from 64 to 1024`);
  const windows = typeof opts.windows === 'object' ? opts.windows : parseWindows(opts.windows ?? DEFAULT_WINDOWS);
  const h = slice.file.header;
  const n = slice.rows * slice.columns;
  const stored = minMax(slice.stored, n);
  const hu = minMax(slice.hu, n);
  const inverted = h.photometricInterpretation === 'MONOCHROME1';

  const huRange: [number, number] = opts.huRange === 'minmax' ? [hu.min, hu.max] : [...(opts.huRange ?? DEFAULT_HU_RANGE)];
  if (!(huRange[1] > huRange[0]) && opts.huRange !== 'minmax') throw new Error(`HU range ${huRange.join('..')}: high must exceed low`);
  const rgbWindows = windows.slice(0, 3);
  const rgbNames = rgbWindows.map((w, i) => `${'RGB'[i]} ${w.name}`).join(' · ');

  const specs: Omit<InspectPanel, 'x' | 'y' | 'size'>[] = [
    {
      kind: 'stored',
      title: inverted ? 'stored values, inverted' : 'stored values',
      subtitle: `min…max ${formatSigned(stored.min)} … ${formatSigned(stored.max)}${inverted ? ', MONOCHROME1' : ''}`,
      windows: [],
      range: [stored.min, stored.max],
      inverted,
    },
    {
      kind: 'hu',
      title: 'HU',
      subtitle: opts.huRange === 'minmax'
        ? `min…max ${formatSigned(hu.min)} … ${formatSigned(hu.max)} HU`
        : `${formatSigned(huRange[0], true)} … ${formatSigned(huRange[1], true)} HU, clipped`,
      windows: [],
      range: huRange,
      inverted: false,
    },
    ...windows.map((w) => ({
      kind: 'window' as const,
      title: `${w.name} window`,
      subtitle: `C ${formatSigned(w.center)} / W ${formatSigned(w.width)}  (${windowRange(w)})`,
      windows: [w],
      inverted: false,
    })),
    { kind: 'rgb', title: 'stacked RGB', subtitle: rgbNames, windows: rgbWindows, inverted: false },
  ];

  const title = opts.title === false ? undefined : opts.title ?? basename(slice.file.path);
  const top = MARGIN + (title !== undefined ? HEADER : 0) + PANEL_TITLE_HEIGHT;
  const panels = specs.map((p, i) => ({ ...p, x: MARGIN + i * (size + GAP), y: top, size }));

  const spacing = h.pixelSpacing ? `${h.pixelSpacing[0].toFixed(2)} mm pixels` : undefined;
  const thickness = h.sliceThickness !== undefined ? `${h.sliceThickness} mm slice` : undefined;
  const info = [
    `${slice.rows} × ${slice.columns}`,
    h.modality || 'no modality',
    h.photometricInterpretation,
    spacing,
    thickness,
    transferSyntax(h.transferSyntaxUID)?.name ?? h.transferSyntaxUID,
    `HU ${formatSigned(Math.round(hu.min))} … ${formatSigned(Math.round(hu.max))}`,
  ].filter(Boolean).join('  ·  ');
  const footer = `quirks: ${slice.quirks.length ? slice.quirks.map((q) => q.name).join(', ') : 'none'}`;

  return {
    width: 2 * MARGIN + panels.length * size + (panels.length - 1) * GAP,
    height: top + size + FOOTER + MARGIN / 2,
    title,
    info,
    footer,
    panels,
  };
}

/** Renders the inspect figure of one slice as a PNG. */
export function inspectFigure(slice: CtSlice, opts: InspectFigureOptions = {}): Buffer {
  const layout = inspectFigureLayout(slice, opts);
  const fig = createFigure(layout.width, layout.height, resolveTheme(opts.theme, 'dark'));
  const { ctx, theme } = fig;
  const { rows, columns } = slice;
  const n = rows * columns;
  const size = layout.panels[0]!.size;
  const plane = size * size;

  if (layout.title !== undefined) {
    drawText(ctx, layout.title, MARGIN, MARGIN + 18, { size: 18, weight: 'bold', color: theme.text, maxWidth: layout.width - 2 * MARGIN });
    drawText(ctx, layout.info, MARGIN, MARGIN + 42, { size: 13, color: theme.muted, maxWidth: layout.width - 2 * MARGIN, minSize: 10 });
  }

  const full = new Float32Array(n);
  const small = new Float32Array(plane);
  const rgba = new Uint8ClampedArray(plane * 4);
  const windows = layout.panels.find((p) => p.kind === 'rgb')!.windows;
  const allWindows = layout.panels.filter((p) => p.kind === 'window').map((p) => p.windows[0]!);
  // Every window at full resolution, then area-averaged: the same planes sliceTensor feeds the model.
  const tensor = sliceTensor(slice, tensorSpec(size, allWindows));

  for (const panel of layout.panels) {
    panelTitle(fig, panel.x, panel.y, panel.size, panel.title, panel.subtitle);
    switch (panel.kind) {
      case 'stored':
      case 'hu': {
        const [lo, hi] = panel.range!;
        normalizeLinear(panel.kind === 'stored' ? slice.stored : slice.hu, n, lo, hi, full);
        // Padding around non-square images is black after any inversion.
        resampleArea(full, rows, columns, size, panel.inverted ? 1 : 0, small);
        greyToRgba(small, 0, plane, rgba, panel.inverted);
        break;
      }
      case 'window':
        greyToRgba(tensor, allWindows.indexOf(panel.windows[0]!) * plane, plane, rgba);
        break;
      case 'rgb': {
        const offsets = [0, 1, 2].map((c) => (c < windows.length ? c * plane : -1)) as [number, number, number];
        channelsToRgba(tensor, offsets, plane, rgba);
        break;
      }
    }
    ctx.putImageData(imageData(rgba, size, size), panel.x, panel.y);
  }

  const first = layout.panels[0]!;
  drawText(ctx, layout.footer, MARGIN, first.y + size + 24, { size: 12, color: theme.muted, maxWidth: layout.width - 2 * MARGIN, minSize: 10 });
  return toPng(fig);
}
