import type { DataSet } from 'dicom-parser';
import { PIXEL_DATA_TAG } from '../header.js';
import { type DecodedFrame, type FrameInfo, viewLittleEndian } from './types.js';

/** Bytes of frame `frameIndex` of uncompressed pixel data; big-endian words are swapped to little endian. */
export function decodeNativeFrame(ds: DataSet, info: FrameInfo, frameIndex: number, bigEndian: boolean): DecodedFrame {
  const el = ds.elements[PIXEL_DATA_TAG]!;
  const frameBytes = (info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8;
  const start = el.dataOffset + frameIndex * frameBytes;
  let bytes: Uint8Array = ds.byteArray.subarray(start, start + frameBytes);
  const width = info.bitsAllocated / 8;
  if (bigEndian && width > 1) {
    const swapped = new Uint8Array(frameBytes);
    for (let i = 0; i < frameBytes; i += width) {
      for (let b = 0; b < width; b++) swapped[i + b] = bytes[i + width - 1 - b]!;
    }
    bytes = swapped;
  }
  return { data: viewLittleEndian(bytes, info) };
}
