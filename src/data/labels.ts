import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Our canonical label order, used for every vector, column and output. */
export const LABELS = ['any', 'epidural', 'intraparenchymal', 'intraventricular', 'subarachnoid', 'subdural'] as const;
export type Label = (typeof LABELS)[number];
export const LABEL_COUNT = LABELS.length;

/** The RSNA metric's weight of each label, in LABELS order: `any` counts twice (the training loss weighs labels the same way). */
export const LABEL_WEIGHTS: readonly number[] = [2, 1, 1, 1, 1, 1];

/** The RSNA metric clips probabilities to [LOG_LOSS_EPS, 1 − LOG_LOSS_EPS] before the logarithm. */
export const LOG_LOSS_EPS = 1e-7;

/** Six values in LABELS order as a record keyed by label. */
export function byLabel<T>(values: readonly T[]): Record<Label, T> {
  return Object.fromEntries(LABELS.map((l, j) => [l, values[j]])) as Record<Label, T>;
}

const labelIndex = new Map<string, number>(LABELS.map((l, i) => [l, i]));

/** Problems found in a labels CSV; each list holds the offending IDs (or line numbers). */
export interface LabelReport {
  rows: number;
  /** Identical rows seen more than once (merged). */
  duplicates: string[];
  /** Rows giving the same slice and subtype two different values (the first value is kept). */
  conflicts: string[];
  /** Rows whose subtype is not one of the six. */
  unknownSubtypes: string[];
  /** Slices missing one or more subtypes, with the missing ones. */
  incomplete: { id: string; missing: Label[] }[];
  /** Lines that are not `ID_<sop>_<subtype>,<value>`. */
  malformed: { line: number; text: string }[];
}

export interface LabelTable {
  /** SOPInstanceUID (e.g. `ID_63eb1e259`) → 6 values in LABELS order; NaN where missing. */
  labels: Map<string, Float32Array>;
  report: LabelReport;
}

export interface ReadLabelsOptions {
  /** Accept values in [0, 1] (a submission of probabilities) instead of 0 | 1 only. */
  probabilities?: boolean;
}

/** Splits `ID_<sop>_<subtype>` at its last underscore. */
export function splitLabelId(id: string): { sop: string; subtype: string } | undefined {
  const cut = id.lastIndexOf('_');
  if (cut <= 0 || cut === id.length - 1) return undefined;
  return { sop: id.slice(0, cut), subtype: id.slice(cut + 1) };
}

/** A streaming reader of RSNA `ID,Label` rows; feed lines with `add`, then `finish`. */
export class LabelCollector {
  private readonly labels = new Map<string, Float32Array>();
  private readonly report: LabelReport = { rows: 0, duplicates: [], conflicts: [], unknownSubtypes: [], incomplete: [], malformed: [] };
  private lineNo = 0;

  constructor(private readonly opts: ReadLabelsOptions = {}) {}

  add(line: string): void {
    this.lineNo++;
    const text = line.trim();
    if (!text) return;
    if (this.lineNo === 1 && /^id\s*,\s*label$/i.test(text)) return;
    const comma = text.indexOf(',');
    const id = comma > 0 ? text.slice(0, comma).trim() : '';
    const raw = comma > 0 ? text.slice(comma + 1).trim() : '';
    const value = raw === '' ? NaN : Number(raw);
    const parts = splitLabelId(id);
    const valid = this.opts.probabilities ? value >= 0 && value <= 1 : value === 0 || value === 1;
    if (!parts || !valid) {
      this.report.malformed.push({ line: this.lineNo, text: text.slice(0, 120) });
      return;
    }
    this.report.rows++;
    const j = labelIndex.get(parts.subtype);
    if (j === undefined) {
      this.report.unknownSubtypes.push(id);
      return;
    }
    let vec = this.labels.get(parts.sop);
    if (!vec) {
      vec = new Float32Array(LABEL_COUNT).fill(NaN);
      this.labels.set(parts.sop, vec);
    }
    const old = vec[j]!;
    if (Number.isNaN(old)) vec[j] = value;
    else if (old === value) this.report.duplicates.push(id);
    else this.report.conflicts.push(id);
  }

  finish(): LabelTable {
    for (const [sop, vec] of this.labels) {
      const missing = LABELS.filter((_, j) => Number.isNaN(vec[j]!));
      if (missing.length) this.report.incomplete.push({ id: sop, missing });
    }
    return { labels: this.labels, report: this.report };
  }
}

/** Reads an RSNA labels CSV (`ID,Label`, rows `ID_<sop>_<subtype>,0|1`) into 6-vectors, streaming. */
export async function readLabelsCsv(path: string, opts: ReadLabelsOptions = {}): Promise<LabelTable> {
  const collector = new LabelCollector(opts);
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) collector.add(line);
  return collector.finish();
}

/** Parses CSV text already in memory. */
export function parseLabelsCsv(text: string, opts: ReadLabelsOptions = {}): LabelTable {
  const collector = new LabelCollector(opts);
  for (const line of text.split(/\r?\n/)) collector.add(line);
  return collector.finish();
}

/** One line per kind of problem, with counts and the first few IDs. */
export function describeLabelReport(r: LabelReport): string[] {
  const few = (ids: string[]) => ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, … (${ids.length - 5} more)` : '');
  const out: string[] = [];
  if (r.duplicates.length) out.push(`${r.duplicates.length} duplicate rows merged: ${few(r.duplicates)}`);
  if (r.conflicts.length) out.push(`${r.conflicts.length} conflicting rows (first value kept): ${few(r.conflicts)}`);
  if (r.unknownSubtypes.length) out.push(`${r.unknownSubtypes.length} rows of unknown subtype ignored: ${few(r.unknownSubtypes)}`);
  if (r.incomplete.length) out.push(`${r.incomplete.length} slices missing subtypes: ${few(r.incomplete.map((s) => `${s.id} (${s.missing.join('/')})`))}`);
  if (r.malformed.length) out.push(`${r.malformed.length} malformed lines: ${few(r.malformed.map((m) => `line ${m.line} "${m.text}"`))}`);
  return out;
}

/** Writes 6-vectors as RSNA submission rows (`ID_<sop>_<subtype>,value`). */
export function formatLabelRows(sop: string, values: ArrayLike<number>, digits = 6): string {
  return LABELS.map((l, j) => `${sop}_${l},${Number(values[j]).toFixed(digits)}`).join('\n');
}
