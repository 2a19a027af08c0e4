import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Db, openIndexDb } from '../../src/data/db.js';
import { type HeaderRecord, headerRecord } from '../../src/data/header-record.js';
import { indexDirectory } from '../../src/data/index-dir.js';
import { seededRandom, shuffleInPlace } from '../../src/shared/random.js';
import { assembleSeries, compareSlices, orderSeries, seriesOf } from '../../src/data/series.js';
import { writeCtSlice } from '../../src/dicom/write.js';
import { runCli } from '../helpers/hu.js';
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

/** SOPInstanceUIDs of each series in series_rank order, as rankSeries left them. */
function rankedSops(db: Db): Map<string, string[]> {
  const rows = db.prepare(`SELECT series_instance_uid AS series, sop_instance_uid AS sop FROM files WHERE status = 'ok' ORDER BY series, series_rank`).all() as { series: string; sop: string }[];
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.series, [...(out.get(r.series) ?? []), r.sop]);
  return out;
}

function sopsById(db: Db): Map<number, string> {
  return new Map((db.prepare('SELECT id, sop_instance_uid AS sop FROM files').all() as { id: number; sop: string }[]).map((r) => [r.id, r.sop]));
}

before(() => {
  tmp = new TempDir();
});
after(() => tmp.remove());

test('series order follows the position along the slice normal, not file names, InstanceNumber or z', async () => {
  const lyingNumbers = [5, 2, 8, 1, 7, 3, 6, 4];
  const axial: TestSlice[] = lyingNumbers.map((n, k) => ({ sop: `1.2.1.${k}`, series: '1.2.1', position: [-60, -60, 100 + 5 * k], orientation: AXIAL, instanceNumber: n }));
  // Gantry tilt of 30°: slices step 5 mm along the normal (0, -sin, cos); the field of view shifts
  // along the column direction from slice to slice, so z alone goes up and down.
  const [c, s] = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
  const tilted: TestSlice[] = [0, -40, 10, -30, 20, -20].map((shift, k) => ({
    sop: `1.2.2.${k}`, series: '1.2.2', orientation: [1, 0, 0, 0, c, s], instanceNumber: 6 - k,
    position: [-60, -5 * k * s + shift * c, 5 * k * c + shift * s],
  }));
  const byZ = [...tilted].sort((a, b) => a.position![2] - b.position![2]).map((t) => t.sop);
  assert.notDeepEqual(byZ, tilted.map((t) => t.sop), 'z alone would misorder the tilted series');
  const dir = tmp.file('order');
  writeSlices(dir, [...axial, ...tilted]);
  const db = await indexFolder(dir, 'order.db');

  const expected = new Map([['1.2.1', axial.map((t) => t.sop)], ['1.2.2', tilted.map((t) => t.sop)]]);
  assert.deepEqual(rankedSops(db), expected);
  const sops = sopsById(db);
  const series = assembleSeries(db);
  assert.deepEqual(new Map(series.map((si) => [si.seriesInstanceUID, si.slices.map((id) => sops.get(id))])), expected);
  for (const si of series) {
    assert.equal(si.spacingMm !== undefined && Math.abs(si.spacingMm - 5) < 1e-3, true, `${si.seriesInstanceUID} spacing ${si.spacingMm}`);
    assert.equal(si.sliceCount, expected.get(si.seriesInstanceUID)!.length);
  }
  const kinds = new Map(series.map((si) => [si.seriesInstanceUID, si.problems.map((p) => p.kind)]));
  assert.deepEqual(kinds.get('1.2.1'), ['instance-number-disagrees'], 'lying InstanceNumbers are noted, not followed');
  assert.deepEqual(kinds.get('1.2.2'), [], 'descending InstanceNumbers agree');
  db.close();
});

test('gaps, duplicate positions, mixed orientations and missing positions are reported; every file stays ok', async () => {
  const z = [0, 5, 10, 25, 30, 30, 35];
  const odd: TestSlice[] = [
    ...z.map((zk, k) => ({ sop: `1.3.1.${k}`, series: '1.3.1', position: [0, 0, zk] as Vec3, orientation: AXIAL, instanceNumber: k + 1 })),
    { sop: '1.3.1.7', series: '1.3.1', position: [0, 0, 40], orientation: [1, 0, 0, 0, 0.9848, 0.1736], instanceNumber: 8 },
    { sop: '1.3.1.8', series: '1.3.1', orientation: AXIAL, instanceNumber: 9 },
  ];
  const clean: TestSlice[] = [0, 1, 2].map((k) => ({ sop: `1.3.2.${k}`, series: '1.3.2', position: [0, 0, 2.5 * k], orientation: AXIAL, instanceNumber: k + 1 }));
  const dir = tmp.file('problems');
  writeSlices(dir, [...odd, ...clean]);
  const db = await indexFolder(dir, 'problems.db');
  assert.deepEqual(db.prepare('SELECT status, COUNT(*) AS n FROM files GROUP BY status').all(), [{ status: 'ok', n: 12 }]);

  const series = new Map(assembleSeries(db).map((si) => [si.seriesInstanceUID, si]));
  assert.deepEqual(series.get('1.3.2')!.problems, []);
  const problems = series.get('1.3.1')!.problems;
  assert.deepEqual(problems.map((p) => p.kind).sort(), ['duplicate-position', 'gap', 'missing-position', 'mixed-orientation']);
  const detail = (kind: string) => problems.find((p) => p.kind === kind)!.detail;
  assert.match(detail('gap'), /^15 mm step \(median 5 mm\) from 10 mm to 25 mm, at ranks 2 and 3$/);
  assert.match(detail('duplicate-position'), /two slices at 30 mm at ranks 4 and 5/);
  assert.match(detail('mixed-orientation'), /\(0,0,1\) × 8, \(0,-0\.1736,0\.9848\) × 1/);
  assert.match(detail('missing-position'), /^1 of 9 slices/);
  assert.equal(sopsById(db).get(series.get('1.3.1')!.slices.at(-1)!), '1.3.1.8', 'the unpositioned slice comes last');

  const cli = runCli(['index', dir, '--db', tmp.file('problems-cli.db')]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /series 2 · with gaps 1 · duplicate positions 1 · mixed orientations 1 · missing positions 1 · InstanceNumber out of order 0\n {2}1\.3\.1 /);
  const json = JSON.parse(runCli(['index', dir, '--db', tmp.file('problems-cli.db'), '--json']).stdout) as { seriesAssembly: { withProblem: Record<string, number>; problems: unknown[] } };
  assert.equal(json.seriesAssembly.withProblem.gap, 1);
  assert.equal(json.seriesAssembly.problems.length, 4);
  db.close();
});

test('compareSlices and orderSeries give exactly the SQL series ranks, ties and missing values included', async () => {
  const ties: TestSlice[] = [
    { sop: '1.4.1.9', series: '1.4.1', position: [0, 0, 10], instanceNumber: 3 },
    { sop: '1.4.1.8', series: '1.4.1', position: [0, 0, 10] },
    { sop: '1.4.1.7', series: '1.4.1', position: [0, 0, 10], instanceNumber: 3 },
    { sop: '1.4.1.6', series: '1.4.1', position: [0, 0, -10], instanceNumber: 1 },
    { sop: '1.4.1.5', series: '1.4.1', instanceNumber: 2 },
    { sop: '1.4.1.4', series: '1.4.1' },
    { sop: '1.4.1.3', series: '1.4.1', instanceNumber: 1 },
    { sop: '1.4.2.1', series: '1.4.2', position: [0, 0, 1], instanceNumber: 1 },
  ].map((s) => ({ ...s, position: s.position as Vec3 | undefined, orientation: AXIAL }));
  const dir = tmp.file('ties');
  writeSlices(dir, ties);
  const db = await indexFolder(dir, 'ties.db');
  const ranked = rankedSops(db);
  assert.deepEqual(ranked.get('1.4.1'), ['1.4.1.6', '1.4.1.8', '1.4.1.7', '1.4.1.9', '1.4.1.4', '1.4.1.3', '1.4.1.5']);

  const records = (db.prepare('SELECT path, size, mtime_ms AS mtimeMs FROM files').all() as { path: string; size: number; mtimeMs: number }[]).map(headerRecord);
  shuffleInPlace(records, random);
  const inMemory = orderSeries(records, (r: HeaderRecord) => ({ series: r.seriesInstanceUID!, sop: r.sopInstanceUID!, position: r.position, instanceNumber: r.instanceNumber }));
  assert.deepEqual(new Map([...inMemory].map(([k, rs]) => [k, rs.map((r) => r.sopInstanceUID)])), ranked);
  assert.deepEqual(new Map(seriesOf(records).map((si) => [si.seriesInstanceUID, si.slices.map((r) => r.sopInstanceUID)])), ranked);
  assert.equal(compareSlices({ sop: 'a', position: 1 }, { sop: 'a', position: 1 }), 0);
  db.close();
});

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
