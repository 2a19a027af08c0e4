/** Why a file cannot be used: a short stable code (for counting) and a one-line message. */
export type RejectCode =
  | 'unreadable'
  | 'not-dicom'
  | 'truncated'
  | 'no-pixel-data'
  | 'not-an-image'
  | 'not-ct'
  | 'unsupported-syntax'
  | 'unsupported-pixels'
  | 'decode-failed'
  | 'invalid-header'
  | 'too-large'
  | 'implausible-rescale'
  | 'implausible-hu'
  | 'invalid-uid'
  | 'duplicate';

/** What each code means and what a user can do about it (README "DICOM support" lists these). */
export const REJECT_CODES: Record<RejectCode, string> = {
  unreadable: 'the file could not be opened (permissions, missing, a folder); fix access and run again',
  'not-dicom': 'neither a Part 10 file (DICM at byte 128) nor a bare data set; not a DICOM file',
  truncated: 'the file ends before an element or the pixel data it declares; copy it again from the source',
  'no-pixel-data': 'an image SOP class without PixelData; the sender stripped the pixels',
  'not-an-image': 'a non-image object (SR, presentation state, …); nothing to analyse',
  'not-ct': 'Modality is not CT; ichdetect analyses CT only',
  'unsupported-syntax': 'a transfer syntax ichdetect does not decode; have the sender transcode (e.g. to Explicit VR Little Endian)',
  'unsupported-pixels': 'pixels that are not one greyscale sample of 8, 16 or 32 bits',
  'decode-failed': 'the compressed frame is corrupt or does not match the header; get the original file',
  'invalid-header': 'an attribute breaks the standard (PixelRepresentation, BitsStored, HighBit, NumberOfFrames, fragments); fix the writer',
  'too-large': 'the image exceeds a configured limit (rows, columns, frames, inflated size); raise it with --dicom-limits if the file is genuine',
  'implausible-rescale': 'RescaleSlope or RescaleIntercept outside the range any CT scanner writes; the file would give meaningless HU',
  'implausible-hu': 'too many pixels, padding aside, lie outside −1100…+4000 HU; the header does not describe these pixels',
  duplicate: 'another file has the same SOPInstanceUID (index, predict); the first one is used',
  'invalid-uid': 'a UID attribute is not a valid UID (digits and dots, ≤ 64 characters) nor the RSNA ID_<hex> form',
};

export class DicomError extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
  ) {
    super(message);
    this.name = 'DicomError';
  }

  /** "truncated: pixel data declares 524288 bytes at offset 1234 but the file ends at 40000" */
  get reason(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** Turn anything thrown while reading a file into a DicomError with a one-line message. */
export function asDicomError(err: unknown, fallback: RejectCode = 'invalid-header'): DicomError {
  if (err instanceof DicomError) return err;
  const nodeCode = (err as NodeJS.ErrnoException | undefined)?.code;
  if (nodeCode === 'EACCES' || nodeCode === 'EPERM' || nodeCode === 'ENOENT' || nodeCode === 'EISDIR') {
    return new DicomError('unreadable', (err as Error).message.split('\n')[0] ?? String(nodeCode));
  }
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  return new DicomError(fallback, text.split('\n')[0] ?? 'unknown error');
}
