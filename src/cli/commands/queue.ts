import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { LABELS } from '../../data/labels.js';
import { formatSubmission } from '../../models/predict.js';
import { DEFAULT_WINDOWS } from '../../preprocess/window.js';
import { DEFAULT_SIZE } from '../../preprocess/tensor.js';
import { DEFAULT_SHARD, type RunManifest, collectPredictions, enqueuePredict, enqueuePreprocess, jobCounts, startWorker } from '../../queue/index.js';
import { intOption } from '../options.js';
import { progressBar } from '../progress.js';

const REDIS_HELP = 'Redis URL, e.g. redis://127.0.0.1:6379';

function enqueuedLine(m: RunManifest, out: string): string {
  return `enqueued ${m.shards.length} ${m.kind} job${m.shards.length === 1 ? '' : 's'} for ${m.files.length} files (${m.rejected.length} inputs rejected) → ${out}\n`;
}

/** `ich worker`, `ich enqueue predict`, `ich jobs`, `ich collect`: prediction spread over BullMQ workers. */
export function registerQueue(program: Command): void {
  program
    .command('worker')
    .description('consume ichdetect jobs from the Redis queue until stopped (SIGINT/SIGTERM finish the jobs in hand)')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--concurrency <n>', 'jobs at once in this process', intOption('--concurrency'), 1)
    .option('--threads <n>', 'decoding threads per job (0: main thread)', intOption('--threads', 0), 0)
    .option('--lock-ms <ms>', 'job lock duration: a dead worker\'s job is retried this long after it stopped renewing (default 30000)', intOption('--lock-ms', 200))
    .action(async (f: { redis: string; concurrency: number; threads: number; lockMs?: number }) => {
      const worker = startWorker({
        redis: f.redis, concurrency: f.concurrency, threads: f.threads, lockMs: f.lockMs,
        onJob: (job, outcome, detail) => process.stderr.write(`${outcome} ${job.id} ${detail}\n`),
        onStalled: (id) => process.stderr.write(`stalled ${id}: its worker stopped renewing the lock; back in the queue\n`),
      });
      await worker.waitUntilReady();
      process.stderr.write(`worker ${process.pid} ready (concurrency ${f.concurrency})\n`);
      await new Promise<void>((done) => {
        const stop = () => void worker.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  const enqueue = program.command('enqueue').description('split work into queue jobs');
  enqueue
    .command('predict')
    .description('one predict job per shard of files; results land in OUT/results/<content hash>.json, OUT/manifest.json lists every input')
    .requiredOption('--redis <url>', REDIS_HELP)
    .requiredOption('--model <dir>', 'model folder')
    .requiredOption('--out <dir>', 'output folder shared by the workers')
    .option('--shard <n>', 'files per job', intOption('--shard'), DEFAULT_SHARD)
    .argument('<input...>', 'DICOM files or folders (scanned recursively)')
    .action(async (inputs: string[], f: { redis: string; model: string; out: string; shard: number }) => {
      const m = await enqueuePredict({ redis: f.redis, model: f.model, out: f.out, inputs, shard: f.shard });
      process.stdout.write(enqueuedLine(m, f.out));
    });

  enqueue
    .command('preprocess')
    .description('one preprocess job per shard of files: OUT/results/<content hash>.u8 (uint8 C×N×N records) and .json (per file: identifiers or rejection)')
    .requiredOption('--redis <url>', REDIS_HELP)
    .requiredOption('--out <dir>', 'output folder shared by the workers')
    .option('--size <n>', 'tensor side N', intOption('--size', 16), DEFAULT_SIZE)
    .option('--windows <list>', 'windows: presets brain, subdural, soft, bone or CENTER/WIDTH', DEFAULT_WINDOWS)
    .option('--shard <n>', 'files per job', intOption('--shard'), DEFAULT_SHARD)
    .argument('<input...>', 'DICOM files or folders (scanned recursively)')
    .action(async (inputs: string[], f: { redis: string; out: string; size: number; windows: string; shard: number }) => {
      const m = await enqueuePreprocess({ redis: f.redis, out: f.out, inputs, shard: f.shard, size: f.size, windows: f.windows });
      process.stdout.write(enqueuedLine(m, f.out));
    });

  program
    .command('jobs')
    .description('queue progress: waiting, active, completed, failed')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--json', 'print one JSON object')
    .option('--watch', 'follow with a progress bar until nothing is waiting or active')
    .action(async (f: { redis: string; json?: boolean; watch?: boolean }) => {
      let c = await jobCounts(f.redis);
      if (f.watch) {
        const bar = progressBar('jobs', 'jobs');
        for (;;) {
          const total = c.waiting + c.active + c.completed + c.failed + c.delayed;
          bar.update(c.completed + c.failed, total);
          if (c.waiting + c.active + c.delayed === 0) break;
          await new Promise((r) => setTimeout(r, 500));
          c = await jobCounts(f.redis);
        }
        bar.stop();
      }
      process.stdout.write(f.json ? JSON.stringify(c) + '\n' : `waiting ${c.waiting}, active ${c.active}, delayed ${c.delayed}, completed ${c.completed}, failed ${c.failed}\n`);
    });

  program
    .command('collect')
    .description('merge the results of an enqueued predict run into one RSNA submission CSV (as ich predict --out writes it)')
    .requiredOption('--out <dir>', 'the --out folder of ich enqueue predict')
    .option('--csv <file>', 'write the submission here (default: stdout)')
    .action((f: { out: string; csv?: string }) => {
      const r = collectPredictions(f.out);
      const submission = formatSubmission(r.slices);
      if (f.csv) writeFileSync(f.csv, submission);
      else process.stdout.write(submission);
      const accounted = r.slices.length + r.rejected.length + r.missing.reduce((a, s) => a + s.files.length, 0);
      process.stderr.write(
        `${r.slices.length} slices (${r.slices.length * LABELS.length} rows), ${r.rejected.length} rejected, ${r.missing.length} of ${r.manifest.shards.length} shards without a result; ` +
          `${accounted} of ${r.manifest.files.length + r.manifest.rejected.length} inputs accounted for\n`,
      );
      for (const x of r.rejected) process.stderr.write(`rejected ${x.path}: ${x.code}: ${x.reason}\n`);
      if (r.missing.length > 0) process.exitCode = 3;
    });
}
