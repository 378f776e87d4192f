// H′ decodes identical partial transcripts once (learner/expert-dedup.ts, on wasm): the actions with
// grouping equal those without, through every action of a round in which copies of a question
// first agree and then diverge (different subanswers), with `next`, a decoder, and two threads (the
// worker gets distinct transcripts only, and a group is never split between the threads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeThreads, type DecodeRequest } from '../../../src/learner/decode-threads';
import { groupTranscripts, setDedupDecoding, setDedupListener, spreadActions, transcriptKey } from '../../../src/learner/expert-dedup';
import type { TransformerModelH } from '../../../src/learner/model-h';
import type { ExpertAction, ExpertDecoder, PartialTranscript } from '../../../src/learner/types';
import { decodeRound, examples, trainedExpert } from './expert-examples';

const COPIES = 4;
const base = examples('held-out', 12);
let model: TransformerModelH;

function withoutDedup<T>(fn: () => T): T {
  setDedupDecoding(false);
  try {
    return fn();
  } finally {
    setDedupDecoding(true);
  }
}

/** States and distinct states of each call of `fn`'s decoding. */
function counted<T>(fn: () => T): { value: T; calls: { states: number; distinct: number }[] } {
  const calls: { states: number; distinct: number }[] = [];
  setDedupListener((states, distinct) => calls.push({ states, distinct }));
  try {
    return { value: fn(), calls };
  } finally {
    setDedupListener(undefined);
  }
}

const stateKey = (s: PartialTranscript): string => JSON.stringify([s.question, s.steps.map((x) => [x.question, x.answer])]);

/** Every action's symbols are arrays of their own (changing one action changes no other). */
function assertOwnArrays(actions: readonly ExpertAction[]): void {
  const arrays = actions.map((a) => ('ask' in a ? a.ask : a.answer));
  assert.equal(new Set(actions).size, actions.length);
  assert.equal(new Set(arrays).size, arrays.length);
}

/**
 * A round over COPIES copies of each question (ids interleaved) through `decoder` (grouping on) and
 * `reference` (grouping off) in lockstep; asserts equal actions at every action. Copy c gets a
 * wrong subanswer at its step c − 1 (copy 0 never), so copies agree, then diverge one by one.
 * Returns each call's states and distinct states as grouped, and how many subquestions were asked.
 */
function round(decoder: ExpertDecoder, reference: ExpertDecoder, onCall?: (ids: readonly number[], states: readonly PartialTranscript[]) => void): { calls: { states: number; distinct: number; expected: number }[]; asked: number } {
  const data = base.flatMap((d) => Array.from({ length: COPIES }, () => d));
  const calls: { states: number; distinct: number; expected: number }[] = [];
  const asked = decodeRound(data, (ids, states, forceAnswer) => {
    onCall?.(ids, states);
    const { value: got, calls: c } = counted(() => decoder.next(ids, states, { forceAnswer }));
    assert.equal(c.length, 1, 'one grouping per call');
    calls.push({ ...c[0], expected: new Set(states.map(stateKey)).size });
    assert.deepEqual(got, withoutDedup(() => reference.next(ids, states, { forceAnswer })), `after ${states[0].steps.length} subquestions`);
    assertOwnArrays(got);
    return got;
  }, (id) => {
    decoder.forget(id);
    reference.forget(id);
  }, (id, step) => id % COPIES === step + 1);
  return { calls, asked };
}

test('groups: exact keys of the tokens; the first member gets the action, the others copies', () => {
  const seq = (ids: number[]) => ({ ids, types: ids.map(() => 0), offsets: ids.map((_, i) => i), segments: ids.map(() => 0), scored: ids.map(() => 0) });
  const a = seq([5, 6]);
  const g = groupTranscripts([a, seq([5, 7]), seq([5, 6]), undefined, undefined, seq([5, 6, 0])]);
  assert.deepEqual(g.reps, [0, 1, 3, 4, 5]);
  assert.deepEqual(g.members, [[0, 2], [1], [3], [4], [5]]);
  assert.notEqual(transcriptKey(a), transcriptKey({ ...a, types: [0, 1] }));
  assert.notEqual(transcriptKey(seq([70000])), transcriptKey(seq([70000 - 65536])));
  const spread = spreadActions([{ ask: ['x'] }, { answer: ['y'] }], Int32Array.from([0, 1, 0]));
  assert.deepEqual(spread, [{ ask: ['x'] }, { answer: ['y'] }, { ask: ['x'] }]);
  assertOwnArrays(spread);
  assert.equal(withoutDedup(() => groupTranscripts([a, a]).reps.length), 2);
});

test('next and a decoder: grouped decoding gives the actions of ungrouped, also when copies diverge', async () => {
  model = await trainedExpert();
  const before = model.numTensors();
  const { calls, asked } = round(model.decoder(), model.decoder());
  assert.ok(asked > base.length * COPIES, `H′ asked ${asked} subquestions`);
  for (const c of calls) assert.equal(c.distinct, c.expected, JSON.stringify(calls));
  assert.equal(calls[0].states, base.length * COPIES);
  assert.ok(calls[0].distinct <= base.length);
  // Copies diverged (more groups than questions) and some were still shared.
  assert.ok(calls.some((c) => c.distinct > calls[0].distinct && c.distinct < c.states), JSON.stringify(calls));
  // `next` without a decoder, on partial transcripts each there three times.
  const partials = base.flatMap((d) => Array.from({ length: d.transcript.steps.length + 1 }, (_, s) => ({ question: d.transcript.question, steps: d.transcript.steps.slice(0, s) })));
  const tripled = [...partials, ...partials, ...partials];
  const { value: got, calls: c } = counted(() => model.next(tripled));
  assert.deepEqual(c, [{ states: tripled.length, distinct: partials.length }]);
  assert.deepEqual(got, withoutDedup(() => model.next(tripled)));
  assert.deepEqual(got, withoutDedup(() => model.next(tripled, { recompute: true })));
  assertOwnArrays(got);
  assert.equal(model.numTensors(), before);
});

test('two threads: the worker gets distinct transcripts, a group stays on one thread, the actions are ungrouped decoding\'s', async () => {
  const threads = await DecodeThreads.start(model);
  try {
    const posted: DecodeRequest[] = [];
    /** The ids of the call in progress, by state. */
    let byState = new Map<string, number[]>();
    const split: string[] = [];
    const spy = threads as unknown as { post(r: DecodeRequest): void };
    const post = spy.post.bind(threads);
    spy.post = (r) => {
      posted.push(r);
      // Each group the worker gets holds every id of the call with its state.
      r.groups.forEach((g, n) => {
        const all = byState.get(stateKey(r.states[n])) ?? [];
        if (JSON.stringify([...g].sort((a, b) => a - b)) !== JSON.stringify([...all].sort((a, b) => a - b))) split.push(`${JSON.stringify(g)} of ${JSON.stringify(all)}`);
      });
      post(r);
    };
    const { calls } = round(threads.decoder(), model.localDecoder(), (ids, states) => {
      byState = new Map();
      states.forEach((s, j) => byState.set(stateKey(s), [...(byState.get(stateKey(s)) ?? []), ids[j]]));
    });
    assert.deepEqual(split, [], 'no group is split between the threads');
    for (const c of calls) assert.equal(c.distinct, c.expected, JSON.stringify(calls));
    // The first call's distinct questions are shared between the threads in turn.
    assert.equal(posted[0].groups.length, Math.floor(calls[0].distinct / 2));
    for (const r of posted) {
      assert.equal(new Set(r.states.map(stateKey)).size, r.states.length, 'the worker gets distinct transcripts');
      assert.equal(r.groups.flat().length, new Set(r.groups.flat()).size);
    }
    assert.ok(posted.some((r) => r.groups.some((g) => g.length > 1)), 'groups of several copies went to the worker');
  } finally {
    await threads.close();
    model.dispose();
  }
});
