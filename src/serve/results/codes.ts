// The coded concepts of the objects ichdetect writes, each from a published source: DICOM PS3.16
// (DCM), SNOMED CT (SCT), UCUM, RFC 5646, and IHE AI Results (99IHE) where DICOM has no code yet.
// Nothing here is invented; where a concept has no published code, ichdetect says so in a TEXT.
import dcmjs from 'dcmjs';
import type { Label } from '../../data/labels.js';

const { CodedConcept } = dcmjs.sr.coding;

export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

/** A code as an SR or attribute sequence item (dcmjs's CodedConcept, which its content items require). */
export const code = (value: string, schemeDesignator: string, meaning: string): Code => new CodedConcept({ value, schemeDesignator, meaning });

/** ichdetect's own coding scheme, for concepts whose published code could not be confirmed (PS3.16 8.2: private designators start with 99). */
export const ICHDETECT_SCHEME = '99ICHDETECT';

/**
 * Each label's finding. SNOMED CT where the code was confirmed in a published source: `any` is
 * PS3.16's Intracranial hemorrhage (CID 7151, pydicom's PS3.16 concept dictionary); the parenchymal,
 * ventricular and subarachnoid concepts are in NLM VSAC's Hemorrhagic Stroke value set
 * (2.16.840.1.113883.3.117.1.7.1.212, SNOMED CT 2023-09). For epidural and subdural hemorrhage no
 * source at hand showed a SNOMED CT code with its name, so they stay in ichdetect's own scheme rather
 * than carry a guessed code (docs/dicom-results.md lists the sources).
 */
export const FINDINGS: Record<Label, Code> = {
  any: code('1386000', 'SCT', 'Intracranial hemorrhage'),
  epidural: code('EDH', ICHDETECT_SCHEME, 'Epidural (extradural) intracranial hemorrhage'),
  intraparenchymal: code('449020009', 'SCT', 'Intraparenchymal hemorrhage of brain'),
  intraventricular: code('23276006', 'SCT', 'Ventricular hemorrhage'),
  subarachnoid: code('21454007', 'SCT', 'Subarachnoid intracranial hemorrhage'),
  subdural: code('SDH', ICHDETECT_SCHEME, 'Subdural intracranial hemorrhage'),
};

/** CID 240/241 qualifiers: present / absent at the operating point. */
export const PRESENT = code('52101004', 'SCT', 'Present');
export const ABSENT = code('272519000', 'SCT', 'Absent');

export const DCM = {
  imagingMeasurementReport: code('126000', 'DCM', 'Imaging Measurement Report'),
  language: code('121049', 'DCM', 'Language of Content Item and Descendants'),
  observerType: code('121005', 'DCM', 'Observer Type'),
  device: code('121007', 'DCM', 'Device'),
  deviceObserverUid: code('121012', 'DCM', 'Device Observer UID'),
  deviceObserverName: code('121013', 'DCM', 'Device Observer Name'),
  deviceObserverManufacturer: code('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: code('121015', 'DCM', 'Device Observer Model Name'),
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  imageLibrary: code('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: code('126200', 'DCM', 'Image Library Group'),
  imagingMeasurements: code('126010', 'DCM', 'Imaging Measurements'),
  measurementGroup: code('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: code('112039', 'DCM', 'Tracking Identifier'),
  trackingUid: code('112040', 'DCM', 'Tracking Unique Identifier'),
  finding: code('121071', 'DCM', 'Finding'),
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  probability: code('122157', 'DCM', 'Probability'),
  sourceOfMeasurement: code('121112', 'DCM', 'Source of Measurement'),
  comment: code('121106', 'DCM', 'Comment'),
  ofInterest: code('113000', 'DCM', 'Of Interest'),
  keyObjectDescription: code('113012', 'DCM', 'Key Object Description'),
  qualitativeEvaluations: code('C0034375', 'UMLS', 'Qualitative Evaluations'),
};

/** TID 1500's procedure reported: SNOMED CT's CT of head (PS3.16 CID 100 family, pydicom ComputedTomographyOfHead). */
export const CT_OF_HEAD = code('303653007', 'SCT', 'Computed tomography of head');
export const ENGLISH = code('en-US', 'RFC5646', 'English (United States)');
/** UCUM: a probability is a number without units. */
export const NO_UNITS = code('1', 'UCUM', 'no units');
/**
 * IHE AI Results' purpose of reference of the Contributing Equipment that made an AI result: a code
 * the profile defines until DICOM assigns one (MONAI Deploy's writers use the same).
 */
export const PROCESSING_ALGORITHM = code('Newcode1', '99IHE', 'Processing Algorithm');

/** Coding schemes that are not in PS3.16's table of registered designators. */
export const PRIVATE_SCHEMES = [
  { CodingSchemeDesignator: '99IHE', CodingSchemeName: 'IHE provisional codes', CodingSchemeResponsibleOrganization: 'IHE' },
  { CodingSchemeDesignator: ICHDETECT_SCHEME, CodingSchemeName: 'ichdetect concepts', CodingSchemeResponsibleOrganization: 'ichdetect' },
];
