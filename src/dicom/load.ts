import { decodeFrame, type StoredArray } from './codecs/index.js';
import { DicomError } from './errors.js';
import type { DicomHeader } from './header.js';
import { type HuImage, headerQuirks, huFromStored } from './hu.js';
import type { Quirk } from './quirks.js';
import { type DicomFile, readDicomFile } from './read.js';

/** One decoded slice: the parsed file, its stored values and its Hounsfield units. */
export interface CtSlice extends HuImage {
  file: DicomFile;
  stored: StoredArray;
}

/** Options for loadSlice. */
export interface LoadOptions {
  /** Reject files whose Modality is not CT (indexing and training do; inspect does not). */
  requireCt?: boolean;
}

/** Throws when the header does not describe a greyscale slice (or, with requireCt, a CT slice). */
export function checkSliceHeader(h: DicomHeader, opts: LoadOptions = {}): void {
  if (opts.requireCt && h.modality !== 'CT') throw new DicomError('not-ct', `modality ${h.modality || 'missing'}, not CT`);
  if (h.samplesPerPixel !== 1) throw new DicomError('unsupported-pixels', `${h.samplesPerPixel} samples per pixel (${h.photometricInterpretation}); CT is greyscale`);
}

/** Reads a DICOM file, decodes its first frame and converts it to HU, reporting every quirk. */
export async function loadSlice(pathOrFile: string | DicomFile, opts: LoadOptions = {}): Promise<CtSlice> {
  const file = typeof pathOrFile === 'string' ? readDicomFile(pathOrFile) : pathOrFile;
  const h = file.header;
  checkSliceHeader(h, opts);
  const frame = await decodeFrame(file, 0);
  const image = huFromStored(frame, h);
  const quirks: Quirk[] = [
    ...file.containerQuirks.map((name) => ({ name: name as Quirk['name'], detail: `read as ${file.header.transferSyntaxUID}` })),
    ...headerQuirks(h),
    ...image.quirks,
  ];
  return { ...image, quirks, file, stored: frame.data };
}
