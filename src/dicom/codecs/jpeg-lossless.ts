import { Decoder } from 'jpeg-lossless-decoder-js';
import { CodecError } from './codestream-size.js';
import type { DecodedFrame, FrameInfo } from './types.js';

/**
 * A copy of the codestream for jpeg-lossless-decoder-js, with one zero byte before the final EOI.
 * The decoder reads a byte ahead and drops the last sample when that sample's Huffman code (a
 * category with no extra bits: 0, or 16) ends exactly where the entropy-coded data end: it takes
 * the EOI marker's 0xFF, read ahead, for a marker inside the data. One frame in eight whose last
 * difference is 0 (a flat padding corner) ends that way with dcmtk's encoder. The inserted byte
 * lies after the last sample's bits, so no decoder ever decodes it. A copy is needed anyway:
 * Buffer#slice would share the whole file's ArrayBuffer.
 */
function withSlackBeforeEoi(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--; // DICOM pads fragments to even length
  if (end < 2 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9) return new Uint8Array(bytes);
  const copy = new Uint8Array(end + 1);
  copy.set(bytes.subarray(0, end - 2));
  copy[end - 2] = 0;
  copy[end - 1] = 0xff;
  copy[end] = 0xd9;
  return copy;
}

/** Decodes a JPEG Lossless (process 14, any selection value) frame with jpeg-lossless-decoder-js. */
export function decodeJpegLosslessFrame(bytes: Uint8Array, info: FrameInfo): DecodedFrame {
  const decoder = new Decoder();
  const copy = withSlackBeforeEoi(bytes);
  const out = decoder.decode(copy.buffer, 0, copy.byteLength, info.bitsAllocated > 8 ? 2 : 1);
  const pixels = info.rows * info.columns * info.samplesPerPixel;
  if (!out) throw new CodecError('the JPEG lossless decoder returned no pixels');
  if (out.length !== pixels) throw new CodecError(`the frame decodes to ${out.length} samples, the header's ${info.columns}×${info.rows} needs ${pixels}`);
  const data = info.bitsAllocated > 8 && info.pixelRepresentation === 1 ? new Int16Array(out.buffer, out.byteOffset, out.length) : out;
  return { data, codestreamBits: decoder.precision, codestreamSigned: false }; // JPEG samples are unsigned
}
