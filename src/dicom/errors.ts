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
  | 'invalid-header';

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
