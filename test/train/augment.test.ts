import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentRecord, randomAugmentation } from '../../src/train/augment.js';

const size = 8;
/** A 2-channel 8×8 record with a distinct value per pixel. */
const record = Uint8Array.from({ length: 2 * size * size }, (_, i) => (i * 3) % 256);
const at = (a: Float32Array, ch: number, y: number, x: number) => a[ch * size * size + y * size + x]!;

test('identity, flip, integer shift and a quarter turn move pixels where they should', () => {
  const out = new Float32Array(record.length);
  augmentRecord(record, 2, size, { flip: false, angle: 0, dx: 0, dy: 0 }, out);
  assert.deepEqual(out, Float32Array.from(record, (v) => v / 255));
  augmentRecord(record, 2, size, { flip: true, angle: 0, dx: 0, dy: 0 }, out);
  assert.equal(at(out, 1, 3, 0), Math.fround(record[size * size + 3 * size + 7]! / 255));
  augmentRecord(record, 2, size, { flip: false, angle: 0, dx: 2, dy: -1 }, out);
  assert.equal(at(out, 0, 2, 5), Math.fround(record[3 * size + 3]! / 255), 'content moves 2 right and 1 up');
  assert.equal(at(out, 0, 4, 0), 0, 'what comes from outside is 0');
  augmentRecord(record, 1, size, { flip: false, angle: Math.PI / 2, dx: 0, dy: 0 }, out);
  assert.ok(Math.abs(at(out, 0, 0, 7) - record[0]! / 255) < 1e-6, 'a quarter turn takes the top-left corner to the top-right');
});

test('random augmentations stay light and are reproducible from the random source', () => {
  let s = 1;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const draws = Array.from({ length: 200 }, () => randomAugmentation(random, 8, 0.04, 128));
  assert.ok(draws.every((a) => Math.abs(a.angle) <= (8 * Math.PI) / 180 && Math.abs(a.dx) <= 5.12 && Math.abs(a.dy) <= 5.12));
  assert.ok(draws.some((a) => a.flip) && draws.some((a) => !a.flip));
  s = 1;
  assert.deepEqual(randomAugmentation(random, 8, 0.04, 128), draws[0]);
});
