import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { openIndexDb } from '../../src/data/db.js';
import { indexDirectory } from '../../src/data/index-dir.js';
import { runCli } from '../helpers/hu.js';
import { TempDir, daikonFile, pydicomFile } from '../helpers/paths.js';

const CT_SMALL_SOP = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';
let tmp: TempDir;
let dir: string;

/** A folder mixing usable CT slices (several syntaxes), duplicates and every kind of bad input. */
before(() => {
  tmp = new TempDir();
  dir = tmp.file('data');
  mkdirSync(`${dir}/a/deep`, { recursive: true });
  mkdirSync(`${dir}/b`);
  copyFileSync(pydicomFile('CT_small.dcm'), `${dir}/a/ct_small.dcm`);
  copyFileSync(pydicomFile('CT_small.dcm'), `${dir}/b/ct_small_copy.dcm`);
  copyFileSync(pydicomFile('J2K_pixelrep_mismatch.dcm'), `${dir}/a/deep/j2k`);
  copyFileSync(pydicomFile('693_J2KI.dcm'), `${dir}/a/cq500.dcm`);
  copyFileSync(daikonFile('rle.dcm'), `${dir}/b/rle.dcm`);
  copyFileSync(daikonFile('jpeg_lossless_sel1.dcm'), `${dir}/b/localizer.dcm`);
  copyFileSync(pydicomFile('MR_small.dcm'), `${dir}/b/mr.dcm`);
  copyFileSync(pydicomFile('rtplan.dcm'), `${dir}/b/rtplan.dcm`);
  copyFileSync(pydicomFile('JPGExtended.dcm'), `${dir}/b/jpeg_extended.dcm`);
  const ct = readFileSync(pydicomFile('CT_small.dcm'));
  writeFileSync(`${dir}/b/truncated.dcm`, ct.subarray(0, ct.length - 5000));
  writeFileSync(`${dir}/b/notes.dcm`, 'this is not DICOM\n'.repeat(20));
  writeFileSync(`${dir}/labels.csv`, ['ID,Label', ...['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'].map((s) => `${CT_SMALL_SOP}_${s},${s === 'any' || s === 'subdural' ? 1 : 0}`), 'ID_nofile_any,1'].join('\n'));
  symlinkSync(`${dir}/missing-target.dcm`, `${dir}/b/dangling.dcm`);
});

after(() => tmp.remove());

test('indexing gives every file a status and a one-line reason, with labels and series ranks', async () => {
  const db = openIndexDb(tmp.file('index.db'));
  const run = await indexDirectory(db, dir, { labelsCsv: `${dir}/labels.csv`, threads: 2 });
  const rows = db.prepare('SELECT path, status, reason_code AS code, reason, series_rank AS rank, y_any, y_subdural FROM files ORDER BY path').all() as {
    path: string; status: string; code: string | null; reason: string | null; rank: number | null; y_any: number | null; y_subdural: number | null;
  }[];
  const byName = new Map(rows.map((r) => [r.path.slice(dir.length + 1), r]));
  const expectCode = (name: string, code: string | null) => assert.equal(byName.get(name)?.code ?? null, code, `${name}: ${byName.get(name)?.reason}`);
  for (const ok of ['a/ct_small.dcm', 'a/deep/j2k', 'a/cq500.dcm', 'b/rle.dcm', 'b/localizer.dcm']) expectCode(ok, null);
  expectCode('b/ct_small_copy.dcm', 'duplicate');
  expectCode('b/mr.dcm', 'not-ct');
  expectCode('b/rtplan.dcm', 'not-an-image');
  expectCode('b/jpeg_extended.dcm', 'unsupported-syntax');
  expectCode('b/truncated.dcm', 'truncated');
  expectCode('b/notes.dcm', 'not-dicom');
  expectCode('b/dangling.dcm', 'unreadable');
  for (const r of rows) {
    if (r.status === 'rejected') assert.ok(r.reason && !r.reason.includes('\n'), `${r.path} has a one-line reason`);
    else assert.equal(r.rank, 0, `${r.path}: the only slice of its series has rank 0`);
  }
  assert.equal(byName.get('a/ct_small.dcm')!.y_subdural, 1);
  assert.equal(byName.get('a/cq500.dcm')!.y_any, null);
  const s = run.summary;
  assert.deepEqual([s.files, s.ok, s.rejected], [12, 5, 7]);
  assert.deepEqual(s.reasons, { duplicate: 1, 'not-ct': 1, 'not-an-image': 1, 'unsupported-syntax': 1, truncated: 1, 'not-dicom': 1, unreadable: 1 });
  assert.equal(s.labelled, 1);
  assert.equal(s.prevalence.subdural, 1);
  assert.deepEqual([run.skipped.length, run.labelsWithoutFile, run.filesWithoutLabels], [1, 1, 4]);

  // A second run reads nothing unchanged; a touched file is read again; a deleted one is dropped.
  const again = await indexDirectory(db, dir, { threads: 1 });
  assert.deepEqual([again.read, again.unchanged, again.removed], [1, 11, 0], 'only the dangling link (no stat) is read again');
  utimesSync(`${dir}/a/cq500.dcm`, new Date(), new Date(Date.now() + 5000));
  rmSync(`${dir}/b/notes.dcm`);
  const third = await indexDirectory(db, dir, { threads: 1 });
  assert.deepEqual([third.read, third.removed, third.summary.files], [2, 1, 11]);
  db.close();
});

test('ich index --json prints the counts, and exits non-zero only when nothing usable was found', () => {
  const run = runCli(['index', dir, '--db', tmp.file('cli.db'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as Record<string, unknown>;
  for (const key of ['files', 'ok', 'rejected', 'reasons', 'series', 'patients', 'prevalence']) assert.ok(key in out, `--json has ${key}`);
  assert.equal(out.ok, 5);
  const junk = tmp.file('junk');
  mkdirSync(junk);
  writeFileSync(`${junk}/x.dcm`, 'nope');
  const bad = runCli(['index', junk, '--json']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no usable CT slice/);
  assert.deepEqual((JSON.parse(bad.stdout) as { reasons: object }).reasons, { 'not-dicom': 1 });
});
