import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { builtinTask, makeContext, type HCHNode } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run, type LearnerFactory } from '../../../src/engine/run';
import { permutationOracleFactory } from '../engine/fake-learner';

const pp = builtinTask('permutation-powering')!;

async function run(argv: string[], factory?: LearnerFactory): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false }, factory);
  return { code, out, err };
}

const nodes = (n: HCHNode): HCHNode[] => [n, ...(n.children ?? []).flatMap(nodes)];
const instance = { size: 8, seed: '3', index: 0 };
const sigma = new Map(makeContext(pp, instance).facts.map((f) => [f[0], f[1]]));
const pow = (y: string, k: number) => { for (let i = 0; i < k; i++) y = sigma.get(y)!; return y; };
// A name whose σ^4 is another name (H then asks X about another question after the override).
const x = [...sigma.keys()].find((n) => pow(n, 4) !== n)!;

/** The permutation oracle, except that X answers σ^4(x) wrongly. */
function buggyX(): LearnerFactory {
  const base = permutationOracleFactory();
  const wrong = [...sigma.keys()].find((n) => n !== pow(x, 4) && n !== x)!;
  const buggy = <M extends Awaited<ReturnType<LearnerFactory['create']>>>(m: M): M => {
    const predict = m.predict.bind(m);
    m.predict = (items, o) => predict(items, o).map((p, i) => (items[i].question.join(' ') === pp.format.parseQuestion!(`σ^4(${x})`)!.join(' ') ? { answer: [wrong], probability: 0.7, top: [{ answer: [wrong], probability: 0.7 }] } : p));
    return m;
  };
  return { create: async (o) => buggy(await base.create(o)), load: async (d, b) => buggy(await base.load(d, b)), versions: base.versions };
}

async function trainedRun(): Promise<string> {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-tree-')), 'run');
  const r = await Run.create(pp, { ...DEFAULT_CONFIG, task: pp.name, mode: 'supervised', stepsPerRound: 1, batchSize: 8, contextsPerRound: 2, questionsPerContext: 2, evalContexts: 2 }, permutationOracleFactory(), dir);
  await r.runRound();
  await r.runRound();
  return dir;
}

test('amplify tree --override: the counterfactual tree, every node answered, the root before → after; --explain blames the override', async () => {
  const q = `σ^9(${x})`;
  const wrong = [...sigma.keys()].find((n) => n !== pow(x, 4) && n !== x)!;
  const r = await run(['tree', 'permutation-powering', '--seed', '3', '--depth', '1', '--question', q, '--override', `1=${wrong}`, '--explain']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^├─✗ σ\\^4\\(${x}\\) = ${wrong}  \\[override\\]`, 'm'));
  assert.match(r.out, new RegExp(`^├─✓ σ\\^4\\(${wrong}\\) = ${pow(wrong, 4)}  \\[truth\\]`, 'm'), 'H asks anew about the override: answered');
  assert.match(r.out, new RegExp(`^override at 1; root: ${pow(x, 9)} ✓ → ${pow(wrong, 5)} ✗$`, 'm'));
  assert.match(r.out, new RegExp(`^why: The override at σ\\^4\\(${x}\\) is wrong: it says ${wrong}, the truth is ${pow(x, 4)} \\(before the override: ${pow(x, 4)}\\)\\. \\(at 1\\)$`, 'm'));
  assert.match(r.out, /^With the true answer here, the root would be ✓\.$/m);
  const j = JSON.parse((await run(['tree', 'permutation-powering', '--seed', '3', '--depth', '1', '--question', q, '--override', `1=${wrong}`, '--json'])).out);
  assert.deepEqual(j.blame, { kind: 'override', path: [1], question: `σ^4(${x})`, detail: j.blame.detail });
  assert.deepEqual(j.root, { before: [pow(x, 9)], after: [pow(wrong, 5)] });
  assert.ok(nodes(j.tree.root).every((n) => n.answer.length === 1 && n.answer[0] !== '?'));
  // Refused: a bad answer, a lookup, a path that is not in the tree.
  for (const [spec, pattern] of [
    ['1=h g', /--override 1=h g: an answer of pow has 1 symbol, not 2/],
    ['1=zz', /zz is not a symbol of permutation-powering/],
    ['3=ab', /is a lookup in the context: override its parent instead/],
    ['4.1=ab', /the tree has no node 4\.1/],
    ['0=ab', /'0' is not a node path/],
  ] as const) {
    const bad = await run(['tree', 'permutation-powering', '--seed', '3', '--depth', '1', '--question', q, '--override', spec]);
    assert.equal(bad.code, 2, spec);
    assert.match(bad.err, pattern, spec);
  }
});

test('amplify tree --run: X of the run beyond the depth limit; an X error is blamed on the answerer with its path; the σ^9-style override then fixes the root', async () => {
  const dir = await trainedRun();
  const q = `σ^9(${x})`;
  const j = JSON.parse((await run(['tree', '--run', dir, '--seed', '3', '--question', q, '--depth', '1', '--json'], buggyX())).out);
  assert.equal(j.answerer, 'X of round 2');
  assert.equal(j.blame.kind, 'answerer');
  assert.deepEqual(j.blame.path, [1]);
  assert.equal(j.blame.question, `σ^4(${x})`);
  assert.match(j.blame.detail, /^X answered σ\^4\(/);
  // Override the wrong subanswer with its true answer: H asks anew (σ^4 of the right name), X of the run answers, the root is right.
  const r = await run(['tree', '--run', dir, '--seed', '3', '--question', q, '--depth', '1', '--override', `1=${pow(x, 4)}`, '--explain'], buggyX());
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /leaves answered by X of round 2/);
  assert.match(r.out, new RegExp(`^├─✓ σ\\^4\\(${pow(x, 4)}\\) = ${pow(x, 8)}  \\[X\\]`, 'm'));
  assert.match(r.out, /^override at 1; root: \S+ ✗ → \S+ ✓$/m);
  assert.doesNotMatch(r.out, / = \? /);
  // Only the last checkpoint is kept.
  const old = await run(['tree', '--run', dir, '--seed', '3', '--round', '1', '--question', q], buggyX());
  assert.equal(old.code, 2);
  assert.match(old.err, /keeps X of round 2 only \(its last checkpoint\), not round 1/);
});

test('amplify tree --explain on a user task with a buggy expert: blame kind expert', async () => {
  const j = JSON.parse((await run(['tree', 'test/fixtures/broken-expert.task.ts', '--question', 'sum i0 i7', '--explain', '--json'])).out);
  assert.equal(j.blame.kind, 'expert');
  assert.match(j.blame.detail, /^H combined correct subanswers wrongly at sum i\d i\d: it answered \d, the truth is \d \(an expert bug\)\.$/);
  assert.match(j.counterfactual, /^With the true answer here, the root would/);
});
