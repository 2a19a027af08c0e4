import type { Db } from './db.js';
import type { HeaderRecord } from './header-record.js';

/** What orders a slice within its series: position along the normal, InstanceNumber, SOPInstanceUID. */
export interface SliceOrderKey {
  position?: number;
  instanceNumber?: number;
  sop: string;
}

/**
 * The order rankSeries gives in SQL (`position IS NULL, position, instance_number, sop_instance_uid`):
 * position along the normal, slices without one last; then InstanceNumber, a missing one first
 * (SQLite sorts NULL first); then SOPInstanceUID (UIDs are ASCII, so code-unit order is SQLite's).
 */
export function compareSlices(a: SliceOrderKey, b: SliceOrderKey): number {
  if ((a.position === undefined) !== (b.position === undefined)) return a.position === undefined ? 1 : -1;
  if (a.position !== b.position) return a.position! - b.position!;
  if (a.instanceNumber !== b.instanceNumber) {
    if (a.instanceNumber === undefined) return -1;
    if (b.instanceNumber === undefined) return 1;
    return a.instanceNumber - b.instanceNumber;
  }
  return a.sop < b.sop ? -1 : a.sop > b.sop ? 1 : 0;
}

/** Groups items by SeriesInstanceUID (in order of first appearance) and sorts each group by compareSlices. */
export function orderSeries<T>(items: Iterable<T>, key: (item: T) => SliceOrderKey & { series: string }): Map<string, T[]> {
  const groups = new Map<string, { item: T; key: SliceOrderKey }[]>();
  for (const item of items) {
    const k = key(item);
    let group = groups.get(k.series);
    if (!group) groups.set(k.series, (group = []));
    group.push({ item, key: k });
  }
  return new Map([...groups].map(([series, group]) => [series, group.sort((a, b) => compareSlices(a.key, b.key)).map((g) => g.item)]));
}

export const SERIES_PROBLEM_KINDS = ['gap', 'duplicate-position', 'mixed-orientation', 'missing-position', 'instance-number-disagrees'] as const;
export type SeriesProblemKind = (typeof SERIES_PROBLEM_KINDS)[number];

/** Something odd about how a series' slices lie; reported, never a reason to reject a file. */
export interface SeriesProblem {
  kind: SeriesProblemKind;
  /** One line: where and how big. */
  detail: string;
}

/** One series, its slices in order along the slice normal, and what is odd about them. */
export interface SeriesInfo<T> {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  /** The slices (file ids or records) in compareSlices order. */
  slices: T[];
  sliceCount: number;
  /** Median step between distinct consecutive positions, mm; undefined with fewer than two. */
  spacingMm?: number;
  problems: SeriesProblem[];
}

/** What problem detection needs of one slice, beside the item it stands for. */
interface SeriesSlice<T> extends SliceOrderKey {
  item: T;
  study: string;
  series: string;
  orientation?: string;
}

/** Steps at most this far apart (mm) are duplicates whatever the spacing, and never count towards it. */
const SAME_POSITION_MM = 0.01;
/** A step longer than this many median steps is a gap. */
const GAP_FACTOR = 1.5;

const mm = (x: number) => `${Number(x.toFixed(2))} mm`;

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Gaps and duplicate positions between consecutive slices (`ordered` starts with every positioned one). */
function spacingProblems(ordered: SliceOrderKey[]): { spacingMm?: number; problems: SeriesProblem[] } {
  const positions = ordered.flatMap((s) => (s.position === undefined ? [] : [s.position]));
  const steps = positions.slice(1).map((p, i) => p - positions[i]!);
  const spacingMm = median(steps.filter((d) => d > SAME_POSITION_MM));
  const same = Math.max(SAME_POSITION_MM, 1e-3 * (spacingMm ?? 0));
  const problems: SeriesProblem[] = [];
  steps.forEach((d, i) => {
    const where = `at ranks ${i} and ${i + 1}`;
    if (d <= same) problems.push({ kind: 'duplicate-position', detail: `two slices at ${mm(positions[i]!)} ${where}` });
    else if (spacingMm !== undefined && d > GAP_FACTOR * spacingMm) {
      problems.push({ kind: 'gap', detail: `${mm(d)} step (median ${mm(spacingMm)}) from ${mm(positions[i]!)} to ${mm(positions[i + 1]!)}, ${where}` });
    }
  });
  return { spacingMm, problems };
}

/** Whether InstanceNumber rises, or falls, along the positioned slices (missing numbers skipped). */
function instanceNumbersAgree(ordered: SliceOrderKey[]): boolean {
  const numbers = ordered.flatMap((s) => (s.position === undefined || s.instanceNumber === undefined ? [] : [s.instanceNumber]));
  const steps = numbers.slice(1).map((n, i) => n - numbers[i]!);
  return steps.every((d) => d >= 0) || steps.every((d) => d <= 0);
}

/** Lists the problems of one series' slices, given in compareSlices order: the detection both sources share. */
function describeSeries<T>(ordered: SeriesSlice<T>[]): SeriesInfo<T> {
  const { spacingMm, problems } = spacingProblems(ordered);
  const orientations = new Map<string, number>();
  for (const s of ordered) if (s.orientation !== undefined) orientations.set(s.orientation, (orientations.get(s.orientation) ?? 0) + 1);
  if (orientations.size > 1) {
    problems.push({ kind: 'mixed-orientation', detail: `slice normals ${[...orientations].map(([o, n]) => `(${o}) × ${n}`).join(', ')}` });
  }
  const unpositioned = ordered.filter((s) => s.position === undefined).length;
  if (unpositioned > 0) {
    problems.push({ kind: 'missing-position', detail: `${unpositioned} of ${ordered.length} slices have no ImagePositionPatient; they come last, by InstanceNumber` });
  }
  if (!instanceNumbersAgree(ordered)) {
    problems.push({ kind: 'instance-number-disagrees', detail: 'InstanceNumber neither rises nor falls along the slice normal (order follows the position)' });
  }
  const first = ordered[0]!;
  return { studyInstanceUID: first.study, seriesInstanceUID: first.series, slices: ordered.map((s) => s.item), sliceCount: ordered.length, spacingMm, problems };
}

/** The series of an index's usable files (status ok), as file ids in order; reads one series at a time. */
export function assembleSeries(db: Db): SeriesInfo<number>[] {
  type Row = { id: number; sop: string; study: string | null; series: string | null; position: number | null; instanceNumber: number | null; orientation: string | null };
  const rows = db.prepare(`SELECT id, sop_instance_uid AS sop, study_instance_uid AS study, series_instance_uid AS series, position,
    instance_number AS instanceNumber, orientation FROM files WHERE status = 'ok' ORDER BY series_instance_uid, series_rank, id`).iterate() as Iterable<Row>;
  const out: SeriesInfo<number>[] = [];
  let group: SeriesSlice<number>[] = [];
  const flush = () => {
    if (group.length > 0) out.push(describeSeries(group.sort(compareSlices)));
    group = [];
  };
  for (const r of rows) {
    if (group.length > 0 && group[0]!.series !== (r.series ?? '')) flush();
    group.push({
      item: r.id, sop: r.sop, study: r.study ?? '', series: r.series ?? '',
      position: r.position ?? undefined, instanceNumber: r.instanceNumber ?? undefined, orientation: r.orientation ?? undefined,
    });
  }
  flush();
  return out;
}

/** The series of in-memory header records (those with status ok), for code without an index. */
export function seriesOf(records: Iterable<HeaderRecord>): SeriesInfo<HeaderRecord>[] {
  const ok = [...records].filter((r) => r.status === 'ok');
  const slices = ok.map((r) => ({
    item: r, sop: r.sopInstanceUID ?? '', study: r.studyInstanceUID ?? '', series: r.seriesInstanceUID ?? '',
    position: r.position, instanceNumber: r.instanceNumber, orientation: r.orientation,
  }));
  return [...orderSeries(slices, (s) => s).values()].map(describeSeries);
}
