import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { openIndexDb } from '../../data/db.js';
import { LABELS } from '../../data/labels.js';
import { summarizeIndex } from '../../data/summary.js';
import { defaultDbPath, pct } from '../options.js';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('label distribution of an indexed, labelled folder, printed and drawn as a PNG bar chart')
    .argument('<dir>', 'indexed folder (see ich index --labels)')
    .option('--db <file>', 'index database (default DIR/.ich/index.db)')
    .option('--png <out.png>', 'bar chart path (default label-distribution.png beside the index)')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: { db?: string; png?: string; json?: boolean }) => {
      const dbPath = opts.db ?? defaultDbPath(dir);
      const db = openIndexDb(dbPath);
      try {
        const s = summarizeIndex(db);
        if (s.labelled === 0) throw new Error(`${dbPath}: no labelled slices; run ich index ${dir} --labels CSV first`);
        const png = opts.png ?? join(dirname(dbPath), 'label-distribution.png');
        const rows = LABELS.map((label) => ({ label, positive: s.positives[label] ?? 0, total: s.labelled }));
        const { labelDistributionChart } = await import('../../figures/index.js');
        writeFileSync(png, labelDistributionChart(rows));
        if (opts.json) {
          process.stdout.write(JSON.stringify({ slices: s.labelled, positives: s.positives, prevalence: s.prevalence, png }) + '\n');
          return;
        }
        process.stdout.write(`${s.labelled} labelled slices, ${s.studies} studies, ${s.patients} patients\n`);
        for (const r of rows) process.stdout.write(`  ${r.label.padEnd(18)} ${String(r.positive).padStart(8)}  ${pct(s.prevalence[r.label])}\n`);
        process.stdout.write(`chart: ${png}\n`);
      } finally {
        db.close();
      }
    });
}
