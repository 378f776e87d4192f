import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BUILTIN_TASKS, NAMES, UNKNOWN_ANSWER, amplify, builtinTask, checkAnswer, checkQuestion, defineTask, groundTruth, inputShapes,
  isPrimitive, makeContext, makeQuestion, questionKey, truthAnswerer, type AnyContext, type AnyTask, type Question,
} from '../../../src/core/index';

const pp = builtinTask('permutation-powering')!;
const sa = builtinTask('sequential-assignments')!;
const ws = builtinTask('wildcard-search')!;
const sp = builtinTask('shortest-path')!;
const uf = builtinTask('union-find')!;

/** Training questions and H's subquestions (with ground-truth answers, 3 levels deep) of random instances. */
function realQuestions(task: AnyTask, seed: string, perSize: number): { ctx: AnyContext; question: Question }[] {
  const out: { ctx: AnyContext; question: Question }[] = [];
  for (const size of new Set([task.sizes.min, task.sizes.default, 24, task.sizes.max])) {
    for (let index = 0; index < perSize; index++) {
      const id = { size, seed, index };
      const ctx = makeContext(task, id);
      const seen = new Set<string>();
      let level: Question[] = [makeQuestion(task, id, ctx, index % 3)];
      for (let depth = 0; depth < 4 && level.length > 0; depth++) {
        const next: Question[] = [];
        for (const q of level) {
          if (seen.has(questionKey(q))) continue;
          seen.add(questionKey(q));
          out.push({ ctx, question: q });
          if (!isPrimitive(task, q)) next.push(...amplify(task, ctx, q, truthAnswerer(task)).steps.map((s) => s.question));
        }
        level = next;
      }
    }
  }
  return out;
}

/** A context of `task` whose facts do not mention `name` (searching instance indexes). */
function contextWithout(task: AnyTask, name: string, size = 8): AnyContext {
  for (let index = 0; ; index++) {
    const ctx = makeContext(task, { size, seed: 'without', index });
    if (!ctx.facts.some((f) => f.includes(name))) return ctx;
  }
}

function contextWith(task: AnyTask, name: string, size = 8): AnyContext {
  for (let index = 0; ; index++) {
    const ctx = makeContext(task, { size, seed: 'with', index });
    if (ctx.facts.some((f) => f.includes(name))) return ctx;
  }
}

for (const task of BUILTIN_TASKS) {
  test(`${task.name}: every real question and its true answer pass, with and without the context`, () => {
    const questions = realQuestions(task, 'real', 40);
    assert.ok(questions.length > 200);
    for (const { ctx, question } of questions) {
      const shown = `${questionKey(question)} about ${ctx.facts.map((f) => f.join(' ')).join('; ')}`;
      assert.equal(checkQuestion(task, question), undefined, shown);
      assert.equal(checkQuestion(task, question, ctx), undefined, shown);
      const truth = groundTruth(task, ctx, question).answer;
      assert.equal(checkAnswer(task, question, truth, ctx), undefined, `${shown} = ${truth.join(' ')}`);
      assert.equal(checkAnswer(task, question, UNKNOWN_ANSWER, ctx), undefined, '? alone is always an answer');
    }
  });
}

test('the shapes are inferred once per task and are the same every time', () => {
  assert.equal(inputShapes(pp), inputShapes(pp));
  const copy = defineTask({ ...pp, name: 'pp-copy', format: undefined });
  const a = inputShapes(copy);
  assert.deepEqual([...a.nameClasses.keys()], [...inputShapes(pp).nameClasses.keys()]);
  assert.deepEqual(a.kinds, ['pow']);
});

test('permutation powering: the examples of issue 12', () => {
  const ctx = contextWithout(pp, 'eb');
  assert.equal(checkQuestion(pp, pp.format.parseQuestion!('σ^29(eb)')!, ctx), 'σ^29(eb): no fact mentions eb');
  assert.equal(checkQuestion(pp, pp.format.parseQuestion!('σ^29(eb)')!), undefined, 'without a context eb is a name like any other');
  assert.equal(checkQuestion(pp, pp.format.parseQuestion!('σ^29(eb)')!, contextWith(pp, 'eb')), undefined);
  assert.equal(checkAnswer(pp, pp.format.parseQuestion!('σ^9(da)')!, ['h', 'g']), 'an answer of pow has 1 symbol, not 2');
  assert.equal(checkQuestion(pp, ['pow', '1', 'zz']), 'pow 1 zz: a pow question has 8 symbols, not 3');
});

/** Each crafted input must be refused; `expect` is a fragment of the message. */
const badQuestions: [AnyTask, Question, string][] = [
  [pp, ['pow', '0', '0', '0', '0', '1', '1', 'zz'], 'zz is not a symbol of permutation-powering'],
  [pp, ['pow', 'ab', '0', '0', '0', '1', '1', 'ab'], 'ab cannot be symbol 2 of a pow question (there: 0, 1)'],
  [pp, ['pow', '0', '0', '0', '0', '1', '1', '1'], 'cannot be symbol 8 of a pow question'],
  [pp, ['sum', '0', '0', '0', '0', '1', '1'], 'sum is not a question kind of permutation-powering (its kinds: pow)'],
  [pp, ['pow'], 'a pow question has 8 symbols, not 1'],
  [pp, [], 'the question is empty'],
  [pp, ['pow', '0 1'], 'contains white space'],
  [sa, ['val', '3'], 'value(3): 3 cannot be symbol 2 of a val question'],
  [sa, ['f', 'ab', '3'], 'ab cannot be symbol 2 of a f question'],
  [sa, ['arg1', 'ab', 'cd'], 'a arg1 question has 2 symbols, not 3'],
  [sa, ['val', '?'], '? cannot be symbol 2'],
  [ws, ['sum', '0', '1', '*'], 'a sum question has 7 symbols, not 4'],
  [ws, ['sum', '0', '1', '2', '0', '1', '0'], '2 cannot be symbol 4 of a sum question (there: *, 0, 1)'],
  [ws, ['sum', 'sum', '1', '*', '0', '1', '0'], 'sum cannot be symbol 2'],
  [sp, ['dist', 'ab'], 'a dist question has 3 symbols, not 2'],
  [sp, ['step', 'ab', 'inf'], 'inf cannot be symbol 3 of a step question'],
  [sp, ['path', 'ab', 'cd'], 'path is not a question kind of shortest-path'],
  [uf, ['label', 'A'], 'A cannot be symbol 2 of a label question'],
  [uf, ['adj', 'ab'], 'a adj question has 3 symbols, not 2'],
  [uf, ['depth', '3'], '3 cannot be symbol 2 of a depth question'],
];

test('crafted bad questions are refused with a one-line message in the task’s notation', () => {
  for (const [task, q, expect] of badQuestions) {
    const message = checkQuestion(task, q);
    assert.ok(message?.includes(expect), `${task.name} ${questionKey(q)}: got ${message}`);
    assert.ok(!message!.includes('\n'));
  }
});

const badAnswers: [AnyTask, Question, string[], string][] = [
  [pp, ['pow', '0', '0', '1', '0', '0', '1', 'da'], ['0'], '0 cannot answer σ^9(da): answers of pow look like aa, ab, ac, …'],
  [pp, ['pow', '0', '0', '1', '0', '0', '1', 'da'], ['pow'], 'cannot answer σ^9(da)'],
  [pp, ['pow', '0', '0', '1', '0', '0', '1', 'da'], ['zz'], 'zz cannot answer σ^9(da): zz is not a symbol of permutation-powering'],
  [pp, ['pow', '0', '0', '1', '0', '0', '1', 'da'], ['?', '?'], 'an answer of pow has 1 symbol, not 2'],
  [pp, ['pow', '0', '0', '1', '0', '0', '1', 'da'], [''], 'the answer[0] is an empty string'],
  [pp, ['pow', '1', 'da'], ['ab'], 'a pow question has 8 symbols, not 3'],
  [sa, ['val', 'ab'], ['ab'], 'ab cannot answer value(ab): answers of val look like 0, 1, 2, …'],
  [sa, ['f', '1', '2'], ['cd'], 'cannot answer f(1, 2)'],
  [sa, ['val', 'ab'], ['1', '2'], 'an answer of val has 1 symbol, not 2'],
  [ws, ['sum', '0', '1', '*', '0', '1', '0'], ['*'], 'cannot answer Σf(01*010)'],
  [ws, ['sum', '0', '1', '*', '0', '1', '0'], ['sum'], 'cannot answer Σf(01*010)'],
  [sp, ['dist', 'ab', 'cd'], ['ab'], 'cannot answer dist(ab → cd): answers of dist look like'],
  [sp, ['step', 'ab', 'cd'], ['2'], 'cannot answer step(ab → cd): answers of step look like'],
  [sp, ['edge', 'ab', 'cd'], ['ab'], 'answers of edge look like no, yes'],
  [uf, ['depth', 'ab'], ['A'], 'cannot answer depth(ab)'],
  [uf, ['label', 'ab'], ['3'], 'cannot answer label(ab)'],
  [uf, ['next', 'ab'], ['yes'], 'cannot answer next(ab)'],
];

test('crafted bad answers are refused with a one-line message', () => {
  for (const [task, q, a, expect] of badAnswers) {
    const message = checkAnswer(task, q, a);
    assert.ok(message?.includes(expect), `${task.name} ${questionKey(q)} = ${a.join(' ')}: got ${message}`);
    assert.ok(!message!.includes('\n'));
  }
});

test('a name in the answer must occur in the context, for kinds whose true answers always do', () => {
  const ctx = contextWithout(pp, 'hh');
  const q: Question = ['pow', '0', '0', '1', '0', '0', '1', ctx.facts[0][0]];
  assert.match(checkAnswer(pp, q, ['hh'], ctx)!, /: no fact mentions hh$/);
  assert.equal(checkAnswer(pp, q, ['hh']), undefined);
  assert.equal(checkAnswer(pp, q, [ctx.facts[1][1]], ctx), undefined, 'a wrong answer that names an element of σ is a possible override');
});

test('shortest path: a vertex without edges may be asked about, a name that is no vertex may not', () => {
  // An instance with a vertex no edge touches (dist answers ∞), and a name that is no vertex at all.
  let found: { ctx: AnyContext; lonely: string } | undefined;
  for (let index = 0; !found; index++) {
    const ctx = makeContext(sp, { size: 8, seed: 'lonely', index });
    const lonely = (ctx.data as { vertices: string[] }).vertices.find((v) => !ctx.facts.some((f) => f.includes(v)));
    if (lonely) found = { ctx, lonely };
  }
  const { ctx, lonely } = found;
  const other = ctx.facts[0][0];
  const stranger = NAMES.find((n) => !(ctx.data as { vertices: string[] }).vertices.includes(n))!;
  assert.deepEqual(groundTruth(sp, ctx, ['dist', lonely, other]).answer, ['inf']);
  assert.equal(checkQuestion(sp, ['dist', lonely, other], ctx), undefined);
  assert.equal(checkQuestion(sp, ['step', other, lonely], ctx), undefined);
  assert.equal(checkQuestion(sp, ['dist', stranger, other], ctx), `dist(${stranger} → ${other}): no fact mentions ${stranger}`);
  assert.equal(checkQuestion(sp, ['step', other, stranger], ctx), `step(${other} → ${stranger}): no fact mentions ${stranger}`);
  // edge(x → y) is answered `no` for any y: the ground truth knows it, so it is a fair question.
  assert.equal(checkQuestion(sp, ['edge', other, stranger], ctx), undefined);
});

test('sequential assignments: values are checked against the context like names', () => {
  const ctx = makeContext(sa, { size: 8, seed: 0, index: 0 });
  const values = new Set(ctx.facts.flat().filter((s) => /^[0-7]$/.test(s)));
  const missing = ['0', '1', '2', '3', '4', '5', '6', '7'].find((v) => !values.has(v));
  const present = [...values][0];
  assert.equal(checkQuestion(sa, ['f', present, present], ctx), undefined);
  if (missing !== undefined) assert.equal(checkQuestion(sa, ['f', missing, present], ctx), `f(${missing}, ${present}): no fact mentions ${missing}`);
  const variable = ctx.facts.find((f) => f.length === 3 && /^[a-h]{2}$/.test(f[0]))![0];
  assert.equal(checkQuestion(sa, ['val', variable], ctx), undefined);
  const stranger = NAMES.find((n) => !ctx.facts.some((f) => f.includes(n)))!;
  assert.equal(checkQuestion(sa, ['val', stranger], ctx), `value(${stranger}): no fact mentions ${stranger}`);
});

// A user task without a declared vocabulary or kinds (examples/range-max.task.ts): both are sampled.
const VALUES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const index = (s: string | undefined) => (s !== undefined && /^i\d{1,2}$/.test(s) ? Number(s.slice(1)) : undefined);
const rangeMax = defineTask<{ values: string[] }>({
  name: 'range-max',
  maxSubquestions: 2,
  sizes: { min: 4, max: 64, default: 16 },
  context(rng, size) {
    const values = Array.from({ length: size }, () => rng.pick(VALUES));
    return { facts: values.map((v, i) => [`i${i}`, v]), data: { values } };
  },
  question(rng, ctx) {
    const n = ctx.data.values.length;
    const i = rng.int(n - 1);
    return ['max', `i${i}`, `i${i + 1 + rng.int(n - 1 - i)}`];
  },
  isPrimitive: (q) => q[0] === 'max' && q[1] === q[2],
  answer(ctx, q) {
    const i = index(q[1]);
    const j = index(q[2]);
    if (q[0] !== 'max' || i === undefined || j === undefined || i > j || j >= ctx.data.values.length) return ['?'];
    return [ctx.data.values.slice(i, j + 1).reduce((a, b) => (a > b ? a : b))];
  },
  *expert(q) {
    const i = index(q[1]);
    const j = index(q[2]);
    if (q[0] !== 'max' || i === undefined || j === undefined || i >= j) return ['?'];
    const mid = Math.floor((i + j) / 2);
    const left = (yield ['max', `i${i}`, `i${mid}`])[0];
    const right = (yield ['max', `i${mid + 1}`, `i${j}`])[0];
    if (!VALUES.includes(left) || !VALUES.includes(right)) return ['?'];
    return [left > right ? left : right];
  },
  format: { question: (q) => `max(${q[1]}..${q[2]})` },
});

test('a user task without vocabulary or kinds: real questions pass, crafted ones fail', () => {
  for (const { ctx, question } of realQuestions(rangeMax, 'user', 20)) {
    assert.equal(checkQuestion(rangeMax, question, ctx), undefined, questionKey(question));
    assert.equal(checkAnswer(rangeMax, question, groundTruth(rangeMax, ctx, question).answer, ctx), undefined, questionKey(question));
  }
  const ctx = makeContext(rangeMax, { size: 16, seed: 0, index: 0 });
  assert.equal(checkQuestion(rangeMax, ['max', 'i3', 'i20'], ctx), 'max(i3..i20): no fact mentions i20');
  assert.equal(checkQuestion(rangeMax, ['max', 'i3', 'i20']), undefined);
  assert.equal(checkQuestion(rangeMax, ['min', 'i3', 'i5']), 'max(i3..i5): min is not a question kind of range-max (its kinds: max)');
  assert.equal(checkQuestion(rangeMax, ['max', 'i3', '7']), 'max(i3..7): 7 cannot be symbol 3 of a max question (there: i0, i1, i10, …)');
  assert.equal(checkAnswer(rangeMax, ['max', 'i3', 'i5'], ['i4']), 'i4 cannot answer max(i3..i5): answers of max look like 0, 1, 2, …');
  assert.equal(checkAnswer(rangeMax, ['max', 'i3', 'i5'], ['7', '7']), 'an answer of max has 1 symbol, not 2');
});
