// A stored slice as an image in any window: HU from the file (the same reading as everywhere else),
// windowed, grey, at the slice's own size; optionally with an attribution map over it in shap's
// blue→red colours.
import { createCanvas } from '@napi-rs/canvas';
import { loadSlice } from '../dicom/load.js';
import { greyToRgba, imageData } from '../figures/raster.js';
import { SHAP_BLUE, SHAP_RED } from '../figures/shap.js';
import { type HuWindow, parseWindows, windowImage } from '../preprocess/window.js';
import { RequestError } from './multipart.js';

/** An attribution map (size×size, model input space) and the |value| drawn fully opaque. */
export interface Overlay {
  map: Float32Array;
  size: number;
  limit: number;
}

export interface SliceImage {
  /** RGBA bytes, rows × columns × 4. */
  rgba: Uint8ClampedArray;
  rows: number;
  columns: number;
}

/** One window from a preset name or CENTER/WIDTH; a 400 for anything else. */
export function requestWindow(spec: string): HuWindow {
  try {
    const parsed = parseWindows(spec);
    if (parsed.length !== 1) throw new Error('give one window');
    return parsed[0]!;
  } catch (err) {
    throw new RequestError(400, (err as Error).message);
  }
}

/**
 * Value of an overlay map at slice pixel (x, y), bilinear between map pixel centres. The model saw
 * the slice centred on a square of side max(rows, columns), resampled to size×size (resampleArea).
 */
function overlayRow(o: Overlay, rows: number, columns: number, y: number, out: Float32Array): void {
  const side = Math.max(rows, columns);
  const scale = o.size / side;
  const fy = Math.min(o.size - 1, Math.max(0, (y + (side - rows) / 2 + 0.5) * scale - 0.5));
  const y0 = Math.floor(fy);
  const y1 = Math.min(o.size - 1, y0 + 1);
  const wy = fy - y0;
  for (let x = 0; x < columns; x++) {
    const fx = Math.min(o.size - 1, Math.max(0, (x + (side - columns) / 2 + 0.5) * scale - 0.5));
    const x0 = Math.floor(fx);
    const x1 = Math.min(o.size - 1, x0 + 1);
    const wx = fx - x0;
    const top = o.map[y0 * o.size + x0]! * (1 - wx) + o.map[y0 * o.size + x1]! * wx;
    const bottom = o.map[y1 * o.size + x0]! * (1 - wx) + o.map[y1 * o.size + x1]! * wx;
    out[x] = top * (1 - wy) + bottom * wy;
  }
}

/** The overlay's values on the slice's own grid (rows × columns, row-major), as blendOverlay draws them. */
export function overlayOnGrid(o: Overlay, rows: number, columns: number): Float32Array {
  const out = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) overlayRow(o, rows, columns, y, out.subarray(y * columns, (y + 1) * columns));
  return out;
}

/** Blends `overlay` over the grey RGBA image in place, as shapColor does: opacity |v| / limit of red (v > 0) or blue (v < 0). */
export function blendOverlay(img: SliceImage, overlay: Overlay): void {
  blendValues(img, overlayOnGrid(overlay, img.rows, img.columns), overlay.limit);
}

/** Blends values on the image's own grid (rows × columns) over it in place: opacity |v| / limit of red (v > 0) or blue (v < 0). */
export function blendValues(img: SliceImage, values: Float32Array, limit: number): void {
  const { rgba } = img;
  for (let i = 0, o = 0; i < values.length; i++, o += 4) {
    const v = values[i]!;
    const a = limit > 0 && Number.isFinite(v) ? Math.min(1, Math.abs(v) / limit) : 0;
    const c = v > 0 ? SHAP_RED : SHAP_BLUE;
    rgba[o] = rgba[o]! * (1 - a) + c[0] * a;
    rgba[o + 1] = rgba[o + 1]! * (1 - a) + c[1] * a;
    rgba[o + 2] = rgba[o + 2]! * (1 - a) + c[2] * a;
  }
}

/** The slice at `path` windowed by `window` (a preset name or CENTER/WIDTH), with `overlay` over it when given. */
export async function windowedSlice(path: string, window: string, overlay?: Overlay): Promise<SliceImage> {
  const w = requestWindow(window);
  const slice = await loadSlice(path);
  const n = slice.rows * slice.columns;
  const img = { rgba: greyToRgba(windowImage(slice.hu, w), 0, n, new Uint8ClampedArray(4 * n)), rows: slice.rows, columns: slice.columns };
  if (overlay) blendOverlay(img, overlay);
  return img;
}

export function pngOf(img: SliceImage): Buffer {
  const canvas = createCanvas(img.columns, img.rows);
  canvas.getContext('2d').putImageData(imageData(img.rgba, img.columns, img.rows), 0, 0);
  return canvas.toBuffer('image/png');
}
