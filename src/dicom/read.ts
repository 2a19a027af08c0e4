import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { DataSet } from 'dicom-parser';
import { DicomError, asDicomError } from './errors.js';
import { type DicomHeader, headerFromDataSet, PIXEL_DATA_TAG } from './header.js';
import { BufferTooShort, parseDicomBytes } from './parse.js';
import { type ByteSource, checkPixelData } from './pixel-data.js';
import { checkPlausibleHeader } from './plausibility.js';
import { DEFLATED_UID } from './syntax.js';

/** A parsed file: its header attributes and the dicom-parser data set they came from. */
export interface DicomFile {
  path: string;
  header: DicomHeader;
  dataSet: DataSet;
  /** Quirks of the file container itself (e.g. a missing meta header). */
  containerQuirks: string[];
}

const FIRST_CHUNK = 16 * 1024;

function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (position, length) => bytes.subarray(position, position + length) };
}

function fileSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(position, length) {
      const buf = Buffer.allocUnsafe(length);
      const n = readSync(fd, buf, 0, length, position);
      return buf.subarray(0, n);
    },
  };
}

function finish(path: string, parsed: ReturnType<typeof parseDicomBytes>, source: ByteSource): DicomFile {
  const header = headerFromDataSet(parsed.dataSet, parsed.transferSyntaxUID);
  checkPixelData(parsed.dataSet, header, parsed.transferSyntaxUID === DEFLATED_UID ? bufferSource(parsed.dataSet.byteArray) : source);
  checkPlausibleHeader(header);
  return { path, header, dataSet: parsed.dataSet, containerQuirks: parsed.noMetaHeader ? ['no-meta-header'] : [] };
}

/**
 * Reads only the header of a DICOM file: the bytes before PixelData, plus the item headers of
 * encapsulated pixel data, so that truncated files and files without pixels are caught without
 * reading or decoding the pixels. Throws a DicomError with a one-line reason.
 */
export function readDicomHeader(path: string): DicomFile {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size === 0) throw new DicomError('not-dicom', 'empty file');
    const source = fileSource(fd, size);
    for (let chunk = Math.min(FIRST_CHUNK, size); ; chunk = Math.min(chunk * 4, size)) {
      const bytes = Buffer.from(source.read(0, chunk));
      const isWholeFile = chunk >= size;
      try {
        const parsed = parseDicomBytes(bytes, { untilPixelData: true, isWholeFile });
        if (parsed.transferSyntaxUID === DEFLATED_UID && !isWholeFile) continue;
        if (!isWholeFile && !parsed.dataSet.elements[PIXEL_DATA_TAG]) continue;
        return finish(path, parsed, source);
      } catch (err) {
        if (err instanceof BufferTooShort && !isWholeFile) continue;
        throw err;
      }
    }
  } catch (err) {
    throw asDicomError(err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A buffer reused across reads (see readDicomFile). */
export interface ReadBuffer {
  bytes: Buffer;
}

/** Reads a whole file into `reuse.bytes` (grown when too small) and returns a view of its bytes. */
function readInto(path: string, reuse: ReadBuffer): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (reuse.bytes.length < size) reuse.bytes = Buffer.allocUnsafe(Math.max(size, reuse.bytes.length * 2));
    let done = 0;
    while (done < size) {
      const n = readSync(fd, reuse.bytes, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return reuse.bytes.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and parses a whole DICOM file, ready for pixel decoding. Throws a DicomError with a one-line
 * reason. With `reuse`, the bytes go into a buffer shared across calls (the returned file is valid
 * until the next call with the same buffer): streaming loops avoid a fresh allocation per file.
 */
export function readDicomFile(path: string, reuse?: ReadBuffer): DicomFile {
  let bytes: Buffer;
  try {
    bytes = reuse ? readInto(path, reuse) : readFileSync(path);
  } catch (err) {
    throw asDicomError(err);
  }
  return parseDicomFile(path, bytes);
}

/** Parses a whole DICOM file already in memory (e.g. an upload). */
export function parseDicomFile(name: string, bytes: Buffer): DicomFile {
  let parsed: ReturnType<typeof parseDicomBytes>;
  try {
    parsed = parseDicomBytes(bytes, { isWholeFile: true });
  } catch (err) {
    const error = asDicomError(err);
    if (error.code !== 'truncated') throw error;
    // dicom-parser reports cut pixel data as a generic overrun: re-read up to PixelData for the precise reason.
    try {
      finish(name, parseDicomBytes(bytes, { untilPixelData: true, isWholeFile: true }), bufferSource(bytes));
    } catch (precise) {
      throw asDicomError(precise);
    }
    throw error;
  }
  try {
    return finish(name, parsed, bufferSource(bytes));
  } catch (err) {
    throw asDicomError(err);
  }
}
