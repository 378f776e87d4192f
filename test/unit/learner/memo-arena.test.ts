// A decoder's memo arena (learner/expert-decoding.ts's MemoArena): a memo's floats are never handed
// out again while a transcript keeps it, nor within the call that made it; blocks with no kept memo
// are reused by later calls, and a closed arena's blocks by the next arena.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoArena, releaseMemo, retainMemo, type DecodeMemo, type MemoBlock } from '../../../src/learner/expert-decoding';

function memo(arena: MemoArena, n: number, value: number): DecodeMemo {
  const { block, data } = arena.alloc(n);
  data.fill(value);
  return { tokens: { ids: [], types: [], offsets: [], segments: [] }, k: [data], v: [], keys: new Float32Array(0), block };
}

const intact = (m: DecodeMemo, value: number): boolean => m.k[0].every((x) => x === value);

test('memos kept by a transcript are never overwritten; within a call no block is reused', () => {
  const arena = new MemoArena([], 100);
  arena.beginCall();
  // Call 1: 6 memos of 40 floats (two per block); none kept yet, yet none shares floats within the call.
  const one = Array.from({ length: 6 }, (_, i) => memo(arena, 40, i + 1));
  one.forEach((m, i) => assert.ok(intact(m, i + 1), `memo ${i} overwritten within its call`));
  assert.equal(arena.floats, 300);
  // Transcripts keep memos 0 and 3 (blocks 1 and 2); the others are dropped.
  retainMemo(one[0]);
  retainMemo(one[3]);
  arena.beginCall();
  const two = Array.from({ length: 4 }, (_, i) => memo(arena, 40, 10 + i));
  assert.ok(intact(one[0], 1) && intact(one[3], 4), 'a kept memo was overwritten');
  // Block 3 (memos 4, 5) was free: reused for two memos, then a new block.
  assert.equal(arena.floats, 400);
  two.forEach((m, i) => assert.ok(intact(m, 10 + i)));
  releaseMemo(one[0]);
  releaseMemo(one[3]);
  arena.beginCall();
  memo(arena, 40, 99);
  assert.equal(arena.floats, 400, 'a block with no kept memo is reused');
});

test('a memo larger than a block gets a block of its size; a closed arena\'s blocks go to the next (up to the cap)', () => {
  const spare: MemoBlock[] = [];
  const a = new MemoArena(spare, 100, 250);
  a.beginCall();
  const big = memo(a, 150, 7);
  assert.equal(big.k[0].length, 150);
  memo(a, 60, 8);
  memo(a, 60, 9);
  assert.equal(a.floats, 150 + 100 + 100);
  a.close();
  assert.equal(spare.reduce((n, b) => n + b.data.length, 0), 250, 'the spares stay under the cap');
  const b = new MemoArena(spare, 100, 250);
  b.beginCall();
  const m = memo(b, 140, 3);
  assert.equal(b.floats, 150, 'the spare block large enough is taken');
  assert.ok(intact(m, 3));
});
