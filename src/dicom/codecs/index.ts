import dicomParser from 'dicom-parser';
import { DicomError } from '../errors.js';
import { PIXEL_DATA_TAG } from '../header.js';
import type { DicomFile } from '../read.js';
import { BIG_ENDIAN_UID, transferSyntax } from '../syntax.js';
import { CodecError, checkCodestreamSize } from './codestream-size.js';
import { decodeJpegLosslessFrame } from './jpeg-lossless.js';
import { decodeNativeFrame } from './native.js';
import { decodeRleFrame } from './rle.js';
import type { DecodedFrame, FrameInfo } from './types.js';
import { decodeWasmFrame } from './wasm.js';

export type { DecodedFrame, FrameInfo, StoredArray } from './types.js';

function encapsulatedFrame(file: DicomFile, frameIndex: number): Uint8Array {
  const ds = file.dataSet;
  const el = ds.elements[PIXEL_DATA_TAG]!;
  const fragments = el.fragments ?? [];
  if (file.header.numberOfFrames === 1) {
    return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
  }
  // As many fragments as frames (RLE always: PS3.5 A.4.2): frame i is fragment i. Else the offset
  // table, or one found from JPEG markers (which cannot find RLE frames' ends).
  if (!el.basicOffsetTable?.length && fragments.length === file.header.numberOfFrames) {
    return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, frameIndex, 1);
  }
  const table = el.basicOffsetTable?.length ? el.basicOffsetTable : dicomParser.createJPEGBasicOffsetTable(ds, el);
  return dicomParser.readEncapsulatedImageFrame(ds, el, frameIndex, table);
}

/**
 * Decodes frame `frameIndex` of a parsed file into stored values, choosing the codec from the
 * transfer syntax: the one seam every syntax goes through.
 */
export async function decodeFrame(file: DicomFile, frameIndex = 0): Promise<DecodedFrame> {
  const h = file.header;
  const syntax = transferSyntax(h.transferSyntaxUID);
  if (!syntax) throw new DicomError('unsupported-syntax', `transfer syntax ${h.transferSyntaxUID} is not supported`);
  if (frameIndex < 0 || frameIndex >= h.numberOfFrames) throw new DicomError('invalid-header', `frame ${frameIndex} of ${h.numberOfFrames}`);
  const info: FrameInfo = h;
  try {
    if (syntax.codec === 'native') return decodeNativeFrame(file.dataSet, info, frameIndex, h.transferSyntaxUID === BIG_ENDIAN_UID);
    const bytes = encapsulatedFrame(file, frameIndex);
    checkCodestreamSize(syntax.codec, bytes, info);
    switch (syntax.codec) {
      case 'rle':
        return decodeRleFrame(bytes, info);
      case 'jpeg-lossless':
        return decodeJpegLosslessFrame(bytes, info);
      default:
        return await decodeWasmFrame(syntax.codec, bytes, info);
    }
  } catch (err) {
    if (err instanceof DicomError) throw err;
    // Decoders fail with internal messages or, in WebAssembly, bare pointers that change between runs: say what it means instead.
    const why = err instanceof CodecError ? err.message : 'the decoder could not decode the frame (corrupt or not this syntax)';
    throw new DicomError('decode-failed', `${syntax.name}: ${why}`);
  }
}
