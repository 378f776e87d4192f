import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { TaskLoadError, loadTaskFile } from '../../../src/engine/task-loader';
import { checkTask, isTask } from '../../../src/core/index';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

test('amplify tasks lists the five tasks with sizes and question kinds', async () => {
  const r = await run('tasks');
  assert.equal(r.code, 0);
  for (const name of ['permutation-powering', 'sequential-assignments', 'wildcard-search', 'shortest-path', 'union-find']) assert.match(r.out, new RegExp(`^${name}  \\(sizes 8\\.\\.64`, 'm'));
  assert.match(r.out, /lookup +edge/);
  assert.match(r.out, /question +step/);
});

test('amplify check passes on a built-in task and reports JSON', async () => {
  const r = await run('check', 'wildcard-search', '--size', '8,64', '--samples', '100', '--json');
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.equal(report.ok, true);
  assert.equal(report.checked, 200);
});

test('amplify check on a user file: the example passes; a broken expert exits 1 with a readable counterexample', async () => {
  const ok = await run('check', 'examples/range-max.task.ts', '--samples', '200');
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /✓ range-max: H agrees with ground truth on 600 samples/);
  const bad = await run('check', 'test/fixtures/broken-expert.task.ts', '--samples', '200');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /✗ mismatch at size \d+, seed 0, sample \d+/);
  assert.match(bad.out, /context: \d+ facts: i0 \d; i1 \d/);
  assert.match(bad.out, /question: sum i\d+ i\d+/);
  assert.match(bad.out, /expected: \d\n {2}got: +\d/);
  assert.match(bad.out, /H's transcript:\n {4}sum i\d+ i\d+\n {6}1\. sum/);
  assert.match(bad.out, /✗ broken-range-sum: \d+ of 600 samples failed/);
});

test('an expert that throws is a counterexample with its stack', async () => {
  const r = await run('check', 'test/fixtures/throwing-expert.task.ts', '--samples', '50');
  assert.equal(r.code, 1);
  assert.match(r.out, /✗ garbage-error .*H threw on twice k\d: Error: not a number/);
  assert.match(r.out, /stack:\n +at .*throwing-expert\.task\.ts:\d+/, 'the stack points into the user file');
});

test('usage errors and unusable files exit 2 with a one-line reason', async () => {
  const cases: [string[], RegExp][] = [
    [['check'], /check takes one task name or file/],
    [['check', 'no-such-task'], /unknown task 'no-such-task' \(built-in tasks: permutation-powering/],
    [['check', 'permutation-powering', '--samples', 'x'], /--samples must be an integer/],
    [['check', 'permutation-powering', '--size', '65'], /size 65 is outside permutation-powering's range 8\.\.64/],
    [['check', 'permutation-powering', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['check', 'test/fixtures/invalid/syntax-error.task.ts'], /syntax-error\.task\.ts:5:\d+: /],
    [['check', 'test/fixtures/invalid/no-export.task.ts'], /no-export\.task\.ts does not export a task/],
    [['check', 'test/fixtures/invalid/throws-on-load.task.ts'], /threw while loading: cannot load me/],
    [['check', 'test/fixtures/invalid/bad-definition.task.ts'], /threw while loading: task 'bad-k': maxSubquestions must be a positive integer/],
    [['check', 'test/fixtures/missing.task.ts'], /missing\.task\.ts: no such file/],
    [['tree', 'permutation-powering', '--question', 'σ^99(zz)'], /cannot read the question 'σ\^99\(zz\)': its kind 'σ\^99\(zz\)' is not one of pow/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, pattern, argv.join(' '));
  }
});

test('amplify tree prints every node with its ground truth; --question and --json work', async () => {
  const facts = JSON.parse((await run('tree', 'permutation-powering', '--seed', '3', '--json')).out).facts;
  const x = facts[0][0];
  const r = await run('tree', 'permutation-powering', '--seed', '3', '--question', `σ^13(${x})`, '--depth', '4');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^✓ σ\\^13\\(${x}\\) = [a-h]{2} +\\[H\\]$`, 'm'));
  assert.match(r.out, new RegExp(`^├─✓ σ\\^6\\(${x}\\) = [a-h]{2} +\\[H\\]$`, 'm'));
  assert.match(r.out, /^│ │ └─✓ σ\^1\([a-h]{2}\) = [a-h]{2} +\[lookup\]$/m);
  const raw = await run('tree', 'permutation-powering', '--seed', '3', '--question', `pow 0 0 1 1 0 1 ${x}`, '--depth', '4');
  assert.equal(raw.out, r.out, 'the question can be given as symbols too');
  const j = await run('tree', 'union-find', '--size', '20', '--json', '--depth', '2');
  assert.equal(j.code, 0);
  const parsed = JSON.parse(j.out);
  assert.equal(parsed.tree.schemaVersion, 1);
  assert.equal(parsed.facts.length, 20);
  assert.deepEqual(parsed.tree.root.answer, parsed.tree.root.truth);
});

test('loadTaskFile resolves the import of amplification-explorer to this core', async () => {
  const [loaded] = await loadTaskFile('examples/range-max.task.ts');
  assert.ok(isTask(loaded.task));
  assert.equal(loaded.exportName, 'default');
  assert.equal(checkTask(loaded.task, { samples: 50 }).ok, true);
  await assert.rejects(loadTaskFile('test/fixtures/invalid/syntax-error.task.ts'), (e: unknown) => e instanceof TaskLoadError && e.line === 5);
});

test('the README shows the example task file verbatim', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const example = fs.readFileSync('examples/range-max.task.ts', 'utf8');
  assert.ok(readme.includes(example.trim()), 'README.md must embed examples/range-max.task.ts');
});
