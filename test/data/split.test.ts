import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openIndexDb } from '../../src/data/db.js';
import { splitPatients } from '../../src/data/split.js';
import { seededRandom } from '../../src/shared/random.js';

/** An index of `patients` patients, 1-2 studies each, 30 slices a study; about 30% of studies positive. */
function syntheticIndex(patients: number, seed: number) {
  const db = openIndexDb(':memory:');
  const ins = db.prepare(`INSERT INTO files (path, size, mtime_ms, status, sop_instance_uid, patient_id, study_instance_uid, series_instance_uid, y_any)
    VALUES (?, 1, 0, 'ok', ?, ?, ?, ?, ?)`);
  const random = seededRandom(seed);
  let n = 0;
  for (let p = 0; p < patients; p++) {
    const studies = random() < 0.3 ? 2 : 1;
    for (let s = 0; s < studies; s++) {
      const positive = random() < 0.3;
      for (let k = 0; k < 30; k++) {
        const id = `ID_${(n++).toString(16)}`;
        ins.run(`/x/${id}.dcm`, id, `ID_p${p}`, `ID_s${p}_${s}`, `ID_r${p}_${s}`, positive && k >= 10 && k < 15 ? 1 : 0);
      }
    }
  }
  return db;
}

function assignment(db: ReturnType<typeof openIndexDb>): Map<string, string> {
  return new Map((db.prepare('SELECT patient_id AS p, part FROM split').all() as { p: string; part: string }[]).map((r) => [r.p, r.part]));
}

test('every patient lands in exactly one part and no slice of a patient crosses parts', () => {
  const db = syntheticIndex(200, 1);
  splitPatients(db, { seed: 7 });
  const crossing = db
    .prepare(`SELECT f.patient_id, COUNT(DISTINCT s.part) AS parts FROM files f JOIN split s ON s.patient_id = f.patient_id GROUP BY f.patient_id HAVING parts > 1`)
    .all();
  assert.deepEqual(crossing, []);
  const unassigned = db.prepare(`SELECT COUNT(*) AS n FROM files WHERE patient_id NOT IN (SELECT patient_id FROM split)`).get() as { n: number };
  assert.equal(unassigned.n, 0);
  assert.equal(assignment(db).size, 200);
});

test('the split is deterministic for a seed and changes with it', () => {
  const a = syntheticIndex(120, 2);
  const b = syntheticIndex(120, 2);
  splitPatients(a, { seed: 3 });
  splitPatients(b, { seed: 3 });
  assert.deepEqual([...assignment(a)], [...assignment(b)]);
  splitPatients(b, { seed: 4 });
  assert.notDeepEqual([...assignment(a)], [...assignment(b)]);
});

test('shares follow --val/--test and positive patients are spread across parts (stratified)', () => {
  const db = syntheticIndex(400, 3);
  const s = splitPatients(db, { seed: 1, val: 0.2, test: 0.1 });
  const total = s.parts.train.patients + s.parts.val.patients + s.parts.test.patients;
  assert.equal(total, 400);
  assert.ok(Math.abs(s.parts.val.patients / total - 0.2) < 0.01, `val share ${s.parts.val.patients / total}`);
  assert.ok(Math.abs(s.parts.test.patients / total - 0.1) < 0.01, `test share ${s.parts.test.patients / total}`);
  const positiveShare = (p: 'train' | 'val' | 'test') => s.parts[p].positiveStudies / s.parts[p].studies;
  for (const p of ['val', 'test'] as const) {
    assert.ok(Math.abs(positiveShare(p) - positiveShare('train')) < 0.1, `${p} positive share ${positiveShare(p)} vs train ${positiveShare('train')}`);
  }
  assert.throws(() => splitPatients(db, { val: 0.6, test: 0.5 }), /below 1/);
});
