import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Db, openIndexDb } from '../../src/data/db.js';
import { indexDirectory } from '../../src/data/index-dir.js';
import { seededRandom, shuffleInPlace } from '../../src/data/random.js';
import { writeCtSlice } from '../../src/dicom/write.js';
import { TempDir } from '../helpers/paths.js';

type Vec3 = [number, number, number];
type Orientation = [number, number, number, number, number, number];

const AXIAL: Orientation = [1, 0, 0, 0, 1, 0];
const random = seededRandom(20240611);
let tmp: TempDir;

/** What a test slice is: its series, where it lies and what InstanceNumber it claims. */
interface TestSlice {
  sop: string;
  series: string;
  position?: Vec3;
  orientation?: Orientation;
  instanceNumber?: number;
}

const randomName = () => `${Math.floor(random() * 2 ** 32).toString(16)}${Math.floor(random() * 2 ** 32).toString(16)}.dcm`;

/** Writes each slice as a real 4×4 CT file under a name unrelated to its order, in shuffled order. */
function writeSlices(dir: string, slices: TestSlice[]): void {
  mkdirSync(dir, { recursive: true });
  for (const s of shuffleInPlace([...slices], random)) {
    writeCtSlice(join(dir, randomName()), {
      sopInstanceUID: s.sop, studyInstanceUID: `${s.series}.0`, seriesInstanceUID: s.series, patientID: 'P1',
      rows: 4, columns: 4, bitsStored: 12, pixelRepresentation: 0, rescaleSlope: 1, rescaleIntercept: -1024,
      imagePositionPatient: s.position, imageOrientationPatient: s.orientation, instanceNumber: s.instanceNumber,
      pixels: new Uint16Array(16),
    });
  }
}

async function indexFolder(dir: string, dbName: string): Promise<Db> {
  const db = openIndexDb(tmp.file(dbName));
  await indexDirectory(db, dir, { threads: 1 });
  return db;
}

before(() => {
  tmp = new TempDir();
});
after(() => tmp.remove());

test('an index made before the orientation column is migrated, and its files are read again to fill it', async () => {
  const dir = tmp.file('old');
  writeSlices(dir, [0, 1].map((k) => ({ sop: `1.5.1.${k}`, series: '1.5.1', position: [0, 0, k] as Vec3, orientation: AXIAL, instanceNumber: k + 1 })));
  const path = tmp.file('old.db');
  const made = await indexFolder(dir, 'old.db');
  made.exec('ALTER TABLE files DROP COLUMN orientation');
  made.close();

  const db = openIndexDb(path);
  assert.ok((db.pragma('table_info(files)') as { name: string }[]).some((c) => c.name === 'orientation'));
  const run = await indexDirectory(db, dir, { threads: 1 });
  assert.deepEqual([run.read, run.unchanged], [2, 0]);
  assert.deepEqual(db.prepare('SELECT DISTINCT orientation FROM files').all(), [{ orientation: '0,0,1' }]);
  const again = await indexDirectory(db, dir, { threads: 1 });
  assert.deepEqual([again.read, again.unchanged], [0, 2], 'a migrated index is not read again and again');
  db.close();
});
