import { readUint32LE } from '../../shared/binary.js';
import { CodecError } from './codestream-size.js';
import { type DecodedFrame, type FrameInfo, storedArrayFor } from './types.js';

/**
 * Unpacks one PackBits segment (DICOM PS3.5 G.3.1) into every `stride`-th byte of `out` from `start`;
 * returns the bytes written, or Infinity when input is left once `out` is full (beyond 2 bytes of padding).
 */
function unpackSegment(src: Uint8Array, from: number, to: number, out: Uint8Array, start: number, stride: number): number {
  let o = start;
  const end = out.length;
  let i = from;
  while (i < to && o < end) {
    const n = src[i++]!;
    if (n < 128) {
      for (let k = 0; k <= n && i < to && o < end; k++, o += stride) out[o] = src[i++]!;
    } else if (n > 128) {
      const value = src[i++]!;
      for (let k = 0; k < 257 - n && o < end; k++, o += stride) out[o] = value;
    }
  }
  return to - i > 2 ? Infinity : (o - start) / stride;
}

/** Decodes a DICOM RLE Lossless frame: one segment per byte plane, most significant first. */
export function decodeRleFrame(bytes: Uint8Array, info: FrameInfo): DecodedFrame {
  const bytesPerSample = info.bitsAllocated / 8;
  const pixels = info.rows * info.columns;
  const segments = readUint32LE(bytes, 0);
  const expected = bytesPerSample * info.samplesPerPixel;
  if (segments !== expected) throw new CodecError(`the RLE header lists ${segments} segments, ${expected} expected`);
  const out = storedArrayFor(info, pixels * info.samplesPerPixel);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  for (let s = 0; s < segments; s++) {
    const from = readUint32LE(bytes, 4 + 4 * s);
    const to = s + 1 < segments ? readUint32LE(bytes, 8 + 4 * s) : bytes.length;
    if (from < 64 || to < from || to > bytes.length) throw new CodecError(`RLE segment ${s + 1} lies at bytes ${from}…${to} of a ${bytes.length}-byte frame`);
    const sample = Math.floor(s / bytesPerSample);
    const byteInWord = bytesPerSample - 1 - (s % bytesPerSample);
    // Samples are planar in RLE; we interleave them (PlanarConfiguration 0) into little-endian words.
    const start = sample * bytesPerSample + byteInWord;
    const held = unpackSegment(bytes, from, to, outBytes, start, bytesPerSample * info.samplesPerPixel);
    if (held !== pixels) {
      throw new CodecError(`RLE segment ${s + 1} holds ${held < pixels ? held : 'more than ' + pixels} bytes, the header's ${info.columns}×${info.rows} needs ${pixels}`);
    }
  }
  return { data: out };
}
