import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BUILTIN_TASKS, UNKNOWN, amplify, builtinTask, checkTask, createRng, defineTask, expandHCH, isTuple, makeContext, makeQuestion,
  taskVocabulary, truthAnswerer, walkHCH, type AnyTask, type Question,
} from '../../../src/core/index';
import * as brute from './brute-force';

const reference: Record<string, (facts: readonly (readonly string[])[], q: Question) => readonly string[]> = {
  'permutation-powering': brute.permutation,
  'sequential-assignments': brute.assignments,
  'wildcard-search': brute.wildcard,
  'shortest-path': brute.graph,
  'union-find': brute.unionFind,
};

test('the five tasks of the paper are built in, under their names', () => {
  assert.deepEqual(BUILTIN_TASKS.map((t) => t.name), Object.keys(reference));
  for (const t of BUILTIN_TASKS) assert.deepEqual([t.sizes.min, t.sizes.max], [8, 64]);
  assert.deepEqual(BUILTIN_TASKS.map((t) => t.maxSubquestions), [3, 5, 2, 9, 9]);
});

for (const task of BUILTIN_TASKS) {
  test(`${task.name}: H with ground-truth subanswers reproduces the ground truth (sizes 8..64)`, () => {
    const report = checkTask(task, { sizes: [8, 13, 32, 64], samples: 150, seed: 'unit' });
    assert.equal(report.failures, 0, JSON.stringify(report.counterexamples[0], null, 1));
    assert.ok(report.maxSubquestionsSeen <= task.maxSubquestions);
  });

  test(`${task.name}: ground truth agrees with an independent brute force from the facts`, () => {
    for (const size of [8, 12, 20]) {
      for (let i = 0; i < 60; i++) {
        const id = { size, seed: 'brute', index: i };
        const ctx = makeContext(task, id);
        for (let j = 0; j < 4; j++) {
          const q = makeQuestion(task, id, ctx, j);
          assert.deepEqual(task.answer(ctx, q), reference[task.name](ctx.facts, q), `${task.name} size ${size} #${i} ${q.join(' ')}`);
        }
      }
    }
  });

  test(`${task.name}: H never throws on garbage subanswers and always answers a string array`, () => {
    const rng = createRng(['garbage', task.name]);
    const vocab = taskVocabulary(task);
    const junkSymbols = [...vocab, '', ' ', 'zz', '-1', '99', 'inf', '∞', 'A', 'aa', '0', '1', '*', '?'];
    for (let i = 0; i < 1500; i++) {
      const id = { size: 8 + rng.int(57), seed: 'garbage', index: i };
      const ctx = makeContext(task, id);
      const q = makeQuestion(task, id, ctx);
      const gen = task.expert(q);
      let r = gen.next();
      let asked = 0;
      while (!r.done) {
        asked++;
        assert.ok(isTuple(r.value), `subquestion ${JSON.stringify(r.value)}`);
        const junk = rng.int(5) === 0 ? [] : Array.from({ length: 1 + rng.int(3) }, () => rng.pick(junkSymbols));
        r = gen.next(junk);
      }
      assert.ok(asked <= task.maxSubquestions);
      assert.ok(Array.isArray(r.value) && r.value.length > 0 && r.value.every((s) => typeof s === 'string'), JSON.stringify(r.value));
    }
    // Malformed questions: '?' without asking anything.
    for (const q of [['nonsense'], ['pow', 'x'], ['dist', 'aa'], ['sum', '2', '2', '2', '2', '2', '2'], ['val', 'zz']]) {
      const r = task.expert(q).next();
      assert.ok(r.done && r.value[0] === UNKNOWN, `${task.name} on ${q.join(' ')}`);
    }
  });

  test(`${task.name}: contexts are reproducible from (task, size, seed) and questions are never primitive`, () => {
    for (let i = 0; i < 50; i++) {
      const id = { size: 8 + (i % 57), seed: 5, index: i };
      assert.deepEqual(makeContext(task, id), makeContext(task, id));
      const q = makeQuestion(task, id, makeContext(task, id));
      assert.equal(task.isPrimitive(q), false);
      assert.ok(taskVocabulary(task).includes(q[0]));
    }
    assert.notDeepEqual(makeContext(task, { size: 16, seed: 5, index: 0 }).facts, makeContext(task, { size: 16, seed: 6, index: 0 }).facts);
  });
}

test('permutation powering: the paper example σ^29(4) = 3, and k ∈ [2, 63] with uniform bit length', () => {
  const pp = builtinTask('permutation-powering')!;
  const n = (i: number) => ['aa', 'ab', 'ac', 'ad', 'ae', 'af', 'ag', 'ah'][i];
  const sigma = [1, 0, 6, 2, 3, 5, 4, 7];
  const ctx = { facts: sigma.map((y, x) => [n(x), n(y)]), data: { sigma: Object.fromEntries(sigma.map((y, x) => [n(x), n(y)])) } };
  const q = pp.format.parseQuestion!('σ^29(ae)')!;
  const t = amplify(pp, ctx, q, truthAnswerer(pp));
  assert.deepEqual(t.steps.map((s) => [pp.format.question(s.question), s.answer[0]]), [['σ^14(ae)', 'ac'], ['σ^14(ac)', 'ae'], ['σ^1(ae)', 'ad']]);
  assert.deepEqual(t.answer, ['ad']);
  const lengths = new Array(7).fill(0);
  const id = { size: 8, seed: 'k', index: 0 };
  const c = makeContext(pp, id);
  for (let j = 0; j < 5000; j++) {
    const k = parseInt(makeQuestion(pp, id, c, j).slice(1, 7).join(''), 2);
    assert.ok(k >= 2 && k <= 63);
    lengths[Math.floor(Math.log2(k))]++;
  }
  for (let b = 1; b <= 5; b++) assert.ok(Math.abs(lengths[b] - 1000) < 120, `bit lengths ${lengths}`);
});

test('instance shapes follow the paper: fact counts, wildcard counts, question kinds', () => {
  const count = (name: string, size: number) => makeContext(builtinTask(name)!, { size, seed: 1, index: 0 }).facts.length;
  assert.equal(count('permutation-powering', 32), 32);
  assert.equal(count('wildcard-search', 40), 40);
  assert.equal(count('shortest-path', 20), 40);
  assert.equal(count('union-find', 30), 30);
  const sa = makeContext(builtinTask('sequential-assignments')!, { size: 30, seed: 1, index: 0 });
  assert.equal(sa.facts.filter((f) => f.length === 2).length, 5, '⌊√30⌋ constants');
  const ws = builtinTask('wildcard-search')!;
  const stars = new Array(7).fill(0);
  const sp = builtinTask('shortest-path')!;
  const kinds: Record<string, number> = {};
  for (let i = 0; i < 3000; i++) {
    const id = { size: 16, seed: 'dist', index: i };
    stars[makeQuestion(ws, id, makeContext(ws, id)).filter((s) => s === '*').length]++;
    const q = makeQuestion(sp, id, makeContext(sp, id));
    kinds[q[0]] = (kinds[q[0]] ?? 0) + 1;
  }
  assert.equal(stars[0], 0);
  for (let w = 1; w <= 6; w++) assert.ok(Math.abs(stars[w] - 500) < 90, `wildcards ${stars}`);
  assert.ok(Math.abs(kinds.dist - 1500) < 150, JSON.stringify(kinds));
});

test('shortest path and union find: the "some neighbour" lookup is a successor and deterministic per context', () => {
  for (const name of ['shortest-path', 'union-find']) {
    const task = builtinTask(name)! as AnyTask;
    for (let i = 0; i < 30; i++) {
      const ctx = makeContext(task, { size: 16, seed: 'nbr', index: i });
      for (const f of ctx.facts) {
        const a = task.answer(ctx, ['nbr', f[0]]);
        assert.deepEqual(task.answer(ctx, ['nbr', f[0]]), a);
        if (a[0] !== UNKNOWN) {
          const edge = name === 'shortest-path' ? ['edge', f[0], a[0]] : ['adj', f[0], a[0]];
          assert.deepEqual(task.answer(ctx, edge), ['yes'], `${name}: nbr(${f[0]}) = ${a[0]}`);
        }
      }
    }
  }
});

test('HCH: full expansion of permutation powering reaches primitives and agrees with truth everywhere', () => {
  const pp = builtinTask('permutation-powering')!;
  const id = { size: 16, seed: 'hch', index: 0 };
  const ctx = makeContext(pp, id);
  const q = pp.format.parseQuestion!(`σ^63(${ctx.facts[0][0]})`)!;
  const tree = expandHCH(pp, ctx, q, { answerer: truthAnswerer(pp), depth: 10, truth: true });
  let leaves = 0;
  walkHCH(tree.root, (n) => {
    assert.deepEqual(n.answer, n.truth);
    if (!n.children) {
      assert.equal(n.primitive, true, 'every leaf of the full tree is a lookup');
      leaves++;
    }
  });
  assert.ok(leaves > 20 && !tree.truncated);
  assert.deepEqual(JSON.parse(JSON.stringify(tree)), tree);
});

test('HCH: depth limit leaves expandable nodes; expand() opens one; overrides propagate to the root', () => {
  const pp = builtinTask('permutation-powering')!;
  const ctx = makeContext(pp, { size: 8, seed: 'hch2', index: 0 });
  const x = ctx.facts[0][0];
  const q = pp.format.parseQuestion!(`σ^20(${x})`)!;
  const shallow = expandHCH(pp, ctx, q, { answerer: truthAnswerer(pp), depth: 1 });
  assert.equal(shallow.root.children!.length, 2);
  assert.ok(shallow.root.children!.every((c) => c.expandable && c.source === 'truth'));
  const opened = expandHCH(pp, ctx, q, { answerer: truthAnswerer(pp), expand: (path) => path.length === 0 || (path.length === 1 && path[0] === 0) });
  assert.ok(opened.root.children![0].children && !opened.root.children![1].children);
  // Override σ^10(x) with a wrong name: the root's answer changes (H re-run with the new subanswer).
  const sub = pp.format.parseQuestion!(`σ^10(${x})`)!;
  const wrong = ctx.facts.map((f) => f[0]).find((n) => n !== pp.answer(ctx, sub)[0] && n !== x)!;
  const overridden = expandHCH(pp, ctx, q, { answerer: truthAnswerer(pp), depth: 2, truth: true, override: (s) => (s.join() === sub.join() ? [wrong] : undefined) });
  const c0 = overridden.root.children![0];
  assert.equal(c0.source, 'override');
  assert.deepEqual(c0.replaced, pp.answer(ctx, sub));
  assert.deepEqual(overridden.root.children![1].question, pp.format.parseQuestion!(`σ^10(${wrong})`));
  assert.deepEqual(overridden.root.answer, pp.answer(ctx, pp.format.parseQuestion!(`σ^10(${wrong})`)!));
});

test('HCH: infinite trees (shortest path) stop at the depth limit and at the node budget', () => {
  const sp = builtinTask('shortest-path')!;
  for (let i = 0; i < 20; i++) {
    const id = { size: 32, seed: 'inf', index: i };
    const ctx = makeContext(sp, id);
    const q = makeQuestion(sp, id, ctx);
    const tree = expandHCH(sp, ctx, q, { answerer: truthAnswerer(sp), depth: 3, truth: true });
    assert.deepEqual(tree.root.answer, tree.root.truth, 'with truth at the leaves the root is right');
    const small = expandHCH(sp, ctx, q, { answerer: truthAnswerer(sp), depth: 12, maxNodes: 200 });
    assert.ok(small.nodes <= 200 + 9 * 12);
  }
});

test('a user task without declared vocabulary gets one inferred by sampling', () => {
  const t = defineTask({
    name: 'tiny-copy', maxSubquestions: 1, sizes: { min: 2, max: 4, default: 2 },
    context: (rng, n) => ({ facts: Array.from({ length: n }, (_, i) => [`k${i}`, rng.pick(['u', 'v'])]), data: null }),
    question: (rng, ctx) => ['get2', ctx.facts[rng.int(ctx.facts.length)][0]],
    isPrimitive: (q) => q[0] === 'get',
    answer: (ctx, q) => [ctx.facts.find((f) => f[0] === q[1])?.[1] ?? '?'],
    *expert(q) { return yield ['get', q[1]]; },
  });
  assert.deepEqual([...taskVocabulary(t)].sort(), ['?', 'get', 'get2', 'k0', 'k1', 'k2', 'k3', 'u', 'v']);
});
