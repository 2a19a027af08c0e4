import { type ConformanceHeader, conformanceFacts } from '../dicom/conformance.js';
import { asDicomError } from '../dicom/errors.js';
import { orientationKey, positionAlongNormal } from '../dicom/header.js';
import { checkSliceHeader } from '../dicom/load.js';
import { checkUids } from '../dicom/plausibility.js';
import { type DicomFile, readDicomHeader } from '../dicom/read.js';

/** One row of the index: what the header of one file says, or why it was rejected. */
export interface HeaderRecord {
  path: string;
  size: number;
  mtimeMs: number;
  status: 'ok' | 'rejected';
  reasonCode?: string;
  reason?: string;
  sopInstanceUID?: string;
  patientID?: string;
  studyInstanceUID?: string;
  seriesInstanceUID?: string;
  modality?: string;
  rows?: number;
  columns?: number;
  transferSyntaxUID?: string;
  instanceNumber?: number;
  /** Position along the slice normal in mm (z without ImageOrientationPatient). */
  position?: number;
  /** The slice normal as text, e.g. "0,0,1" (see orientationKey). */
  orientation?: string;
  /** What input conformance reads (not stored in the index). */
  conformance?: ConformanceHeader;
}

export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
}

/** What makes a parsed file a usable CT slice, pixels aside: CT, one greyscale sample, valid UIDs (index, predict and the service's uploads). */
export function checkUsableSlice(file: Pick<DicomFile, 'header' | 'dataSet'>): void {
  checkSliceHeader(file.header, { requireCt: true });
  checkUids(file.header, file.dataSet);
}

/** Reads one header (no pixels) and judges whether the file is a usable CT slice. */
export function headerRecord(stamp: FileStamp): HeaderRecord {
  try {
    const file = readDicomHeader(stamp.path);
    checkUsableSlice(file);
    const h = file.header;
    return {
      ...stamp,
      status: 'ok',
      sopInstanceUID: h.sopInstanceUID,
      patientID: h.patientID,
      studyInstanceUID: h.studyInstanceUID,
      seriesInstanceUID: h.seriesInstanceUID,
      modality: h.modality,
      rows: h.rows,
      columns: h.columns,
      transferSyntaxUID: h.transferSyntaxUID,
      instanceNumber: h.instanceNumber,
      position: positionAlongNormal(h),
      orientation: orientationKey(h),
      conformance: conformanceFacts(h),
    };
  } catch (err) {
    const e = asDicomError(err);
    return { ...stamp, status: 'rejected', reasonCode: e.code, reason: e.message };
  }
}
