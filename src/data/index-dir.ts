import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { asDicomError } from '../dicom/errors.js';
import { type Db, LABEL_COLUMNS } from './db.js';
import { type FileStamp, type HeaderRecord, headerRecord } from './header-record.js';
import { type LabelReport, type LabelTable, readLabelsCsv } from './labels.js';
import { batches, runInPool } from './pool.js';
import { scanForDicom } from './scan.js';
import { assembleSeries } from './series.js';
import { type IndexSummary, type SeriesSummary, summarizeIndex, summarizeSeries } from './summary.js';

export interface IndexOptions {
  labelsCsv?: string;
  threads?: number;
  /** Called as headers are read: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface IndexRun {
  summary: IndexSummary;
  /** Series order checks: gaps, duplicate positions, mixed orientations, missing positions. */
  seriesAssembly: SeriesSummary;
  /** Files read this run (others were unchanged since the last run). */
  read: number;
  unchanged: number;
  removed: number;
  skipped: string[];
  labelReport?: LabelReport;
  /** Slices with labels in the CSV but no file, and ok files without labels. */
  labelsWithoutFile?: number;
  filesWithoutLabels?: number;
}

const BATCH = 64;

/** A file's size and mtime, or a rejected record when it cannot be stat'ed. */
function stampOf(path: string): FileStamp | HeaderRecord {
  try {
    const st = statSync(path);
    return { path, size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    const e = asDicomError(err);
    return { path, size: 0, mtimeMs: 0, status: 'rejected', reasonCode: e.code, reason: e.message };
  }
}

/**
 * The header record of each file, in order (stat failures and unusable headers as rejected records):
 * read in a pool of `threads` worker threads, or on this thread with 0.
 */
export async function readHeaderRecords(files: readonly string[], threads: number): Promise<HeaderRecord[]> {
  const stamps = files.map(stampOf);
  const readable = stamps.filter((s): s is FileStamp => !('status' in s));
  const read = new Map<string, HeaderRecord>();
  if (threads > 0) await runInPool<FileStamp[], HeaderRecord[]>('header-worker', batches(readable, BATCH), threads, (rs) => rs.forEach((r) => read.set(r.path, r)));
  else readable.map(headerRecord).forEach((r) => read.set(r.path, r));
  return stamps.map((s) => ('status' in s ? s : read.get(s.path)!));
}

function upsert(db: Db, records: HeaderRecord[]): void {
  const stmt = db.prepare(`
    INSERT INTO files (path, size, mtime_ms, status, reason_code, reason, sop_instance_uid, patient_id, study_instance_uid,
      series_instance_uid, modality, rows, columns, transfer_syntax, instance_number, position, orientation)
    VALUES (@path, @size, @mtimeMs, @status, @reasonCode, @reason, @sopInstanceUID, @patientID, @studyInstanceUID,
      @seriesInstanceUID, @modality, @rows, @columns, @transferSyntaxUID, @instanceNumber, @position, @orientation)
    ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, status = excluded.status,
      reason_code = excluded.reason_code, reason = excluded.reason, sop_instance_uid = excluded.sop_instance_uid,
      patient_id = excluded.patient_id, study_instance_uid = excluded.study_instance_uid,
      series_instance_uid = excluded.series_instance_uid, modality = excluded.modality, rows = excluded.rows,
      columns = excluded.columns, transfer_syntax = excluded.transfer_syntax, instance_number = excluded.instance_number,
      position = excluded.position, orientation = excluded.orientation`);
  const keys = ['reasonCode', 'reason', 'sopInstanceUID', 'patientID', 'studyInstanceUID', 'seriesInstanceUID', 'modality', 'rows', 'columns', 'transferSyntaxUID', 'instanceNumber', 'position', 'orientation'] as const;
  db.transaction(() => {
    for (const r of records) {
      const row: Record<string, unknown> = { ...r };
      for (const k of keys) row[k] ??= null;
      stmt.run(row);
    }
  })();
}

/** A later file with the SOPInstanceUID of an earlier one is rejected as a duplicate. */
function rejectDuplicateSops(db: Db): void {
  db.exec(`
    UPDATE files SET status = 'rejected', reason_code = 'duplicate',
      reason = 'same SOPInstanceUID as ' || (SELECT f2.path FROM files f2 WHERE f2.sop_instance_uid = files.sop_instance_uid AND f2.status = 'ok' ORDER BY f2.id LIMIT 1)
    WHERE status = 'ok' AND id NOT IN (SELECT MIN(id) FROM files WHERE status = 'ok' GROUP BY sop_instance_uid)`);
}

/** Ranks the slices of each series along the slice normal (InstanceNumber, then SOPInstanceUID break ties). */
export function rankSeries(db: Db): void {
  db.exec(`
    UPDATE files SET series_rank = NULL;
    UPDATE files SET series_rank = ranked.r FROM (
      SELECT id, ROW_NUMBER() OVER (PARTITION BY series_instance_uid
        ORDER BY position IS NULL, position, instance_number, sop_instance_uid) - 1 AS r
      FROM files WHERE status = 'ok') AS ranked
    WHERE files.id = ranked.id`);
}

function applyLabels(db: Db, table: LabelTable): { labelsWithoutFile: number; filesWithoutLabels: number } {
  const set = db.prepare(`UPDATE files SET ${LABEL_COLUMNS.map((c, j) => `${c} = @v${j}`).join(', ')} WHERE sop_instance_uid = @sop`);
  let matched = 0;
  db.transaction(() => {
    db.exec(`UPDATE files SET ${LABEL_COLUMNS.map((c) => `${c} = NULL`).join(', ')}`);
    for (const [sop, vec] of table.labels) {
      const params: Record<string, number | string | null> = { sop };
      vec.forEach((v, j) => (params[`v${j}`] = Number.isNaN(v) ? null : v));
      matched += set.run(params).changes > 0 ? 1 : 0;
    }
  })();
  const filesWithoutLabels = (db.prepare(`SELECT COUNT(*) AS n FROM files WHERE status = 'ok' AND y_any IS NULL`).get() as { n: number }).n;
  return { labelsWithoutFile: table.labels.size - matched, filesWithoutLabels };
}

/**
 * Indexes every DICOM candidate under `dir`: headers read in worker threads (no pixels decoded),
 * one row per file with status ok or rejected and a reason; unchanged files are not read again.
 */
export async function indexDirectory(db: Db, dir: string, opts: IndexOptions = {}): Promise<IndexRun> {
  const root = resolve(dir);
  const scan = await scanForDicom(root);
  const known = new Map<string, { size: number; mtime: number }>();
  for (const row of db.prepare('SELECT path, size, mtime_ms AS mtime FROM files').iterate() as Iterable<{ path: string; size: number; mtime: number }>) {
    known.set(row.path, row);
  }
  const onDisk = new Set(scan.candidates);
  const removedPaths = [...known.keys()].filter((p) => p.startsWith(root + '/') && !onDisk.has(p));
  db.transaction(() => {
    const del = db.prepare('DELETE FROM files WHERE path = ?');
    for (const p of removedPaths) del.run(p);
  })();
  const toRead: FileStamp[] = [];
  const failedStat: HeaderRecord[] = [];
  let unchanged = 0;
  for (const path of scan.candidates) {
    const s = stampOf(path);
    if ('status' in s) failedStat.push(s);
    else if (known.get(path)?.size === s.size && known.get(path)?.mtime === s.mtimeMs) unchanged++;
    else toRead.push(s);
  }
  upsert(db, failedStat);
  let done = 0;
  opts.onProgress?.(0, toRead.length);
  await runInPool<FileStamp[], HeaderRecord[]>('header-worker', batches(toRead, BATCH), opts.threads, (records) => {
    upsert(db, records);
    done += records.length;
    opts.onProgress?.(done, toRead.length);
  });
  rejectDuplicateSops(db);
  rankSeries(db);
  const run: IndexRun = { summary: summarizeIndex(db), seriesAssembly: summarizeSeries(assembleSeries(db)), read: toRead.length + failedStat.length, unchanged, removed: removedPaths.length, skipped: scan.skipped };
  if (opts.labelsCsv) {
    const table = await readLabelsCsv(opts.labelsCsv);
    Object.assign(run, applyLabels(db, table), { labelReport: table.report });
    run.summary = summarizeIndex(db);
  }
  return run;
}
