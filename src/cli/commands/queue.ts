import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { LABELS } from '../../data/labels.js';
import { formatSubmission } from '../../predict/output.js';
import type { RejectedFile } from '../../predict/outcomes.js';
import { DEFAULT_SHARD, type RunManifest, collectPredictions, collectTensors, enqueuePredict, enqueuePreprocess, jobCounts, readManifest, startWorker, stopWorker, watchRedis } from '../../queue/index.js';
import { intOption, tensorOptions } from '../options.js';
import { progressBar } from '../progress.js';

const REDIS_HELP = 'Redis URL, e.g. redis://127.0.0.1:6379';

function enqueuedLine(m: RunManifest, out: string): string {
  return `enqueued ${m.shards.length} ${m.kind} job${m.shards.length === 1 ? '' : 's'} for ${m.files.length} files (${m.rejected.length} inputs rejected) → ${out}\n`;
}

/** Seconds the jobs in hand get to finish after SIGINT / SIGTERM (the process is gone within 10 s). */
const SHUTDOWN_GRACE_S = 8;

/** `ich worker`, `ich enqueue predict`, `ich jobs`, `ich collect`: prediction spread over BullMQ workers. */
export function registerQueue(program: Command): void {
  program
    .command('worker')
    .description('consume ichdetect jobs from the Redis queue until stopped (SIGINT/SIGTERM finish the jobs in hand)')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--concurrency <n>', 'jobs at once in this process', intOption('--concurrency'), 1)
    .option('--threads <n>', 'decoding threads per job (0: main thread)', intOption('--threads', 0), 0)
    .option('--lock-ms <ms>', 'job lock duration: a dead worker\'s job is retried this long after it stopped renewing (default 30000)', intOption('--lock-ms', 200))
    .option('--redis-timeout <s>', 'exit (status 3) when Redis has not answered for this long', intOption('--redis-timeout'), 30)
    .action(async (f: { redis: string; concurrency: number; threads: number; lockMs?: number; redisTimeout: number }) => {
      const worker = startWorker({
        redis: f.redis, concurrency: f.concurrency, threads: f.threads, lockMs: f.lockMs,
        onJob: (job, outcome, detail) => process.stderr.write(`${outcome} ${job.id} ${detail}\n`),
        onStalled: (id) => process.stderr.write(`stalled ${id}: its worker stopped renewing the lock; back in the queue\n`),
      });
      let reported = false;
      worker.on('error', (err) => {
        if (!reported) process.stderr.write(`worker ${process.pid}: Redis ${f.redis}: ${err.message}\n`);
        reported = true;
      });
      const code = await new Promise<number>((done) => {
        const unwatch = watchRedis(worker, f.redisTimeout * 1000, () => {
          process.stderr.write(`worker ${process.pid}: Redis ${f.redis} has not answered for ${f.redisTimeout} s; exiting\n`);
          void stopWorker(worker, 1000).then(() => done(3));
        });
        const stop = (signal: string) => {
          unwatch();
          process.stderr.write(`worker ${process.pid}: ${signal}, stopping (jobs in hand get ${SHUTDOWN_GRACE_S} s)\n`);
          void stopWorker(worker, SHUTDOWN_GRACE_S * 1000).then((finished) => {
            if (!finished) process.stderr.write(`worker ${process.pid}: jobs in hand handed back to the queue (their locks lapse)\n`);
            done(0);
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        void worker.waitUntilReady().then(() => process.stderr.write(`worker ${process.pid} ready (concurrency ${f.concurrency})\n`), () => undefined);
      });
      process.exit(code);
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

  tensorOptions(
    enqueue
      .command('preprocess')
      .description('one preprocess job per shard of files: OUT/results/<content hash>.u8 (uint8 C×N×N records) and .json (per file: identifiers or rejection)'),
  )
    .requiredOption('--redis <url>', REDIS_HELP)
    .requiredOption('--out <dir>', 'output folder shared by the workers')
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
    .description('account for every input of an enqueued run; a predict run\'s results merged into one RSNA submission CSV (as ich predict --out writes it)')
    .requiredOption('--out <dir>', 'the --out folder of ich enqueue predict')
    .option('--csv <file>', 'write the submission here (default: stdout)')
    .action((f: { out: string; csv?: string }) => {
      const manifest = readManifest(f.out);
      const inputs = manifest.files.length + manifest.rejected.length;
      const missingFiles = (missing: readonly { files: string[] }[]) => missing.reduce((a, m) => a + m.files.length, 0);
      let report: { done: string; rejected: RejectedFile[]; missing: number; accounted: number };
      if (manifest.kind === 'preprocess') {
        if (f.csv) throw new Error(`${f.out}: a preprocess run has no submission CSV (--csv is for predict runs)`);
        const r = collectTensors(f.out);
        report = { done: `${r.tensors} tensors in ${f.out}/results/*.u8`, rejected: r.rejected, missing: r.missing.length, accounted: r.tensors + r.rejected.length + missingFiles(r.missing) };
      } else {
        const r = collectPredictions(f.out);
        const submission = formatSubmission(r.slices);
        if (f.csv) writeFileSync(f.csv, submission);
        else process.stdout.write(submission);
        report = { done: `${r.slices.length} slices (${r.slices.length * LABELS.length} rows)`, rejected: r.rejected, missing: r.missing.length, accounted: r.slices.length + r.rejected.length + missingFiles(r.missing) };
      }
      process.stderr.write(
        `${report.done}, ${report.rejected.length} rejected, ${report.missing} of ${manifest.shards.length} shards without a result; ${report.accounted} of ${inputs} inputs accounted for\n`,
      );
      for (const x of report.rejected) process.stderr.write(`rejected ${x.path}: ${x.code}: ${x.reason}\n`);
      if (report.missing > 0) process.exitCode = 3;
    });
}
