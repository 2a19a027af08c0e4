import type { DataSet } from 'dicom-parser';

/** The attributes of one CT slice that ichdetect uses, named as in the DICOM standard. */
export interface DicomHeader {
  transferSyntaxUID: string;
  sopClassUID: string;
  sopInstanceUID: string;
  patientID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  modality: string;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  numberOfFrames: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 = unsigned, 1 = two's complement. */
  pixelRepresentation: number;
  photometricInterpretation: string;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** True when the file carries RescaleSlope / RescaleIntercept (false: defaults 1 / 0 were used). */
  hasRescale: boolean;
  windowCenter: number[];
  windowWidth: number[];
  /** Row spacing, column spacing in mm (PixelSpacing), or undefined. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  imagePositionPatient?: [number, number, number];
  imageOrientationPatient?: [number, number, number, number, number, number];
  instanceNumber?: number;
  /** PixelPaddingValue in stored-value space (sign applied per PixelRepresentation). */
  pixelPaddingValue?: number;
  /** ImageType's values, e.g. ORIGINAL, PRIMARY, AXIAL (empty when absent). */
  imageType: string[];
  /** ContrastBolusAgent, trimmed (undefined when absent or empty). */
  contrastBolusAgent?: string;
  /** BodyPartExamined, trimmed (undefined when absent or empty). */
  bodyPartExamined?: string;
}

const T = {
  transferSyntaxUID: 'x00020010',
  sopClassUID: 'x00080016',
  sopInstanceUID: 'x00080018',
  imageType: 'x00080008',
  modality: 'x00080060',
  contrastBolusAgent: 'x00180010',
  bodyPartExamined: 'x00180015',
  patientID: 'x00100020',
  sliceThickness: 'x00180050',
  studyInstanceUID: 'x0020000d',
  seriesInstanceUID: 'x0020000e',
  instanceNumber: 'x00200013',
  imagePositionPatient: 'x00200032',
  imageOrientationPatient: 'x00200037',
  samplesPerPixel: 'x00280002',
  photometricInterpretation: 'x00280004',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  pixelSpacing: 'x00280030',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  pixelPaddingValue: 'x00280120',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
} as const;

export const PIXEL_DATA_TAG = 'x7fe00010';

function decimals(ds: DataSet, tag: string): number[] {
  const n = ds.numStringValues(tag) ?? 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = ds.floatString(tag, i);
    if (v !== undefined && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function fixed<N extends number>(values: number[], n: N): number[] | undefined {
  return values.length >= n ? values.slice(0, n) : undefined;
}

/** Reads a US/SS element whose sign follows PixelRepresentation, whatever VR the file declared. */
function pixelValued(ds: DataSet, tag: string, pixelRepresentation: number): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  const raw = ds.uint16(tag);
  if (raw === undefined) return undefined;
  return pixelRepresentation === 1 && raw >= 0x8000 ? raw - 0x10000 : raw;
}

/** Extracts the header attributes from a parsed data set; missing attributes get the standard's defaults. */
export function headerFromDataSet(ds: DataSet, transferSyntaxUID: string): DicomHeader {
  const str = (tag: string) => (ds.string(tag) ?? '').trim();
  const pixelRepresentation = ds.uint16(T.pixelRepresentation) ?? 0;
  const bitsAllocated = ds.uint16(T.bitsAllocated) ?? 0;
  const slope = ds.floatString(T.rescaleSlope);
  const intercept = ds.floatString(T.rescaleIntercept);
  const spacing = fixed(decimals(ds, T.pixelSpacing), 2);
  const position = fixed(decimals(ds, T.imagePositionPatient), 3);
  const orientation = fixed(decimals(ds, T.imageOrientationPatient), 6);
  const thickness = ds.floatString(T.sliceThickness);
  const instance = ds.intString(T.instanceNumber);
  return {
    transferSyntaxUID,
    sopClassUID: str(T.sopClassUID),
    sopInstanceUID: str(T.sopInstanceUID),
    patientID: str(T.patientID),
    studyInstanceUID: str(T.studyInstanceUID),
    seriesInstanceUID: str(T.seriesInstanceUID),
    modality: str(T.modality),
    rows: ds.uint16(T.rows) ?? 0,
    columns: ds.uint16(T.columns) ?? 0,
    samplesPerPixel: ds.uint16(T.samplesPerPixel) ?? 1,
    numberOfFrames: ds.intString(T.numberOfFrames) ?? 1,
    bitsAllocated,
    bitsStored: ds.uint16(T.bitsStored) ?? bitsAllocated,
    highBit: ds.uint16(T.highBit) ?? Math.max(0, bitsAllocated - 1),
    pixelRepresentation,
    photometricInterpretation: str(T.photometricInterpretation) || 'MONOCHROME2',
    // As written (NaN when not a number): checkPlausibleHeader refuses what no CT writes.
    rescaleSlope: slope ?? 1,
    rescaleIntercept: intercept ?? 0,
    hasRescale: slope !== undefined || intercept !== undefined,
    windowCenter: decimals(ds, T.windowCenter),
    windowWidth: decimals(ds, T.windowWidth),
    pixelSpacing: spacing as [number, number] | undefined,
    sliceThickness: thickness !== undefined && Number.isFinite(thickness) ? thickness : undefined,
    imagePositionPatient: position as [number, number, number] | undefined,
    imageOrientationPatient: orientation as DicomHeader['imageOrientationPatient'],
    instanceNumber: instance !== undefined && Number.isFinite(instance) ? instance : undefined,
    pixelPaddingValue: pixelValued(ds, T.pixelPaddingValue, pixelRepresentation),
    imageType: (ds.string(T.imageType) ?? '').split('\\').map((v) => v.trim()).filter((v) => v !== ''),
    contrastBolusAgent: str(T.contrastBolusAgent) || undefined,
    bodyPartExamined: str(T.bodyPartExamined) || undefined,
  };
}

/** The slice normal, row × column direction cosines of ImageOrientationPatient (not normalized). */
export function sliceNormal(o: NonNullable<DicomHeader['imageOrientationPatient']>): [number, number, number] {
  return [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
}

/**
 * The slice orientation as text: the unit slice normal with components rounded to 4 decimals,
 * e.g. "0,0,1" for axial slices; undefined without ImageOrientationPatient (or with parallel cosines).
 */
export function orientationKey(h: Pick<DicomHeader, 'imageOrientationPatient'>): string | undefined {
  if (!h.imageOrientationPatient) return undefined;
  const n = sliceNormal(h.imageOrientationPatient);
  const length = Math.hypot(...n);
  if (!(length > 1e-6)) return undefined;
  return n.map((c) => String(Math.round((c / length) * 1e4) / 1e4)).join(',');
}

/** Position of the slice along its normal (row × column direction cosines), in mm. */
export function positionAlongNormal(h: Pick<DicomHeader, 'imagePositionPatient' | 'imageOrientationPatient'>): number | undefined {
  const p = h.imagePositionPatient;
  const o = h.imageOrientationPatient;
  if (!p) return undefined;
  if (!o) return p[2];
  const [nx, ny, nz] = sliceNormal(o);
  return p[0] * nx + p[1] * ny + p[2] * nz;
}
