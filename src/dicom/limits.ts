// The largest image ichdetect agrees to read, checked from the header before any pixel buffer is
// allocated. The defaults cover every CT slice; `ich --dicom-limits rows=8192,…` or the environment
// variable ICH_DICOM_LIMITS (inherited by worker threads) changes them.
import { DicomError } from './errors.js';

export interface DicomLimits {
  /** Rows (0028,0010) at most. */
  rows: number;
  /** Columns (0028,0011) at most. */
  columns: number;
  /** NumberOfFrames (0028,0008) at most. */
  frames: number;
  /** What a Deflated data set may inflate to, in MiB (the inflater stops there). */
  inflatedMb: number;
}

export const DEFAULT_LIMITS: Readonly<DicomLimits> = { rows: 4096, columns: 4096, frames: 2000, inflatedMb: 128 };

const ENV = 'ICH_DICOM_LIMITS';
const KEYS: Record<string, keyof DicomLimits> = { rows: 'rows', columns: 'columns', frames: 'frames', 'inflated-mb': 'inflatedMb' };

/** Parses "rows=8192,frames=4000" into limits (unnamed ones keep their defaults); throws on unknown names or bad numbers. */
export function parseDicomLimits(spec: string): DicomLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = item.split('=');
    const key = KEYS[name ?? ''];
    const n = Number(value);
    if (!key) throw new Error(`unknown DICOM limit '${name}': expected ${Object.keys(KEYS).join(', ')}`);
    if (!Number.isInteger(n) || n < 1) throw new Error(`DICOM limit ${name}=${value}: expected a positive whole number`);
    limits[key] = n;
  }
  return limits;
}

let current: DicomLimits | undefined;

/** The limits in force: set by setDicomLimits, else from ICH_DICOM_LIMITS, else the defaults. */
export function dicomLimits(): DicomLimits {
  current ??= parseDicomLimits(process.env[ENV] ?? '');
  return current;
}

/** Sets the limits for this process and for worker threads started after the call. */
export function setDicomLimits(spec: string): DicomLimits {
  current = parseDicomLimits(spec);
  process.env[ENV] = spec;
  return current;
}

function tooLarge(attribute: string, value: number, limit: number, key: string): DicomError {
  return new DicomError('too-large', `${attribute} ${value} exceeds the limit of ${limit} (raise it with --dicom-limits ${key}=N)`);
}

/** Throws `too-large` when the header asks for more than the limits allow (and `invalid-header` for a NumberOfFrames below 1). */
export function checkLimits(h: { rows: number; columns: number; numberOfFrames: number }, limits = dicomLimits()): void {
  if (h.rows > limits.rows) throw tooLarge('Rows', h.rows, limits.rows, 'rows');
  if (h.columns > limits.columns) throw tooLarge('Columns', h.columns, limits.columns, 'columns');
  if (!Number.isSafeInteger(h.numberOfFrames) || h.numberOfFrames < 1) throw new DicomError('invalid-header', `NumberOfFrames ${h.numberOfFrames}`);
  if (h.numberOfFrames > limits.frames) throw tooLarge('NumberOfFrames', h.numberOfFrames, limits.frames, 'frames');
}
