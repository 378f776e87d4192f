import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NAMES, UNKNOWN_ANSWER, blame, builtinTask, counterfactual, defineTask, expandHCH, functionAnswerer, groundTruth, makeContext, nodeAt,
  questionKey, sameTuple, truthAnswerer, type Answer, type Answerer, type AnyContext, type HCHOptions, type Question,
} from '../../../src/core/index';
import { parsePow, powQuestion } from '../../../src/core/tasks/permutation-powering';

const pp = builtinTask('permutation-powering')!;
const sp = builtinTask('shortest-path')!;

const ctx = makeContext(pp, { size: 16, seed: 'blame', index: 0 });
const sigma = (ctx.data as { sigma: Record<string, string> }).sigma;
const truthOf = (q: Question) => groundTruth(pp, ctx, q).answer;
/** An element whose orbit is long enough that σ^20(x) never asks the same question twice. */
const x = Object.keys(sigma).find((n) => [5, 10, 15].every((k) => truthOf(powQuestion(k, n))[0] !== n))!;
/** Another element of σ: a wrong answer to a question whose truth is `a`. */
const otherThan = (a: Answer) => [Object.keys(sigma).find((n) => n !== a[0])!];

test('a right tree: blame none', () => {
  const q = powQuestion(20, x);
  const tree = expandHCH(pp, ctx, q, { answerer: truthAnswerer(pp), depth: 2, truth: true });
  const b = blame(pp, ctx, tree.root);
  assert.deepEqual({ kind: b.kind, path: b.path, question: b.question }, { kind: 'none', path: [], question: q });
  assert.equal(b.detail, `The root's answer ${truthOf(q)[0]} to σ^20(${x}) is right.`);
});

test('X wrong on one leaf: blame answerer at that leaf, with p and the truth; the counterfactual root is ✓', () => {
  const q = powQuestion(20, x); // σ^10(x), σ^10(y1); each asks σ^5 twice (leaves at depth 2)
  const leaf = powQuestion(5, x);
  const wrongAnswer = otherThan(truthOf(leaf));
  const options: HCHOptions = {
    answerer: functionAnswerer('X', (c, s) => (sameTuple(s, leaf) ? wrongAnswer : groundTruth(pp, c, s).answer)),
    depth: 2,
    truth: true,
  };
  const tree = expandHCH(pp, ctx, q, options);
  assert.notDeepEqual(tree.root.answer, tree.root.truth, 'the error reaches the root (σ is a permutation)');
  const b = blame(pp, ctx, tree.root, { probability: (s, path) => (sameTuple(s, leaf) && path.join('.') === '0.0' ? 0.42 : undefined) });
  assert.equal(b.kind, 'answerer');
  assert.deepEqual(b.path, [0, 0]);
  assert.deepEqual(b.question, leaf);
  assert.deepEqual([b.answer, b.truth, b.source, b.probability], [wrongAnswer, truthOf(leaf), 'X', 0.42]);
  assert.equal(b.detail, `X answered σ^5(${x}) with ${wrongAnswer[0]} (p = 0.42); the truth is ${truthOf(leaf)[0]}, and the error propagated to the root along this path.`);

  const cf = counterfactual(pp, ctx, q, options, b);
  assert.equal(cf.rootRight, true);
  assert.deepEqual(cf.answer, truthOf(q));
  assert.deepEqual(cf.paths, [[0, 0]]);
  assert.equal(cf.detail, 'With the true answer here, the root would be ✓.');
  assert.equal(nodeAt(cf.tree.root, [0, 0])!.source, 'override');
  assert.deepEqual(nodeAt(cf.tree.root, [0, 0])!.replaced, wrongAnswer);
});

test('a wrong override: blame override; the counterfactual replaces it with the truth', () => {
  const q = powQuestion(20, x);
  const sub = powQuestion(10, x);
  const wrongAnswer = otherThan(truthOf(sub));
  const options: HCHOptions = { answerer: truthAnswerer(pp), depth: 2, truth: true, override: (q) => (questionKey(q) === questionKey(sub) ? wrongAnswer : undefined) };
  const tree = expandHCH(pp, ctx, q, options);
  const b = blame(pp, ctx, tree.root);
  assert.equal(b.kind, 'override');
  assert.deepEqual(b.path, [0]);
  assert.equal(b.detail, `The override at σ^10(${x}) is wrong: it says ${wrongAnswer[0]}, the truth is ${truthOf(sub)[0]} (before the override: ${truthOf(sub)[0]}).`);
  const cf = counterfactual(pp, ctx, q, options, b);
  assert.equal(cf.rootRight, true);
  assert.deepEqual(cf.paths, [[0]]);
});

test('a question asked at several places gets the true answer at all of them (had X answered it right)', () => {
  // Here σ has the cycle ha → bh → ff → eh → ac: σ^5(ha) = ha, so σ^10(ha) asks σ^5(ha) twice.
  const c = makeContext(pp, { size: 8, seed: 'blame', index: 0 });
  const y = 'ha';
  assert.deepEqual(groundTruth(pp, c, powQuestion(5, y)).answer, [y]);
  const leaf = powQuestion(5, y);
  const options: HCHOptions = { answerer: functionAnswerer('X', (r, s) => (sameTuple(s, leaf) ? ['?'] : groundTruth(pp, r, s).answer)), depth: 1, truth: true };
  const q = powQuestion(10, y);
  const b = blame(pp, c, expandHCH(pp, c, q, options).root);
  assert.deepEqual([b.kind, b.path], ['answerer', [0]]);
  const only = counterfactual(pp, c, q, options, { ...b, proposal: true }); // as if a proposal: that node only
  assert.deepEqual([only.paths, only.rootRight], [[[0]], false]);
  const cf = counterfactual(pp, c, q, options, b);
  assert.deepEqual([cf.paths, cf.rootRight], [[[0], [1]], true]);
});

test('an injected fault: blame fault', () => {
  const q = powQuestion(9, x); // σ^4(x) twice, then σ(y2)
  const leaf = powQuestion(4, x);
  const answerer: Answerer = {
    answerBatch: (rs) => rs.map((r) => (sameTuple(r.question, leaf) ? { answer: otherThan(truthOf(leaf)), source: 'fault' } : { answer: truthOf(r.question), source: 'truth' })),
  };
  const tree = expandHCH(pp, ctx, q, { answerer, depth: 1, truth: true });
  const b = blame(pp, ctx, tree.root);
  assert.deepEqual([b.kind, b.path], ['fault', [0]]);
  assert.match(b.detail, /^An injected fault answered σ\^4\(\w\w\) with \w\w; the truth is \w\w\.$/);
});

// H with a planted bug: for k = 5 it answers σ^4 (y2) instead of σ(y2) — every subanswer right, the combination wrong.
const buggy = defineTask({
  ...pp,
  name: 'pp-buggy',
  *expert(q: Question): Generator<Question, Answer, Answer> {
    const p = parsePow(q);
    if (!p) return UNKNOWN_ANSWER;
    const m = p.k >> 1;
    const y1 = (yield powQuestion(m, p.x))[0];
    const y2 = (yield powQuestion(m, y1))[0];
    if (p.k % 2 === 0 || p.k === 5) return [y2];
    return [(yield powQuestion(1, y2))[0]];
  },
});

test('an expert bug: blame expert where H combined correct subanswers wrongly; the counterfactual both ways', () => {
  const outcomes = new Set<boolean>();
  for (const [start] of ctx.facts) { // size 16
    const q = powQuestion(10, start); // σ^5(start), σ^5(y1): both wrong by the bug
    const options: HCHOptions = { answerer: truthAnswerer(buggy), depth: 3, truth: true };
    const tree = expandHCH(buggy, ctx, q, options);
    if (sameTuple(tree.root.answer, tree.root.truth!)) continue; // σ^4 and σ^5 agree here (a fixed point of σ)
    const b = blame(buggy, ctx, tree.root);
    assert.equal(b.kind, 'expert');
    assert.deepEqual(b.path, [0]);
    assert.deepEqual(b.question, powQuestion(5, start));
    assert.ok(nodeAt(tree.root, [0])!.children!.every((c) => sameTuple(c.answer, c.truth!)), 'all subanswers right');
    assert.equal(b.detail, `H combined correct subanswers wrongly at σ^5(${start}): it answered ${b.answer[0]}, the truth is ${b.truth[0]} (an expert bug).`);
    const cf = counterfactual(buggy, ctx, q, options, b);
    // The second σ^5 is still answered by the buggy H: the root stays wrong unless σ^4 = σ^5 there.
    const second = nodeAt(cf.tree.root, [1])!;
    assert.equal(cf.rootRight, sameTuple(second.answer, second.truth!));
    if (!cf.rootRight) assert.match(cf.detail, /^With the true answer here, the root would still be ✗: \w\w, the truth is \w\w\.$/);
    outcomes.add(cf.rootRight);
  }
  assert.ok(outcomes.has(false), 'at least one start where fixing one node does not fix the root');
});

test('a root with no true answer (a name the context lacks): blame none, saying so', () => {
  const stranger = NAMES.find((n) => !(n in sigma))!;
  const q = powQuestion(9, stranger);
  const tree = expandHCH(pp, ctx, q, { answerer: functionAnswerer('X', () => [x]), depth: 1, truth: true });
  const b = blame(pp, ctx, tree.root);
  assert.equal(b.kind, 'none');
  assert.equal(b.detail, `σ^9(${stranger}) has no true answer in this context, so no answer to it can be blamed.`);
});

test('a tree built without truth: blame computes it', () => {
  const q = powQuestion(20, x);
  const leaf = powQuestion(5, x);
  const tree = expandHCH(pp, ctx, q, { answerer: functionAnswerer('X', (c, s) => (sameTuple(s, leaf) ? otherThan(truthOf(leaf)) : groundTruth(pp, c, s).answer)), depth: 2 });
  assert.deepEqual(blame(pp, ctx, tree.root).path, [0, 0]);
});

/** Instances of shortest path with step(a → b) whose answer is a vertex other than b (no edge a → b). */
function stepQuestions(): { ctx: AnyContext; q: Question; s: string }[] {
  const out: { ctx: AnyContext; q: Question; s: string }[] = [];
  for (let index = 0; out.length < 40; index++) {
    const c = makeContext(sp, { size: 8, seed: 'proposals', index });
    const vertices = (c.data as { vertices: string[] }).vertices;
    for (const a of vertices) {
      for (const b of vertices) {
        const s = groundTruth(sp, c, ['step', a, b]).answer[0];
        if (s !== 'inf' && s !== b && groundTruth(sp, c, ['edge', a, b]).answer[0] === 'no') out.push({ ctx: c, q: ['step', a, b], s });
      }
    }
  }
  return out.slice(0, 40);
}

test('proposals: a wrong second proposal is excused when the first is right; the error is followed to the wrong distance', () => {
  let checked = 0;
  for (const { ctx: c, q, s } of stepQuestions()) {
    const wrongDist = questionKey(['dist', s, q[2]]);
    // X proposes the right step first and `inf` when asked again; it also gets dist(s → b) wrong.
    const answerer: Answerer = {
      answerBatch: (rs) => rs.map((r) => ({
        answer: r.attempt ? ['inf'] : questionKey(r.question) === wrongDist ? ['inf'] : groundTruth(sp, r.ctx, r.question).answer,
        source: 'X',
      })),
    };
    const options: HCHOptions = { answerer, depth: 1, truth: true };
    const tree = expandHCH(sp, c, q, options);
    assert.notDeepEqual(tree.root.answer, tree.root.truth);
    const b = blame(sp, c, tree.root);
    assert.equal(b.kind, 'answerer');
    assert.deepEqual(b.question, ['dist', s, q[2]], 'not the second proposal, which comes earlier');
    assert.ok(tree.root.children!.slice(0, b.path[0]).some((n) => sameTuple(n.question, q) && !sameTuple(n.answer, n.truth!)), 'a wrong proposal came first');
    assert.equal(counterfactual(sp, c, q, options, b).rootRight, true);
    checked++;
  }
  assert.equal(checked, 40);
});

test('proposals: when no proposal is right, the first is blamed, and fixing it (not the root, which asks the same) fixes the root', () => {
  let checked = 0;
  for (const { ctx: c, q } of stepQuestions()) {
    const options: HCHOptions = { answerer: functionAnswerer('X', (r, s) => (s[0] === 'step' ? ['inf'] : groundTruth(sp, r, s).answer)), depth: 1, truth: true };
    const tree = expandHCH(sp, c, q, options);
    if (sameTuple(tree.root.answer, tree.root.truth!)) continue; // nbr(a) happened to be the right step
    const b = blame(sp, c, tree.root);
    assert.deepEqual([b.kind, b.path, b.question, b.proposal], ['answerer', [1], q, true]);
    const cf = counterfactual(sp, c, q, options, b);
    assert.deepEqual(cf.paths, [[1]], 'only the proposal: not the root, not the second proposal');
    assert.equal(cf.tree.root.source, 'H', 'the root asks the same question and is not overridden');
    assert.equal(cf.rootRight, true);
    checked++;
  }
  assert.ok(checked >= 10, `only ${checked} wrong roots`);
});

test('counterfactual refuses a node the rebuilt tree does not have', () => {
  const q = powQuestion(9, x);
  assert.throws(() => counterfactual(pp, ctx, q, { answerer: truthAnswerer(pp), depth: 1 }, { path: [5], question: q }), /has no node asking σ\^9/);
});
