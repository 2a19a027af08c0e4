import type { EncapsulatedFrame } from '../write.js';
import { checkEncodeInfo, checkedWords, type EncodeFrameInfo, unsignedCodestreamPrecision } from './encode-samples.js';
import { encodeJ2kFrame } from './j2k-encode.js';
import { encodeJpegLosslessFrame } from './jpeg-lossless-encode.js';
import { encodeJpegLsFrame } from './jpegls-encode.js';
import { encodeRleFrame } from './rle-encode.js';

export type { EncodeFrameInfo } from './encode-samples.js';

/** The lossless codecs encodeFrame writes, each with the transfer syntax of its frames. */
export const ENCODE_TRANSFER_SYNTAX = {
  rle: '1.2.840.10008.1.2.5', // RLE Lossless
  'jpeg-ls': '1.2.840.10008.1.2.4.80', // JPEG-LS Lossless
  'jpeg-lossless': '1.2.840.10008.1.2.4.70', // JPEG Lossless, Process 14, SV1
  'jpeg-2000': '1.2.840.10008.1.2.4.90', // JPEG 2000 Lossless
} as const;

export type EncodeCodec = keyof typeof ENCODE_TRANSFER_SYNTAX;

/**
 * Compresses one greyscale 16-bit frame losslessly into an EncapsulatedFrame (one fragment) for
 * writeCtSlice / encodeCtSlice: the one seam every encoder goes through.
 *
 * `pixels` are the stored values, row-major; each element is read as a 16-bit word (signed when
 * PixelRepresentation is 1), whatever the array type. The JPEG codecs throw when a value does not
 * fit BitsStored, so that decoding gives every stored value back; RLE codes the whole 16-bit words,
 * bits above BitsStored included, as the native writer does. JPEG 2000 and unsigned JPEG-LS need
 * BitsStored 9 to 16 (the wasm encoders take 8-bit samples only as bytes); the rest 2 to 16.
 *
 * Signedness: JPEG lossless and JPEG-LS codestreams are unsigned. Unsigned values are coded with
 * precision BitsStored; signed ones with precision 16, as their two's-complement words (dcmtk's
 * convention; see unsignedCodestreamPrecision), so that readers need not sign-extend. JPEG 2000
 * codestreams carry the sign: a signed component of precision BitsStored when PixelRepresentation is 1.
 */
export async function encodeFrame(codec: EncodeCodec, pixels: Int16Array | Uint16Array, info: EncodeFrameInfo): Promise<EncapsulatedFrame> {
  checkEncodeInfo(pixels, info);
  const transferSyntaxUID = ENCODE_TRANSFER_SYNTAX[codec];
  if (transferSyntaxUID === undefined) throw new Error(`codec "${String(codec)}": expected one of ${Object.keys(ENCODE_TRANSFER_SYNTAX).join(', ')}`);
  let codestream: Uint8Array;
  switch (codec) {
    case 'rle':
      codestream = encodeRleFrame(pixels, { rows: info.rows, columns: info.columns, bitsAllocated: 16 });
      break;
    case 'jpeg-lossless':
      codestream = encodeJpegLosslessFrame(checkedWords(pixels, info), info.rows, info.columns, unsignedCodestreamPrecision(info));
      break;
    case 'jpeg-ls':
      codestream = await encodeJpegLsFrame(pixels, info);
      break;
    case 'jpeg-2000':
      codestream = await encodeJ2kFrame(pixels, info);
      break;
  }
  return { transferSyntaxUID, fragments: [codestream] };
}
