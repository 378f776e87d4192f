import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { RunFolder } from '../../../src/engine/run-folder';
import { builtinTask } from '../../../src/core/index';
import { fakeFactory, fakeFactoryWithExpert } from '../engine/fake-learner';

async function run(argv: string[], factory = fakeFactory()) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false }, factory);
  return { code, out, err };
}

const small = ['--steps-per-round', '3', '--batch', '8', '--contexts', '2', '--eval-contexts', '2'];

test('amplify train: one line per round, a final table, a run folder', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-train-')), 'run');
  const r = await run(['train', '--task', 'wildcard-search', '--rounds', '3', '--out', dir, ...small]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^training wildcard-search \(amplify, model small, backend cpu\)/m);
  assert.equal(r.out.match(/^round \d+ {2}N=8 {2}X [\d.]+% {2}targets/gm)?.length, 3);
  assert.match(r.out, /^class +X +targets$/m);
  assert.match(r.out, /^1 wildcards +[\d.]+% +[\d.]+%$/m);
  assert.match(r.out, /^rounds 3, size N=8, calls to H 48, training questions 48/m);
  assert.equal(RunFolder.open(dir).rounds().records.length, 3);
});

test('amplify train --json: the last line is one JSON object with the results; --resume continues', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-train-')), 'run');
  const factory = fakeFactory();
  const r = await run(['train', '--task', 'permutation-powering', '--mode', 'supervised', '--rounds', '2', '--out', dir, '--json', ...small], factory);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1, 'progress goes to stderr with --json');
  const j = JSON.parse(lines[0]);
  for (const k of ['accuracy', 'targetAccuracy', 'accuracyByClass', 'callsToH', 'size', 'rounds', 'seconds', 'backend']) assert.ok(k in j, k);
  assert.equal(j.rounds, 2);
  assert.equal(j.targetAccuracy, 1);
  assert.equal(j.callsToH, 0);
  const again = await run(['train', '--resume', dir, '--rounds', '4', '--threads', '1', '--json'], factory);
  assert.equal(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out.trim()).rounds, 4);
  assert.match(again.err, /^resuming permutation-powering/m);
});

test('amplify train --buffer and --symbol-match reach the run config and the model factory', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-train-')), 'run');
  const base = fakeFactory();
  const seen: unknown[] = [];
  const factory = { ...base, create: (o: Parameters<typeof base.create>[0]) => (seen.push(o.switches), base.create(o)) };
  const r = await run(['train', '--task', 'permutation-powering', '--rounds', '1', '--out', dir, '--buffer', '24', '--symbol-match', 'off', '--null-fact', 'on', ...small], factory);
  assert.equal(r.code, 0, r.err);
  const config = RunFolder.open(dir).meta().config;
  assert.equal(config.bufferSize, 24);
  assert.deepEqual(config.modelSwitches, { symbolMatch: false, nullFact: true });
  assert.deepEqual(seen, [{ symbolMatch: false, nullFact: true }]);
  const learned = path.join(path.dirname(dir), 'learned');
  const l = await run(['train', '--task', 'permutation-powering', '--mode', 'amplify-learned-h', '--rounds', '1', '--out', learned, '--expert-calls', '5', '--expert-steps', '3', '--expert-training', 'while-disagreeing', ...small], fakeFactoryWithExpert(builtinTask('permutation-powering')!));
  assert.equal(l.code, 0, l.err);
  const lc = RunFolder.open(learned).meta().config;
  assert.equal(lc.expertCallsPerRound, 5);
  assert.equal(lc.expertStepsPerRound, 3);
  assert.equal(lc.expertTraining, 'while-disagreeing');
  assert.match(l.out, /calls to H 5 /, 'H decomposes 5 questions per round');
  const plain = path.join(path.dirname(dir), 'plain');
  assert.equal((await run(['train', '--task', 'permutation-powering', '--rounds', '1', '--out', plain, ...small])).code, 0);
  assert.equal(RunFolder.open(plain).meta().config.modelSwitches, undefined, "absent: the preset's switches");
});

test('amplify train: usage errors exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['train'], /train needs --task/],
    [['train', '--task', 'union-find', '--mode', 'magic'], /--mode must be one of amplify, amplify-learned-h, supervised/],
    [['train', '--task', 'union-find', '--model', 'huge'], /--model must be one of tiny, small, paper/],
    [['train', '--task', 'union-find', '--size', '3'], /size 3 is outside union-find's range 8\.\.64/],
    [['train', '--task', 'union-find', '--until', '2'], /--until must be a number in \[0, 1\]/],
    [['train', '--resume', '/nonexistent/run'], /is not a run folder/],
    [['train', 'union-find'], /train takes options only/],
    [['train', '--task', 'union-find', '--symbol-match', 'yes'], /--symbol-match must be on or off/],
    [['train', '--task', 'union-find', '--buffer', '0'], /--buffer/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.out} ${r.err}`);
    assert.match(r.err, pattern);
  }
});
