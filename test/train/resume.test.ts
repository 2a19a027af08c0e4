import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { synthesize } from '../../src/data/phantom/synth.js';
import { CLI, TempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/hu.js';

let tmp: TempDir;
let data: string;
// One ORT thread: multi-threaded ORT reductions differ in the last bits from run to run.
const TRAIN = ['--epochs', '3', '--size', '32', '--batch', '16', '--seed', '5', '--patience', '10', '--threads', '1'];

before(async () => {
  tmp = new TempDir();
  data = tmp.file('data');
  await synthesize({ out: data, studies: 12, seed: 3, size: 64, positiveShare: 0.3, corrupt: 0 });
});
after(() => tmp.remove());

const lastWeights = (model: string) => readFileSync(join(model, 'checkpoint', 'weights.safetensors'));

test('training is deterministic for a seed (single-threaded ORT)', () => {
  const a = runCli(['train', '--data', data, '--out', tmp.file('a'), ...TRAIN, '--db', tmp.file('a.db')]);
  assert.equal(a.status, 0, a.stderr);
  const b = runCli(['train', '--data', data, '--out', tmp.file('b'), ...TRAIN, '--db', tmp.file('b.db')]);
  assert.equal(b.status, 0, b.stderr);
  assert.match(a.stdout, /epoch 3: train loss/);
  assert.ok(lastWeights(tmp.file('a')).equals(lastWeights(tmp.file('b'))), 'same seed, same final weights');
});

test('a run killed with SIGKILL resumes from its last completed epoch and ends with the same weights', async () => {
  const out = tmp.file('killed');
  const child = spawn(process.execPath, [CLI, 'train', '--data', data, '--out', out, ...TRAIN, '--db', tmp.file('killed.db')], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const progress = join(out, 'checkpoint', 'progress.json');
  // Kill as soon as the first epoch's checkpoint is complete (the second epoch is then under way).
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (existsSync(progress)) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    void exited.then(() => {
      clearInterval(timer);
      if (!existsSync(progress)) reject(new Error('training ended before any checkpoint'));
      else resolve();
    });
  });
  await exited;
  const killedAt = (JSON.parse(readFileSync(progress, 'utf8')) as { epoch: number }).epoch;
  assert.ok(killedAt < 2, `killed after epoch ${killedAt + 1} of 3`);
  const resumed = runCli(['train', '--data', data, '--out', out, ...TRAIN, '--db', tmp.file('killed.db'), '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`resumed after epoch ${killedAt + 1}`));
  assert.ok(lastWeights(out).equals(lastWeights(tmp.file('a'))), 'resumed run ends with the weights of the uninterrupted run');
});
