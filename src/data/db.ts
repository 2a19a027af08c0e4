import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LABELS } from './labels.js';

export type Db = Database.Database;

/** Label columns in LABELS order: y_any, y_epidural, … */
export const LABEL_COLUMNS = LABELS.map((l) => `y_${l}`);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'rejected')),
  reason_code TEXT,
  reason TEXT,
  sop_instance_uid TEXT,
  patient_id TEXT,
  study_instance_uid TEXT,
  series_instance_uid TEXT,
  modality TEXT,
  rows INTEGER,
  columns INTEGER,
  transfer_syntax TEXT,
  instance_number INTEGER,
  position REAL,
  series_rank INTEGER,
  orientation TEXT,
  ${LABEL_COLUMNS.map((c) => `${c} REAL`).join(',\n  ')}
);
CREATE INDEX IF NOT EXISTS files_sop ON files (sop_instance_uid);
CREATE INDEX IF NOT EXISTS files_series ON files (series_instance_uid, series_rank);
CREATE INDEX IF NOT EXISTS files_patient ON files (patient_id);
CREATE TABLE IF NOT EXISTS split (
  patient_id TEXT PRIMARY KEY,
  part TEXT NOT NULL CHECK (part IN ('train', 'val', 'test'))
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cache_entries (
  cache TEXT NOT NULL,
  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  shard INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  PRIMARY KEY (cache, file_id)
);
`;

/** The index database used for a data folder DIR when none is named: DIR/.ich/index.db. */
export function defaultDbPath(dir: string): string {
  return join(resolve(dir), '.ich', 'index.db');
}

/** Columns of `files` added after the first schema, with their SQL type. */
const ADDED_FILE_COLUMNS = { orientation: 'TEXT' } as const;

/**
 * Brings an index made by an older ichdetect up to SCHEMA: adds the missing columns and marks its
 * usable files as changed (mtime_ms -1) so that the next indexDirectory reads them again to fill them.
 */
function migrateFiles(db: Db): void {
  const have = new Set((db.pragma('table_info(files)') as { name: string }[]).map((c) => c.name));
  const missing = Object.entries(ADDED_FILE_COLUMNS).filter(([name]) => !have.has(name));
  if (missing.length === 0) return;
  db.transaction(() => {
    for (const [name, type] of missing) db.exec(`ALTER TABLE files ADD COLUMN ${name} ${type}`);
    db.exec(`UPDATE files SET mtime_ms = -1 WHERE status = 'ok'`);
  })();
}

/** Opens (creating when needed) an ichdetect index database, migrating an older one. */
export function openIndexDb(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  migrateFiles(db);
  return db;
}

export function getMeta(db: Db, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
