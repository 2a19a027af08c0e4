// What `ich serve` keeps across restarts (DATA/serve.db): the instances received, each study's
// analysis status and, once analysed, its per-slice and study-level results, and the results pushed
// back to a PACS (by study and content: model and instances analysed).
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { StagedUpload } from './uploads.js';

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
CREATE TABLE IF NOT EXISTS staged (
  dir TEXT PRIMARY KEY,
  moves TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pushes (
  study TEXT NOT NULL,
  content TEXT NOT NULL,
  pushed TEXT NOT NULL,
  pushed_at TEXT NOT NULL,
  PRIMARY KEY (study, content)
);
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

/** What a start found left behind by a process that ended mid-upload. */
export interface Recovery {
  /** Uploads committed but not yet moved into place: finished now. */
  finished: number;
  /** Staged files of uploads never committed (their clients got no answer): removed. */
  removedStaged: number;
  /** Instance files without a database row: removed. */
  removedOrphans: number;
}

export class ServeStore {
  private readonly db: Database.Database;
  /** What the start found and cleaned up. */
  readonly recovery: Recovery;

  constructor(private readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'serve.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    this.recovery = this.recover();
  }

  /**
   * Stores a staged upload in one step: its rows, its studies queued and the list of its moves are
   * committed together, then the files are moved into place and the list is dropped. A process killed
   * after the commit has its moves finished by the next start; one killed before leaves only staged
   * files, which the next start removes.
   */
  commit(upload: StagedUpload): string[] {
    const now = new Date().toISOString();
    const put = this.db.prepare('INSERT INTO instances (sop, study, series, path, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sop) DO UPDATE SET study = excluded.study, series = excluded.series, path = excluded.path, received_at = excluded.received_at');
    const instances = upload.moves.map((m) => m.instance);
    const studies = [...new Set(instances.map((i) => i.study))];
    const moves = upload.moves.map((m): [string, string] => [m.from, m.instance.path]);
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO staged (dir, moves) VALUES (?, ?)').run(upload.dir, JSON.stringify(moves));
      for (const i of instances) put.run(i.sop, i.study, i.series, i.path, now);
      for (const uid of studies) this.setStatus(uid, 'queued');
    })();
    this.finishMoves(upload.dir, moves);
    return studies;
  }

  private finishMoves(dir: string, moves: [string, string][]): void {
    for (const [from, to] of moves) {
      if (!existsSync(from)) continue; // moved before the process ended
      mkdirSync(dirname(to), { recursive: true });
      renameSync(from, to);
    }
    this.db.prepare('DELETE FROM staged WHERE dir = ?').run(dir);
    rmSync(dir, { recursive: true, force: true });
  }

  private recover(): Recovery {
    const journal = this.db.prepare('SELECT dir, moves FROM staged').all() as { dir: string; moves: string }[];
    for (const j of journal) this.finishMoves(j.dir, JSON.parse(j.moves) as [string, string][]);
    const staging = join(this.dataDir, 'staging');
    const removedStaged = existsSync(staging) ? readdirSync(staging, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;
    rmSync(staging, { recursive: true, force: true });
    // Keyed by <study hash>/<SOP hash>.dcm, not the whole path: a data folder moved elsewhere keeps its files.
    const key = (path: string) => `${basename(dirname(path))}/${basename(path)}`;
    const known = new Set((this.db.prepare('SELECT path FROM instances').all() as { path: string }[]).map((r) => key(r.path)));
    const instances = join(this.dataDir, 'instances');
    let removedOrphans = 0;
    for (const study of existsSync(instances) ? readdirSync(instances) : []) {
      for (const name of readdirSync(join(instances, study))) {
        const path = join(instances, study, name);
        if (known.has(key(path))) continue;
        rmSync(path, { force: true });
        removedOrphans++;
      }
    }
    return { finished: journal.length, removedStaged, removedOrphans };
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

  /** What was pushed for this study and content key (the model and the instances it analysed), if anything. */
  pushed(study: string, content: string): unknown {
    const row = this.db.prepare('SELECT pushed FROM pushes WHERE study = ? AND content = ?').get(study, content) as { pushed: string } | undefined;
    return row && (JSON.parse(row.pushed) as unknown);
  }

  recordPush(study: string, content: string, pushed: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO pushes (study, content, pushed, pushed_at) VALUES (?, ?, ?, ?)').run(study, content, JSON.stringify(pushed), new Date().toISOString());
  }

  close(): void {
    this.db.close();
  }
}
