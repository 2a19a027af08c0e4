// The attribution maps of a study's key slices as one DICOM Parametric Map (PS3.3 A.75): 32-bit
// float frames on each source slice's own pixel grid (same rows, columns, spacing, position and
// orientation, same Frame of Reference), so a viewer lays a frame over its slice as it is. Each frame
// holds the expected-gradients attribution (SHAP values) of one label's probability: positive values
// raise it, negative lower it; the Real World Value Mapping says so, and the Derivation Image and
// Common Instance Reference name the source slice.
import { formatDecimalString } from '../../dicom/write.js';
import { uidFromName } from '../../dicom/write-uids.js';
import type { Label } from '../../data/labels.js';
import { code, FINDINGS, NO_UNITS, PRIVATE_SCHEMES } from './codes.js';
import { derivedHeader, type DerivedSeries, NOT_FOR_DIAGNOSTIC_USE } from './derived.js';

export const PARAMETRIC_MAP_UID = '1.2.840.10008.5.1.4.1.1.30';
const PM_SERIES_NUMBER = 9903;
/** Derived from the CT, a volume flavour, no pixel contrast of its own (PS3.3 C.8.16.1, the values dicom3tools recognises). */
const IMAGE_TYPE = ['DERIVED', 'PRIMARY', 'VOLUME', 'NONE'];

export interface MapFrame {
  /** The source slice's attributes (readInstance). */
  slice: Record<string, unknown>;
  label: Label;
  /** The attribution on the slice's grid, rows × columns, row-major. */
  values: Float32Array;
}

export interface MapInput {
  frames: readonly MapFrame[];
  model: DerivedSeries['model'];
  /** Expected-gradient samples behind each map. */
  samples: number;
}

/** The first and last values mapped: the lowest and highest value of a frame. */
function range(values: Float32Array): { DoubleFloatRealWorldValueFirstValueMapped: number; DoubleFloatRealWorldValueLastValueMapped: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { DoubleFloatRealWorldValueFirstValueMapped: lo, DoubleFloatRealWorldValueLastValueMapped: hi };
}

const numbers = (v: unknown): number[] => ([] as unknown[]).concat(v ?? []).map(Number);
const dsList = (v: readonly number[]) => v.map(formatDecimalString);

/** The source's Frame of Reference, or one derived from its study when it has none (then the maps register only by their source references). */
const frameOfReference = (s: Record<string, unknown>) => (typeof s.FrameOfReferenceUID === 'string' && s.FrameOfReferenceUID ? s.FrameOfReferenceUID : uidFromName(`ichdetect frame of reference ${String(s.StudyInstanceUID)}`));

/** Where a frame lies: the source slice's plane, or the axial default of a source without one. */
function plane(s: Record<string, unknown>, k: number) {
  const orientation = numbers(s.ImageOrientationPatient);
  const position = numbers(s.ImagePositionPatient);
  const spacing = numbers(s.PixelSpacing);
  return {
    orientation: orientation.length === 6 ? orientation : [1, 0, 0, 0, 1, 0],
    position: position.length === 3 ? position : [0, 0, k],
    spacing: spacing.length === 2 ? spacing : [1, 1],
    thickness: Number(s.SliceThickness) > 0 ? Number(s.SliceThickness) : 1,
  };
}

/** The Parametric Map's data set (dcmjs naturalized); encode with encodeDataset. Every frame must share the first one's rows and columns. */
export function parametricMap(m: MapInput, now = new Date()): Record<string, unknown> {
  const first = m.frames[0];
  if (!first) throw new Error('a Parametric Map needs at least one frame');
  const rows = Number(first.slice.Rows);
  const columns = Number(first.slice.Columns);
  const n = rows * columns;
  const pixels = new Float32Array(n * m.frames.length);
  m.frames.forEach((f, k) => {
    if (Number(f.slice.Rows) !== rows || Number(f.slice.Columns) !== columns || f.values.length !== n) throw new Error(`frame ${k + 1}: ${String(f.slice.Rows)}×${String(f.slice.Columns)} differs from ${rows}×${columns}`);
    pixels.set(f.values, k * n);
  });
  const source = first.slice;
  const p0 = plane(source, 0);
  const series = new Map<string, { ReferencedSOPClassUID: unknown; ReferencedSOPInstanceUID: unknown }[]>();
  for (const f of m.frames) {
    const uid = String(f.slice.SeriesInstanceUID);
    const refs = series.get(uid) ?? [];
    if (!refs.some((r) => r.ReferencedSOPInstanceUID === f.slice.SOPInstanceUID)) refs.push({ ReferencedSOPClassUID: f.slice.SOPClassUID, ReferencedSOPInstanceUID: f.slice.SOPInstanceUID });
    series.set(uid, refs);
  }
  const header = derivedHeader(source, { sopClassUID: PARAMETRIC_MAP_UID, modality: 'OT', seriesNumber: PM_SERIES_NUMBER, seriesDescription: `ichdetect attribution maps, ${NOT_FOR_DIAGNOSTIC_USE}`, model: m.model }, now);
  return {
    ...header,
    CodingSchemeIdentificationSequence: PRIVATE_SCHEMES,
    FrameOfReferenceUID: frameOfReference(source),
    PositionReferenceIndicator: '',
    ImageType: IMAGE_TYPE,
    RecognizableVisualFeatures: 'NO',
    AcquisitionContextSequence: [],
    ContentLabel: 'ATTRIBUTION',
    ContentDescription: `Expected-gradients attribution of ${m.model.name}`.slice(0, 64),
    ContentCreatorName: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 32,
    NumberOfFrames: String(m.frames.length),
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    PresentationLUTShape: 'IDENTITY',
    ContentQualification: 'RESEARCH',
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: uidFromName(`ichdetect pm dimensions ${String(header.SOPInstanceUID)}`) }],
    DimensionIndexSequence: [{
      DimensionOrganizationUID: uidFromName(`ichdetect pm dimensions ${String(header.SOPInstanceUID)}`),
      DimensionIndexPointer: 0x00200032,
      FunctionalGroupPointer: 0x00209113,
      DimensionDescriptionLabel: 'Image Position (Patient)',
    }],
    SharedFunctionalGroupsSequence: [{
      PixelMeasuresSequence: [{ PixelSpacing: dsList(p0.spacing), SliceThickness: formatDecimalString(p0.thickness) }],
      PlaneOrientationSequence: [{ ImageOrientationPatient: dsList(p0.orientation) }],
      FrameAnatomySequence: [{ AnatomicRegionSequence: [code('69536005', 'SCT', 'Head')], FrameLaterality: 'U' }],
      PixelValueTransformationSequence: [{ RescaleIntercept: '0', RescaleSlope: '1', RescaleType: 'US' }],
      ParametricMapFrameTypeSequence: [{ FrameType: IMAGE_TYPE }],
    }],
    PerFrameFunctionalGroupsSequence: m.frames.map((f, k) => {
      const p = plane(f.slice, k);
      return {
        FrameContentSequence: [{ DimensionIndexValues: [k + 1], FrameLabel: `${f.label} attribution`.slice(0, 64) }],
        PlanePositionSequence: [{ ImagePositionPatient: dsList(p.position) }],
        DerivationImageSequence: [{
          // CID 7203 has no code for an attribution; the map is computed at the model's input size and resampled to the slice's grid.
          DerivationDescription: `expected gradients of ${m.model.name} at its input size, resampled bilinearly to the slice`.slice(0, 1024),
          DerivationCodeSequence: [code('113085', 'DCM', 'Spatial resampling')],
          SourceImageSequence: [{ ReferencedSOPClassUID: f.slice.SOPClassUID, ReferencedSOPInstanceUID: f.slice.SOPInstanceUID, PurposeOfReferenceCodeSequence: [code('121322', 'DCM', 'Source image for image processing operation')] }],
        }],
        RealWorldValueMappingSequence: [{
          // The range of this frame's values (the slope and intercept map them as they are).
          ...range(f.values),
          RealWorldValueIntercept: 0,
          RealWorldValueSlope: 1,
          LUTExplanation: `SHAP value of P(${f.label}), ${m.samples} samples`.slice(0, 64),
          LUTLabel: `SHAP_${f.label}`.slice(0, 16),
          MeasurementUnitsCodeSequence: [NO_UNITS],
          QuantityDefinitionSequence: [{
            ValueType: 'CODE',
            ConceptNameCodeSequence: [code('246205007', 'SCT', 'Quantity')],
            ConceptCodeSequence: [FINDINGS[f.label]],
          }],
        }],
      };
    }),
    ReferencedSeriesSequence: [...series].map(([uid, refs]) => ({ SeriesInstanceUID: uid, ReferencedInstanceSequence: refs })),
    FloatPixelData: [pixels.buffer],
    _vrMap: { FloatPixelData: 'OF' },
  };
}
