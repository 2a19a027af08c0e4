import type { Db } from './db.js';
import { setMeta } from './db.js';
import { seededRandom, shuffleInPlace } from '../shared/random.js';

export type Part = 'train' | 'val' | 'test';
export const PARTS: readonly Part[] = ['train', 'val', 'test'];

export interface SplitOptions {
  seed?: number;
  /** Shares of patients for validation and test; train takes the rest. */
  val?: number;
  test?: number;
}

export interface SplitSummary {
  seed: number;
  parts: Record<Part, { patients: number; studies: number; slices: number; positiveStudies: number }>;
}

/**
 * Assigns every patient to train, val or test, stratified on study-level `any` (a patient is positive
 * when any of their studies has a positive slice; unlabelled patients form a third stratum), so that
 * no patient's slices land in two parts. Deterministic for a seed.
 */
export function splitPatients(db: Db, opts: SplitOptions = {}): SplitSummary {
  const seed = opts.seed ?? 42;
  const val = opts.val ?? 0.15;
  const test = opts.test ?? 0.15;
  if (!(val >= 0 && test >= 0 && val + test < 1)) throw new Error(`val ${val} + test ${test} must be non-negative and below 1`);
  const patients = db
    .prepare(`SELECT patient_id AS id, MAX(y_any) AS positive FROM files WHERE status = 'ok' GROUP BY patient_id ORDER BY patient_id`)
    .all() as { id: string; positive: number | null }[];
  const strata = new Map<string, string[]>();
  for (const p of patients) {
    const key = p.positive === null ? 'unlabelled' : p.positive >= 0.5 ? 'positive' : 'negative';
    const ids = strata.get(key) ?? [];
    ids.push(p.id);
    strata.set(key, ids);
  }
  const random = seededRandom(seed);
  const assignment: [string, Part][] = [];
  for (const key of ['positive', 'negative', 'unlabelled']) {
    const ids = shuffleInPlace(strata.get(key) ?? [], random);
    const nTest = Math.round(ids.length * test);
    const nVal = Math.round(ids.length * val);
    ids.forEach((id, i) => assignment.push([id, i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'train']));
  }
  db.transaction(() => {
    db.exec('DELETE FROM split');
    const ins = db.prepare('INSERT INTO split (patient_id, part) VALUES (?, ?)');
    for (const [id, part] of assignment) ins.run(id, part);
    setMeta(db, 'split', JSON.stringify({ seed, val, test }));
  })();
  return summarizeSplit(db, seed);
}

export function summarizeSplit(db: Db, seed: number): SplitSummary {
  const parts = Object.fromEntries(PARTS.map((p) => [p, { patients: 0, studies: 0, slices: 0, positiveStudies: 0 }])) as SplitSummary['parts'];
  const rows = db
    .prepare(
      `SELECT s.part AS part, COUNT(DISTINCT f.patient_id) AS patients, COUNT(DISTINCT f.study_instance_uid) AS studies, COUNT(*) AS slices
       FROM files f JOIN split s ON s.patient_id = f.patient_id WHERE f.status = 'ok' GROUP BY s.part`,
    )
    .all() as { part: Part; patients: number; studies: number; slices: number }[];
  for (const r of rows) Object.assign(parts[r.part], { patients: r.patients, studies: r.studies, slices: r.slices });
  const pos = db
    .prepare(
      `SELECT part, COUNT(*) AS n FROM (SELECT s.part AS part, f.study_instance_uid FROM files f JOIN split s ON s.patient_id = f.patient_id
       WHERE f.status = 'ok' GROUP BY f.study_instance_uid HAVING MAX(f.y_any) >= 0.5) GROUP BY part`,
    )
    .all() as { part: Part; n: number }[];
  for (const r of pos) parts[r.part].positiveStudies = r.n;
  return { seed, parts };
}

/** A part's usable files: path and SOPInstanceUID, by path. */
export function partFiles(db: Db, part: Part): { path: string; sop: string }[] {
  return db
    .prepare(`SELECT f.path AS path, f.sop_instance_uid AS sop FROM files f JOIN split s ON s.patient_id = f.patient_id WHERE f.status = 'ok' AND s.part = ? ORDER BY f.path`)
    .all(part) as { path: string; sop: string }[];
}

/** The PatientID of each file id (in the order given); `file-<id>` for a file without one, so that it is a patient of its own. */
export function patientsOfFiles(db: Db, fileIds: readonly number[]): string[] {
  const q = db.prepare('SELECT patient_id AS p FROM files WHERE id = ?');
  return fileIds.map((id) => (q.get(id) as { p: string | null } | undefined)?.p ?? `file-${id}`);
}

/** Whether the index holds a split. */
export function hasSplit(db: Db): boolean {
  return (db.prepare('SELECT COUNT(*) AS n FROM split').get() as { n: number }).n > 0;
}

/** Usable files whose patient has no part in the split (files indexed after it was made). */
export function unsplitUsableFiles(db: Db): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM files WHERE status = 'ok' AND patient_id NOT IN (SELECT patient_id FROM split)`).get() as { n: number }).n;
}
