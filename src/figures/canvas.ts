/** Canvas setup shared by all figures: fonts, text that fits, panel titles, PNG encoding. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Canvas, type SKRSContext2D, GlobalFonts, createCanvas } from '@napi-rs/canvas';
import type { FigureTheme } from './theme.js';

/** Family name ichdetect registers its font under. */
const FAMILY = 'ichdetect Sans';
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF', '/Library/Fonts'];
const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' };

let fontStack: string | undefined;

/** Registers a TTF/OTF file as the figure font (call before drawing to use another font). */
export function registerFigureFont(path: string): boolean {
  const ok = GlobalFonts.registerFromPath(path, FAMILY) !== null;
  if (ok) fontStack = `"${FAMILY}", "DejaVu Sans", sans-serif`;
  return ok;
}

/**
 * The CSS font-family list figures use. Registers DejaVu Sans (regular and bold) explicitly the
 * first time; when it is missing, falls back to whatever sans-serif the system has.
 */
export function figureFontFamily(): string {
  if (fontStack !== undefined) return fontStack;
  fontStack = '"DejaVu Sans", "Liberation Sans", Arial, sans-serif';
  for (const dir of FONT_DIRS) {
    const regular = `${dir}/${FONT_FILES.regular}`;
    if (!existsSync(regular)) continue;
    try {
      registerFigureFont(regular);
      const bold = `${dir}/${FONT_FILES.bold}`;
      if (existsSync(bold)) GlobalFonts.registerFromPath(bold, FAMILY);
    } catch {
      // Unreadable font file: keep the system fallback.
    }
    break;
  }
  return fontStack;
}

export function font(size: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${size}px ${figureFontFamily()}`;
}

export interface Figure {
  canvas: Canvas;
  ctx: SKRSContext2D;
  width: number;
  height: number;
  theme: FigureTheme;
}

/** A width×height canvas (integer pixels) filled with the theme background. */
export function createFigure(width: number, height: number, theme: FigureTheme): Figure {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, w, h);
  ctx.textBaseline = 'alphabetic';
  return { canvas, ctx, width: w, height: h, theme };
}

export interface TextStyle {
  size: number;
  weight?: 'normal' | 'bold';
  color: string;
  align?: 'left' | 'center' | 'right';
  /** Widest the text may be: the font shrinks to `minSize`, then the text is cut with an ellipsis. */
  maxWidth?: number;
  minSize?: number;
}

/** Draws one line of text with its baseline at y; returns the width drawn. */
export function drawText(ctx: SKRSContext2D, text: string, x: number, y: number, style: TextStyle): number {
  const weight = style.weight ?? 'normal';
  let size = style.size;
  ctx.font = font(size, weight);
  let shown = text;
  if (style.maxWidth !== undefined) {
    const minSize = Math.min(style.minSize ?? Math.ceil(size * 0.8), size);
    while (size > minSize && ctx.measureText(shown).width > style.maxWidth) {
      size -= 1;
      ctx.font = font(size, weight);
    }
    if (ctx.measureText(shown).width > style.maxWidth) {
      let cut = shown.length;
      while (cut > 0 && ctx.measureText(shown.slice(0, cut) + '…').width > style.maxWidth) cut--;
      shown = shown.slice(0, cut) + '…';
    }
  }
  ctx.fillStyle = style.color;
  ctx.textAlign = style.align ?? 'left';
  ctx.fillText(shown, x, y);
  return ctx.measureText(shown).width;
}

/** Vertical space panelTitle takes above a panel. */
export const PANEL_TITLE_HEIGHT = 42;

/** A panel's bold title and muted subtitle, centred over [x, x + width), ending at `top`. */
export function panelTitle(fig: Figure, x: number, top: number, width: number, title: string, subtitle?: string): void {
  const cx = x + width / 2;
  drawText(fig.ctx, title, cx, top - (subtitle ? 24 : 10), { size: 15, weight: 'bold', color: fig.theme.text, align: 'center', maxWidth: width });
  if (subtitle) drawText(fig.ctx, subtitle, cx, top - 8, { size: 12, color: fig.theme.muted, align: 'center', maxWidth: width, minSize: 10 });
}

/** Encodes the figure as PNG (synchronously). */
export function toPng(fig: Figure | Canvas): Buffer {
  const canvas = 'canvas' in fig ? fig.canvas : fig;
  return canvas.toBuffer('image/png');
}

/** Writes a PNG buffer to `path`, creating its directory. */
export function writePng(path: string, png: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png);
}

/** "12,345": thousands separated, locale-independent. */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A number with a real minus sign (U+2212), e.g. "−1000", and "+" when `signed`. */
export function formatSigned(n: number, signed = false): string {
  const a = Math.abs(n);
  const s = Number.isInteger(a) ? String(a) : String(Math.round(a * 100) / 100);
  return n < 0 ? `\u2212${s}` : signed && n > 0 ? `+${s}` : s;
}
