/**
 * npm run bench:queue [-- options] — predict jobs over BullMQ on a real Redis (Debian redis-server on
 * loopback, a temp folder): slices/s with 1 and with 2 `ich worker` processes on the same files,
 * interleaved rounds, medians, and the scaling ratio (2 workers ÷ 1).
 *
 * Without --model/--data it synthesises a phantom set (`ich synth`, real 512² slices) and trains a
 * one-epoch baseline on it (`ich train`); the model's quality does not matter here, only its cost.
 * Options: --model DIR --data DIR --studies 24 --shard 32 --rounds 2 --out .bench/queue
 * --worker-threads 0 (decoding threads per worker; 0: the worker's main thread)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { enqueuePredict, jobCounts, startLocalRedis } from '../src/queue/index.js';
import { median } from './median.js';
import { BENCH_ROOT, benchInputs, log } from './phantom-setup.js';

const cli = join(BENCH_ROOT, 'dist/src/cli/main.js');
const { values: o } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    studies: { type: 'string', default: '24' },
    shard: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    out: { type: 'string', default: join(BENCH_ROOT, '.bench/queue') },
    'worker-threads': { type: 'string', default: '0' },
  },
});
const out = resolve(o.out);

/** Starts n workers on the Redis database url and resolves when all are ready. */
async function startWorkers(url: string, n: number): Promise<ChildProcess[]> {
  const workers = Array.from({ length: n }, () => spawn(process.execPath, [cli, 'worker', '--redis', url, '--threads', o['worker-threads']!], { stdio: ['ignore', 'ignore', 'pipe'] }));
  await Promise.all(workers.map((w) => new Promise<void>((ok, fail) => {
    let text = '';
    w.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes(' ready ')) ok();
    });
    w.once('exit', (code) => fail(new Error(`a worker exited (${code}) before it was ready: ${text}`)));
  })));
  return workers;
}

/** One round: n workers, every file enqueued, seconds until the last job completes. */
async function round(url: string, n: number, model: string, images: string, runOut: string): Promise<number> {
  rmSync(runOut, { recursive: true, force: true });
  const workers = await startWorkers(url, n);
  try {
    const started = performance.now();
    const m = await enqueuePredict({ redis: url, model, out: runOut, inputs: [images], shard: Number(o.shard) });
    for (;;) {
      const c = await jobCounts(url);
      if (c.failed > 0) throw new Error(`${c.failed} jobs failed`);
      if (c.completed === m.shards.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return (performance.now() - started) / 1000;
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  }
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const { data, model } = benchInputs({ model: o.model, data: o.data, studies: o.studies!, seed: '3', out });
  const images = join(data, 'images');
  if (!existsSync(images)) throw new Error(`${images}: not found (--data takes a phantom folder from ich synth, with images/)`);
  const files = readdirSync(images).filter((f) => f.endsWith('.dcm')).length;
  const redisDir = join(out, 'redis');
  mkdirSync(redisDir, { recursive: true });
  const redis = await startLocalRedis(redisDir);
  const url = redis.url;
  const seconds: Record<1 | 2, number[]> = { 1: [], 2: [] };
  try {
    let db = 0;
    for (let r = 1; r <= Number(o.rounds); r++) {
      for (const n of [1, 2] as const) {
        const s = await round(`${url}/${db++}`, n, model, images, join(out, `run-${n}`));
        seconds[n].push(s);
        log(`round ${r}: ${n} worker${n > 1 ? 's' : ''}: ${files} slices in ${s.toFixed(1)} s (${(files / s).toFixed(1)} slices/s)`);
      }
    }
  } finally {
    redis.stop();
  }
  const rate = (n: 1 | 2) => files / median(seconds[n]);
  process.stdout.write(
    `queue: ${files} slices (512² phantoms), model ${model}, shards of ${o.shard} files, ${o.rounds} rounds, medians\n` +
      `1 worker: ${rate(1).toFixed(1)} slices/s; 2 workers: ${rate(2).toFixed(1)} slices/s\n` +
      `queue scaling ratio 2 workers / 1 worker: ${(rate(2) / rate(1)).toFixed(2)}\n`,
  );
}

await main();
