import { type DecodedFrame, type FrameInfo, storedArrayFor } from './types.js';

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}

/** Unpacks one PackBits segment (DICOM PS3.5 G.3.1) into every `stride`-th byte of `out` from `start`. */
function unpackSegment(src: Uint8Array, from: number, to: number, out: Uint8Array, start: number, stride: number): void {
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
}

/** Decodes a DICOM RLE Lossless frame: one segment per byte plane, most significant first. */
export function decodeRleFrame(bytes: Uint8Array, info: FrameInfo): DecodedFrame {
  const bytesPerSample = info.bitsAllocated / 8;
  const pixels = info.rows * info.columns;
  const segments = u32(bytes, 0);
  const expected = bytesPerSample * info.samplesPerPixel;
  if (segments !== expected) throw new Error(`RLE header lists ${segments} segments, ${expected} expected`);
  const out = storedArrayFor(info, pixels * info.samplesPerPixel);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  for (let s = 0; s < segments; s++) {
    const from = u32(bytes, 4 + 4 * s);
    const to = s + 1 < segments ? u32(bytes, 8 + 4 * s) : bytes.length;
    const sample = Math.floor(s / bytesPerSample);
    const byteInWord = bytesPerSample - 1 - (s % bytesPerSample);
    // Samples are planar in RLE; we interleave them (PlanarConfiguration 0) into little-endian words.
    unpackSegment(bytes, from, to, outBytes, sample * bytesPerSample + byteInWord, bytesPerSample * info.samplesPerPixel);
  }
  return { data: out };
}
