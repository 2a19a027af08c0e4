import type { Command } from 'commander';
import { preprocessIndex } from '../../data/cache.js';
import { openIndexDb } from '../../data/db.js';
import type { Part } from '../../data/split.js';
import { tensorSpec } from '../../preprocess/tensor.js';
import { defaultDbPath, intOption, tensorOptions } from '../options.js';
import { progressBar } from '../progress.js';

export function registerPreprocess(program: Command): void {
  tensorOptions(program.command('preprocess').description('write the windowed N×N tensors of an indexed folder into a resumable uint8 cache'))
    .argument('<dir>', 'indexed folder (see ich index)')
    .option('--db <file>', 'index database (default DIR/.ich/index.db)')
    .option('--part <part>', 'only this split part: train, val or test')
    .option('--cache <dir>', 'cache folder (default beside the index)')
    .option('--threads <n>', 'worker threads (default: one per core)', intOption('--threads'))
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: { db?: string; size: number; windows: string; part?: string; cache?: string; threads?: number; json?: boolean }) => {
      if (opts.part && !['train', 'val', 'test'].includes(opts.part)) throw new Error(`--part ${opts.part}: expected train, val or test`);
      const db = openIndexDb(opts.db ?? defaultDbPath(dir));
      const bar = progressBar('tensors', 'slices');
      try {
        const s = await preprocessIndex(db, { spec: tensorSpec(opts.size, opts.windows), part: opts.part as Part | undefined, dir: opts.cache, threads: opts.threads, onProgress: bar.update });
        bar.stop();
        if (opts.json) {
          process.stdout.write(JSON.stringify(s) + '\n');
        } else {
          const rate = s.cached / Math.max(s.seconds, 1e-9);
          process.stdout.write(
            [
              `cache     ${s.cache.dir} (${s.cache.channels}×${s.cache.size}×${s.cache.size} uint8 per slice: ${s.cache.windows.map((w) => w.name).join(', ')})`,
              `cached    ${s.cached} this run (${rate.toFixed(0)} slices/s), ${s.alreadyCached} already cached`,
              `rejected  ${s.rejected}`,
              ...Object.entries(s.reasons).map(([code, n]) => `  ${code.padEnd(20)} ${n}`),
            ].join('\n') + '\n',
          );
        }
        if (s.cached + s.alreadyCached === 0) process.exitCode = 2;
      } finally {
        db.close();
      }
    });
}
