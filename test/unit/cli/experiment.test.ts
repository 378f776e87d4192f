import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { figureSvg, ratios, summarise } from '../../../src/cli/experiment';
import { main } from '../../../src/cli/main';
import type { LearnerFactory } from '../../../src/engine/run';
import type { RoundRecord } from '../../../src/engine/run-types';
import { builtinTask } from '../../../src/core/index';
import { fakeFactory, fakeFactoryWithExpert, permutationOracleFactory } from '../engine/fake-learner';

async function run(argv: string[], factory: LearnerFactory = fakeFactory()) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false }, factory);
  return { code, out, err };
}

test('amplify experiment figure2: a run folder, a curve and a summary per (task, mode), and the figure', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-exp-')), 'fig');
  const r = await run(['experiment', 'figure2', '--tasks', 'permutation-powering', '--modes', 'supervised,amplify', '--budget-minutes', '0.5', '--out', dir], permutationOracleFactory());
  assert.equal(r.code, 0, r.err);
  // An oracle X is right from the first round: both modes reach 90% after one round's questions.
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.curves.map((c: { mode: string }) => c.mode), ['supervised', 'amplify']);
  for (const c of summary.curves) {
    assert.equal(c.rounds, 1);
    assert.equal(c.accuracy, 1);
    assert.equal(c.questionsTo90, 2048);
    assert.ok(fs.existsSync(path.join(c.folder, 'run.json')), 'a run folder the extension can open');
  }
  assert.equal(summary.curves[0].callsToH, 0, 'supervised never calls H');
  assert.equal(summary.curves[1].callsToH, 2048);
  assert.deepEqual(summary.ratios['permutation-powering'], { amplify: 1, amplifyLearnedH: null });
  const csv = fs.readFileSync(path.join(dir, 'curves', 'permutation-powering-amplify.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'round,questions,seconds,accuracy,target_accuracy,calls_to_h,size');
  assert.match(csv[1], /^1,2048,[\d.]+,1\.0000,1\.0000,2048,8$/);
  assert.match(fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8'), /^permutation-powering,amplify,1\.0000,1\.0000,2048,/m);
  const svg = fs.readFileSync(path.join(dir, 'figure2.svg'), 'utf8');
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.match(r.out, /permutation-powering +supervised +100\.0%/);
  // --keep: nothing is retrained.
  const again = await run(['experiment', 'figure2', '--tasks', 'permutation-powering', '--modes', 'supervised', '--out', dir, '--keep'], permutationOracleFactory());
  assert.match(again.out, /kept \(1 rounds; X reached 100\.0%/);
  // A later invocation for one mode keeps the other curves in the summary and the figure.
  const more = await run(['experiment', 'figure2', '--tasks', 'permutation-powering', '--modes', 'amplify-learned-h', '--budget-minutes', '0.5', '--out', dir], fakeFactoryWithExpert(builtinTask('permutation-powering')!));
  assert.equal(more.code, 0, more.err);
  const all = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.deepEqual(all.curves.map((c: { mode: string }) => c.mode), ['supervised', 'amplify', 'amplify-learned-h']);
  assert.equal(fs.readFileSync(path.join(dir, 'figure2.svg'), 'utf8').match(/<polyline/g)?.length, 3);
});

test('amplify experiment --contexts and --buffer set every run of the experiment', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-exp-')), 'fig');
  const r = await run(['experiment', 'figure2', '--tasks', 'permutation-powering', '--modes', 'amplify', '--budget-minutes', '0.5', '--contexts', '4', '--buffer', '64', '--null-fact', 'on', '--out', dir], permutationOracleFactory());
  assert.equal(r.code, 0, r.err);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'permutation-powering-amplify', 'run.json'), 'utf8'));
  assert.equal(meta.config.contextsPerRound, 4);
  assert.equal(meta.config.bufferSize, 64);
  assert.deepEqual(meta.config.modelSwitches, { nullFact: true });
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).curves[0].questionsTo90, 32, '4 contexts × 8 questions in the first round');
});

test("the figure's per-task settings: wildcard search trains with the null fact unless the command line says otherwise", async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-exp-')), 'fig');
  const switches = (task: string) => JSON.parse(fs.readFileSync(path.join(dir, `${task}-supervised`, 'run.json'), 'utf8')).config.modelSwitches;
  const r = await run(['experiment', 'figure2', '--tasks', 'wildcard-search,union-find', '--modes', 'supervised', '--budget-minutes', '0.01', '--contexts', '1', '--out', dir]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(switches('wildcard-search'), { nullFact: true });
  assert.equal(switches('union-find'), undefined, "other tasks: the preset's switches");
  const off = await run(['experiment', 'figure2', '--tasks', 'wildcard-search', '--modes', 'supervised', '--budget-minutes', '0.01', '--contexts', '1', '--null-fact', 'off', '--out', dir]);
  assert.equal(off.code, 0, off.err);
  assert.deepEqual(switches('wildcard-search'), { nullFact: false });
});

test('amplify experiment: usage errors exit 2', async () => {
  assert.equal((await run(['experiment', 'figure3'])).code, 2);
  assert.equal((await run(['experiment', 'figure2', '--modes', 'telepathy'])).code, 2);
});

test('summaries: questions to 90% and the ratio amplification / supervised; the figure has one panel per task', () => {
  const rec = (round: number, accuracy: number): RoundRecord => ({ round, accuracy, questionsTotal: round * 1000, callsToHTotal: round * 500, elapsed: round * 6, size: 8, targetAccuracy: accuracy } as RoundRecord);
  const sup = summarise('t', 'supervised', '/x', [rec(1, 0.5), rec(2, 0.91), rec(3, 0.95)]);
  const amp = summarise('t', 'amplify', '/y', [rec(1, 0.2), rec(2, 0.6), rec(3, 0.89), rec(4, 0.93)]);
  assert.equal(sup.questionsTo90, 2000);
  assert.equal(amp.questionsTo90, 4000);
  assert.equal(amp.minutesTo90, 0.4);
  assert.deepEqual(ratios([sup, amp]), { t: { amplify: 2, amplifyLearnedH: null } });
  const never = summarise('u', 'amplify', '/z', [rec(1, 0.3)]);
  assert.equal(never.questionsTo90, null);
  assert.equal(ratios([never]).u.amplify, null);
  const svg = figureSvg([{ task: 't', mode: 'supervised', records: [rec(1, 0.5)] }, { task: 'u', mode: 'amplify', records: [rec(1, 0.3)] }]);
  assert.equal(svg.match(/font-weight="600">[tu]</g)?.length, 2);
});
