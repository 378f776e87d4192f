import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import type { PlayIo } from '../../../src/cli/play';
import { amplify, builtinTask, makeContext, truthAnswerer, type Question } from '../../../src/core/index';
import { powQuestion } from '../../../src/core/tasks/permutation-powering';
import { humanTranscriptsFile, readPlayRecords } from '../../../src/engine/human-transcripts';
import type { LearnerFactory } from '../../../src/engine/run';
import { fakeFactory, permutationOracleFactory } from '../engine/fake-learner';

const pp = builtinTask('permutation-powering')!;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amp-play-'));

/** A context (size 8, seed 0, instance 0) and a name x with σ^2(x) ≠ x, so that the pointers matter. */
const ctx = makeContext(pp, { size: 8, seed: '0', index: 0 });
const truth = (q: Question) => pp.answer(ctx, q)[0];
const x = ctx.facts.map((f) => f[0]).find((n) => truth(powQuestion(2, n)) !== n)!;

async function play(argv: string[], lines: string[], factory: LearnerFactory = fakeFactory()) {
  let out = '';
  let err = '';
  const io: PlayIo = { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false, input: Readable.from(lines.map((l) => `${l}\n`)) };
  const code = await main(['play', ...argv], io, factory);
  return { code, out, err };
}

test('amplify play on stdin: σ^4(x) as σ^2(x), σ^2($1), answer $2, with a malformed line between; one JSON line; exit 0', () => {
  const file = path.join(tmp(), 'transcripts.jsonl');
  const script = [`ask σ^2(${x})`, 'ask σ^2(zz ab)', 'ask σ^2($1)', 'answer $2', ''].join('\n');
  const r = spawnSync(process.execPath, ['bin/amplify.js', 'play', 'permutation-powering', '--question', `σ^4(${x})`, '--transcripts', file, '--who', 'ada'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "amplify play: line 2: cannot ask 'σ^2(zz ab)': 'σ^2(zz' is not a question kind (kinds: pow)\n");
  assert.match(r.stdout, new RegExp(`^Q: σ\\^4\\(${x}\\)$`, 'm'));
  assert.match(r.stdout, new RegExp(`^\\$2 = ${truth(powQuestion(4, x))} +← σ\\^2\\(${truth(powQuestion(2, x))}\\) +\\[truth\\]$`, 'm'));
  assert.match(r.stdout, new RegExp(`^answered σ\\^4\\(${x}\\) = ${truth(powQuestion(4, x))} \\(2 subquestions; saved to `, 'm'));
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0]);
  assert.deepEqual(
    { task: record.task, size: record.size, instance: record.instance, question: record.question, who: record.who, answerer: record.answerer, path: record.path },
    { task: pp.name, size: 8, instance: { size: 8, seed: '0', index: 0 }, question: powQuestion(4, x), who: 'ada', answerer: 'truth', path: [] },
  );
  assert.ok(Date.now() - Date.parse(record.at) < 60_000);
  // H's transcript of the same question with the same answerer, but for who answered.
  assert.deepEqual({ ...record.transcript, source: 'H' }, amplify(pp, ctx, powQuestion(4, x), truthAnswerer(pp)));
  assert.deepEqual(readPlayRecords(file), { records: [record], skipped: [] });
});

test('amplify play --answerer me: nested questions for the person, each finished one a line; sampled questions follow one another', async () => {
  const file = path.join(tmp(), 't.jsonl');
  const r = await play(['permutation-powering', '--answerer', 'me', '--budget', '2', '--question', `σ^4(${x})`, '--transcripts', file], [
    `ask σ^2(${x})`, `ask σ^1(${x})`, 'ask σ^1($1)', 'answer $2',
    'ask σ^2($1)', `ask σ^1(${x})`, 'undo', 'undo', 'undo', 'undo', 'tree', '# a comment', '', 'frob',
    `ask σ^2(${x})`, `ask σ^1(${x})`, 'ask σ^1($1)', 'answer $2', 'answer $1',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^nested question for you \\(depth 1, budget 1 left\\): σ\\^2\\(${x}\\)$`, 'm'));
  assert.match(r.out, /^undone: the nested question; now at σ\^4/m);
  assert.match(r.err, /^amplify play: line 10: nothing to undo$/m);
  assert.match(r.err, /^amplify play: line 14: unknown command 'frob'/m);
  assert.equal(r.err.trim().split('\n').length, 2);
  assert.match(r.out, new RegExp(`^σ\\^4\\(${x}\\) = …  \\[open\\]   ◀ you$`, 'm'), 'tree prints the tree so far');
  const { records, skipped } = readPlayRecords(file);
  assert.deepEqual(skipped, []);
  // The first nested question was answered, then undone from the tree: it stays recorded.
  assert.deepEqual(records.map((p) => [p.path, p.answerer, p.transcript.answer[0]]), [[0], [0], []].map((where) => [where, 'me', truth(powQuestion(2, x))]));
  assert.deepEqual(records[2].transcript.steps, [{ question: powQuestion(2, x), answer: [truth(powQuestion(2, x))], source: 'human' }]);

  // Without --question, the next instance's question follows once one is answered; EOF ends with exit 0.
  const s = await play(['permutation-powering', '--seed', '4', '--transcripts', file], ['skip', 'skip']);
  assert.equal(s.code, 0, s.err);
  assert.deepEqual(s.out.match(/instance \d/g), ['instance 0', 'instance 1', 'instance 2']);
  assert.match(s.out, /^0 transcripts saved$/m);
});

test('amplify play --answerer x --run: X of the last checkpoint answers; transcripts go to <run>/human/transcripts.jsonl; bad lines are reported', async () => {
  const dir = path.join(tmp(), 'run');
  const factory = permutationOracleFactory();
  const trained = await main(['train', '--task', 'permutation-powering', '--rounds', '1', '--out', dir, '--steps-per-round', '1', '--batch', '8', '--contexts', '1', '--eval-contexts', '1'], { out: () => {}, err: () => {}, isTTY: false }, factory);
  assert.equal(trained, 0);
  const bad = await play(['permutation-powering', '--answerer', 'x', '--run', dir, '--round', '7'], []);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /keeps X of round 1 only \(its last checkpoint\), not round 7/);
  const r = await play(['permutation-powering', '--answerer', 'x', '--run', dir, '--question', `σ^8(${x})`], [`ask σ^4(${x})`, 'ask σ^4($1)', 'answer $2'], factory);
  assert.equal(r.code, 0, r.err);
  const file = humanTranscriptsFile(dir);
  fs.appendFileSync(file, 'not json\n{"formatVersion":1}\n');
  const { records, skipped } = readPlayRecords(file);
  assert.equal(records.length, 1);
  assert.deepEqual(records[0].transcript.steps.map((s) => s.source), ['X', 'X']);
  assert.deepEqual(records[0].transcript.answer, [truth(powQuestion(8, x))]);
  assert.equal(records[0].round, 1);
  assert.deepEqual(skipped.map((s) => s.line), [2, 3]);
  assert.match(skipped[0].reason, /not JSON/);
  assert.match(skipped[1].reason, /task is not a string/);
});

test('amplify play: usage errors exit 2 with a one-line reason', async () => {
  const cases: [string[], RegExp][] = [
    [['permutation-powering', '--answerer', 'x'], /--answerer x needs --run DIR/],
    [['permutation-powering', '--answerer', 'oracle'], /--answerer must be truth, x or me/],
    [['permutation-powering', '--round', '1'], /--round goes with --answerer x/],
    [['permutation-powering', '--question', 'σ^1(ab)'], /σ\^1\(ab\) is a lookup \(primitive\)/],
    [['permutation-powering', '--question', 'frob'], /'frob' is not a question kind/],
    [['permutation-powering', '--run', '/nonexistent/run'], /is not a run folder/],
    [['no-such-task'], /unknown task 'no-such-task'/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await play(argv, []);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, pattern, argv.join(' '));
  }
});
