// Prediction over BullMQ on a real Redis (Debian redis-server, loopback, a temp folder): two worker
// processes, then `ich collect` must equal `ich predict --out` byte for byte.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { synthesize } from '../../src/data/phantom/synth.js';
import { cacheInfo } from '../../src/data/cache.js';
import { openIndexDb } from '../../src/data/db.js';
import { TensorReader } from '../../src/data/tensor-reader.js';
import { tensorSpec } from '../../src/preprocess/tensor.js';
import { type LocalRedis, type PreprocessManifest, type PreprocessShardResult, collectPredictions, jobCounts, redisConnection, startLocalRedis } from '../../src/queue/index.js';
import { predictFiles } from '../../src/predict/predictor.js';
import { stowRequest } from '../../src/serve/multipart.js';
import { buildServer } from '../../src/serve/server.js';
import { runCli } from '../helpers/hu.js';
import { CLI, TempDir } from '../helpers/paths.js';

let tmp: TempDir;
let redis: LocalRedis | undefined;
let url: string;
let data: string;
let model: string;

before(async () => {
  tmp = new TempDir('ichdetect-queue-');
  redis = await startLocalRedis(tmp.path);
  url = redis.url;
  data = tmp.file('data');
  model = tmp.file('model');
  await synthesize({ out: data, studies: 4, seed: 8, size: 64, positiveShare: 0.5, corrupt: 0, threads: 1 });
  const train = runCli(['train', '--data', data, '--out', model, '--epochs', '1', '--size', '32', '--batch', '16', '--seed', '2', '--threads', '1', '--db', tmp.file('index.db')]);
  assert.equal(train.status, 0, train.stderr);
});

after(() => {
  redis?.stop();
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
    assert.match(enq.stdout, new RegExp(`enqueued ${shards} predict jobs for ${files} files`));
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

  it('two workers, one killed with SIGKILL mid-run: its job goes back to the queue, every slice ends with one correct result', async () => {
    const db = `${url}/2`;
    const images = join(data, 'images');
    const files = readdirSync(images).length;
    const out = tmp.file('killed');
    // One file per job, so that the killed worker is almost surely inside a job.
    const enq = runCli(['enqueue', 'predict', '--redis', db, '--model', model, '--out', out, '--shard', '1', images]);
    assert.equal(enq.status, 0, enq.stderr);
    const first = startWorker(db, '--lock-ms', '1000');
    const second = startWorker(db, '--lock-ms', '1000');
    const firstLog: string[] = [];
    const secondLog: string[] = [];
    first.stderr!.on('data', (d: Buffer) => firstLog.push(d.toString()));
    second.stderr!.on('data', (d: Buffer) => secondLog.push(d.toString()));
    while (completedIds(firstLog).length < 5) await new Promise((r) => setTimeout(r, 20));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const killedAfter = completedIds(firstLog).length;
    assert.ok(killedAfter < files, 'the first worker was killed before the end');
    try {
      const watch = runCli(['jobs', '--redis', db, '--watch', '--json']);
      assert.equal(watch.status, 0, watch.stderr);
      assert.deepEqual(JSON.parse(watch.stdout), { waiting: 0, active: 0, completed: files, failed: 0, delayed: 0 });
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
    // None was lost with the killed worker: Redis counts every job completed (above) and every shard
    // has its one result file. (The workers' logs may miss a completion the killed one had no time to print.)
    const stalled = secondLog.join('').split('\n').filter((x) => x.startsWith('stalled ')).length;
    console.log(`one worker killed after ${killedAfter} of ${files} jobs; the other put back ${stalled} stalled job(s) and completed ${completedIds(secondLog).length}`);
    const r = collectPredictions(out);
    assert.equal(r.missing.length, 0);
    assert.equal(readdirSync(join(out, 'results')).filter((f) => f.endsWith('.json')).length, files);
    const collected = runCli(['collect', '--out', out, '--csv', tmp.file('killed.csv')]);
    assert.equal(collected.status, 0, collected.stderr);
    const direct = runCli(['predict', '--model', model, images, '--out', tmp.file('killed-direct.csv'), '--threads', '1']);
    assert.equal(direct.status, 0, direct.stderr);
    assert.equal(readFileSync(tmp.file('killed.csv'), 'utf8'), readFileSync(tmp.file('killed-direct.csv'), 'utf8'));
  });

  it('preprocess jobs: every tensor equals the one ich preprocess caches for the same file', async () => {
    const db = `${url}/3`;
    const images = join(data, 'images');
    const out = tmp.file('pre');
    const enq = runCli(['enqueue', 'preprocess', '--redis', db, '--out', out, '--size', '32', '--shard', '40', images]);
    assert.equal(enq.status, 0, enq.stderr);
    const worker = startWorker(db);
    try {
      const watch = runCli(['jobs', '--redis', db, '--watch', '--json']);
      assert.equal(watch.status, 0, watch.stderr);
      assert.equal(JSON.parse(watch.stdout).failed, 0);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    const pre = runCli(['preprocess', data, '--db', tmp.file('index.db'), '--size', '32']);
    assert.equal(pre.status, 0, pre.stderr);
    const index = openIndexDb(tmp.file('index.db'));
    const info = cacheInfo(index, tensorSpec(32));
    const reader = new TensorReader(index, info);
    const fileId = index.prepare('SELECT id FROM files WHERE path = ?');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as PreprocessManifest;
    let compared = 0;
    try {
      for (const shard of manifest.shards) {
        const result = JSON.parse(readFileSync(join(out, 'results', `${shard.key}.json`), 'utf8')) as PreprocessShardResult;
        const tensors = readFileSync(join(out, 'results', `${shard.key}.u8`));
        assert.deepEqual(result.records.map((r) => r.path), shard.files);
        let slot = 0;
        for (const r of result.records) {
          if (!r.ok) continue;
          const id = (fileId.get(r.path) as { id: number } | undefined)?.id;
          assert.ok(id !== undefined, `${r.path} is in the index`);
          const cached = reader.read(id)!;
          assert.ok(cached, `${r.path} is cached`);
          assert.ok(Buffer.from(cached).equals(tensors.subarray(slot * info.recordBytes, (slot + 1) * info.recordBytes)), `${r.path}: tensor differs from the cache`);
          slot++;
          compared++;
        }
        assert.equal(tensors.length, slot * info.recordBytes);
      }
    } finally {
      reader.close();
      index.close();
    }
    assert.equal(compared, readdirSync(images).length);
    const report = runCli(['collect', '--out', out]);
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stderr, new RegExp(`^${compared} tensors in .*, 0 rejected, 0 of ${manifest.shards.length} shards without a result; ${compared} of ${compared} inputs accounted for`));
    const csv = runCli(['collect', '--out', out, '--csv', tmp.file('no.csv')]);
    assert.notEqual(csv.status, 0);
    assert.match(csv.stderr, /a preprocess run has no submission CSV/);
  });

  it('a job that keeps failing is retried with backoff, then counted as failed with its reason', async () => {
    const db = `${url}/4`;
    const broken = tmp.file('broken-model');
    cpSync(model, broken, { recursive: true });
    const out = tmp.file('failing');
    const enq = runCli(['enqueue', 'predict', '--redis', db, '--model', broken, '--out', out, '--shard', '500', join(data, 'images')]);
    assert.equal(enq.status, 0, enq.stderr);
    rmSync(join(broken, 'model.onnx'));
    const worker = startWorker(db);
    const log: string[] = [];
    worker.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    try {
      const started = Date.now();
      while (!log.join('').includes('failed ')) {
        assert.ok(Date.now() - started < 30_000, `no final failure after 30 s: ${log.join('')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // 3 attempts with exponential backoff from 1 s: at least 1 + 2 s between the first and the last.
      assert.ok(Date.now() - started >= 3000, 'retried with backoff');
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    assert.match(log.join(''), /failed predict-\w+ .*model\.onnx/);
    assert.deepEqual(await jobCounts(db), { waiting: 0, active: 0, completed: 0, failed: 1, delayed: 0 });
  });

  it('ich serve --redis: uploaded studies are analysed by a worker process, with the probabilities ich predict gives; a study whose job fails for good is marked failed with the reason', async () => {
    const db = `${url}/5`;
    const p = await predictFiles(model, [join(data, 'images')], { threads: 0 });
    const byStudy = new Map<string, string[]>();
    for (const s of p.slices) byStudy.set(s.study, [...(byStudy.get(s.study) ?? []), s.path]);
    const expected = new Map(p.slices.map((s) => [s.sop, s.probs]));
    const serve = await buildServer({ model, data: tmp.file('serve-redis'), redis: db, threads: 1 });
    const worker = startWorker(db);
    try {
      for (const files of byStudy.values()) {
        const { body, contentType } = stowRequest(files.map((f) => readFileSync(f)));
        assert.equal((await serve.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': contentType }, payload: body })).statusCode, 200);
      }
      await serve.queue.idle();
      const list = (await serve.app.inject({ url: '/api/studies' })).json().studies as { studyInstanceUID: string; status: string; any: number }[];
      assert.deepEqual(list.map((s) => s.status), [...byStudy.keys()].map(() => 'done'));
      assert.ok(list.every((s, i) => i === 0 || list[i - 1]!.any >= s.any), 'most urgent first');
      for (const { studyInstanceUID } of list) {
        const slices = (await serve.app.inject({ url: `/api/studies/${studyInstanceUID}` })).json().result.slices as { sop: string; probs: number[] }[];
        assert.equal(slices.length, byStudy.get(studyInstanceUID)!.length);
        for (const s of slices) s.probs.forEach((v, j) => assert.ok(Math.abs(v - expected.get(s.sop)![j]!) < 1e-6, `${s.sop} label ${j}`));
      }
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
      await serve.close();
    }
    // The workers cannot load the model (its graph is overwritten after the service opened it): the study fails with their reason.
    const gone = tmp.file('model-gone');
    cpSync(model, gone, { recursive: true });
    const failing = await buildServer({ model: gone, data: tmp.file('serve-redis-failing'), redis: `${url}/6`, threads: 1 });
    writeFileSync(join(gone, 'model.onnx'), 'not an ONNX graph');
    const w = startWorker(`${url}/6`);
    try {
      const { body, contentType } = stowRequest([readFileSync([...byStudy.values()][0]![0]!)]);
      assert.equal((await failing.app.inject({ method: 'POST', url: '/dicom-web/studies', headers: { 'content-type': contentType }, payload: body })).statusCode, 200);
      await failing.queue.idle();
      const [study] = (await failing.app.inject({ url: '/api/studies' })).json().studies as { status: string; error: string }[];
      assert.equal(study!.status, 'failed');
      assert.match(study!.error, /^a worker failed on 1 of the study's files: .*(protobuf|onnx|model)/i);
    } finally {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('exit', r));
      await failing.close();
    }
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

describe('ich worker when its Redis goes away', () => {
  /** Starts a worker and resolves once it says it is ready, with its stderr so far and its exit. */
  async function readyWorker(redisUrl: string, ...flags: string[]) {
    const w = startWorker(redisUrl, ...flags);
    let log = '';
    w.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((r) => w.on('exit', (code) => r(code)));
    while (!/ready/.test(log)) await new Promise((r) => setTimeout(r, 50));
    return { w, exited, log: () => log };
  }

  it('two workers whose Redis stopped end on SIGTERM within 10 s; one with --redis-timeout exits 3 by itself, saying why', async () => {
    const own = await startLocalRedis(tmp.file('.'));
    const workers = [await readyWorker(own.url), await readyWorker(own.url), await readyWorker(own.url, '--redis-timeout', '2')];
    own.stop();
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    workers[0]!.w.kill('SIGTERM');
    workers[1]!.w.kill('SIGTERM');
    assert.deepEqual(await Promise.all([workers[0]!.exited, workers[1]!.exited]), [0, 0]);
    assert.ok(Date.now() - t0 < 10_000, `SIGTERM took ${Date.now() - t0} ms`);
    assert.equal(await workers[2]!.exited, 3);
    assert.ok(Date.now() - t0 < 10_000);
    assert.match(workers[2]!.log(), /has not answered for 2 s; exiting/);
  });
});
