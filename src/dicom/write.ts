import { closeSync, openSync, writevSync } from 'node:fs';
import dcmjs from 'dcmjs';
import { EXPLICIT_LITTLE_UID, IMPLICIT_LITTLE_UID, transferSyntax } from './syntax.js';
import { encodeHeaderParts, encodeHeaderWithDicomDict } from './write-header.js';
import { type EncapsulatedFrame, encapsulatedPixelElement, nativePixelElement } from './write-pixels.js';

export type { EncapsulatedFrame } from './write-pixels.js';
import { CT_IMAGE_STORAGE_UID, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './write-uids.js';

const { DicomMetaDictionary } = dcmjs.data;

/**
 * One CT Image Storage slice to write, named like DicomHeader so a read header can be written back.
 * Identifiers are written as given: RSNA-style `ID_<hex>` strings are accepted although they are not
 * valid UIDs (use newUid / uidFromName from write-uids.ts for valid ones).
 */
export interface CtSliceToWrite {
  sopInstanceUID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  patientID: string;
  /** Default CT Image Storage, 1.2.840.10008.5.1.4.1.1.2. */
  sopClassUID?: string;
  /** Default 'CT'. */
  modality?: string;
  rows: number;
  columns: number;
  /** Only 16 is supported. */
  bitsAllocated?: 16;
  bitsStored: number;
  /** Default bitsStored - 1. */
  highBit?: number;
  /** 0 = unsigned, 1 = two's complement. */
  pixelRepresentation: 0 | 1;
  /** Default 'MONOCHROME2'. */
  photometricInterpretation?: 'MONOCHROME2' | 'MONOCHROME1';
  rescaleSlope: number;
  rescaleIntercept: number;
  windowCenter?: number | number[];
  windowWidth?: number | number[];
  /** Row spacing, column spacing in mm. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  imagePositionPatient?: [number, number, number];
  imageOrientationPatient?: [number, number, number, number, number, number];
  instanceNumber?: number;
  /** In stored-value space; written as SS when pixelRepresentation is 1, else US. */
  pixelPaddingValue?: number;
  /**
   * Stored values, row-major, written as they are (no masking to BitsStored: a generator may want
   * bits above it on purpose), or an already-encapsulated frame.
   */
  pixels: Int16Array | Uint16Array | EncapsulatedFrame;
  /**
   * Uncompressed pixels: Explicit VR Little Endian (default) or Implicit VR Little Endian. With an
   * encapsulated frame, leave unset or give the frame's own syntax.
   */
  transferSyntaxUID?: string;
  /**
   * More attributes by DICOM keyword, as dcmjs naturalized values, e.g. `{ StudyID: '1', KVP: 120 }`;
   * they override the defaults the writer fills in (ImageType, LossyImageCompression).
   */
  extra?: Record<string, unknown>;
}


/** Formats a number as a DICOM DS value of at most 16 characters, rounding (dcmjs would truncate the string). */
export function formatDecimalString(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`${x} cannot be written as a DS value`);
  let s = String(x);
  for (let p = 16; s.length > 16 && p > 0; p--) s = String(Number(x.toPrecision(p)));
  if (s.length > 16) throw new Error(`${x} does not fit a 16-character DS value`);
  return s;
}

function ds(values: number | readonly number[], what: string): string[] {
  const list = typeof values === 'number' ? [values] : values;
  if (list.length === 0) throw new Error(`${what}: no value`);
  return list.map((v) => {
    try {
      return formatDecimalString(v);
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
    }
  });
}

function checkInteger(v: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${what} ${v}: expected an integer from ${min} to ${max}`);
  return v;
}

function checkIdentifier(v: string, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 64 || /[\\\0]/.test(v)) {
    throw new Error(`${what} "${v}": expected 1 to 64 characters without backslash or NUL`);
  }
  return v;
}

function isEncapsulated(p: CtSliceToWrite['pixels']): p is EncapsulatedFrame {
  return !ArrayBuffer.isView(p);
}

/** The transfer syntax a slice will be written with, checked against what the writer can emit. */
function chooseSyntax(slice: CtSliceToWrite): { uid: string; encapsulated: boolean } {
  const p = slice.pixels;
  if (isEncapsulated(p)) {
    const uid = p.transferSyntaxUID;
    const known = transferSyntax(uid);
    if (known && !known.encapsulated) throw new Error(`${uid} (${known.name}) is not an encapsulated syntax; pass the stored values instead`);
    if (slice.transferSyntaxUID !== undefined && slice.transferSyntaxUID !== uid) {
      throw new Error(`transferSyntaxUID ${slice.transferSyntaxUID} differs from the encapsulated frame's ${uid}`);
    }
    if (!/^[0-9]+(\.[0-9]+)*$/.test(uid)) throw new Error(`transfer syntax "${uid}" is not a UID`);
    if (p.fragments.length === 0) throw new Error('an encapsulated frame needs at least one fragment');
    // Only the last fragment may be padded: a zero byte inside the codestream would corrupt it.
    const odd = p.fragments.findIndex((f, i) => i < p.fragments.length - 1 && f.byteLength % 2 === 1);
    if (odd >= 0) throw new Error(`fragment ${odd + 1} of ${p.fragments.length} has odd length ${p.fragments[odd]!.byteLength}; split the codestream at even offsets`);
    if (uid === '1.2.840.10008.1.2.5' && p.fragments.length !== 1) throw new Error(`RLE Lossless needs exactly one fragment per frame (PS3.5 A.4.2), got ${p.fragments.length}`);
    return { uid, encapsulated: true };
  }
  const uid = slice.transferSyntaxUID ?? EXPLICIT_LITTLE_UID;
  if (uid !== EXPLICIT_LITTLE_UID && uid !== IMPLICIT_LITTLE_UID) {
    throw new Error(`uncompressed pixels are written as Explicit (${EXPLICIT_LITTLE_UID}) or Implicit (${IMPLICIT_LITTLE_UID}) VR Little Endian, not ${uid}; compress the frame and pass it encapsulated`);
  }
  return { uid, encapsulated: false };
}

/** The naturalized (keyword-keyed) data set of a slice, without PixelData. */
function naturalDataset(slice: CtSliceToWrite, syntaxUid: string): Record<string, unknown> {
  const rows = checkInteger(slice.rows, 1, 0xffff, 'Rows');
  const columns = checkInteger(slice.columns, 1, 0xffff, 'Columns');
  const bitsAllocated = slice.bitsAllocated ?? 16;
  if (bitsAllocated !== 16) throw new Error(`BitsAllocated ${bitsAllocated}: only 16 is supported`);
  const bitsStored = checkInteger(slice.bitsStored, 1, 16, 'BitsStored');
  const highBit = checkInteger(slice.highBit ?? bitsStored - 1, bitsStored - 1, 15, 'HighBit');
  const pixelRepresentation = slice.pixelRepresentation;
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) throw new Error(`PixelRepresentation ${String(pixelRepresentation)}: expected 0 or 1`);
  if (!Number.isFinite(slice.rescaleSlope) || slice.rescaleSlope === 0) throw new Error(`RescaleSlope ${slice.rescaleSlope}: expected a non-zero number`);

  const d: Record<string, unknown> = {
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: slice.sopClassUID ?? CT_IMAGE_STORAGE_UID,
    SOPInstanceUID: checkIdentifier(slice.sopInstanceUID, 'SOPInstanceUID'),
    Modality: slice.modality ?? 'CT',
    PatientID: checkIdentifier(slice.patientID, 'PatientID'),
    StudyInstanceUID: checkIdentifier(slice.studyInstanceUID, 'StudyInstanceUID'),
    SeriesInstanceUID: checkIdentifier(slice.seriesInstanceUID, 'SeriesInstanceUID'),
    SamplesPerPixel: 1,
    PhotometricInterpretation: slice.photometricInterpretation ?? 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: bitsAllocated,
    BitsStored: bitsStored,
    HighBit: highBit,
    PixelRepresentation: pixelRepresentation,
    RescaleIntercept: ds(slice.rescaleIntercept, 'RescaleIntercept'),
    RescaleSlope: ds(slice.rescaleSlope, 'RescaleSlope'),
  };
  const vrMap: Record<string, string> = {};
  if (slice.sliceThickness !== undefined) d.SliceThickness = ds(slice.sliceThickness, 'SliceThickness');
  if (slice.instanceNumber !== undefined) d.InstanceNumber = String(checkInteger(slice.instanceNumber, -(2 ** 31), 2 ** 31 - 1, 'InstanceNumber'));
  if (slice.imagePositionPatient) d.ImagePositionPatient = ds(slice.imagePositionPatient, 'ImagePositionPatient');
  if (slice.imageOrientationPatient) d.ImageOrientationPatient = ds(slice.imageOrientationPatient, 'ImageOrientationPatient');
  if (slice.pixelSpacing) d.PixelSpacing = ds(slice.pixelSpacing, 'PixelSpacing');
  if (slice.windowCenter !== undefined) d.WindowCenter = ds(slice.windowCenter, 'WindowCenter');
  if (slice.windowWidth !== undefined) d.WindowWidth = ds(slice.windowWidth, 'WindowWidth');
  if (slice.pixelPaddingValue !== undefined) {
    const signed = pixelRepresentation === 1;
    d.PixelPaddingValue = checkInteger(slice.pixelPaddingValue, signed ? -0x8000 : 0, signed ? 0x7fff : 0xffff, 'PixelPaddingValue');
    // The dictionary's VR is "US or SS"; dcmjs falls back to US (with an error log) unless told.
    vrMap.PixelPaddingValue = signed ? 'SS' : 'US';
  }
  if (transferSyntax(syntaxUid)?.lossy) {
    d.LossyImageCompression = '01';
  }
  for (const [name, value] of Object.entries(slice.extra ?? {})) {
    if (!DicomMetaDictionary.nameMap[name]) throw new Error(`extra attribute "${name}" is not a DICOM keyword dcmjs knows`);
    if (name === 'PixelData' || name.startsWith('_')) throw new Error(`extra attribute "${name}" cannot be set this way`);
    d[name] = value;
  }
  d._vrMap = vrMap;
  return d;
}

/**
 * What encodeCtSlice writes before PixelData, as dcmjs naturalized data sets (keyword-keyed, with
 * `_vrMap`): the file meta information and the data set, plus the transfer syntax chosen.
 */
export function ctSliceDatasets(slice: CtSliceToWrite): { meta: Record<string, unknown>; dataset: Record<string, unknown>; transferSyntaxUID: string } {
  const syntax = chooseSyntax(slice);
  const meta = fileMetaInformation(slice.sopClassUID ?? CT_IMAGE_STORAGE_UID, slice.sopInstanceUID, syntax.uid);
  return { meta, dataset: naturalDataset(slice, syntax.uid), transferSyntaxUID: syntax.uid };
}

/** The file meta information (group 0002, naturalized) of a file ichdetect writes. */
export function fileMetaInformation(sopClassUID: string, sopInstanceUID: string, transferSyntaxUID: string): Record<string, unknown> {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUID,
    MediaStorageSOPInstanceUID: sopInstanceUID,
    TransferSyntaxUID: transferSyntaxUID,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
}

/**
 * A whole Part 10 file, Explicit VR Little Endian, of a naturalized data set (with its SOPClassUID
 * and SOPInstanceUID, and PixelData if any) in one dcmjs write: for the few derived objects ichdetect
 * makes (SR, Secondary Capture), where encodeCtSlice's per-element caching buys nothing.
 */
export function encodeDataset(dataset: Record<string, unknown>): Uint8Array {
  const meta = fileMetaInformation(String(dataset.SOPClassUID), String(dataset.SOPInstanceUID), EXPLICIT_LITTLE_UID);
  return encodeHeaderWithDicomDict(meta, dataset, EXPLICIT_LITTLE_UID);
}

/**
 * Encodes one CT slice as the parts of a DICOM Part 10 file, to be written out in order (the last
 * part views the caller's pixel array, not a copy). The meta group and the attributes are encoded
 * by dcmjs element by element (write-header.ts, with repeated elements cached); PixelData, the last
 * element, is assembled here so that encapsulated frames keep exactly the fragments given (dcmjs
 * re-splits frames into 20 KiB fragments, which RLE forbids).
 */
export function encodeCtSliceParts(slice: CtSliceToWrite): Uint8Array[] {
  const { meta, dataset, transferSyntaxUID } = ctSliceDatasets(slice);
  let pixelElement: { head: Buffer; body: Uint8Array };
  if (isEncapsulated(slice.pixels)) {
    pixelElement = encapsulatedPixelElement(slice.pixels);
  } else {
    const expected = slice.rows * slice.columns;
    if (slice.pixels.length !== expected) throw new Error(`${slice.pixels.length} pixels given, Rows × Columns = ${slice.rows} × ${slice.columns} = ${expected}`);
    pixelElement = nativePixelElement(slice.pixels, transferSyntaxUID !== IMPLICIT_LITTLE_UID);
  }
  const parts = encodeHeaderParts(meta, dataset, transferSyntaxUID);
  parts.push(pixelElement.head);
  if (pixelElement.body.byteLength > 0) parts.push(pixelElement.body);
  return parts;
}

/** Encodes one CT slice as a DICOM Part 10 file in one buffer (see encodeCtSliceParts). */
export function encodeCtSlice(slice: CtSliceToWrite): Buffer {
  return Buffer.concat(encodeCtSliceParts(slice));
}

/** Encodes one CT slice and writes it to `path` without first joining the parts into one buffer. */
export function writeCtSlice(path: string, slice: CtSliceToWrite): void {
  const parts = encodeCtSliceParts(slice);
  const fd = openSync(path, 'w');
  try {
    let written = 0;
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    // writev may write less than asked; continue from where it stopped.
    while (written < total) {
      let skip = written;
      const rest: Uint8Array[] = [];
      for (const p of parts) {
        if (skip >= p.byteLength) skip -= p.byteLength;
        else {
          rest.push(skip > 0 ? p.subarray(skip) : p);
          skip = 0;
        }
      }
      written += writevSync(fd, rest);
    }
  } finally {
    closeSync(fd);
  }
}
