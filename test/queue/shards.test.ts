import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packGroups } from '../../src/queue/shards.js';

test('packGroups: whole groups (series) per shard, up to the shard size; a larger group is a shard of its own', () => {
  const g = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}${i}`);
  const parts = packGroups([g('a', 3), g('b', 2), g('c', 6), g('d', 1), g('e', 1)], 5);
  assert.deepEqual(parts.map((p) => p.join(' ')), ['a0 a1 a2 b0 b1', 'c0 c1 c2 c3 c4 c5', 'd0 e0']);
  assert.deepEqual(packGroups(g('f', 7).map((f) => [f]), 3).map((p) => p.length), [3, 3, 1]);
  assert.deepEqual(packGroups([], 4), []);
});
