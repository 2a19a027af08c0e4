// What the objects `ich pacs pull --push` stores back (report-sr.ts, secondary-capture.ts) share:
// the patient and study of the analysed instance, a new series of their own, and who made them.
import { newUid } from '../dicom/write-uids.js';

export const NOT_FOR_DIAGNOSTIC_USE = 'not for diagnostic use';
/** The same warning as a sentence. */
export const NOT_FOR_DIAGNOSTIC_USE_SENTENCE = 'Not for diagnostic use.';

/** Patient and General Study attributes copied from the source; those of type 2 are written empty when it lacks them. */
const COPIED = ['SpecificCharacterSet', 'PatientName', 'PatientID', 'IssuerOfPatientID', 'PatientBirthDate', 'PatientSex', 'PatientAge', 'StudyInstanceUID', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber', 'StudyDescription'];
const TYPE_2 = new Set(['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber']);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** DA and TM of a moment, local time. */
export const dicomDate = (d: Date) => `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
export const dicomTime = (d: Date) => `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;

export interface DerivedSeries {
  sopClassUID: string;
  modality: string;
  seriesNumber: number;
  seriesDescription: string;
  /** The model: written as Manufacturer's model name (algorithm) and software version (its creation date). */
  model: { name: string; created: string };
}

/** SOP Common, Patient, General Study, General Series and General Equipment of a new instance in a new series of the source's study. */
export function derivedHeader(source: Record<string, unknown>, s: DerivedSeries, now = new Date()): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  for (const k of COPIED) {
    if (source[k] !== undefined && source[k] !== null) d[k] = source[k];
    else if (TYPE_2.has(k)) d[k] = '';
  }
  if (!d.StudyInstanceUID) throw new Error('the analysed instance has no StudyInstanceUID');
  return {
    ...d,
    SOPClassUID: s.sopClassUID,
    SOPInstanceUID: newUid(),
    InstanceCreationDate: dicomDate(now),
    InstanceCreationTime: dicomTime(now),
    SeriesInstanceUID: newUid(),
    Modality: s.modality,
    SeriesNumber: String(s.seriesNumber),
    SeriesDescription: s.seriesDescription.slice(0, 64),
    InstanceNumber: '1',
    ContentDate: dicomDate(now),
    ContentTime: dicomTime(now),
    Manufacturer: 'ichdetect',
    ManufacturerModelName: s.model.name.slice(0, 64),
    SoftwareVersions: s.model.created.slice(0, 64),
  };
}
