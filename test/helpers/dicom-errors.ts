import assert from 'node:assert/strict';
import { DicomError, type LoadOptions, type RejectCode, loadSlice, readDicomHeader } from '../../src/dicom/index.js';

/** Asserts `err` is a DicomError with `code` and a non-empty one-line reason. */
export function assertDicomError(err: unknown, code: RejectCode, label: string, reasonPattern?: RegExp): DicomError {
  assert.ok(err instanceof DicomError, `${label}: expected a DicomError, got ${String(err)}`);
  assert.equal(err.code, code, `${label}: code ${err.code} (${err.message}), expected ${code}`);
  assert.ok(err.message.length > 0, `${label}: empty message`);
  assert.doesNotMatch(err.message, /[\r\n]/, `${label}: reason is not one line: ${JSON.stringify(err.message)}`);
  assert.equal(err.reason, `${code}: ${err.message}`);
  if (reasonPattern) assert.match(err.message, reasonPattern, `${label}: reason "${err.message}"`);
  return err;
}

/** readDicomHeader(path) must throw DicomError `code`. */
export function expectHeaderError(path: string, code: RejectCode, reasonPattern?: RegExp): DicomError {
  let thrown: unknown;
  try {
    readDicomHeader(path);
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, `readDicomHeader(${path}) succeeded, expected ${code}`);
  return assertDicomError(thrown, code, `readDicomHeader(${path})`, reasonPattern);
}

/** loadSlice(path) must reject with DicomError `code`. */
export async function expectLoadError(path: string, code: RejectCode, reasonPattern?: RegExp, opts?: LoadOptions): Promise<DicomError> {
  let thrown: unknown;
  try {
    await loadSlice(path, opts);
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, `loadSlice(${path}) succeeded, expected ${code}`);
  return assertDicomError(thrown, code, `loadSlice(${path})`, reasonPattern);
}

/** Both readers must reject `path` with the same code. */
export async function expectBothError(path: string, code: RejectCode, reasonPattern?: RegExp): Promise<void> {
  expectHeaderError(path, code, reasonPattern);
  await expectLoadError(path, code, reasonPattern);
}
