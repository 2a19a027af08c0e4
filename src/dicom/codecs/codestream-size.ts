// The image size a compressed frame declares in its own headers, read before any decoder runs: a
// decoder allocates what the codestream says, so a 20 KB frame claiming 65535 × 65535 must be refused
// before it reaches one.
import type { CodecFamily } from '../syntax.js';
import type { FrameInfo } from './types.js';

/** A decoder's failure that ichdetect words itself (kept as is in the rejection reason). */
export class CodecError extends Error {}

const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number) => be16(b, o) * 0x10000 + be16(b, o + 2);

/** Width × height from the first JPEG start-of-frame marker (SOF0–SOF15, or JPEG-LS SOF55). */
function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let o = 2;
  while (o + 9 <= b.length) {
    if (b[o] !== 0xff) return undefined;
    const marker = b[o + 1]!;
    if (marker === 0xff) {
      o++; // fill byte
      continue;
    }
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) return { height: be16(b, o + 5), width: be16(b, o + 7) };
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI or scan data before any frame header
    o += 2 + be16(b, o + 2);
  }
  return undefined;
}

/** Width × height from the JPEG 2000 SIZ marker segment (also inside a JP2 wrapper). */
function j2kSize(b: Uint8Array): { width: number; height: number } | undefined {
  const limit = Math.min(b.length - 24, 4096);
  for (let o = 0; o < limit; o++) {
    if (b[o] === 0xff && b[o + 1] === 0x4f && b[o + 2] === 0xff && b[o + 3] === 0x51) {
      const s = o + 4;
      const [xsiz, ysiz, xosiz, yosiz] = [be32(b, s + 4), be32(b, s + 8), be32(b, s + 12), be32(b, s + 16)];
      return { width: xsiz - xosiz, height: ysiz - yosiz };
    }
  }
  return undefined;
}

/**
 * Throws a CodecError unless the frame's codestream declares exactly the header's Columns × Rows
 * (RLE and native frames carry no size of their own; their decoders check their output instead).
 */
export function checkCodestreamSize(codec: CodecFamily, bytes: Uint8Array, info: FrameInfo): void {
  if (codec === 'native' || codec === 'rle') return;
  const size = codec === 'jpeg-2000' ? j2kSize(bytes) : jpegSize(bytes);
  if (!size) throw new CodecError(`no ${codec === 'jpeg-2000' ? 'SIZ' : 'start-of-frame'} marker: the frame is not a ${codec} codestream`);
  if (size.width !== info.columns || size.height !== info.rows) {
    throw new CodecError(`the codestream is ${size.width}×${size.height}, the header says ${info.columns}×${info.rows}`);
  }
}
