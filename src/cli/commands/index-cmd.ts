import type { Command } from 'commander';
import { openIndexDb } from '../../data/db.js';
import { indexDirectory, type IndexRun } from '../../data/index-dir.js';
import { LABELS, describeLabelReport } from '../../data/labels.js';
import type { SeriesProblemKind } from '../../data/series.js';
import type { SeriesSummary } from '../../data/summary.js';
import { defaultDbPath, intOption, pct } from '../options.js';
import { progressBar } from '../progress.js';

/** How the series line names each problem kind. */
const PROBLEM_COUNT_NAMES: Record<SeriesProblemKind, string> = {
  gap: 'with gaps',
  'duplicate-position': 'duplicate positions',
  'mixed-orientation': 'mixed orientations',
  'missing-position': 'missing positions',
  'instance-number-disagrees': 'InstanceNumber out of order',
};
/** Problems listed one a line; --json has them all. */
const PROBLEMS_SHOWN = 10;

/** One count line of series problems, then the first few problems naming their series. */
function formatSeriesAssembly(a: SeriesSummary): string[] {
  const counts = Object.entries(PROBLEM_COUNT_NAMES).map(([kind, name]) => `${name} ${a.withProblem[kind as SeriesProblemKind]}`);
  const lines = [`series ${a.series} · ${counts.join(' · ')}`];
  for (const p of a.problems.slice(0, PROBLEMS_SHOWN)) lines.push(`  ${p.seriesInstanceUID} ${p.kind}: ${p.detail}`);
  if (a.problems.length > PROBLEMS_SHOWN) lines.push(`  … ${a.problems.length - PROBLEMS_SHOWN} more (ich index --json lists them all)`);
  return lines;
}

function formatRun(run: IndexRun, db: string): string {
  const s = run.summary;
  const lines = [
    `index     ${db}`,
    `files     ${s.files} (${run.read} read, ${run.unchanged} unchanged, ${run.removed} removed; ${run.skipped.length} non-DICOM files skipped)`,
    `ok        ${s.ok}`,
    `rejected  ${s.rejected}`,
    ...Object.entries(s.reasons).map(([code, n]) => `  ${code.padEnd(20)} ${n}`),
    `slices ${s.slices} · series ${s.series} · studies ${s.studies} · patients ${s.patients}`,
    ...formatSeriesAssembly(run.seriesAssembly),
  ];
  if (s.labelled > 0) {
    lines.push(`labels    ${s.labelled} slices labelled`);
    for (const l of LABELS) lines.push(`  ${l.padEnd(18)} ${String(s.positives[l]).padStart(7)}  ${pct(s.prevalence[l])}`);
  }
  if (run.labelReport) {
    for (const line of describeLabelReport(run.labelReport)) lines.push(`labels CSV: ${line}`);
    if (run.filesWithoutLabels) lines.push(`labels CSV: ${run.filesWithoutLabels} indexed slices have no labels`);
    if (run.labelsWithoutFile) lines.push(`labels CSV: ${run.labelsWithoutFile} labelled slices have no file`);
  }
  return lines.join('\n');
}

export function registerIndex(program: Command): void {
  program
    .command('index')
    .description('read the headers of every DICOM file under DIR (no pixels) into an SQLite index')
    .argument('<dir>', 'folder of DICOM files, searched recursively')
    .option('--labels <csv>', 'RSNA labels CSV (ID,Label rows ID_<sop>_<subtype>)')
    .option('--db <file>', 'index database (default DIR/.ich/index.db)')
    .option('--threads <n>', 'worker threads (default: one per core)', intOption('--threads'))
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: { labels?: string; db?: string; threads?: number; json?: boolean }) => {
      const dbPath = opts.db ?? defaultDbPath(dir);
      const db = openIndexDb(dbPath);
      const bar = progressBar('headers');
      try {
        const run = await indexDirectory(db, dir, { labelsCsv: opts.labels, threads: opts.threads, onProgress: bar.update });
        bar.stop();
        const out = opts.json
          ? JSON.stringify({ db: dbPath, ...run.summary, read: run.read, unchanged: run.unchanged, removed: run.removed, skipped: run.skipped.length, seriesAssembly: run.seriesAssembly, labelReport: run.labelReport, filesWithoutLabels: run.filesWithoutLabels, labelsWithoutFile: run.labelsWithoutFile })
          : formatRun(run, dbPath);
        process.stdout.write(out + '\n');
        if (run.summary.ok === 0) {
          process.stderr.write(`ich index: no usable CT slice found under ${dir}\n`);
          process.exitCode = 2;
        }
      } finally {
        db.close();
      }
    });
}
