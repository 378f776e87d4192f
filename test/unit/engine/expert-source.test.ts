// H′ learns from people (issue 16, item 3): expert source human | H | both. The mechanics with fake
// learners (where H′'s data comes from, calls to H, the checks of each transcript, the error at
// start), then a real tiny H′ (wasm) that imitates a scripted, consistent person on held-out
// questions. EXPERT_SOURCE_SWEEP=25,50,… measures how many transcripts it needs (docs/results.md).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { amplify, makeContext, sameTuple, truthAnswerer, type AnyTask, type PlayRecord } from '../../../src/core/index';
import { agreementWithPerson, humanTranscriptsFile, readHumanData } from '../../../src/engine/human-transcripts';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import type { RoundRecord, RunConfig } from '../../../src/engine/run-types';
import { createModelH } from '../../../src/learner/factory';
import { tfjsLearnerFactory } from '../../../src/learner/factory';
import { fakeFactory, fakeFactoryWithExpert } from './fake-learner';
import { jsonLines, learned, personLines, personRecords, pp } from './expert-source-person';

const LEARNED_H_MODE = 'amplify-learned-h' as RunConfig['mode'];

function tmpRun(records: readonly unknown[] = [], extra = ''): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'expert-source-')), 'run');
  if (records.length > 0 || extra) {
    fs.mkdirSync(path.dirname(humanTranscriptsFile(dir)), { recursive: true });
    fs.writeFileSync(humanTranscriptsFile(dir), jsonLines(records) + extra);
  }
  return dir;
}

const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_CONFIG, task: pp.name, mode: LEARNED_H_MODE, contextsPerRound: 2, questionsPerContext: 4, stepsPerRound: 1, batchSize: 8, evalContexts: 1,
  expertCallsPerRound: 4, expertStepsPerRound: 2, ...over,
});

/** Whether the person decomposes σ^k(x) as H does: on even k, and k = 3 (σ^1 three times either way). */
const sameAsH = (k: number) => k % 2 === 0 || k === 3;

/** Permutation powering whose H counts its calls (each question H decomposes is one). */
function countingTask(): { task: AnyTask; calls: () => number; reset: () => void } {
  let n = 0;
  const task: AnyTask = {
    ...pp,
    *expert(q) {
      n++;
      return yield* pp.expert(q);
    },
  };
  return { task, calls: () => n, reset: () => (n = 0) };
}

test("the scripted person: their transcripts are valid records in H's schema, and differ from H's on odd k > 3 only", () => {
  const records = personRecords('person/check', 40);
  let differ = 0;
  for (const r of records) {
    assert.equal(r.transcript.source, 'human');
    assert.equal(r.transcript.steps.length, personLines(r.question).length - 1);
    const ctx = makeContext(pp, r.instance);
    const byH = amplify(pp, ctx, r.question, truthAnswerer(pp));
    assert.ok(sameTuple(r.transcript.answer, byH.answer), 'the person answers right');
    const same = JSON.stringify(learned(r)) === JSON.stringify(learned({ ...r, transcript: byH } as PlayRecord));
    const k = parseInt(r.question.slice(1, 7).join(''), 2);
    assert.equal(same, sameAsH(k), `k = ${k}`);
    if (!same) differ++;
  }
  assert.ok(differ > 5 && differ < 35, `${differ} of 40 differ from H`);
});

test('readHumanData: records of the task split 4:1 into training and held out; other tasks counted; invalid lines left out with their line', () => {
  const good = personRecords('person/read', 60);
  const bad: PlayRecord = { ...good[0], transcript: { ...good[0].transcript, steps: [{ question: ['pow', '0', '0', '0', '0', '1', '0', 'zz'], answer: ['ab'], source: 'truth' }] } };
  const tooMany: PlayRecord = { ...good[1], transcript: { ...good[1].transcript, steps: [...good[1].transcript.steps, ...good[1].transcript.steps] } };
  const primitive: PlayRecord = { ...good[2], question: ['pow', '0', '0', '0', '0', '0', '1', good[2].question[7]], transcript: { ...good[2].transcript, question: ['pow', '0', '0', '0', '0', '0', '1', good[2].question[7]] } };
  const other = { ...good[3], task: 'union-find', transcript: { ...good[3].transcript, task: 'union-find' } };
  const dir = tmpRun([...good, bad, tooMany, primitive, other], '{"cut short');
  const data = readHumanData(pp, humanTranscriptsFile(dir));
  assert.equal(data.train.length + data.heldOut.length, 60);
  assert.ok(data.heldOut.length >= 4 && data.heldOut.length <= 22, `${data.heldOut.length} held out of 60`);
  assert.equal(data.otherTasks, 1);
  assert.deepEqual(data.problems.map((p) => p.line), [61, 62, 63, 65]);
  assert.match(data.problems[0].reason, /^subquestion 1: .*zz/);
  assert.match(data.problems[1].reason, /more than H may ask/);
  assert.match(data.problems[2].reason, /is a lookup/);
  assert.match(data.problems[3].reason, /not JSON/);
  // The split is a fixed choice per question: the same file read again splits the same way.
  assert.deepEqual(readHumanData(pp, humanTranscriptsFile(dir)).heldOut, data.heldOut);
});

test('expert source human without transcripts: a clear error at start, before the run folder is made; and only with a mode with H′', async () => {
  const dir = tmpRun();
  await assert.rejects(Run.create(pp, config({ expertSource: 'human' }), fakeFactoryWithExpert(pp), dir), /no transcript of a person to train H′ on in .*human\/transcripts\.jsonl.*amplify play permutation-powering --run/);
  assert.ok(!fs.existsSync(path.join(dir, 'run.json')));
  await assert.rejects(Run.create(pp, config({ expertSource: 'human' }), fakeFactoryWithExpert(pp)), /in a run folder/);
  const unusable = tmpRun([], '{"not": "a record"}\n');
  await assert.rejects(Run.create(pp, config({ expertSource: 'both' }), fakeFactoryWithExpert(pp), unusable), /left out 1 invalid \(line 1: /);
  await assert.rejects(Run.create(pp, config({ mode: 'amplify' as RunConfig['mode'], expertSource: 'human' }), fakeFactory(), tmpRun(personRecords('p', 5))), /expert source human needs a mode with H′/);
  await assert.rejects(Run.create(pp, config({ expertSource: 'people' as RunConfig['expertSource'] }), fakeFactoryWithExpert(pp)), /expertSource must be one of H, human, both/);
});

test('expert source human: H is never called, H′ trains on the person\'s transcripts only, the rounds say so and measure agreement on the held-out ones', async () => {
  const counting = countingTask();
  const records = personRecords('person/mechanics', 30);
  const dir = tmpRun(records);
  const factory = fakeFactoryWithExpert(pp);
  const run = await Run.create(counting.task, config({ expertSource: 'human' }), factory, dir);
  counting.reset();
  const out: RoundRecord[] = [];
  for (let r = 0; r < 3; r++) out.push(await run.runRound());
  const data = readHumanData(pp, humanTranscriptsFile(dir));
  assert.equal(counting.calls(), 0, 'the real H decomposed nothing');
  for (const r of out) {
    assert.equal(r.callsToH, 0);
    assert.deepEqual(r.expertData, { source: 'human', transcriptsOfH: 0, human: data.train.length, heldOut: data.heldOut.length });
    assert.equal(r.expertAgreement, undefined, 'no agreement with H without calls to H');
    assert.equal(typeof r.humanAgreement, 'number');
  }
  assert.equal(run.expertBuffer.size, 0, "no transcript of H in H′'s buffer");
  // New runs train H′ only while it disagrees (with no call to H: with the person's held-out
  // transcripts); the fake H′ reproduces them all once trained, so rounds 2 and 3 take no step.
  assert.deepEqual(out.map((r) => r.expertSteps), out.map((r) => (r.humanAgreement! < 1 ? 2 : 0)));
  assert.deepEqual(out.map((r) => r.expertSteps), [2, 0, 0]);
  assert.equal(factory.experts[0].seen, 2 * 32, "H′'s batches (1 round × 2 steps × 32) came from the person's transcripts");
  // The fake H′ imitates H once trained: it reproduces the person's held-out transcripts where their policies coincide.
  const even = data.heldOut.filter((t) => sameAsH(parseInt(t.question.slice(1, 7).join(''), 2))).length / data.heldOut.length;
  assert.equal(out[0].humanAgreement, 0, 'before any training the fake H′ answers ?');
  assert.equal(out[1].humanAgreement, even);
  // A transcript added while the run trains (amplify play --run DIR) is read at the next round.
  fs.appendFileSync(humanTranscriptsFile(dir), jsonLines(personRecords('person/later', 10)));
  const later = await run.runRound();
  assert.equal(later.expertData!.human + later.expertData!.heldOut, 40);
  run.dispose();
  // Resuming checks the transcripts again.
  fs.rmSync(humanTranscriptsFile(dir));
  await assert.rejects(Run.resume(run.folder!, pp, factory), /no transcript of a person/);
});

test('expert source H and both call H as many times as the config says; both also trains H′ on the person', async () => {
  for (const source of ['H', 'both'] as const) {
    const counting = countingTask();
    const dir = tmpRun(personRecords('person/both', 20));
    const factory = fakeFactoryWithExpert(pp);
    const run = await Run.create(counting.task, config({ expertSource: source }), factory, dir);
    counting.reset();
    const r = await run.runRound();
    assert.equal(r.callsToH, 4);
    assert.equal(counting.calls(), 4, `${source}: expertCallsPerRound questions decomposed by H`);
    assert.equal(r.expertData!.source, source);
    assert.equal(r.expertData!.transcriptsOfH, 4);
    assert.equal(r.expertData!.human > 0, source === 'both');
    assert.equal(r.humanAgreement === undefined, source === 'H');
    assert.equal(typeof r.expertAgreement, 'number');
    run.dispose();
  }
});

/** H′ trained by a run with expert source human on `n` recorded transcripts of the person. */
async function trainOnPerson(n: number, rounds: number, stepsPerRound: number) {
  const dir = tmpRun(personRecords('person/train', n));
  const run = await Run.create(pp, config({
    expertSource: 'human', model: 'tiny', expertModel: 'tiny', backend: 'wasm', threads: 1, contextsPerRound: 1, questionsPerContext: 2, batchSize: 2, expertStepsPerRound: stepsPerRound,
  }), tfjsLearnerFactory, dir);
  const records: RoundRecord[] = [];
  for (let r = 0; r < rounds; r++) records.push(await run.runRound());
  return { run, records };
}

/** H′'s training in the test and the sweep: rounds × optimiser steps of 32 transcripts. */
const ROUNDS = 8;
const STEPS = 20;

const heldOut = () => personRecords('person/held-out', 200).map(learned);

/** How often H imitated perfectly would reproduce the person's transcripts: where the two policies coincide. */
function agreementOfH(transcripts: ReturnType<typeof heldOut>): number {
  const records = personRecords('person/held-out', transcripts.length);
  return records.filter((r) => JSON.stringify(learned(r)) === JSON.stringify(learned({ ...r, transcript: amplify(pp, makeContext(pp, r.instance), r.question, truthAnswerer(pp)) } as PlayRecord))).length / records.length;
}

test('a tiny H′ trained with expert source human imitates a consistent person on 200 held-out questions (≥ 90%), where H\'s policy agrees on about half', async () => {
  const eval200 = heldOut();
  const untrained = await createModelH({ task: pp, preset: 'tiny', seed: 2, backend: 'wasm' });
  const before = agreementWithPerson(untrained, pp, eval200);
  untrained.dispose();
  const { run, records } = await trainOnPerson(200, ROUNDS, STEPS);
  try {
    const after = agreementWithPerson(run.expert!, pp, eval200);
    const ofH = agreementOfH(eval200);
    const last = records[records.length - 1];
    console.error(`H′ vs the person: untrained ${before}, after ${records.length} rounds × ${STEPS} steps on ${last.expertData!.human} transcripts ${after} (the run's own held-out ${last.humanAgreement} of ${last.expertData!.heldOut}); H's policy ${ofH}; calls to H ${last.callsToHTotal}`);
    assert.equal(last.callsToHTotal, 0);
    assert.ok(before < 0.1, `untrained H′ ${before}`);
    assert.ok(ofH > 0.3 && ofH < 0.7, `H's own policy agrees with the person on ${ofH}`);
    assert.ok(after >= 0.9, `trained H′ agrees with the person on ${after} of held-out questions`);
    assert.ok(last.humanAgreement! >= 0.8, `the run's held-out agreement ${last.humanAgreement}`);
  } finally {
    run.dispose();
  }
});

const sweep = process.env.EXPERT_SOURCE_SWEEP;
test('sweep: transcripts → H′ agreement with the person (EXPERT_SOURCE_SWEEP=25,50,…)', { skip: sweep ? false : 'set EXPERT_SOURCE_SWEEP to measure' }, async () => {
  const eval200 = heldOut();
  const rows = ['| transcripts recorded | trained on | agreement on 200 held-out questions | the run\'s own held-out (n) |', '|---:|---:|---:|---:|'];
  for (const n of sweep!.split(',').map(Number)) {
    const { run, records } = await trainOnPerson(n, ROUNDS, STEPS);
    const last = records[records.length - 1];
    rows.push(`| ${n} | ${last.expertData!.human} | ${(100 * agreementWithPerson(run.expert!, pp, eval200)).toFixed(1)}% | ${last.humanAgreement === undefined ? '–' : `${(100 * last.humanAgreement).toFixed(1)}%`} (${last.expertData!.heldOut}) |`);
    run.dispose();
    console.error(rows[rows.length - 1]);
  }
  console.error(rows.join('\n'));
});
