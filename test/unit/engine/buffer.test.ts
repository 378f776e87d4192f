import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../../src/core/index';
import { ContextBuffer, ReplayBuffer } from '../../../src/engine/buffer';
import type { TrainingExample } from '../../../src/learner/types';

const group = (c: number, n: number): TrainingExample[] =>
  Array.from({ length: n }, (_, j) => ({ facts: [[`c${c}`, 'x']], question: ['q', String(j)], answer: [`a${c}`] }));

test('ContextBuffer: batches are whole contexts; first in, first out; JSON round trip', () => {
  const b = new ContextBuffer(32, 8);
  b.add([group(1, 8), group(2, 8), group(3, 5), []]);
  assert.equal(b.size, 21);
  const batch = b.sample(createRng(1), 16);
  assert.equal(batch.length, 16);
  // Consecutive runs of one context: a batch mixes few contexts, each with many questions.
  assert.ok(new Set(batch.map((e) => e.facts[0][0])).size <= 3);
  b.add([group(4, 8), group(5, 8)]);
  assert.equal(b.size, 8 + 5 + 8 + 8, 'capacity 32 examples = 4 contexts of 8: the oldest went');
  assert.ok(!b.examples().some((e) => e.facts[0][0] === 'c1'));
  const again = ContextBuffer.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
  assert.deepEqual(again.examples(), b.examples());
  assert.deepEqual(new ContextBuffer(8, 8).sample(createRng(1), 4), []);
});

test('ReplayBuffer: uniform with replacement, FIFO overwrite, order kept through JSON', () => {
  const b = new ReplayBuffer<number>(3);
  b.add([1, 2, 3, 4]);
  assert.deepEqual([...b.toJSON().items].sort(), [2, 3, 4]);
  const r = ReplayBuffer.fromJSON(b.toJSON());
  r.add([5]);
  assert.deepEqual([...r.toJSON().items].sort(), [3, 4, 5]);
  assert.throws(() => new ReplayBuffer(0), /positive integer/);
});
