import { type Db, LABEL_COLUMNS } from './db.js';
import { LABELS, type Label } from './labels.js';
import { SERIES_PROBLEM_KINDS, type SeriesInfo, type SeriesProblem, type SeriesProblemKind } from './series.js';

/** Counts describing an index: files per status and reason, slices, series, patients, label prevalence. */
export interface IndexSummary {
  files: number;
  ok: number;
  rejected: number;
  /** reason code → count of rejected files */
  reasons: Record<string, number>;
  slices: number;
  series: number;
  studies: number;
  patients: number;
  labelled: number;
  /** Share of labelled ok slices positive for each label (LABELS order); empty without labels. */
  prevalence: Partial<Record<Label, number>>;
  /** Positive slice counts per label. */
  positives: Partial<Record<Label, number>>;
}

export function summarizeIndex(db: Db): IndexSummary {
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const reasons: Record<string, number> = {};
  for (const r of db.prepare(`SELECT reason_code AS code, COUNT(*) AS n FROM files WHERE status = 'rejected' GROUP BY reason_code ORDER BY n DESC`).all() as { code: string; n: number }[]) {
    reasons[r.code] = r.n;
  }
  const ok = count(`SELECT COUNT(*) AS n FROM files WHERE status = 'ok'`);
  const labelled = count(`SELECT COUNT(*) AS n FROM files WHERE status = 'ok' AND y_any IS NOT NULL`);
  const prevalence: IndexSummary['prevalence'] = {};
  const positives: IndexSummary['positives'] = {};
  if (labelled > 0) {
    const sums = db.prepare(`SELECT ${LABEL_COLUMNS.map((c) => `SUM(${c} >= 0.5) AS ${c}`).join(', ')} FROM files WHERE status = 'ok' AND y_any IS NOT NULL`).get() as Record<string, number>;
    LABELS.forEach((l, j) => {
      positives[l] = sums[LABEL_COLUMNS[j]!] ?? 0;
      prevalence[l] = (sums[LABEL_COLUMNS[j]!] ?? 0) / labelled;
    });
  }
  return {
    files: count('SELECT COUNT(*) AS n FROM files'),
    ok,
    rejected: count(`SELECT COUNT(*) AS n FROM files WHERE status = 'rejected'`),
    reasons,
    slices: ok,
    series: count(`SELECT COUNT(DISTINCT series_instance_uid) AS n FROM files WHERE status = 'ok'`),
    studies: count(`SELECT COUNT(DISTINCT study_instance_uid) AS n FROM files WHERE status = 'ok'`),
    patients: count(`SELECT COUNT(DISTINCT patient_id) AS n FROM files WHERE status = 'ok'`),
    labelled,
    prevalence,
    positives,
  };
}

/** How the series of an index assembled: series with each kind of problem, and every problem. */
export interface SeriesSummary {
  series: number;
  /** kind → number of series with at least one problem of that kind */
  withProblem: Record<SeriesProblemKind, number>;
  problems: (SeriesProblem & { studyInstanceUID: string; seriesInstanceUID: string })[];
}

export function summarizeSeries(series: SeriesInfo<unknown>[]): SeriesSummary {
  const withProblem = Object.fromEntries(SERIES_PROBLEM_KINDS.map((k) => [k, 0])) as Record<SeriesProblemKind, number>;
  const problems: SeriesSummary['problems'] = [];
  for (const s of series) {
    for (const kind of new Set(s.problems.map((p) => p.kind))) withProblem[kind]++;
    for (const p of s.problems) problems.push({ ...p, studyInstanceUID: s.studyInstanceUID, seriesInstanceUID: s.seriesInstanceUID });
  }
  return { series: series.length, withProblem, problems };
}
