// The key slice of an analysed study as a Secondary Capture Image (PS3.3 A.8.1): brain window, with
// the attribution overlay of the study's most probable subtype when the model can be explained —
// where on the slice the model's evidence for that bleed lies (red raises its probability, blue
// lowers it). RGB, 8 bits, no text burnt in.
import type { SliceImage } from '../render.js';
import { derivedHeader, type DerivedSeries, NOT_FOR_DIAGNOSTIC_USE, NOT_FOR_DIAGNOSTIC_USE_SENTENCE } from './derived.js';

export const SECONDARY_CAPTURE_UID = '1.2.840.10008.5.1.4.1.1.7';
const SC_SERIES_NUMBER = 9902;
export const KEY_SLICE_WINDOW = 'brain';

/** RGBA rows × columns × 4 to RGB interleaved (PlanarConfiguration 0), padded to even length (PS3.5 8.1.1). */
export function rgbOf(img: SliceImage): Uint8Array {
  const n = img.rows * img.columns;
  const rgb = new Uint8Array(3 * n + ((3 * n) & 1));
  for (let i = 0, o = 0; i < 4 * n; i += 4, o += 3) {
    rgb[o] = img.rgba[i]!;
    rgb[o + 1] = img.rgba[i + 1]!;
    rgb[o + 2] = img.rgba[i + 2]!;
  }
  return rgb;
}

export interface CaptureInput {
  /** The key slice's attributes (readInstance). */
  keySlice: Record<string, unknown>;
  /** The key slice as windowedSlice renders it, with or without an overlay. */
  image: SliceImage;
  model: DerivedSeries['model'];
  /** What is drawn, for ImageComments: e.g. the overlay's label, or why there is none. */
  description: string;
}

/** The Secondary Capture's data set (dcmjs naturalized); encode with encodeDataset. */
export function secondaryCapture(c: CaptureInput, now = new Date()): Record<string, unknown> {
  const { rows, columns } = c.image;
  const pixels = rgbOf(c.image);
  return {
    ...derivedHeader(c.keySlice, { sopClassUID: SECONDARY_CAPTURE_UID, modality: 'OT', seriesNumber: SC_SERIES_NUMBER, seriesDescription: `ichdetect key slice, ${NOT_FOR_DIAGNOSTIC_USE}`, model: c.model }, now),
    ConversionType: 'WSD',
    ImageType: ['DERIVED', 'SECONDARY'],
    PatientOrientation: '',
    Laterality: '',
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    ImageComments: `${c.description}. ${NOT_FOR_DIAGNOSTIC_USE_SENTENCE}`,
    DerivationDescription: `${KEY_SLICE_WINDOW} window rendering by ichdetect`,
    SourceImageSequence: [{ ReferencedSOPClassUID: c.keySlice.SOPClassUID, ReferencedSOPInstanceUID: c.keySlice.SOPInstanceUID }],
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OB' },
  };
}
