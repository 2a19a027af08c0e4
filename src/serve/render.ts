// A stored slice as a PNG in any window: HU from the file (the same reading as everywhere else),
// windowed, grey, at the slice's own size.
import { createCanvas } from '@napi-rs/canvas';
import { loadSlice } from '../dicom/load.js';
import { greyToRgba, imageData } from '../figures/raster.js';
import { parseWindows, windowImage } from '../preprocess/window.js';
import { RequestError } from './multipart.js';

/** The slice at `path` windowed by `window` (a preset name or CENTER/WIDTH) as PNG bytes. */
export async function renderSlicePng(path: string, window: string): Promise<Buffer> {
  let w;
  try {
    const parsed = parseWindows(window);
    if (parsed.length !== 1) throw new Error('give one window');
    w = parsed[0]!;
  } catch (err) {
    throw new RequestError(400, (err as Error).message);
  }
  const slice = await loadSlice(path);
  const n = slice.rows * slice.columns;
  const rgba = greyToRgba(windowImage(slice.hu, w), 0, n, new Uint8ClampedArray(4 * n));
  const canvas = createCanvas(slice.columns, slice.rows);
  canvas.getContext('2d').putImageData(imageData(rgba, slice.columns, slice.rows), 0, 0);
  return canvas.toBuffer('image/png');
}
