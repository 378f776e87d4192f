import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, hash32 } from '../../../src/core/index';

test('the same seed gives the same stream; different seeds differ', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xs = Array.from({ length: 20 }, () => a.int(1000));
  assert.deepEqual(Array.from({ length: 20 }, () => b.int(1000)), xs);
  assert.notDeepEqual(Array.from({ length: 20 }, () => c.int(1000)), xs);
  assert.notEqual(hash32('1'), hash32(1), 'a string seed and a number seed are different seeds');
  assert.notEqual(hash32(['a', 'bc']), hash32(['ab', 'c']));
});

test('int is uniform and in range; float in [0, 1)', () => {
  const rng = createRng('uniform');
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[rng.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `counts ${counts}`);
  for (let i = 0; i < 1000; i++) {
    const f = rng.float();
    assert.ok(f >= 0 && f < 1);
  }
  assert.throws(() => rng.int(0), RangeError);
  assert.throws(() => rng.pick([]), RangeError);
});

test('shuffle is a permutation and does not touch its input; fork is independent and reproducible', () => {
  const rng = createRng(7);
  const xs = [1, 2, 3, 4, 5, 6, 7, 8];
  const ys = rng.shuffle(xs);
  assert.deepEqual(xs, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...ys].sort(), xs);
  assert.equal(createRng(7).fork('a').int(1e9), createRng(7).fork('a').int(1e9));
  assert.notEqual(createRng(7).fork('a').int(1e9), createRng(7).fork('b').int(1e9));
});
