import { readUint32LE } from '../shared/binary.js';
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser';
import { DicomError, asDicomError } from './errors.js';
import { dicomLimits } from './limits.js';
import { EXPLICIT_LITTLE_UID, IMPLICIT_LITTLE_UID } from './syntax.js';
import { PIXEL_DATA_TAG } from './header.js';

export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntaxUID: string;
  /** True when the file had no Part 10 preamble (its syntax was guessed from its first element). */
  noMetaHeader: boolean;
}

// dicom-parser's words for "the bytes ended": also when a defined-length sequence item reaches past the end
// ('maxPosition', misspelt 'maxP osition' in its explicit-VR path), the data set starts at the very end, or
// zlib finds a deflated data set cut short ('unexpected end of file').
const PAST_END =
  /past end of buffer|buffer overread|buffer overrun|beyond the end|invalid value for parameter 'maxP ?osition'|cannot be greater than or equal to 'byteArray' length|unexpected end of file/i;
const VRS = new Set('AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/** True when the bytes carry the Part 10 "DICM" magic after the 128-byte preamble. */
export function hasPart10Magic(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** End of the Part 10 meta header from its group length (0002,0000), or undefined when the file has none. */
function metaHeaderEnd(bytes: Uint8Array): number | undefined {
  if (bytes.length < 144) return 144;
  const groupLength = bytes[132] === 0x02 && bytes[133] === 0 && bytes[134] === 0 && bytes[135] === 0 && bytes[136] === 0x55 && bytes[137] === 0x4c;
  if (!groupLength) return undefined;
  return 144 + readUint32LE(bytes, 140);
}

/** In a whole file, an element (other than PixelData, which checkPixelData reports) whose value runs past the end. */
function findCutElement(dataSet: DataSet): string | undefined {
  const size = dataSet.byteArray.length;
  for (const el of Object.values(dataSet.elements)) {
    if (el.tag === PIXEL_DATA_TAG || el.hadUndefinedLength) continue;
    if (el.dataOffset + el.length > size) {
      return `element (${el.tag.slice(1, 5)},${el.tag.slice(5)}) declares ${el.length} bytes at byte ${el.dataOffset} but the file ends at ${size}`;
    }
  }
  return undefined;
}

/** A bare data set without meta header starts with a group 0008 element (or 0002 / 0000), little endian. */
function looksLikeBareDataSet(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0]! | (bytes[1]! << 8);
  return group === 0x0008 || group === 0x0002 || group === 0x0000;
}

/** dicom-parser throws strings, Errors, or `{exception, dataSet}` objects. */
function parserMessage(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'exception' in err) return parserMessage((err as { exception: unknown }).exception);
  return String(err);
}

/** A bare data set is explicit VR when bytes 4-5 of its first element spell a VR. */
function bareDataSetSyntax(bytes: Uint8Array): string {
  const vr = String.fromCharCode(bytes[4]!, bytes[5]!);
  return VRS.has(vr) ? EXPLICIT_LITTLE_UID : IMPLICIT_LITTLE_UID;
}

export class BufferTooShort extends Error {}

/**
 * dicom-parser's inflater for Deflated Explicit VR Little Endian: zlib stops once the data set would
 * pass the limit (--dicom-limits inflated-mb), so a small file cannot inflate to gigabytes.
 */
function cappedInflater(bytes: Uint8Array, position: number): Uint8Array {
  const limitMb = dicomLimits().inflatedMb;
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(bytes.subarray(position), { maxOutputLength: limitMb * 2 ** 20 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DicomError('too-large', `the Deflated data set inflates to more than ${limitMb} MiB (raise it with --dicom-limits inflated-mb=N)`);
    }
    const message = (err as Error).message;
    if (PAST_END.test(message)) throw err; // cut short: reported as truncated
    throw new DicomError('invalid-header', `the Deflated data set is corrupt (zlib: ${message})`);
  }
  const whole = Buffer.allocUnsafe(position + inflated.length);
  whole.set(bytes.subarray(0, position), 0);
  whole.set(inflated, position);
  return whole;
}

/**
 * Parses DICOM bytes with dicom-parser. With `untilPixelData` it stops at the PixelData element header
 * (its offset and declared length are known, its value is not read). Throws BufferTooShort when `bytes`
 * is a prefix of the file that ends inside the header, DicomError otherwise.
 */
export function parseDicomBytes(bytes: Buffer, opts: { untilPixelData?: boolean; isWholeFile: boolean }): ParsedDicom {
  const untilTag = opts.untilPixelData ? PIXEL_DATA_TAG : undefined;
  let noMetaHeader = false;
  let options: dicomParser.ParseDicomOptions = { untilTag, inflater: cappedInflater };
  if (hasPart10Magic(bytes)) {
    const metaEnd = metaHeaderEnd(bytes);
    if (metaEnd !== undefined && metaEnd >= bytes.length) {
      if (!opts.isWholeFile) throw new BufferTooShort(`meta header ends at byte ${metaEnd}`);
      throw new DicomError('truncated', `the file ends at byte ${bytes.length}, within or right after its meta header (${metaEnd} bytes)`);
    }
  } else {
    if (!looksLikeBareDataSet(bytes)) {
      throw new DicomError('not-dicom', 'no DICM magic at byte 128 and no data set at byte 0');
    }
    noMetaHeader = true;
    options = { ...options, TransferSyntaxUID: bareDataSetSyntax(bytes) };
  }
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, options);
  } catch (err) {
    const cause = err && typeof err === 'object' && 'exception' in err ? (err as { exception: unknown }).exception : err;
    if (cause instanceof DicomError) throw cause;
    const message = parserMessage(err);
    if (PAST_END.test(message)) {
      if (!opts.isWholeFile) throw new BufferTooShort(message);
      throw new DicomError('truncated', `header runs past the end of the file (${message})`);
    }
    throw asDicomError(message, noMetaHeader ? 'not-dicom' : 'invalid-header');
  }
  const transferSyntaxUID = options.TransferSyntaxUID ?? (dataSet.string('x00020010') ?? '').trim().replace(/\0/g, '');
  if (!transferSyntaxUID) throw new DicomError('invalid-header', 'meta header has no TransferSyntaxUID');
  const cut = opts.isWholeFile ? findCutElement(dataSet) : undefined;
  if (cut) throw new DicomError('truncated', cut);
  return { dataSet, transferSyntaxUID, noMetaHeader };
}
