import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TRANSCRIPT_SCHEMA_VERSION, UNKNOWN_ANSWER, amplify, amplifyMany, builtinTask, defineTask, functionAnswerer, makeContext,
  attemptOf, expandHCH, overrideAnswerer, questionKey, truthAnswerer, type AnswerRequest, type Question,
} from '../../../src/core/index';

const pp = builtinTask('permutation-powering')!;

test('amplify: primitives go to lookup, the rest to the answerer, H combines', () => {
  const id = { size: 8, seed: 1, index: 0 };
  const ctx = makeContext(pp, id);
  const q: Question = ['pow', '0', '0', '0', '1', '0', '1', ctx.facts[0][0]]; // σ^5(x)
  const t = amplify(pp, ctx, q, truthAnswerer(pp));
  assert.equal(t.schemaVersion, TRANSCRIPT_SCHEMA_VERSION);
  assert.deepEqual(t.steps.map((s) => s.source), ['truth', 'truth', 'lookup']);
  assert.deepEqual(t.steps.map((s) => questionKey(s.question).slice(0, 17)), ['pow 0 0 0 0 1 0 ' + ctx.facts[0][0], `pow 0 0 0 0 1 0 ${t.steps[0].answer[0]}`, `pow 0 0 0 0 0 1 ${t.steps[1].answer[0]}`].map((s) => s.slice(0, 17)));
  assert.deepEqual(t.answer, pp.answer(ctx, q));
  assert.equal(t.error, undefined);
  assert.deepEqual(JSON.parse(JSON.stringify(t)), t, 'transcripts are plain JSON');
});

test('amplify with a garbage answerer answers ? without throwing', () => {
  const ctx = makeContext(pp, { size: 8, seed: 2, index: 0 });
  const q = pp.format.parseQuestion!(`σ^9(${ctx.facts[0][0]})`)!;
  const t = amplify(pp, ctx, q, functionAnswerer('X', () => ['not-a-name']));
  assert.deepEqual(t.answer, UNKNOWN_ANSWER);
  assert.equal(t.steps.length, 1);
  assert.equal(t.steps[0].source, 'X');
});

test('overrides take precedence over the fallback, and the answer changes accordingly', () => {
  const ctx = makeContext(pp, { size: 8, seed: 3, index: 0 });
  const x = ctx.facts[0][0];
  const q: Question = ['pow', '0', '0', '0', '1', '0', '0', x]; // σ^4(x): asks σ^2(x), σ^2(y1)
  const sub: Question = ['pow', '0', '0', '0', '0', '1', '0', x];
  const other = ctx.facts.find((f) => f[0] !== x)![0];
  const answerer = overrideAnswerer((_c, s) => (questionKey(s) === questionKey(sub) ? [other] : undefined), truthAnswerer(pp));
  const t = amplify(pp, ctx, q, answerer);
  assert.deepEqual(t.steps[0], { question: sub, answer: [other], source: 'override' });
  assert.equal(t.steps[1].source, 'truth');
  assert.deepEqual(t.steps[1].question, ['pow', '0', '0', '0', '0', '1', '0', other]);
  assert.deepEqual(t.answer, pp.answer(ctx, ['pow', '0', '0', '0', '0', '1', '0', other]));
});

test('amplifyMany batches the pending subquestions of all runs into one answerer call per step', () => {
  const requests: AnswerRequest[] = [];
  for (let i = 0; i < 10; i++) {
    const id = { size: 16, seed: 'batch', index: i };
    const ctx = makeContext(pp, id);
    // k ≥ 4: both of H's first two subquestions go to the answerer.
    requests.push({ ctx, question: pp.format.parseQuestion!(`σ^${20 + i}(${ctx.facts[i % 16][0]})`)! });
  }
  const batchSizes: number[] = [];
  const truth = truthAnswerer(pp);
  const ts = amplifyMany(pp, requests, { answerBatch: (rs) => (batchSizes.push(rs.length), truth.answerBatch(rs)) });
  assert.deepEqual(batchSizes, [10, 10], 'H asks two non-primitive subquestions, one after the other');
  ts.forEach((t, i) => assert.deepEqual(t.answer, pp.answer(requests[i].ctx, requests[i].question)));
  // The same as one at a time.
  requests.forEach((r, i) => assert.deepEqual(amplify(pp, r.ctx, r.question, truth), ts[i]));
});

test('a misbehaving H ends with ? and an error, never an exception', () => {
  const base = {
    maxSubquestions: 2,
    context: () => ({ facts: [['a', 'b']], data: null }),
    question: () => ['q'] as Question,
    isPrimitive: (q: Question) => q[0] === 'p',
    answer: () => ['x'],
  };
  const cases: [string, (q: Question) => Generator<Question, readonly string[], readonly string[]>, RegExp][] = [
    ['throws', function* () { yield ['p']; throw new Error('boom'); }, /H threw.*boom/],
    ['too many', function* () { yield ['p']; yield ['p']; yield ['p']; return ['x']; }, /more than maxSubquestions = 2/],
    ['bad subquestion', function* () { yield [] as unknown as Question; return ['x']; }, /malformed subquestion.*empty/],
    ['bad answer', function* () { return 7 as unknown as string[]; }, /malformed answer/],
    ['not a generator', (() => ['x']) as never, /did not return a generator/],
  ];
  for (const [name, expert, pattern] of cases) {
    const task = defineTask({ ...base, name: `bad-${name.replace(/ /g, '-')}`, expert });
    const t = amplify(task, task.context(null as never, 1), ['q'], truthAnswerer(task));
    assert.deepEqual(t.answer, UNKNOWN_ANSWER, name);
    assert.match(t.error ?? '', pattern, name);
  }
});

test('defineTask rejects malformed definitions with a clear message', () => {
  const ok = {
    name: 'fine', maxSubquestions: 1, context: () => ({ facts: [], data: 0 }), question: () => ['q'], isPrimitive: () => false,
    answer: () => ['a'], *expert() { return ['a']; },
  };
  assert.doesNotThrow(() => defineTask(ok));
  assert.throws(() => defineTask({ ...ok, name: 'Bad Name' }), /task name/);
  assert.throws(() => defineTask({ ...ok, maxSubquestions: 0 }), /maxSubquestions/);
  assert.throws(() => defineTask({ ...ok, expert: undefined as never }), /'expert' must be a function/);
  assert.throws(() => defineTask({ ...ok, sizes: { min: 9, max: 8, default: 8 } }), /sizes/);
  assert.throws(() => defineTask({ ...ok, vocabulary: ['a', 'a'] }), /duplicates/);
  assert.throws(() => defineTask({ ...ok, vocabulary: ['a b'] }), /not a symbol/);
});

test('a re-asked subquestion carries its attempt number (H re-asks for another proposal), in Amplify and in HCH trees', () => {
  const sp = builtinTask('shortest-path')!;
  const seen: AnswerRequest[] = [];
  const recording = { answerBatch: (rs: readonly AnswerRequest[]) => (seen.push(...rs), rs.map((r) => ({ answer: [r.attempt ? 'second' : 'first'], source: 'X' }))) };
  // A step question whose endpoints are not adjacent: H asks step(a, b) twice, then neighbour and distances.
  let found: { ctx: ReturnType<typeof makeContext>; q: Question } | undefined;
  for (let i = 0; i < 50 && !found; i++) {
    const ctx = makeContext(sp, { size: 8, seed: 'attempt', index: i });
    const [a, b] = [ctx.facts[0][0], ctx.facts[1][1]];
    if (a !== b && !ctx.facts.some((f) => f[0] === a && f[1] === b)) found = { ctx, q: ['step', a, b] };
  }
  assert.ok(found);
  const t = amplify(sp, found.ctx, found.q, recording);
  const steps = seen.filter((r) => r.question[0] === 'step');
  assert.deepEqual(steps.map((r) => r.attempt ?? 0), [0, 1], 'the second step(a, b) is attempt 1');
  assert.deepEqual(t.steps.filter((s) => s.question[0] === 'step').map((s) => s.answer), [['first'], ['second']]);
  seen.length = 0;
  const tree = expandHCH(sp, found.ctx, found.q, { answerer: recording, depth: 1 });
  assert.deepEqual(tree.root.children!.filter((c) => c.question[0] === 'step').map((c) => c.answer), [['first'], ['second']]);
});

test('a repeated subquestion that is not H re-asking its own question is a plain question (attempt 0)', () => {
  // σ^4(x) with an answerer claiming σ^2(x) = x: H then asks σ^2(x) a second time — not a request for a proposal.
  const ctx = makeContext(pp, { size: 8, seed: 'fixed', index: 0 });
  const x = ctx.facts[0][0];
  const q: Question = ['pow', '0', '0', '0', '1', '0', '0', x];
  const seen: AnswerRequest[] = [];
  const t = amplify(pp, ctx, q, { answerBatch: (rs) => (seen.push(...rs), rs.map(() => ({ answer: [x], source: 'X' }))) });
  assert.deepEqual(t.steps[0].question, t.steps[1].question);
  assert.deepEqual(seen.map((r) => r.attempt ?? 0), [0, 0]);
  assert.equal(attemptOf(q, t.steps, q), 0, 'H has not asked its own question');
  assert.equal(attemptOf(q, [{ question: q }, { question: t.steps[0].question }], q), 1);
});
