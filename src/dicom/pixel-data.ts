import { readUint16LE, readUint32LE } from '../shared/binary.js';
import type { DataSet } from 'dicom-parser';
import { DicomError } from './errors.js';
import { checkLimits } from './limits.js';
import type { DicomHeader } from './header.js';
import { PIXEL_DATA_TAG } from './header.js';
import { transferSyntax } from './syntax.js';

/** Random access to the bytes of a file (or of a buffer holding it). */
export interface ByteSource {
  size: number;
  read(position: number, length: number): Uint8Array;
}

const UNDEFINED_LENGTH = 0xffffffff;
const IMAGE_SOP_PREFIXES = ['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.5.1.4.1.1.4', '1.2.840.10008.5.1.4.1.1.1', '1.2.840.10008.5.1.4.1.1.20', '1.2.840.10008.5.1.4.1.1.128', '1.2.840.10008.5.1.4.1.1.6', '1.2.840.10008.5.1.4.1.1.12', '1.2.840.10008.5.1.4.1.1.481.1', '1.2.840.10008.5.1.4.1.1.481.2'];

/** Bytes one native (uncompressed) frame needs. */
export function nativeFrameBytes(h: DicomHeader): number {
  return (h.rows * h.columns * h.samplesPerPixel * h.bitsAllocated) / 8;
}

function isImageStorage(sopClassUID: string): boolean {
  return IMAGE_SOP_PREFIXES.some((p) => sopClassUID === p || sopClassUID.startsWith(p + '.'));
}


/** Walks encapsulated items (FFFE,E000) up to the sequence delimiter without reading their values; returns how many (the offset table included). */
function countEncapsulatedItems(start: number, source: ByteSource): number {
  let pos = start;
  let items = 0;
  for (;;) {
    if (pos + 8 > source.size) {
      throw new DicomError('truncated', `encapsulated pixel data ends after ${items} items without a sequence delimiter (file is ${source.size} bytes)`);
    }
    const h = source.read(pos, 8);
    const group = readUint16LE(h, 0);
    const element = readUint16LE(h, 2);
    const length = readUint32LE(h, 4);
    if (group === 0xfffe && element === 0xe0dd) return items;
    if (group !== 0xfffe || element !== 0xe000) {
      throw new DicomError('invalid-header', `unexpected tag (${group.toString(16)},${element.toString(16)}) inside encapsulated pixel data at byte ${pos}`);
    }
    if (length === UNDEFINED_LENGTH) throw new DicomError('invalid-header', `pixel data item of undefined length at byte ${pos}`);
    if (pos + 8 + length > source.size) {
      throw new DicomError('truncated', `pixel data fragment ${items} declares ${length} bytes at byte ${pos + 8} but the file ends at ${source.size}`);
    }
    pos += 8 + length;
    items++;
  }
}

/**
 * Checks, without decoding, that the file holds a usable image: an image SOP class, PixelData present
 * and complete (no declared length or fragment running past the end of the file), sizes that make sense
 * and a transfer syntax ichdetect decodes. Throws a DicomError naming the problem.
 */
export function checkPixelData(ds: DataSet, h: DicomHeader, source: ByteSource): void {
  const el = ds.elements[PIXEL_DATA_TAG];
  if (!el) {
    if (h.sopClassUID && !isImageStorage(h.sopClassUID)) {
      throw new DicomError('not-an-image', `SOP class ${h.sopClassUID} (modality ${h.modality || 'none'}) is not an image`);
    }
    throw new DicomError('no-pixel-data', 'the file has no PixelData element');
  }
  if (h.rows <= 0 || h.columns <= 0) throw new DicomError('invalid-header', `image size ${h.rows}×${h.columns}`);
  checkLimits(h);
  if (![8, 16, 32].includes(h.bitsAllocated)) throw new DicomError('unsupported-pixels', `BitsAllocated ${h.bitsAllocated}`);
  if (h.bitsStored < 1 || h.bitsStored > h.bitsAllocated) {
    throw new DicomError('invalid-header', `BitsStored ${h.bitsStored} with BitsAllocated ${h.bitsAllocated}`);
  }
  const syntax = transferSyntax(h.transferSyntaxUID);
  if (!syntax) throw new DicomError('unsupported-syntax', `transfer syntax ${h.transferSyntaxUID} is not supported`);
  if (el.length === UNDEFINED_LENGTH || el.hadUndefinedLength) {
    if (!syntax.encapsulated) throw new DicomError('invalid-header', `undefined-length pixel data in ${syntax.name}`);
    const fragments = countEncapsulatedItems(el.dataOffset, source) - 1; // the first item is the basic offset table
    if (fragments < h.numberOfFrames) {
      throw new DicomError('invalid-header', `NumberOfFrames ${h.numberOfFrames} but the encapsulated pixel data hold ${Math.max(0, fragments)} fragment(s); each frame needs at least one`);
    }
    return;
  }
  if (syntax.encapsulated) throw new DicomError('invalid-header', `${syntax.name} requires encapsulated pixel data`);
  if (el.dataOffset + el.length > source.size) {
    throw new DicomError('truncated', `pixel data declares ${el.length} bytes at byte ${el.dataOffset} but the file ends at ${source.size}`);
  }
  const needed = nativeFrameBytes(h) * h.numberOfFrames;
  if (el.length < needed) {
    throw new DicomError('truncated', `pixel data holds ${el.length} bytes, ${h.rows}×${h.columns}×${h.numberOfFrames} frame(s) of ${h.bitsAllocated} bits need ${needed}`);
  }
}
