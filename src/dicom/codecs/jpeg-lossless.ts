import { Decoder } from 'jpeg-lossless-decoder-js';
import type { DecodedFrame, FrameInfo } from './types.js';

/** Decodes a JPEG Lossless (process 14, any selection value) frame with jpeg-lossless-decoder-js. */
export function decodeJpegLosslessFrame(bytes: Uint8Array, info: FrameInfo): DecodedFrame {
  const decoder = new Decoder();
  const copy = new Uint8Array(bytes); // a copy: Buffer#slice would share the whole file's ArrayBuffer
  const out = decoder.decode(copy.buffer, 0, copy.byteLength, info.bitsAllocated > 8 ? 2 : 1);
  if (!out) throw new Error('JPEG lossless decoder returned no pixels');
  const data = info.bitsAllocated > 8 && info.pixelRepresentation === 1 ? new Int16Array(out.buffer, out.byteOffset, out.length) : out;
  return { data, codestreamBits: decoder.precision };
}
