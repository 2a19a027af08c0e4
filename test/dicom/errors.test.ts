// Acceptance 4: each kind of bad input gives the right DicomError code, with a one-line reason, from both
// readDicomHeader (header only) and loadSlice (whole file, decoded).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import dicomParser from 'dicom-parser';
import { readDicomHeader } from '../../src/dicom/index.js';
import { dcmtk, modifiedCopy } from '../helpers/dcmtk.js';
import { expectBothError, expectHeaderError, expectLoadError } from '../helpers/dicom-errors.js';
import { runCli } from '../helpers/hu.js';
import { DICOM_INDEX, TempDir, daikonFile, pydicomFile } from '../helpers/paths.js';

const CT_SMALL = pydicomFile('CT_small.dcm');

/** A prefix of `src` of `length` bytes. */
function cut(src: string, dest: string, length: number): string {
  writeFileSync(dest, readFileSync(src).subarray(0, length));
  return dest;
}

/** Ends of the top-level elements of a DICOM file (where a cut leaves a well-formed, shorter data set). */
function elementEnds(path: string): Set<number> {
  const ds = dicomParser.parseDicom(readFileSync(path));
  return new Set(Object.values(ds.elements).map((el) => el.dataOffset + el.length));
}

/** Where the Part 10 meta header ends (from its group length). */
function metaHeaderEnd(path: string): number {
  const ds = dicomParser.parseDicom(readFileSync(path), { untilTag: 'x7fe00010' });
  const groupLength = ds.elements['x00020000']!;
  return groupLength.dataOffset + groupLength.length + ds.uint32('x00020000')!;
}

function pixelDataOffset(path: string): number {
  return dicomParser.parseDicom(readFileSync(path), { untilTag: 'x7fe00010' }).elements['x7fe00010']!.dataOffset;
}

describe('bad input → DicomError code and one-line reason', () => {
  const tmp = new TempDir();
  after(() => tmp.remove());

  test('truncated in the pixel data (native): "truncated", naming the pixel data', async () => {
    const size = readFileSync(CT_SMALL).length;
    await expectBothError(cut(CT_SMALL, tmp.file('cut-pixels.dcm'), size - 2771), 'truncated', /pixel data declares 32768 bytes/);
  });

  test('truncated in the pixel data of the implicit VR and big endian variants', async () => {
    for (const flag of ['+ti', '+tb']) {
      const full = tmp.file(`full${flag}.dcm`);
      dcmtk('dcmconv', [flag, CT_SMALL, full]);
      await expectBothError(cut(full, tmp.file(`cut${flag}.dcm`), readFileSync(full).length - 5000), 'truncated', /pixel data/);
    }
  });

  test('truncated in encapsulated fragments (rle.dcm, jpeg_2000.dcm cut inside their fragment)', async () => {
    for (const name of ['rle.dcm', 'jpeg_2000.dcm']) {
      const src = daikonFile(name);
      const path = cut(src, tmp.file(`cut-${name}`), Math.floor(readFileSync(src).length / 2));
      await expectBothError(path, 'truncated', /fragment .* declares \d+ bytes/);
    }
  });

  test('truncated before the encapsulated sequence delimiter (rle.dcm cut after its last fragment)', async () => {
    const src = daikonFile('rle.dcm');
    const ds = dicomParser.parseDicom(readFileSync(src));
    const last = ds.elements['x7fe00010']!.fragments!.at(-1)!;
    const path = cut(src, tmp.file('cut-delimiter.dcm'), last.position + last.length + 4);
    await expectBothError(path, 'truncated', /without a sequence delimiter/);
  });

  test('truncated in the header: a cut inside the meta header and inside a data element', async () => {
    await expectBothError(cut(CT_SMALL, tmp.file('cut-meta.dcm'), 200), 'truncated');
    await expectBothError(cut(CT_SMALL, tmp.file('cut-1000.dcm'), 1000), 'truncated');
  });

  test('truncated anywhere from the meta header to PixelData (explicit and implicit VR; deflated: anywhere)', async () => {
    const implicit = tmp.file('sweep-implicit.dcm');
    const deflated = tmp.file('sweep-deflated.dcm');
    dcmtk('dcmconv', ['+ti', CT_SMALL, implicit]);
    dcmtk('dcmconv', ['+td', CT_SMALL, deflated]);
    for (const src of [CT_SMALL, implicit, deflated]) {
      const isDeflated = src === deflated;
      // A deflated data set is one zlib stream: any cut after the meta header cuts it.
      const end = isDeflated ? readFileSync(src).length : pixelDataOffset(src);
      const metaEnd = metaHeaderEnd(src);
      const ends = isDeflated ? new Set<number>() : elementEnds(src);
      const path = tmp.file('sweep.dcm');
      for (let length = 132; length < end; length += isDeflated ? 97 : 23) {
        cut(src, path, length);
        // A cut exactly between two data set elements leaves a well-formed data set that merely lacks PixelData.
        const code = length > metaEnd && ends.has(length) ? 'no-pixel-data' : 'truncated';
        expectHeaderError(path, code);
        await expectLoadError(path, code);
      }
    }
  });

  test('a text file and random bytes: "not-dicom"', async () => {
    const text = tmp.file('notes.txt');
    writeFileSync(text, 'Patient 1: no hemorrhage.\nPatient 2: subdural.\n'.repeat(20));
    await expectBothError(text, 'not-dicom');
    let seed = 12345;
    const random = Buffer.alloc(70_000, 0);
    for (let i = 0; i < random.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      random[i] = seed >>> 24;
    }
    const rnd = tmp.file('random.bin');
    writeFileSync(rnd, random);
    await expectBothError(rnd, 'not-dicom');
  });

  test('an empty file: "not-dicom"', async () => {
    const empty = tmp.file('empty.dcm');
    writeFileSync(empty, '');
    await expectBothError(empty, 'not-dicom');
  });

  test('a CT image without PixelData (dcmodify -e (7fe0,0010)): "no-pixel-data"', async () => {
    const path = modifiedCopy(CT_SMALL, tmp.file('no-pixels.dcm'), ['-e', '(7fe0,0010)']);
    await expectBothError(path, 'no-pixel-data');
  });

  test('an RT plan (rtplan.dcm): "not-an-image"', async () => {
    await expectBothError(pydicomFile('rtplan.dcm'), 'not-an-image', /RTPLAN/);
  });

  test('an MR image (MR_small.dcm) with requireCt: "not-ct"; readable otherwise', async () => {
    const mr = pydicomFile('MR_small.dcm');
    // readDicomHeader does not judge the modality (it has no requireCt): it reports it for the caller.
    assert.equal(readDicomHeader(mr).header.modality, 'MR');
    await expectLoadError(mr, 'not-ct', /MR/, { requireCt: true });
  });

  test('an unsupported transfer syntax (JPGExtended.dcm, 1.2.840.10008.1.2.4.51): "unsupported-syntax"', async () => {
    await expectBothError(pydicomFile('JPGExtended.dcm'), 'unsupported-syntax', /1\.2\.840\.10008\.1\.2\.4\.51/);
  });

  test('a missing file: "unreadable"', async () => {
    await expectBothError(tmp.file('does-not-exist.dcm'), 'unreadable');
  });

  test('a file without read permission: "unreadable"', async () => {
    const path = tmp.file('locked.dcm');
    copyFileSync(CT_SMALL, path);
    chmodSync(path, 0o000);
    if (process.getuid?.() !== 0) {
      await expectBothError(path, 'unreadable', /EACCES/);
      return;
    }
    // Root reads anything: read as nobody (65534) in a child process instead.
    chmodSync(tmp.path, 0o755);
    const script = `
      import { readDicomHeader, loadSlice } from ${JSON.stringify(DICOM_INDEX)};
      const out = {};
      try { readDicomHeader(process.argv[1]); out.header = 'ok'; } catch (e) { out.header = [e.name, e.code, e.message]; }
      try { await loadSlice(process.argv[1]); out.load = 'ok'; } catch (e) { out.load = [e.name, e.code, e.message]; }
      process.stdout.write(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, path], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
    assert.equal(run.status, 0, `child failed: ${run.error?.message ?? run.stderr}`);
    const out = JSON.parse(run.stdout) as Record<'header' | 'load', [string, string, string]>;
    for (const key of ['header', 'load'] as const) {
      const [name, code, message] = out[key];
      assert.equal(name, 'DicomError', `${key}: ${JSON.stringify(out[key])}`);
      assert.equal(code, 'unreadable', `${key}: ${JSON.stringify(out[key])}`);
      assert.match(message, /EACCES/);
      assert.doesNotMatch(message, /\n/);
    }
  });

  test('ich inspect on a truncated file exits 1 with a one-line reason', () => {
    const path = cut(CT_SMALL, tmp.file('cli-cut.dcm'), 30000);
    const run = runCli(['inspect', path]);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `ich: ${path}: truncated: pixel data declares 32768 bytes at byte 6300 but the file ends at 30000\n`);
  });
});
