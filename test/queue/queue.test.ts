// Prediction over BullMQ on a real Redis (Debian redis-server, loopback, a temp folder): two worker
// processes, then `ich collect` must equal `ich predict --out` byte for byte.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { synthesize } from '../../src/data/phantom/synth.js';
import { collectPredictions, jobCounts, redisConnection } from '../../src/queue/index.js';
import { runCli } from '../helpers/hu.js';
import { CLI, TempDir } from '../helpers/paths.js';

const REDIS_SERVER = '/usr/bin/redis-server';
let tmp: TempDir;
let redis: ChildProcess | undefined;
let url: string;
let data: string;
let model: string;

/** A free loopback port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (r.stdout?.trim() === 'PONG') return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`redis-server on ${port} did not answer`);
}

before(async () => {
  tmp = new TempDir('ichdetect-queue-');
  const port = await freePort();
  redis = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp.path], { stdio: 'ignore' });
  await waitForRedis(port);
  url = `redis://127.0.0.1:${port}`;
  data = tmp.file('data');
  model = tmp.file('model');
  await synthesize({ out: data, studies: 4, seed: 8, size: 64, positiveShare: 0.5, corrupt: 0, threads: 1 });
  const train = runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '32', '--batch', '16', '--seed', '2', '--threads', '1', '--db', tmp.file('index.db')]);
  assert.equal(train.status, 0, train.stderr);
});

after(() => {
  redis?.kill('SIGKILL');
  tmp.remove();
});

function startWorker(redisUrl = url, ...flags: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, 'worker', '--redis', redisUrl, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Lines `completed <job id> …` a worker printed so far. */
function completedIds(log: string[]): string[] {
  return log.join('').split('\n').filter((x) => x.startsWith('completed ')).map((x) => x.split(' ')[1]!);
}

describe('queue: ich enqueue predict / worker / jobs / collect', () => {
  it('two workers: every shard done once, the collected CSV equals ich predict --out', async () => {
    const images = join(data, 'images');
    const files = readdirSync(images).length;
    const out = tmp.file('out');
    const enq = runCli(['enqueue', 'predict', '--redis', url, '--model', model, '--out', out, '--shard', '7', images]);
    assert.equal(enq.status, 0, enq.stderr);
    const shards = Math.ceil(files / 7);
    assert.match(enq.stdout, new RegExp(`enqueued ${shards} jobs for ${files} files`));
    const workers = [startWorker(), startWorker()];
    const logs = workers.map(() => [] as string[]);
    workers.forEach((w, i) => w.stderr!.on('data', (d: Buffer) => logs[i]!.push(d.toString())));
    try {
      const watch = runCli(['jobs', '--redis', url, '--watch', '--json']);
      assert.equal(watch.status, 0, watch.stderr);
      assert.deepEqual(JSON.parse(watch.stdout), { waiting: 0, active: 0, completed: shards, failed: 0, delayed: 0 });
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
    }
    // Both workers took jobs, and no shard was done twice.
    const done = logs.map(completedIds);
    assert.ok(done.every((d) => d.length > 0), `jobs per worker: ${done.map((d) => d.length).join(', ')}`);
    assert.equal(new Set(done.flat()).size, shards);
    assert.equal(done.flat().length, shards);

    const collected = runCli(['collect', '--out', out, '--csv', tmp.file('collected.csv')]);
    assert.equal(collected.status, 0, collected.stderr);
    assert.match(collected.stderr, new RegExp(`${files} of ${files} inputs accounted for`));
    const direct = runCli(['predict', '--model', model, images, '--out', tmp.file('direct.csv'), '--threads', '1']);
    assert.equal(direct.status, 0, direct.stderr);
    assert.equal(readFileSync(tmp.file('collected.csv'), 'utf8'), readFileSync(tmp.file('direct.csv'), 'utf8'));
    const r = collectPredictions(out);
    assert.equal(r.missing.length, 0);
    assert.equal(r.slices.length + r.rejected.length, files);
    assert.deepEqual(await jobCounts(url), { waiting: 0, active: 0, completed: shards, failed: 0, delayed: 0 });
  });

  it('a worker killed with SIGKILL mid-run: its job goes back to the queue, every slice ends with one correct result', async () => {
    const db = `${url}/2`;
    const images = join(data, 'images');
    const files = readdirSync(images).length;
    const out = tmp.file('killed');
    // One file per job, so that the first worker is almost surely inside a job when it is killed.
    const enq = runCli(['enqueue', 'predict', '--redis', db, '--model', model, '--out', out, '--shard', '1', images]);
    assert.equal(enq.status, 0, enq.stderr);
    const first = startWorker(db, '--lock-ms', '1000');
    const firstLog: string[] = [];
    first.stderr!.on('data', (d: Buffer) => firstLog.push(d.toString()));
    while (completedIds(firstLog).length < 5) await new Promise((r) => setTimeout(r, 20));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const killedAfter = completedIds(firstLog).length;
    assert.ok(killedAfter < files, 'the first worker was killed before the end');
    const second = startWorker(db, '--lock-ms', '1000');
    const secondLog: string[] = [];
    second.stderr!.on('data', (d: Buffer) => secondLog.push(d.toString()));
    try {
      const watch = runCli(['jobs', '--redis', db, '--watch', '--json']);
      assert.equal(watch.status, 0, watch.stderr);
      assert.deepEqual(JSON.parse(watch.stdout), { waiting: 0, active: 0, completed: files, failed: 0, delayed: 0 });
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
    // Every job completed exactly once between the two workers; none was lost with the killed one.
    const all = [...completedIds(firstLog), ...completedIds(secondLog)];
    const stalled = secondLog.join('').split('\n').filter((x) => x.startsWith('stalled ')).length;
    console.log(`killed after ${killedAfter} of ${files} jobs; the second worker put back ${stalled} stalled job(s) and completed ${completedIds(secondLog).length}`);
    assert.equal(new Set(all).size, files);
    const r = collectPredictions(out);
    assert.equal(r.missing.length, 0);
    assert.equal(readdirSync(join(out, 'results')).filter((f) => f.endsWith('.json')).length, files);
    const collected = runCli(['collect', '--out', out, '--csv', tmp.file('killed.csv')]);
    assert.equal(collected.status, 0, collected.stderr);
    const direct = runCli(['predict', '--model', model, images, '--out', tmp.file('killed-direct.csv'), '--threads', '1']);
    assert.equal(direct.status, 0, direct.stderr);
    assert.equal(readFileSync(tmp.file('killed.csv'), 'utf8'), readFileSync(tmp.file('killed-direct.csv'), 'utf8'));
  });

  it('collect before any result: exit 3, every shard missing; bad URLs and folders are refused', () => {
    const out = tmp.file('pending');
    const enq = runCli(['enqueue', 'predict', '--redis', `${url}/1`, '--model', model, '--out', out, '--shard', '50', join(data, 'images')]);
    assert.equal(enq.status, 0, enq.stderr);
    const r = runCli(['collect', '--out', out]);
    assert.equal(r.status, 3, r.stderr);
    const shards = Math.ceil(readdirSync(join(data, 'images')).length / 50);
    assert.match(r.stderr, new RegExp(`^0 slices .* ${shards} of ${shards} shards without a result`));
    assert.throws(() => redisConnection('http://x'), /expected a redis:\/\/ URL/);
    assert.throws(() => redisConnection('redis://h:1/x'), /database 'x' is not a number/);
    const none = runCli(['collect', '--out', tmp.file('nothing')]);
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /no manifest\.json/);
  });
});
