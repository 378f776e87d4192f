import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { curriculumRatios, summarise } from '../../../src/cli/experiment';
import { heldFrom, sizeSummaries, stopReason } from '../../../src/cli/experiment-curriculum';
import { main } from '../../../src/cli/main';
import type { LearnerFactory } from '../../../src/engine/run';
import type { RoundRecord } from '../../../src/engine/run-types';
import { fakeFactory, permutationOracleFactory } from '../engine/fake-learner';

async function run(argv: string[], factory: LearnerFactory = permutationOracleFactory()) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false }, factory);
  return { code, out, err };
}

const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-cur-')), 'fig');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

const rec = (round: number, size: number, accuracy: number): RoundRecord =>
  ({ round, size, accuracy, questionsTotal: round * 100, callsToHTotal: round * 50, elapsed: round * 6, targetAccuracy: accuracy } as RoundRecord);

test('experiment figure2 --curriculum: N rises on the gate within the budget; the summary, the per-N curves and the N panel', async () => {
  const dir = tmp();
  // The `questions` gate: 16 contexts × 8 questions = 128 a round, all checked by the gate (≥ its horizon of 100):
  // an oracle X agrees with every target, so N rises by one after every round; a budget of 640 questions is 5
  // rounds: N = 8 … 12.
  const args = ['experiment', 'figure2', '--curriculum', '--gate', 'questions', '--tasks', 'permutation-powering', '--modes', 'supervised,amplify', '--contexts', '16', '--out', dir];
  const r = await run([...args, '--budget-questions', '640']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /budget of 640 training questions used \(640\): stopping/);
  const summary = readJson(path.join(dir, 'summary.json'));
  assert.deepEqual(summary.curves.map((c: { mode: string; folder: string }) => [c.mode, path.basename(c.folder)]), [
    ['supervised', 'permutation-powering-supervised-curriculum'], ['amplify', 'permutation-powering-amplify-curriculum'],
  ]);
  for (const c of summary.curves) {
    assert.equal(c.size, 12, 'size is the largest N reached');
    assert.equal(c.accuracy, 1, "X's accuracy at that N");
    assert.equal(c.questions, 640);
    assert.equal(c.curriculum.startSize, 8);
    assert.equal(c.curriculum.gate, 'questions', "the gate's rule the run was made with");
    assert.equal(c.curriculum.sizeAt90, 12);
    assert.deepEqual(c.curriculum.sizes.map((s: { size: number; questions: number; questionsBefore: number }) => [s.size, s.questions, s.questionsBefore]), [[8, 128, 0], [9, 128, 128], [10, 128, 256], [11, 128, 384], [12, 128, 512]]);
  }
  assert.deepEqual(summary.curves[1].curriculum.sizes.map((s: { callsToH: number }) => s.callsToH), [128, 128, 128, 128, 128], 'calls to H per N');
  assert.equal(summary.curves[0].curriculum.sizes[0].callsToH, 0, 'supervised never calls H');
  assert.deepEqual(summary.ratios, {}, 'curriculum runs are not in the fixed-N ratios');
  assert.deepEqual(summary.curriculumRatios['permutation-powering'].amplify, { size: 12, ratio: 1 });
  const sizes = fs.readFileSync(path.join(dir, 'curves', 'permutation-powering-amplify-curriculum-sizes.csv'), 'utf8').trim().split('\n');
  assert.equal(sizes[0], 'size,rounds,questions,calls_to_h,seconds,questions_before,accuracy,best_accuracy,questions_to_90');
  assert.match(sizes[5], /^12,1,128,128,[\d.]+,512,1\.0000,1\.0000,640$/);
  assert.match(fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8'), /^permutation-powering,amplify,1\.0000,1\.0000,640,[\d.]+,640,640,640,12,[\d.]+,5,yes,12,$/m);
  const svg = fs.readFileSync(path.join(dir, 'figure2.svg'), 'utf8');
  assert.equal(svg.match(/class="size-curve"/g)?.length, 2, 'a line of N against training questions per run');
  assert.match(svg, /permutation-powering: N \(curriculum\)/);
  assert.match(r.out, /amplify \(curr\.\) .* 12 +12$/m);

  // --keep with a larger budget resumes each run where it stopped (round 6 at N = 13), it does not restart.
  // --threads reaches the resumed runs (experiments side by side take a thread each).
  const oracle = permutationOracleFactory();
  const threadsLoaded: (number | undefined)[] = [];
  const spy: LearnerFactory = Object.assign(Object.create(oracle) as LearnerFactory, {
    load: (folder: string, backend: Parameters<LearnerFactory['load']>[1], threads?: number) => {
      threadsLoaded.push(threads);
      return oracle.load(folder, backend, threads);
    },
  });
  const more = await run([...args, '--budget-questions', '896', '--keep', '--threads', '1'], spy);
  assert.equal(more.code, 0, more.err);
  assert.deepEqual(threadsLoaded, [1, 1], 'both resumed runs load X with one thread');
  assert.match(more.out, /permutation-powering-amplify-curriculum: resumed after 5 rounds/);
  const resumed = readJson(path.join(dir, 'summary.json')).curves[1];
  assert.equal(resumed.rounds, 7);
  assert.equal(resumed.size, 14);
  const rounds = fs.readFileSync(path.join(dir, 'permutation-powering-amplify-curriculum', 'rounds.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).round);
  assert.deepEqual(rounds, [1, 2, 3, 4, 5, 6, 7]);
  // A run that has used its budget is kept as it is.
  const again = await run([...args, '--budget-questions', '896', '--keep']);
  assert.match(again.out, /permutation-powering-amplify-curriculum: kept \(7 rounds; budget of 896 training questions used \(896\)\)/);
  assert.equal(readJson(path.join(dir, 'summary.json')).curves[1].rounds, 7);
});

test('experiment figure2 --curriculum stops at --max-size once X reaches --until there; fixed-N runs sit beside curriculum runs', async () => {
  const dir = tmp();
  const r = await run(['experiment', 'figure2', '--curriculum', '--tasks', 'permutation-powering', '--modes', 'amplify', '--contexts', '16', '--max-size', '10', '--budget-questions', '100000', '--out', dir]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /X reached 100\.0% ≥ 90\.0% at the largest N = 10: stopping/);
  const fixed = await run(['experiment', 'figure2', '--tasks', 'permutation-powering', '--modes', 'supervised,amplify', '--contexts', '16', '--budget-minutes', '0.5', '--out', dir]);
  assert.equal(fixed.code, 0, fixed.err);
  const summary = readJson(path.join(dir, 'summary.json'));
  assert.equal(summary.curves[2].curriculum.gate, 'grounded', 'the default rule');
  assert.deepEqual(summary.curves.map((c: { mode: string; size: number; rounds: number; curriculum?: unknown }) => [c.mode, c.size, c.rounds, Boolean(c.curriculum)]), [
    // The grounded gate (the default) waits 100 steps at each N: 7 rounds of 16 at N = 8 and 9, then X is right at 10.
    ['supervised', 8, 1, false], ['amplify', 8, 1, false], ['amplify', 10, 15, true],
  ]);
  assert.deepEqual(summary.ratios['permutation-powering'], { amplify: 1, amplifyLearnedH: null });
  const svg = fs.readFileSync(path.join(dir, 'figure2.svg'), 'utf8');
  assert.equal(svg.match(/<polyline/g)?.length, 3);
  assert.equal(svg.match(/class="size-curve"/g)?.length, 1);
});

test('experiment figure2 --hold: a run goes on until X has held ≥ ACC for the stated rounds, and the summary says from when', async () => {
  const dir = tmp();
  const r = await run(['experiment', 'figure2', '--tasks', 'permutation-powering', '--modes', 'amplify', '--contexts', '4', '--hold', '0.95', '--hold-rounds', '3', '--budget-minutes', '1', '--out', dir]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /X held ≥ 95\.0% for 3 rounds \(rounds 1–3\): stopping/);
  const c = readJson(path.join(dir, 'summary.json')).curves[0];
  assert.equal(c.rounds, 3, 'not stopped at the first round above 90%');
  assert.deepEqual(c.held, { accuracy: 0.95, rounds: 3, round: 1, questions: 32, callsToH: 32 });
  assert.equal((await run(['experiment', 'figure2', '--hold-rounds', '3'])).code, 2, '--hold-rounds needs --hold');
});

test('a run whose X never learns stops at its budget of questions', async () => {
  const dir = tmp();
  const r = await run(['experiment', 'figure2', '--curriculum', '--tasks', 'union-find', '--modes', 'amplify', '--contexts', '2', '--budget-questions', '48', '--out', dir], fakeFactory(1000));
  assert.equal(r.code, 0, r.err);
  const c = readJson(path.join(dir, 'summary.json')).curves[0];
  assert.equal(c.questions, 48);
  assert.equal(c.size, 10, 'no agreement, no larger N');
  assert.equal(c.curriculum.sizeAt90, null);
});

test('stop rules, holds and per-N summaries', () => {
  const rule = { until: 0.9, budgetQuestions: 1000 };
  assert.equal(stopReason([], rule), undefined);
  assert.match(stopReason([rec(1, 8, 0.5), rec(2, 8, 0.91)], rule)!, /reached 91\.0%/);
  assert.equal(stopReason([rec(1, 8, 0.91), rec(2, 9, 0.5)], { ...rule, curriculumMaxSize: 9 }), undefined, 'a curriculum run goes on below its target at its largest N');
  assert.equal(stopReason([rec(1, 8, 0.95)], { ...rule, curriculumMaxSize: 9 }), undefined, '… and below its largest N');
  assert.match(stopReason([rec(1, 8, 0.95), rec(2, 9, 0.92)], { ...rule, curriculumMaxSize: 9 })!, /at the largest N = 9/);
  assert.match(stopReason([rec(10, 8, 0.1)], rule)!, /budget of 1000 training questions/);
  assert.match(stopReason([rec(1, 8, 0.1)], { until: 0.9, budgetMinutes: 0.1 })!, /budget of 0\.1 minutes/);
  const hold = { until: 0.9, hold: { accuracy: 0.95, rounds: 2 } };
  assert.equal(stopReason([rec(1, 8, 0.96)], hold), undefined);
  assert.equal(stopReason([rec(1, 8, 0.96), rec(2, 8, 0.94)], hold), undefined, 'the first 90% is not a hold');
  assert.match(stopReason([rec(1, 8, 0.96), rec(2, 8, 0.94), rec(3, 8, 0.95), rec(4, 8, 0.97)], hold)!, /rounds 3–4/);
  assert.equal(heldFrom([rec(1, 8, 0.96), rec(2, 9, 0.97), rec(3, 9, 0.99)], 0.95, 3), undefined, 'a hold is at one N');
  assert.equal(heldFrom([rec(1, 8, 0.96), rec(2, 9, 0.97), rec(3, 9, 0.99)], 0.95, 2)?.round, 2);
  const sizes = sizeSummaries([rec(1, 8, 0.5), rec(2, 8, 0.92), rec(3, 9, 0.6), rec(4, 9, 0.8)]);
  assert.deepEqual(sizes, [
    { size: 8, rounds: 2, questions: 200, callsToH: 100, seconds: 12, questionsBefore: 0, accuracy: 0.92, bestAccuracy: 0.92, questionsTo90: 200 },
    { size: 9, rounds: 2, questions: 200, callsToH: 100, seconds: 12, questionsBefore: 200, accuracy: 0.8, bestAccuracy: 0.8, questionsTo90: null },
  ]);
  const sup = summarise('t', 'supervised', '/x', [rec(1, 8, 0.95), rec(2, 9, 0.95)], 0.9, { curriculum: true });
  const amp = summarise('t', 'amplify', '/y', [rec(1, 8, 0.5), rec(2, 8, 0.95), rec(3, 9, 0.93)], 0.9, { curriculum: true });
  assert.deepEqual(curriculumRatios([sup, amp]), { t: { amplify: { size: 9, ratio: 1.5 } } });
  assert.equal(amp.questionsTo90, 300, "a curriculum run's 90% is at its last N (round 3), not at N = 8 on the way up (round 2)");
  assert.equal(summarise('t', 'amplify', '/y', [rec(1, 8, 0.95), rec(2, 9, 0.6)], 0.9, { curriculum: true }).questionsTo90, null, 'not yet 90% at its last N');
  assert.equal(summarise('t', 'amplify', '/y', [rec(1, 8, 0.5)]).curriculum, undefined, 'fixed-N runs have no per-N summary');
});

test('experiment figure2 --publish merges the runs into a results folder: same run replaced, others kept, ratios and figure redone', async () => {
  const results = tmp();
  fs.mkdirSync(path.join(results, 'curves'), { recursive: true });
  // A results folder as docs/results has it: an earlier experiment's entries (run folders named, not present) and curves.
  const earlier = (mode: string, questionsTo90: number) => ({
    task: 'permutation-powering', mode, folder: `permutation-powering-${mode}`, rounds: 9, accuracy: 0.91, targetAccuracy: 1, questionsTo90,
    minutesTo90: 1, callsToHTo90: 0, questions: questionsTo90, callsToH: 0, size: 8, minutes: 1,
  });
  fs.writeFileSync(path.join(results, 'summary.json'), JSON.stringify({ schemaVersion: 1, curves: [earlier('supervised', 4096), earlier('amplify', 9999)], ratios: {} }));
  for (const mode of ['supervised', 'amplify']) fs.writeFileSync(path.join(results, 'curves', `permutation-powering-${mode}.json`), JSON.stringify([{ round: 1, questions: 4096, accuracy: 0.91, size: 8 }]));
  const dir = tmp();
  const r = await run(['experiment', 'figure2', '--tasks', 'permutation-powering', '--modes', 'amplify', '--contexts', '16', '--budget-minutes', '0.5', '--out', dir, '--publish', results]);
  assert.equal(r.code, 0, r.err);
  const cur = await run(['experiment', 'figure2', '--curriculum', '--gate', 'questions', '--tasks', 'permutation-powering', '--modes', 'amplify', '--contexts', '16', '--budget-questions', '256', '--out', dir, '--publish', results]);
  assert.equal(cur.code, 0, cur.err);
  const summary = readJson(path.join(results, 'summary.json'));
  assert.deepEqual(summary.curves.map((c: { folder: string; questionsTo90: number }) => [c.folder, c.questionsTo90]), [
    ['permutation-powering-supervised', 4096], ['permutation-powering-amplify', 128], ['permutation-powering-amplify-curriculum', 256],
  ], "the new amplify run replaces the earlier one; folders by name; the curriculum run's 90% at its last N (9, round 2)");
  assert.equal(summary.ratios['permutation-powering'].amplify, 128 / 4096);
  assert.ok(fs.existsSync(path.join(results, 'curves', 'permutation-powering-amplify-curriculum-sizes.csv')));
  assert.equal(JSON.parse(fs.readFileSync(path.join(results, 'curves', 'permutation-powering-amplify.json'), 'utf8'))[0].questions, 128);
  const svg = fs.readFileSync(path.join(results, 'figure2.svg'), 'utf8');
  assert.equal(svg.match(/<polyline/g)?.length, 3, 'two accuracy curves (the earlier supervised one kept) and one of N');
  assert.equal(svg.match(/class="size-curve"/g)?.length, 1);
});
