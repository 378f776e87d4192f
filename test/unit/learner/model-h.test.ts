// H′, the learned model of H, on wasm: token layout and loss mask, imitation of permutation
// powering's H, forceAnswer, leaks, the decoding cache (written in place or rebuilt), checkpoints and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groundTruth, type Answer, type Question } from '../../../src/core/index';
import { setInPlaceCache } from '../../../src/learner/expert-decoding';
import { ANS_ID, ASK_ID, END_ID, ExpertVocabulary, expertVocabularyForTask, SEP_ID, TokenType } from '../../../src/learner/expert-tokens';
import { createModelH, loadModelH } from '../../../src/learner/factory';
import type { ExpertTranscript, TransformerModelH } from '../../../src/learner/model-h';
import type { ExpertAction, PartialTranscript } from '../../../src/learner/types';
import { examples, task, type Example } from './expert-examples';

const key = (t: readonly string[]): string => t.join(' ');

/**
 * H′ as the expert: stepped with `next`, its subquestions answered by ground truth (a lookup for
 * primitives), in lockstep over all questions. Returns its final answers and subquestions.
 */
function runAsExpert(model: TransformerModelH, data: readonly Example[]): { answers: Answer[]; asked: Question[][] } {
  const states = data.map((d) => ({ question: d.transcript.question, steps: [] as { question: Question; answer: Answer }[], answer: undefined as Answer | undefined }));
  for (let round = 0; round <= task.maxSubquestions; round++) {
    const open = states.map((_, i) => i).filter((i) => states[i].answer === undefined);
    if (open.length === 0) break;
    const actions = model.next(open.map((i) => states[i]));
    open.forEach((i, j) => {
      const a = actions[j];
      if ('answer' in a) states[i].answer = a.answer;
      else states[i].steps.push({ question: a.ask, answer: groundTruth(task, data[i].ctx, a.ask).answer });
    });
  }
  return { answers: states.map((s) => s.answer ?? ['?']), asked: states.map((s) => s.steps.map((x) => x.question)) };
}

/** Partial transcripts of H at every point where H′ acts (before each step and before the answer). */
function partials(data: readonly Example[]): PartialTranscript[] {
  return data.flatMap((d) => Array.from({ length: d.transcript.steps.length + 1 }, (_, s) => ({ question: d.transcript.question, steps: d.transcript.steps.slice(0, s) })));
}

let model: TransformerModelH;
const heldOut = examples('held-out', 100);

test('tokens: the layout of a transcript, its types, and which tokens are H’s', () => {
  const voc = expertVocabularyForTask(task);
  assert.deepEqual({ ...voc.lengths }, { maxQuestionLength: 8, maxAnswerLength: 1, maxSubquestions: 3 });
  const t = examples('layout', 1)[0].transcript;
  const e = voc.encode(t, t.answer);
  const sym = (s: string): number => voc.id(s, 'test');
  const expected: number[] = t.question.map(sym);
  for (const s of t.steps) expected.push(ASK_ID, ...s.question.map(sym), SEP_ID, ...s.answer.map(sym), SEP_ID);
  expected.push(ANS_ID, ...t.answer.map(sym), END_ID);
  assert.deepEqual(e.ids, expected);
  assert.ok(e.ids.length <= voc.maxLength);
  // The scored tokens are exactly the markers, subquestions with their SEP, and the answer with END.
  const q = t.question.length;
  assert.deepEqual(e.scored.slice(0, q), new Array(q).fill(0));
  assert.equal(e.types[q], TokenType.marker);
  assert.equal(e.scored[q], 1);
  const a0 = q + 1 + t.steps[0].question.length + 1; // the first subanswer
  assert.equal(e.types[a0], TokenType.subanswer);
  assert.equal(e.scored[a0], 0);
  assert.equal(e.scored[a0 + 1], 0, 'the SEP closing a subanswer is input');
  assert.equal(e.types[a0 - 1], TokenType.subquestion, 'the SEP closing a subquestion is H’s');
  assert.equal(e.scored[a0 - 1], 1);
  const produced = t.steps.reduce((n, s) => n + s.question.length + 2, 0) + t.answer.length + 2;
  assert.equal(e.scored.reduce((a, b) => a + b, 0), produced);
  // JSON round trip.
  assert.deepEqual(ExpertVocabulary.fromJSON(JSON.parse(JSON.stringify(voc.toJSON()))).tokens, voc.tokens);
});

test('a tiny H′ learns to imitate H on permutation powering (≥ 90% held out), with a flat tensor count', async () => {
  model = await createModelH({ task, preset: 'tiny', seed: 1, backend: 'wasm' });
  assert.equal(model.backend, 'wasm');
  assert.equal(model.preset, 'tiny');
  const train = examples('train', 160 * 32);
  const t0 = Date.now();
  let baseline = -1;
  let last: { loss: number; tokenAccuracy?: number } = { loss: NaN };
  for (let s = 1; s <= 160; s++) {
    // The token accuracy only when asked (every other step here): the step is the same either way.
    last = model.trainStep(train.slice((s - 1) * 32, s * 32).map((e) => e.transcript), { tokenAccuracy: s % 2 === 0 });
    assert.ok(Number.isFinite(last.loss));
    if (s % 2 === 0) assert.ok(last.tokenAccuracy! >= 0 && last.tokenAccuracy! <= 1);
    else assert.equal(last.tokenAccuracy, undefined);
    if (s === 20) baseline = model.numTensors();
    if (s > 20 && s % 20 === 0) assert.equal(model.numTensors(), baseline, `tensors leaked by step ${s}`);
  }
  const trainMs = Date.now() - t0;
  assert.equal(model.step, 160);
  const t1 = Date.now();
  const { answers, asked } = runAsExpert(model, heldOut);
  const evalMs = Date.now() - t1;
  const answerAcc = answers.filter((a, i) => key(a) === key(groundTruth(task, heldOut[i].ctx, heldOut[i].transcript.question).answer)).length / heldOut.length;
  const subqAcc = asked.filter((qs, i) => JSON.stringify(qs) === JSON.stringify(heldOut[i].transcript.steps.map((s) => s.question))).length / heldOut.length;
  console.error(
    `H′ imitation: final answers ${answerAcc}, subquestions ${subqAcc} on ${heldOut.length} held-out questions; ` +
      `160 steps of 32 in ${(trainMs / 1000).toFixed(1)} s (${(trainMs / 160).toFixed(0)} ms/step), last loss ${last.loss.toFixed(4)}, ` +
      `token accuracy ${last.tokenAccuracy!.toFixed(3)}; expert run ${evalMs} ms`,
  );
  assert.ok(answerAcc >= 0.9, `final-answer accuracy ${answerAcc}`);
  assert.ok(subqAcc >= 0.9, `subquestion agreement ${subqAcc}`);
});

test('loss mask: changing a subanswer changes no scored position, only unscored targets', () => {
  const t = examples('mask', 1)[0].transcript;
  const other = t.steps[0].answer[0] === 'aa' ? 'ab' : 'aa';
  const changed: ExpertTranscript = { ...t, steps: t.steps.map((s, i) => (i === 0 ? { ...s, answer: [other] } : s)) };
  const a = model.encodeTraining([t]);
  const b = model.encodeTraining([changed]);
  assert.deepEqual(b.mask, a.mask);
  const differing = [...a.targets.keys()].filter((i) => a.targets[i] !== b.targets[i]);
  assert.equal(differing.length, 1);
  assert.equal(a.mask[differing[0]], 0, 'the subanswer token is not scored');
  // A garbage subanswer ('?') is not scored either.
  const garbage = model.encodeTraining([{ ...t, steps: t.steps.map((s, i) => (i === 0 ? { ...s, answer: ['?'] } : s)) }]);
  assert.equal([...garbage.mask].reduce((x, y) => x + y, 0), [...a.mask].reduce((x, y) => x + y, 0));
});

test('forceAnswer never asks; after k subquestions H′ answers; answers are vocabulary symbols', async () => {
  const states = partials(heldOut.slice(0, 40));
  const fresh = await createModelH({ task, preset: 'tiny', seed: 9, backend: 'wasm' });
  try {
    for (const m of [model, fresh]) {
      const acts = m.next(states, { forceAnswer: true });
      assert.equal(acts.length, states.length);
      for (const a of acts) {
        assert.ok('answer' in a && !('ask' in a), JSON.stringify(a));
        assert.ok(a.answer.length >= 1 && a.answer.every((s) => m.vocabulary.has(s)), JSON.stringify(a));
      }
      for (const a of m.next(states)) {
        const t = 'ask' in a ? a.ask : a.answer;
        assert.ok(t.length >= 1 && t.every((s) => m.vocabulary.has(s)), JSON.stringify(a));
      }
    }
    const full = heldOut.find((d) => d.transcript.steps.length === task.maxSubquestions)!.transcript;
    assert.ok('answer' in fresh.next([{ question: full.question, steps: full.steps }])[0]);
  } finally {
    fresh.dispose();
  }
});

test('next: the key/value cache decodes exactly like recomputing every position; batched = alone', () => {
  const states = partials(heldOut.slice(0, 30));
  const cached = model.next(states);
  assert.deepEqual(model.next(states, { recompute: true }), cached);
  const byKind = cached.reduce((n, a) => n + ('ask' in a ? 1 : 0), 0);
  assert.ok(byKind > 0 && byKind < cached.length, 'both asks and answers occur');
  states.slice(0, 8).forEach((s, i) => assert.deepEqual(model.next([s])[0], cached[i]));
  // H′ imitates H on H's own partial transcripts.
  const expected: ExpertAction[] = heldOut.slice(0, 30).flatMap((d) => [...d.transcript.steps.map((s) => ({ ask: s.question })), { answer: d.transcript.answer }]);
  assert.ok(cached.filter((a, i) => JSON.stringify(a) === JSON.stringify(expected[i])).length >= 0.9 * cached.length);
});

test('decoder: across a transcript\'s actions, kept keys/values decode exactly like next and like recomputing; a changed transcript is decoded afresh', () => {
  const data = heldOut.slice(0, 40);
  const decoder = model.decoder();
  const before = model.numTensors();
  const states = data.map((d) => ({ question: d.transcript.question, steps: [] as { question: Question; answer: Answer }[] }));
  const open = new Set(states.map((_, i) => i));
  let asked = 0;
  for (let round = 0; round <= task.maxSubquestions && open.size > 0; round++) {
    const ids = [...open];
    const forceAnswer = round === task.maxSubquestions;
    const now = ids.map((i) => states[i]);
    const got = decoder.next(ids, now, { forceAnswer });
    assert.deepEqual(got, model.next(now, { forceAnswer }), `round ${round}`);
    assert.deepEqual(got, model.next(now, { forceAnswer, recompute: true }), `round ${round} (recomputed)`);
    ids.forEach((i, j) => {
      const a = got[j];
      if ('answer' in a) {
        open.delete(i);
        decoder.forget(i);
      } else {
        asked++;
        // Every third transcript gets a wrong subanswer (a symbol of the question): decoding must follow it.
        const truthful = groundTruth(task, data[i].ctx, a.ask).answer;
        states[i].steps.push({ question: a.ask, answer: i % 3 === 0 ? [data[i].transcript.question[0]] : truthful });
      }
    });
  }
  assert.ok(asked > data.length, `H′ asked ${asked} subquestions`);
  // A transcript that is not the continuation of what the decoder kept (here: its last step dropped) decodes afresh.
  const changed = data.slice(0, 10).map((d) => ({ question: d.transcript.question, steps: d.transcript.steps.slice(0, 1) }));
  const d2 = model.decoder();
  d2.next(changed.map((_, i) => i), changed.map((c) => ({ question: c.question, steps: [...c.steps, ...c.steps] })));
  assert.deepEqual(d2.next(changed.map((_, i) => i), changed), model.next(changed));
  assert.equal(model.numTensors(), before);
});

test('keys/values rebuilt per token (a backend without in-place writes, e.g. tfjs-node) decode as when written in place', () => {
  const states = partials(heldOut.slice(0, 30));
  const inPlace = model.next(states);
  const ids = states.map((_, i) => i);
  const before = model.numTensors();
  setInPlaceCache(false);
  try {
    assert.deepEqual(model.next(states), inPlace);
    assert.deepEqual(model.decoder().next(ids, states), inPlace);
  } finally {
    setInPlaceCache(true);
  }
  assert.equal(model.numTensors(), before);
});

test('numTensors is flat over 20 next calls (also chunked) and more training', async () => {
  const states = partials(heldOut.slice(0, 20));
  model.next(states);
  const before = model.numTensors();
  for (let i = 0; i < 20; i++) model.next(i % 2 ? states : states.slice(0, 3), { forceAnswer: i % 3 === 0 });
  assert.equal(model.numTensors(), before);
  const chunked = await createModelH({ task, preset: 'tiny', seed: 1, backend: 'wasm', predictChunk: 7 });
  try {
    const n = model.numTensors();
    chunked.next(states);
    chunked.trainStep(heldOut.slice(0, 4).map((d) => d.transcript));
    chunked.next(states);
    assert.equal(model.numTensors(), n);
  } finally {
    chunked.dispose();
  }
});

test('checkpoint round trip: identical next outputs and identical further training', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelh-'));
  try {
    await model.save(dir);
    await model.save(dir); // overwriting is atomic and leaves one weights file
    assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('weights-')), ['model.json']);
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('weights-')).length, 1);
    const loaded = await loadModelH(dir, { backend: 'wasm' });
    try {
      assert.equal(loaded.step, model.step);
      assert.equal(loaded.preset, 'tiny');
      assert.deepEqual(loaded.vocabulary.tokens, model.vocabulary.tokens);
      assert.deepEqual(loaded.vocabulary.lengths, model.vocabulary.lengths);
      const states = partials(heldOut.slice(0, 30));
      assert.deepEqual(loaded.next(states), model.next(states));
      assert.deepEqual(loaded.next(states, { forceAnswer: true }), model.next(states, { forceAnswer: true }));
      // H′'s checkpoints from before the shared format had no dtype in their tensor table: they load.
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      for (const e of json.tensors) delete e.dtype;
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      const old = await loadModelH(dir, { backend: 'wasm' });
      try {
        assert.equal(old.step, model.step);
        assert.deepEqual(old.next(states), model.next(states));
      } finally {
        old.dispose();
      }
      // The Adam state and step were restored: the next step is the same on both.
      const batch = heldOut.slice(30, 46).map((d) => d.transcript);
      assert.deepEqual(loaded.trainStep(batch), model.trainStep(batch));
      assert.deepEqual(loaded.next(states), model.next(states));
    } finally {
      loaded.dispose();
    }
    for (const f of readdirSync(dir)) if (f.startsWith('weights-')) writeFileSync(join(dir, f), new Uint8Array(8));
    await assert.rejects(loadModelH(dir, { backend: 'wasm' }), /lies beyond the end/);
    await assert.rejects(loadModelH(join(dir, 'nowhere'), { backend: 'wasm' }), /no H′ checkpoint in/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clear errors: over-long or unknown input, too many steps, an empty batch', async () => {
  const t = heldOut[0].transcript;
  assert.throws(() => model.next([{ question: [...t.question, 'aa'], steps: [] }]), /question .* has 9 symbols; this model allows at most 8/);
  assert.throws(() => model.next([{ question: ['pow', 'zz'], steps: [] }]), /unknown symbol "zz" in question/);
  const step = { question: t.question, answer: ['aa'] };
  assert.throws(() => model.next([{ question: t.question, steps: [step, step, step, step] }]), /has 4 steps; this model allows at most 3/);
  assert.throws(() => model.trainStep([{ ...t, answer: ['aa', 'ab'] }]), /answer \[aa ab\] has 2 symbols; this model allows at most 1/);
  assert.throws(() => model.trainStep([]), /empty batch/);
  // A subanswer that does not fit (X's garbage) reads as '?', as H reads one; it fails nothing.
  const withAnswer = (answer: Answer): PartialTranscript => ({ question: t.question, steps: [{ question: t.steps[0].question, answer }] });
  const unknown = model.next([withAnswer(['?'])])[0];
  assert.deepEqual(model.next([withAnswer(['aa', 'ab']), withAnswer(['zz']), withAnswer([])]), [unknown, unknown, unknown]);
  // An explicit vocabulary without a task: generous default lengths, k required.
  await assert.rejects(createModelH({ vocabulary: ['x'], preset: 'tiny', backend: 'wasm' }), /maxSubquestions/);
  const explicit = await createModelH({ vocabulary: ['x', 'y'], maxSubquestions: 2, preset: 'tiny', backend: 'wasm' });
  try {
    assert.deepEqual({ ...explicit.vocabulary.lengths }, { maxQuestionLength: 16, maxAnswerLength: 16, maxSubquestions: 2 });
    const r = explicit.trainStep([{ question: ['x', 'y'], steps: [{ question: ['y'], answer: ['x', 'x'] }], answer: ['x'] }]);
    assert.ok(Number.isFinite(r.loss));
    assert.equal(explicit.next([{ question: ['x'], steps: [] }]).length, 1);
  } finally {
    explicit.dispose();
  }
});

test('the same seed gives the same model and training; dispose frees the tensors', async () => {
  const a = await createModelH({ task, preset: 'tiny', seed: 5, backend: 'wasm' });
  const b = await createModelH({ task, preset: 'tiny', seed: 5, backend: 'wasm' });
  const c = await createModelH({ task, preset: 'tiny', seed: 6, backend: 'wasm' });
  try {
    const batch = heldOut.slice(0, 16).map((d) => d.transcript);
    const ra = a.trainStep(batch);
    assert.deepEqual(b.trainStep(batch), ra);
    assert.notDeepEqual(c.trainStep(batch), ra);
    // Measuring the token accuracy changes nothing of the step: the same loss and weights after.
    const withAccuracy = a.trainStep(batch, { tokenAccuracy: true });
    const without = b.trainStep(batch);
    assert.equal(without.loss, withAccuracy.loss);
    assert.ok(withAccuracy.tokenAccuracy! >= 0 && without.tokenAccuracy === undefined);
    assert.deepEqual(b.readParams(), a.readParams());
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
  const before = model.numTensors();
  model.dispose();
  assert.ok(model.numTensors() < before);
  assert.throws(() => model.next([{ question: heldOut[0].transcript.question, steps: [] }]), /disposed/);
});
