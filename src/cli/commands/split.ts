import type { Command } from 'commander';
import { openIndexDb } from '../../data/db.js';
import { PARTS, splitPatients } from '../../data/split.js';
import { defaultDbPath, fractionOption, intOption } from '../options.js';

export function registerSplit(program: Command): void {
  program
    .command('split')
    .description('assign patients to train / val / test, stratified on study-level "any" (no patient in two parts)')
    .argument('<dir>', 'indexed folder (see ich index)')
    .option('--db <file>', 'index database (default DIR/.ich/index.db)')
    .option('--seed <n>', 'random seed', intOption('--seed', 0), 42)
    .option('--val <share>', 'share of patients for validation', fractionOption('--val'), 0.15)
    .option('--test <share>', 'share of patients for test', fractionOption('--test'), 0.15)
    .option('--json', 'print one JSON object')
    .action((dir: string, opts: { db?: string; seed: number; val: number; test: number; json?: boolean }) => {
      const db = openIndexDb(opts.db ?? defaultDbPath(dir));
      try {
        const s = splitPatients(db, opts);
        if (opts.json) {
          process.stdout.write(JSON.stringify(s) + '\n');
          return;
        }
        process.stdout.write(`split (seed ${s.seed})\n`);
        for (const p of PARTS) {
          const x = s.parts[p];
          process.stdout.write(`  ${p.padEnd(5)} ${String(x.patients).padStart(6)} patients ${String(x.studies).padStart(6)} studies (${x.positiveStudies} positive) ${String(x.slices).padStart(8)} slices\n`);
        }
      } finally {
        db.close();
      }
    });
}
