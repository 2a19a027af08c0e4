import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { preprocessIndex } from '../../src/data/cache.js';
import { openIndexDb } from '../../src/data/db.js';
import { indexDirectory } from '../../src/data/index-dir.js';
import { splitPatients } from '../../src/data/split.js';
import { TensorReader } from '../../src/data/tensor-reader.js';
import { loadSlice } from '../../src/dicom/load.js';
import { sliceTensor, tensorSpec } from '../../src/preprocess/tensor.js';
import { runCli } from '../helpers/hu.js';
import { TempDir, daikonFile, pydicomFile } from '../helpers/paths.js';

let tmp: TempDir;
let dir: string;

/** Replaces bytes in the middle of the first pixel data fragment, keeping every length intact. */
function corruptCodestream(src: string, dest: string): void {
  const bytes = Buffer.from(readFileSync(src));
  const start = bytes.length - Math.floor(bytes.length / 3);
  bytes.fill(0xff, start, start + Math.floor(bytes.length / 6));
  writeFileSync(dest, bytes);
}

before(() => {
  tmp = new TempDir();
  dir = tmp.file('data');
  mkdirSync(dir);
  copyFileSync(pydicomFile('CT_small.dcm'), `${dir}/ct_small.dcm`);
  copyFileSync(pydicomFile('J2K_pixelrep_mismatch.dcm'), `${dir}/j2k.dcm`);
  copyFileSync(daikonFile('rle.dcm'), `${dir}/rle.dcm`);
  copyFileSync(daikonFile('jpeg_lossless_sel1.dcm'), `${dir}/localizer.dcm`);
  corruptCodestream(pydicomFile('693_J2KI.dcm'), `${dir}/corrupt_j2k.dcm`);
});

after(() => tmp.remove());

test('every indexed file ends up in the cache or rejected with its reason; cached tensors equal the slices', async () => {
  const db = openIndexDb(tmp.file('index.db'));
  const run = await indexDirectory(db, dir, { threads: 2 });
  assert.equal(run.summary.ok, 5, 'the corrupt codestream passes the header checks');
  const spec = tensorSpec(128);
  const s = await preprocessIndex(db, { spec, threads: 2, batchSize: 2 });
  assert.deepEqual([s.cached, s.alreadyCached, s.rejected], [4, 0, 1]);
  assert.deepEqual(s.reasons, { 'decode-failed': 1 });
  const corrupt = db.prepare(`SELECT status, reason FROM files WHERE path LIKE '%corrupt_j2k.dcm'`).get() as { status: string; reason: string };
  assert.equal(corrupt.status, 'rejected');
  assert.match(corrupt.reason, /JPEG 2000/);

  const reader = new TensorReader(db, s.cache);
  for (const f of db.prepare(`SELECT id, path FROM files WHERE status = 'ok'`).all() as { id: number; path: string }[]) {
    const cached = reader.read(f.id)!;
    const expected = sliceTensor(await loadSlice(f.path), spec);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(cached[i]! - Math.round(expected[i]! * 255)));
    assert.ok(worst <= 1, `${f.path}: cached tensor differs from sliceTensor by ${worst}/255`);
  }
  reader.close();

  const again = await preprocessIndex(db, { spec, threads: 1 });
  assert.deepEqual([again.cached, again.alreadyCached, again.rejected], [0, 4, 0], 'a second run resumes: nothing left to do');
  db.close();
});

test('preprocessing one split part first, then all, processes each file once (resumable)', async () => {
  const db = openIndexDb(tmp.file('parts.db'));
  await indexDirectory(db, dir, { threads: 1 });
  splitPatients(db, { seed: 1, val: 0.25, test: 0.25 });
  const spec = tensorSpec(64, 'brain');
  const train = await preprocessIndex(db, { spec, part: 'train', threads: 1 });
  const all = await preprocessIndex(db, { spec, threads: 1 });
  assert.equal(train.cached + all.cached, 4);
  assert.equal(all.alreadyCached, train.cached);
  db.close();
});

test('ich preprocess --json reports the cache and its counts', () => {
  const db = tmp.file('cli.db');
  assert.equal(runCli(['index', dir, '--db', db]).status, 0);
  const run = runCli(['preprocess', dir, '--db', db, '--size', '64', '--windows', 'brain,40/380', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { cached: number; rejected: number; cache: { channels: number; size: number; recordBytes: number } };
  assert.deepEqual([out.cached, out.rejected, out.cache.channels, out.cache.size, out.cache.recordBytes], [4, 1, 2, 64, 2 * 64 * 64]);
});
