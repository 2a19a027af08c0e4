// Acceptance 5: readDicomHeader reads no pixels. It must succeed on files whose pixel data are garbage
// (lengths intact) while loadSlice, which decodes, fails or sees the garbage; and it must read only a
// small part of a large file (bytes counted by wrapping fs.readSync; no timing).
import assert from 'node:assert/strict';
import fs, { readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { after, describe, test } from 'node:test';
import dicomParser from 'dicom-parser';
import { DicomError, loadSlice, readDicomFile, readDicomHeader } from '../../src/dicom/index.js';
import { dcmtk, modifiedCopy } from '../helpers/dcmtk.js';
import { assertDicomError } from '../helpers/dicom-errors.js';
import { TempDir, daikonFile, pydicomFile } from '../helpers/paths.js';

const REAL_FILES = [
  pydicomFile('CT_small.dcm'),
  pydicomFile('J2K_pixelrep_mismatch.dcm'),
  pydicomFile('693_J2KI.dcm'),
  daikonFile('rle.dcm'),
  daikonFile('jpeg_2000.dcm'),
  daikonFile('jpeg_lossless_sel1.dcm'),
  daikonFile('jpeg_ls.dcm'),
  daikonFile('deflated.dcm'),
  daikonFile('explicit_big.dcm'),
  daikonFile('implicit_little.dcm'),
];

/** A copy of `src` whose pixel data bytes (every fragment, or the native value) are overwritten by `fill`. */
function garbagePixels(src: string, dest: string, fill: (i: number) => number): string {
  const bytes = Buffer.from(readFileSync(src));
  const el = dicomParser.parseDicom(bytes).elements['x7fe00010']!;
  const parts = el.fragments ?? [{ position: el.dataOffset, length: el.length }];
  for (const part of parts) for (let i = 0; i < part.length; i++) bytes[part.position + i] = fill(i);
  writeFileSync(dest, bytes);
  return dest;
}

/** Runs `fn` counting the bytes read through fs.readSync; fs.readFileSync is forbidden meanwhile. */
function countReads<T>(fn: () => T): { result: T; bytes: number; calls: number } {
  const { readSync, readFileSync: whole } = fs;
  let bytes = 0;
  let calls = 0;
  fs.readSync = ((...args: Parameters<typeof readSync>) => {
    const n = readSync(...args);
    bytes += n;
    calls++;
    return n;
  }) as typeof readSync;
  fs.readFileSync = (() => {
    throw new Error('readDicomHeader read the whole file');
  }) as unknown as typeof whole;
  syncBuiltinESMExports(); // the named imports in src/dicom/read.ts now see the wrappers
  try {
    return { result: fn(), bytes, calls };
  } finally {
    fs.readSync = readSync;
    fs.readFileSync = whole;
    syncBuiltinESMExports();
  }
}

describe('readDicomHeader reads headers, not pixels', () => {
  const tmp = new TempDir();
  after(() => tmp.remove());

  test('it gives the same header as a whole-file read on every real file', () => {
    for (const path of REAL_FILES) {
      const head = readDicomHeader(path);
      const whole = readDicomFile(path);
      assert.deepEqual(head.header, whole.header, path);
      assert.deepEqual(head.containerQuirks, whole.containerQuirks, path);
    }
  });

  test('garbage in encapsulated pixel data (lengths intact): header fine, decoding fails', async () => {
    for (const name of ['rle.dcm', 'jpeg_2000.dcm', 'jpeg_lossless_sel1.dcm', 'jpeg_ls.dcm']) {
      const src = daikonFile(name);
      const path = garbagePixels(src, tmp.file(`garbage-${name}`), () => 0);
      const head = readDicomHeader(path);
      assert.deepEqual(head.header, readDicomHeader(src).header, name);
      let thrown: unknown;
      await loadSlice(path).catch((err: unknown) => (thrown = err));
      assertDicomError(thrown, 'decode-failed', `loadSlice(garbage ${name})`);
    }
  });

  test('garbage in native pixel data: header fine, loadSlice returns the garbage', async () => {
    const src = pydicomFile('CT_small.dcm');
    const path = garbagePixels(src, tmp.file('garbage-native.dcm'), (i) => (i % 2 === 0 ? 0x34 : 0x12));
    assert.deepEqual(readDicomHeader(path).header, readDicomHeader(src).header);
    const slice = await loadSlice(path);
    assert.ok(slice.hu.every((v) => v === 0x1234 - 1024));
  });

  test('it reads a small part of large files and never the whole file', () => {
    const native = tmp.file('rle-native.dcm');
    dcmtk('dcmdrle', [daikonFile('rle.dcm'), native]); // 512×512×2 bytes of native pixels
    const files = [native, daikonFile('rle.dcm'), pydicomFile('J2K_pixelrep_mismatch.dcm')];
    for (const path of files) {
      const size = fs.statSync(path).size;
      const { result, bytes, calls } = countReads(() => readDicomHeader(path));
      assert.equal(result.header.rows, 512);
      assert.ok(calls > 0 && bytes > 0, 'the fs.readSync wrapper saw the reads');
      assert.ok(size > 100_000, `${path} is ${size} bytes`);
      assert.ok(bytes <= 32 * 1024 && bytes < size / 3, `${path}: read ${bytes} of ${size} bytes`);
    }
  });

  test('a defined-length sequence straddling the first 16 KiB read is parsed (explicit and implicit VR)', () => {
    const explicit = modifiedCopy(pydicomFile('CT_small.dcm'), tmp.file('big-sequence.dcm'), ['-i', `(0040,0275)[0].(0020,4000)=${'x'.repeat(20_000)}`]);
    const implicit = tmp.file('big-sequence-implicit.dcm');
    dcmtk('dcmconv', ['+ti', explicit, implicit]);
    for (const path of [explicit, implicit]) {
      const ds = dicomParser.parseDicom(readFileSync(path));
      const seq = ds.elements['x00400275']!;
      assert.ok(seq.dataOffset < 16 * 1024 && seq.dataOffset + seq.length > 16 * 1024, 'the sequence crosses byte 16384');
      assert.deepEqual(readDicomHeader(path).header, readDicomFile(path).header, path);
    }
  });

  test('a deflated file larger than the first read (16 KiB) is read', () => {
    const native = tmp.file('rle-native-for-deflate.dcm');
    const path = tmp.file('deflated-large.dcm');
    dcmtk('dcmdrle', [daikonFile('rle.dcm'), native]);
    dcmtk('dcmconv', ['+td', '+cl', '0', native, path]); // level 0: stored blocks, so the file stays large
    assert.ok(fs.statSync(path).size > 16 * 1024);
    const head = readDicomHeader(path);
    assert.equal(head.header.transferSyntaxUID, '1.2.840.10008.1.2.1.99');
    assert.deepEqual(head.header, readDicomFile(path).header);
  });

  test('errors are DicomError instances', () => {
    assert.throws(() => readDicomHeader(tmp.file('missing.dcm')), DicomError);
  });
});
