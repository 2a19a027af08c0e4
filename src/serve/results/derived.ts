// What the objects ichdetect stores back into a PACS share: the patient and study of the analysed
// instance, a new series of their own, and who made them (General and Enhanced General Equipment,
// and the Contributing Equipment item that IHE AI Results asks for).
import { newUid, uidFromName } from '../../dicom/write-uids.js';
import { PROCESSING_ALGORITHM } from './codes.js';

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
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: s.model.name.slice(0, 64),
    SoftwareVersions: s.model.created.slice(0, 64),
    DeviceSerialNumber: deviceUid(s.model).slice(-16),
    ContributingEquipmentSequence: [{
      PurposeOfReferenceCodeSequence: [PROCESSING_ALGORITHM],
      Manufacturer: MANUFACTURER,
      ManufacturerModelName: s.model.name.slice(0, 64),
      SoftwareVersions: s.model.created.slice(0, 64),
      DeviceSerialNumber: deviceUid(s.model).slice(-16),
      ContributionDateTime: `${dicomDate(now)}${dicomTime(now)}`,
      ContributionDescription: `ICH detection by the research model ${s.model.name}, ${NOT_FOR_DIAGNOSTIC_USE}`.slice(0, 64),
    }],
  };
}

export const MANUFACTURER = 'ichdetect';

/** The model as a device: one UID per model name and version (its creation time), the same in every object it makes. */
export const deviceUid = (model: DerivedSeries['model']): string => uidFromName(`ichdetect model ${model.name} ${model.created}`);
