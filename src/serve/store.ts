// What `ich serve` keeps across restarts (DATA/serve.db): the instances received, each study's
// analysis status and, once analysed, its per-slice and study-level results.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredInstance } from './uploads.js';

export const STUDY_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type StudyStatus = (typeof STUDY_STATUSES)[number];

export interface StudyRow {
  uid: string;
  status: StudyStatus;
  instances: number;
  updatedAt: string;
  error?: string;
  /** The analysis (JSON), when done. */
  result?: unknown;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  sop TEXT PRIMARY KEY,
  study TEXT NOT NULL,
  series TEXT NOT NULL,
  path TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_study ON instances (study);
CREATE TABLE IF NOT EXISTS studies (
  uid TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  updated_at TEXT NOT NULL,
  error TEXT,
  result TEXT
);
`;

const STUDY_ROWS = `SELECT s.uid, s.status, s.updated_at AS updatedAt, s.error, s.result, (SELECT COUNT(*) FROM instances i WHERE i.study = s.uid) AS instances FROM studies s`;

type DbStudyRow = { uid: string; status: StudyStatus; updatedAt: string; error: string | null; result: string | null; instances: number };

function studyRow(r: DbStudyRow): StudyRow {
  return { uid: r.uid, status: r.status, instances: r.instances, updatedAt: r.updatedAt, ...(r.error ? { error: r.error } : {}), ...(r.result ? { result: JSON.parse(r.result) as unknown } : {}) };
}

export class ServeStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'serve.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  /** Records received instances (a SOPInstanceUID sent again replaces the earlier one) and queues their studies. */
  addInstances(instances: readonly StoredInstance[]): string[] {
    const now = new Date().toISOString();
    const put = this.db.prepare('INSERT INTO instances (sop, study, series, path, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sop) DO UPDATE SET study = excluded.study, series = excluded.series, path = excluded.path, received_at = excluded.received_at');
    const studies = [...new Set(instances.map((i) => i.study))];
    this.db.transaction(() => {
      for (const i of instances) put.run(i.sop, i.study, i.series, i.path, now);
      for (const uid of studies) this.setStatus(uid, 'queued');
    })();
    return studies;
  }

  setStatus(uid: string, status: StudyStatus, extra: { error?: string; result?: unknown } = {}): void {
    this.db
      .prepare(`INSERT INTO studies (uid, status, updated_at, error, result) VALUES (@uid, @status, @now, @error, @result)
        ON CONFLICT (uid) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, error = excluded.error,
          result = CASE WHEN excluded.status = 'done' THEN excluded.result ELSE studies.result END`)
      .run({ uid, status, now: new Date().toISOString(), error: extra.error ?? null, result: extra.result === undefined ? null : JSON.stringify(extra.result) });
  }

  instancePaths(uid: string): string[] {
    return (this.db.prepare('SELECT path FROM instances WHERE study = ? ORDER BY sop').all(uid) as { path: string }[]).map((r) => r.path);
  }

  /** The stored file of one instance of a study. */
  instancePath(uid: string, sop: string): string | undefined {
    return (this.db.prepare('SELECT path FROM instances WHERE study = ? AND sop = ?').get(uid, sop) as { path: string } | undefined)?.path;
  }

  study(uid: string): StudyRow | undefined {
    const row = this.db.prepare(`${STUDY_ROWS} WHERE s.uid = ?`).get(uid) as DbStudyRow | undefined;
    return row && studyRow(row);
  }

  studies(): StudyRow[] {
    return (this.db.prepare(STUDY_ROWS).all() as DbStudyRow[]).map(studyRow);
  }

  /** Studies left queued or running by an earlier process (to queue again on start). */
  unfinished(): string[] {
    return (this.db.prepare(`SELECT uid FROM studies WHERE status IN ('queued', 'running') ORDER BY updated_at`).all() as { uid: string }[]).map((r) => r.uid);
  }

  close(): void {
    this.db.close();
  }
}
