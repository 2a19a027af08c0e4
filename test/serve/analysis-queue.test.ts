// The service's analysis queue: bounded, up to `concurrency` studies at once, a study added while it
// runs analysed again afterwards, idle() once everything is done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisQueue } from '../../src/serve/analysis-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('at most `concurrency` studies run at once; each waiting study runs once; a study added while it runs runs again; a full queue refuses', async () => {
  const runs: string[] = [];
  let now = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const queue = new AnalysisQueue(async (uid) => {
    runs.push(uid);
    most = Math.max(most, ++now);
    await new Promise<void>((r) => release.push(r));
    now--;
  }, 3, 2);
  assert.ok(['a', 'b', 'c', 'd', 'e'].every((u) => queue.add(u)));
  assert.equal(queue.add('f'), false, 'three waiting (c, d, e) fill the queue');
  assert.ok(queue.add('c'), 'a waiting study is not queued twice');
  assert.ok(queue.add('a'), 'a running study is marked to run again');
  assert.equal(queue.pending, 5);
  const idle = queue.idle();
  while (runs.length < 6 || release.length > 0) {
    release.splice(0).forEach((r) => r());
    await tick();
  }
  await idle;
  assert.equal(most, 2);
  assert.deepEqual([...runs].sort(), ['a', 'a', 'b', 'c', 'd', 'e']);
  assert.equal(queue.pending, 0);
  assert.throws(() => new AnalysisQueue(async () => undefined, 1, 0), /concurrency 0/);
});
