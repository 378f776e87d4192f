import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  HUMAN_SOURCE, OPEN_SOURCE, PlayError, PlaySession, SKIPPED_SOURCE, amplify, builtinTask, functionAnswerer, makeContext, playRecordProblem,
  questionProblem, playVocabulary, substitutePointers, truthAnswerer, type Answerer, type AnswerRequest, type PlayOptions, type Question,
} from '../../../src/core/index';
import { powQuestion } from '../../../src/core/tasks/permutation-powering';

const pp = builtinTask('permutation-powering')!;
const instance = { size: 8, seed: 'play', index: 0 };
const ctx = makeContext(pp, instance);
const x = ctx.facts[0][0];
const sigma = (k: number, y: string) => pp.answer(ctx, powQuestion(k, y))[0];
const clock = () => {
  let t = Date.parse('2025-01-01T00:00:00Z');
  return () => new Date((t += 1000));
};

function session(question: Question, options: Partial<PlayOptions> = {}): PlaySession {
  return new PlaySession(pp, ctx, question, { answerer: truthAnswerer(pp), answererName: 'truth', who: 'tester', instance, now: clock(), ...options });
}

function ok(r: { ok: boolean; error?: string }): void {
  assert.equal(r.ok, true, r.ok ? '' : r.error);
}

test('a person decomposes σ^4(x) as σ^2(x), σ^2($1) and answers $2: the right answer, in H’s transcript schema', () => {
  const s = session(powQuestion(4, x));
  ok(s.ask(`σ^2(${x})`));
  assert.deepEqual(s.steps[0], { question: powQuestion(2, x), answer: [sigma(2, x)], source: 'truth' });
  ok(s.ask('σ^2($1)'));
  assert.deepEqual(s.steps[1].question, powQuestion(2, sigma(2, x)), '$1 stands for the first subanswer');
  assert.equal(s.calls, 2);
  const done = s.answer('$2');
  ok(done);
  assert.ok(done.ok && done.record);
  const record = done.record;
  assert.equal(s.done, true);
  assert.deepEqual(record.transcript.answer, [sigma(4, x)]);
  assert.deepEqual(record.transcript.answer, pp.answer(ctx, powQuestion(4, x)));
  // H's own transcript for the same question, with the same answerer: the same, but for who answered.
  const h = amplify(pp, ctx, powQuestion(4, x), truthAnswerer(pp));
  assert.deepEqual({ ...record.transcript, source: 'H' }, h);
  assert.equal(record.transcript.source, HUMAN_SOURCE);
  assert.deepEqual(Object.keys(record.transcript).sort(), Object.keys(h).sort());
  assert.deepEqual(
    { task: record.task, size: record.size, instance: record.instance, question: record.question, path: record.path, who: record.who, answerer: record.answerer, at: record.at, seconds: record.seconds },
    { task: pp.name, size: 8, instance, question: powQuestion(4, x), path: [], who: 'tester', answerer: 'truth', at: '2025-01-01T00:00:02.000Z', seconds: 1 },
  );
  assert.equal(playRecordProblem(JSON.parse(JSON.stringify(record))), undefined);
  assert.deepEqual(s.records, [record]);
  assert.equal(s.ask(`σ^2(${x})`).ok, false, 'a finished question takes no more steps');
});

test('a malformed subquestion or answer is a one-line error and the session goes on unchanged', () => {
  const s = session(powQuestion(4, x));
  ok(s.ask(`σ^2(${x})`));
  const cases: [() => ReturnType<PlaySession['ask']>, RegExp][] = [
    [() => s.ask('frob ab'), /cannot ask 'frob ab': 'frob' is not a question kind \(kinds: pow\)/],
    [() => s.ask('σ^99(zz)'), /'σ\^99\(zz\)' is not a question kind/],
    [() => s.ask(`pow 0 0 0 0 1 0 ${x} ${x}`), /a 'pow' question has 8 symbols \(got 9/],
    [() => s.ask('pow 0 0 0 0 1 0 zz'), /'zz' is not a symbol of this task/],
    [() => s.ask('pow 0 0 0 0 1 0 ?'), /cannot contain '\?'/],
    [() => s.ask('σ^2($3)'), /\$3 points at no subanswer \(there are \$1\.\.\$1\)/],
    [() => s.ask(''), /the question is empty/],
    [() => s.answer('zz'), /cannot answer 'zz': 'zz' is not a symbol/],
    [() => s.answer('$2'), /\$2 points at no subanswer/],
  ];
  for (const [run, pattern] of cases) {
    const r = run();
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.match(r.error, pattern);
    assert.doesNotMatch(r.error, /\n/);
  }
  assert.equal(s.steps.length, 1);
  assert.equal(s.records.length, 0);
  ok(s.ask('σ^2($1)'));
  ok(s.answer('$2'));
  assert.equal(s.records[0].transcript.answer[0], sigma(4, x));
});

test('undo removes the last step; maxSubquestions bounds the asks; skip ends without a transcript', () => {
  const s = session(powQuestion(5, x));
  assert.match((s.undo() as { error: string }).error, /nothing to undo/);
  ok(s.ask(`σ^2(${x})`));
  ok(s.ask(`σ^1(${x})`));
  assert.equal(s.steps[1].source, 'lookup', 'primitives are looked up');
  ok(s.undo());
  assert.equal(s.steps.length, 1);
  assert.equal(s.calls, 1);
  ok(s.ask('σ^2($1)'));
  ok(s.ask('σ^1($2)'));
  const fourth = s.ask('σ^1($3)');
  assert.ok(!fourth.ok);
  assert.match(fourth.error, /at most 3 subquestions/);
  ok(s.answer('$3'));
  assert.deepEqual(s.records[0].transcript.answer, [sigma(5, x)]);

  const t = session(powQuestion(5, x));
  ok(t.ask(`σ^2(${x})`));
  ok(t.skip());
  assert.equal(t.done, true);
  assert.equal(t.skipped, true);
  assert.equal(t.records.length, 0);
  assert.equal(t.tree().source, OPEN_SOURCE);
});

test('a pointer to a ? subanswer cannot be asked about, and gives ? in an answer; X sees attempts for re-asks', () => {
  const requests: AnswerRequest[] = [];
  const unknown: Answerer = { answerBatch: (rs) => (requests.push(...rs), rs.map(() => ({ answer: ['?'], source: 'X' }))) };
  const s = session(powQuestion(8, x), { answerer: unknown, answererName: 'X', round: 3 });
  ok(s.ask(`σ^4(${x})`));
  const r = s.ask('σ^4($1)');
  assert.ok(!r.ok);
  assert.match(r.error, /\$1 is \? \(unknown\)/);
  ok(s.ask(`σ^8(${x})`));
  ok(s.ask(`σ^8(${x})`));
  assert.deepEqual(requests.map((q) => q.attempt), [undefined, undefined, 1], 'a re-ask of the question itself asks for another proposal');
  const done = s.answer('$1');
  assert.ok(done.ok && done.record);
  assert.deepEqual(done.record.transcript.answer, ['?']);
  assert.equal(done.record.round, 3);
  assert.deepEqual(substitutePointers('dist($1 → $2)', [['3', 'cd'], ['ab']], 'answer'), { text: 'dist(3 cd → ab)' });
});

test('answerer me: each non-primitive subquestion is a nested question for the person, within a budget (HCH with a person at every node)', () => {
  const s = session(powQuestion(4, x), { answerer: 'me', answererName: 'me', budget: 2 });
  assert.equal(s.budget, 2);
  ok(s.ask(`σ^2(${x})`));
  assert.deepEqual(s.question, powQuestion(2, x), 'the nested question is now the current one');
  assert.deepEqual(s.path, [0]);
  ok(s.undo());
  assert.deepEqual(s.question, powQuestion(4, x), 'undo withdraws an empty nested question');
  assert.equal(s.budget, 2, 'and gives its budget back');
  ok(s.ask(`σ^2(${x})`));
  ok(s.ask(`σ^1(${x})`));
  ok(s.ask('σ^1($1)'));
  const nested = s.answer('$2');
  assert.ok(nested.ok && nested.record);
  assert.deepEqual(nested.record.path, [0]);
  assert.deepEqual(nested.record.root, powQuestion(4, x));
  assert.deepEqual(nested.record.transcript.steps.map((t) => t.source), ['lookup', 'lookup']);
  assert.deepEqual(s.steps, [{ question: powQuestion(2, x), answer: [sigma(2, x)], source: HUMAN_SOURCE }]);
  ok(s.ask('σ^2($1)'));
  assert.equal(s.budget, 0);
  assert.equal(s.calls, 4, 'two nested questions and two lookups in the first');
  // The second nested question's own non-primitive ask finds the budget spent.
  const spent = s.ask(`σ^2(${x})`);
  assert.ok(!spent.ok);
  assert.match(spent.error, /budget of 2 nested questions is spent/);
  ok(s.skip());
  assert.deepEqual(s.steps[1], { question: powQuestion(2, sigma(2, x)), answer: ['?'], source: SKIPPED_SOURCE });
  ok(s.undo());
  assert.equal(s.steps.length, 1, 'undo removed the skipped subquestion');
  assert.equal(s.ask('σ^2($1)').ok, false, 'a skip does not give the budget back');
  ok(s.answer('$1'));
  assert.equal(s.done, true);
  assert.deepEqual(s.records.map((r) => r.path), [[0], []]);
  const tree = s.tree();
  assert.equal(tree.source, HUMAN_SOURCE);
  assert.deepEqual(tree.children!.map((c) => c.source), [HUMAN_SOURCE]);
  assert.deepEqual(tree.children![0].children!.map((c) => [c.source, c.primitive]), [['lookup', true], ['lookup', true]]);
});

test('the tree shows open questions; completion offers kinds, pointers and the names seen', () => {
  const s = session(powQuestion(4, x), { answerer: 'me', answererName: 'me' });
  ok(s.ask(`σ^2(${x})`));
  ok(s.ask(`σ^1(${x})`));
  const tree = s.tree();
  assert.equal(tree.source, OPEN_SOURCE);
  assert.equal(tree.children![0].source, OPEN_SOURCE);
  assert.deepEqual(tree.children![0].children![0].answer, [sigma(1, x)]);
  const y = sigma(1, x);
  assert.deepEqual(s.complete(''), [...new Set(['$1', '0', '1', 'pow', x, y])].sort());
  assert.deepEqual(s.complete('p'), ['pow']);
  assert.deepEqual(s.complete('σ^1($'), ['σ^1($1']);
  assert.ok(s.complete(`pow 0 0 0 0 0 1 ${y[0]}`).includes(`pow 0 0 0 0 0 1 ${y}`));
  assert.ok(!s.complete('pow 0 0 0 0 0 1 p').includes('pow 0 0 0 0 0 1 pow'), 'kinds only as the first word');
});

test('a question that cannot be played is refused', () => {
  assert.throws(() => session(powQuestion(1, x)), (e: Error) => e instanceof PlayError && /is a lookup/.test(e.message));
  assert.throws(() => session(['pow', 'zz']), PlayError);
  const v = playVocabulary(pp);
  assert.equal(questionProblem(v, powQuestion(9, x)), undefined);
  assert.equal(questionProblem(v, ['pow']), "a 'pow' question has 8 symbols (got 1: pow)");
});

test('playRecordProblem names what is wrong with a line', () => {
  const s = session(powQuestion(2, x), { answerer: functionAnswerer('X', () => ['?']), answererName: 'X' });
  ok(s.ask(`σ^1(${x})`));
  ok(s.ask('σ^1($1)'));
  const r = s.answer('$2');
  assert.ok(r.ok && r.record);
  const good = JSON.parse(JSON.stringify(r.record));
  assert.equal(playRecordProblem(good), undefined);
  const broken: [Record<string, unknown>, RegExp][] = [
    [{ ...good, formatVersion: 2 }, /formatVersion/],
    [{ ...good, who: 3 }, /who is not a string/],
    [{ ...good, at: 'yesterday' }, /at is not a date/],
    [{ ...good, instance: { size: 8 } }, /instance/],
    [{ ...good, path: [0] }, /no root question/],
    [{ ...good, transcript: { ...good.transcript, question: ['pow'] } }, /transcript.question differs/],
    [{ ...good, transcript: { ...good.transcript, steps: [{ question: ['pow'], answer: [] }] } }, /transcript.steps\[0\] its answer is empty/],
  ];
  for (const [value, pattern] of broken) assert.match(playRecordProblem(value) ?? '', pattern);
  assert.equal(playRecordProblem([1]), 'not a JSON object');
});
