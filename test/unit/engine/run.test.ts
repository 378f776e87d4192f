import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, groundTruth, makeContext, makeQuestion, sameTuple, type Answer } from '../../../src/core/index';
import { appendJsonLine } from '../../../src/engine/files';
import { DEFAULT_CONFIG, Run, modelAnswerer, type LearnerFactory } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import type { RunConfig } from '../../../src/engine/run-types';
import type { ModelX, QueryItem } from '../../../src/learner/types';
import { FakeModel, fakeFactory, fakeFactoryWithExpert } from './fake-learner';

const pp = builtinTask('permutation-powering')!;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amp-run-'));
const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_CONFIG, task: pp.name, stepsPerRound: 5, batchSize: 16, contextsPerRound: 4, questionsPerContext: 4, evalContexts: 4, bufferSize: 1000, ...over,
});

test('supervised round: ground-truth targets, buffer, S training steps, record and files', async () => {
  const dir = path.join(tmp(), 'run');
  const factory = fakeFactory();
  const run = await Run.create(pp, config({ mode: 'supervised' }), factory, dir);
  const r = await run.runRound();
  const model = factory.models[0];
  assert.equal(r.round, 1);
  assert.equal(r.targetAccuracy, 1);
  assert.equal(r.callsToH, 0);
  assert.equal(run.buffer.size, 16);
  assert.deepEqual(model.batches, [16, 16, 16, 16, 16]);
  assert.equal(r.questionsTotal, 16);
  assert.equal(r.examplesTotal, 80);
  assert.ok(model.predictCalls.every((c) => !c.teacher), 'supervised never asks the teacher for subanswers');
  const folder = RunFolder.open(dir);
  assert.equal(folder.meta().config.mode, 'supervised');
  assert.deepEqual(folder.rounds().records, [r]);
  assert.equal(folder.state()!.round, 1);
  assert.ok(fs.existsSync(path.join(dir, 'checkpoints/round-0001/fake-model.json')));
  assert.ok(fs.existsSync(path.join(dir, 'checkpoints/round-0001/buffer.json')));
});

test('amplify round: targets come from H with the teacher answering subquestions, never from ground truth', async () => {
  // An X that answers every subquestion with the same (wrong) name: H's targets inherit the error.
  const wrongX: ModelX = Object.assign(new FakeModel(), {
    predict(items: readonly QueryItem[]) {
      return items.map(() => ({ answer: ['aa'] as Answer, probability: 1, top: [] }));
    },
  });
  const factory: LearnerFactory = { create: async () => wrongX, load: async () => wrongX, versions: () => ({}) };
  const run = await Run.create(pp, config({ contextsPerRound: 20 }), factory);
  const r = await run.runRound();
  assert.equal(r.callsToH, 80);
  assert.ok(r.subquestionsToX > 0);
  // k ∈ {2, 3} decompose into lookups only, so those targets are right; most others are wrong.
  assert.ok(r.targetAccuracy > 0.1 && r.targetAccuracy < 0.6, `target accuracy ${r.targetAccuracy}`);
  assert.equal(r.targetAccuracyByClass['2-bit k'], 1);
});

test('a fresh X answers "?": H answers "?" for deep questions; those targets are neither agreement nor trained on', async () => {
  const run = await Run.create(pp, config({ contextsPerRound: 8, questionsPerContext: 8 }), fakeFactory(1));
  const first = await run.runRound();
  assert.equal(first.agreement, 0, 'agreeing on "?" does not count');
  assert.ok(first.targetAccuracy > 0 && first.targetAccuracy < 1);
  assert.equal(first.targetAccuracyByClass['2-bit k'], 1, 'k ∈ {2, 3}: lookups only');
  assert.equal(run.buffer.size, Math.round(first.targetAccuracy * 64), 'only the known (here: right) targets are kept');
});

test('the `questions` gate (runs made before `grounded`) raises N on agreement with targets, and never looks at ground truth', async () => {
  // An oracle X that always answers the ground truth.
  const oracle = (faultRate: number) => {
    const m: ModelX = Object.assign(new FakeModel(), {
      predict(items: readonly QueryItem[]) {
        return items.map((i) => {
          const ctx = { facts: [...i.facts] as string[][], data: { sigma: Object.fromEntries(i.facts.map((f) => [f[0], f[1]])) } };
          const a = groundTruth(pp, ctx, i.question).answer;
          return { answer: a, probability: 1, top: [] };
        });
      },
    });
    return { factory: { create: async () => m, load: async () => m, versions: () => ({}) } as LearnerFactory, faultRate };
  };
  const agreeing = await Run.create(pp, config({ curriculum: true, gate: { threshold: 0.85, horizon: 40, rule: 'questions' } }), oracle(0).factory);
  const sizes: number[] = [];
  for (let i = 0; i < 6; i++) sizes.push((await agreeing.runRound()).size);
  assert.deepEqual(sizes, [8, 8, 8, 9, 9, 9], 'N rises once the window of 40 agreements is full and above 0.85');
  // Targets all corrupted by fault injection: X (still right by ground truth) disagrees with them: N stays.
  const faulted = await Run.create(pp, config({ curriculum: true, gate: { threshold: 0.85, horizon: 40, rule: 'questions' }, fault: { rate: 1, kind: 'random' } }), oracle(1).factory);
  for (let i = 0; i < 6; i++) {
    const r = await faulted.runRound();
    assert.equal(r.size, 8);
    assert.equal(r.accuracy, 1, 'X is right by ground truth');
    assert.equal(r.agreement, 0);
    assert.equal(r.faultsInjected, 16);
    assert.equal(r.targetAccuracy, 0);
  }
});

/**
 * Wildcard search's self-consistent wrong X (docs/results.md): it answers 0 to every sum. A target
 * for w ≥ 2 wildcards adds two of its answers (0 + 0), so it agrees with all of them; a target for
 * one wildcard adds two lookups (H built it from the context alone), and X is wrong where that is not 0.
 */
function zeroFactory(): LearnerFactory {
  const m: ModelX = Object.assign(new FakeModel(), {
    predict(items: readonly QueryItem[]) {
      return items.map(() => ({ answer: ['0'] as Answer, probability: 1, top: [] }));
    },
  });
  return { create: async () => m, load: async () => m, versions: () => ({}) };
}

test('the grounded gate: N rises after `horizon` steps at N once X agrees with all its targets and with those built from lookups', async () => {
  const oracleX: ModelX = Object.assign(new FakeModel(), {
    predict(items: readonly QueryItem[]) {
      return items.map((i) => {
        const ctx = { facts: [...i.facts] as string[][], data: { sigma: Object.fromEntries(i.facts.map((f) => [f[0], f[1]])) } };
        return { answer: groundTruth(pp, ctx, i.question).answer, probability: 1, top: [] };
      });
    },
  });
  const factory: LearnerFactory = { create: async () => oracleX, load: async () => oracleX, versions: () => ({}) };
  const run = await Run.create(pp, config({ curriculum: true, gate: { threshold: 0.85, horizon: 10, rule: 'grounded' } }), factory);
  const records = [];
  for (let i = 0; i < 6; i++) records.push(await run.runRound());
  // 5 steps a round: the horizon of 10 steps is reached in the second round at each N.
  assert.deepEqual(records.map((r) => r.size), [8, 8, 9, 9, 10, 10]);
  for (const r of records) {
    assert.equal(r.agreementAverage, 1);
    assert.equal(r.groundedAgreement, 1);
    assert.equal(r.groundedAverage, 1);
  }
  assert.deepEqual(records[0].agreementByClass && Object.values(records[0].agreementByClass).every((a) => a === 1), true);
});

test('the grounded gate holds N where X agrees with its own errors but not with targets built from lookups; the `questions` gate does not', async () => {
  const ws = builtinTask('wildcard-search')!;
  // At N = 32 half the strings have a value, so most one-wildcard sums are not 0.
  const over = { task: ws.name, size: 32, curriculum: true, contextsPerRound: 32, questionsPerContext: 8 };
  const grounded = await Run.create(ws, config({ ...over, gate: { threshold: 0.8, horizon: 10, rule: 'grounded' } }), zeroFactory());
  const questions = await Run.create(ws, config({ ...over, gate: { threshold: 0.8, horizon: 100, rule: 'questions' } }), zeroFactory());
  const g = [];
  const q = [];
  for (let i = 0; i < 4; i++) {
    g.push(await grounded.runRound());
    q.push(await questions.runRound());
  }
  for (const r of g) {
    assert.ok(r.agreement > 0.8, `agreement ${r.agreement}`);
    assert.ok(r.groundedAgreement! < 0.5, `grounded agreement ${r.groundedAgreement}`);
    for (const [cls, a] of Object.entries(r.agreementByClass!)) assert.ok(cls === '1 wildcards' ? a < 0.5 : a === 1, `${cls}: ${a}`);
  }
  assert.ok(g[3].groundedAverage! < 0.5);
  assert.deepEqual(g.map((r) => r.size), [32, 32, 32, 32], 'the grounded gate holds N');
  assert.deepEqual(q.map((r) => r.size), [32, 33, 34, 35], 'the questions gate raises N every round');
});

test('the classes gate also holds N while one question class disagrees, where the grounded gate raises it', async () => {
  const ws = builtinTask('wildcard-search')!;
  // Right on one wildcard (from the facts), 0 on more: two-wildcard targets (sums of right answers) disagree
  // with its 0 where they are not 0; targets for three or more add its 0s, and it agrees with them.
  const m: ModelX = Object.assign(new FakeModel(), {
    predict(items: readonly QueryItem[]) {
      return items.map((i) => {
        const p = i.question.slice(1);
        if (p.filter((c) => c === '*').length !== 1) return { answer: ['0'] as Answer, probability: 1, top: [] };
        const sum = i.facts.filter((f) => p.every((c, k) => c === '*' || c === f[k])).reduce((a, f) => a + Number(f[f.length - 1]), 0);
        return { answer: [String(sum)] as Answer, probability: 1, top: [] };
      });
    },
  });
  const factory: LearnerFactory = { create: async () => m, load: async () => m, versions: () => ({}) };
  const over = { task: ws.name, size: 32, curriculum: true, contextsPerRound: 32, questionsPerContext: 8 };
  const classes = await Run.create(ws, config({ ...over, gate: { threshold: 0.8, horizon: 10, rule: 'classes' } }), factory);
  const grounded = await Run.create(ws, config({ ...over, gate: { threshold: 0.8, horizon: 10, rule: 'grounded' } }), factory);
  const c = [];
  const g = [];
  for (let i = 0; i < 4; i++) {
    c.push(await classes.runRound());
    g.push(await grounded.runRound());
  }
  for (const r of c) {
    assert.ok(r.agreement > 0.8 && r.groundedAgreement === 1, `agreement ${r.agreement}, grounded ${r.groundedAgreement}`);
    assert.ok(r.agreementAverageByClass!['2 wildcards'] < 0.8, JSON.stringify(r.agreementAverageByClass));
    assert.equal(r.agreementAverageByClass!['3 wildcards'], 1);
  }
  assert.deepEqual(c.map((r) => r.size), [32, 32, 32, 32], 'the classes gate holds N');
  assert.deepEqual(g.map((r) => r.size), [32, 32, 33, 33], 'the grounded gate raises it after 10 steps');
  assert.equal(g[0].agreementAverageByClass, undefined, 'only the classes gate keeps averages per class');
});

test('systematic faults hit the same questions with the same wrong answer in every round', async () => {
  const run = await Run.create(pp, config({ mode: 'supervised', contextsPerRound: 16, fault: { rate: 0.3, kind: 'systematic' } }), fakeFactory());
  const r1 = await run.runRound();
  assert.ok(r1.faultsInjected > 5 && r1.faultsInjected < 40, `faults ${r1.faultsInjected}`);
  const targets = (run.buffer.examples());
  const wrong = targets.filter((t) => {
    const ctx = { facts: t.facts as string[][], data: { sigma: Object.fromEntries(t.facts.map((f) => [f[0], f[1]])) } };
    return !sameTuple(groundTruth(pp, ctx, t.question).answer, t.answer);
  });
  assert.equal(wrong.length, r1.faultsInjected);
  // The same question text is always corrupted the same way.
  const byQuestion = new Map<string, string>();
  for (const t of targets) {
    const k = t.question.join(' ') + '|' + t.facts.map((f) => f.join(' ')).join(';');
    if (byQuestion.has(k)) assert.equal(byQuestion.get(k), t.answer.join(' '));
    byQuestion.set(k, t.answer.join(' '));
  }
});

test('overrides are used ahead of H when building targets, and their pairs join the training set', async () => {
  const dir = path.join(tmp(), 'run');
  const factory = fakeFactory();
  const run = await Run.create(pp, config(), factory, dir);
  const instance = { size: 8, seed: 'pinned', index: 0 };
  const ctx = makeContext(pp, instance);
  const x = ctx.facts[0][0];
  const q = pp.format.parseQuestion!(`σ^9(${x})`)!;
  const sub = pp.format.parseQuestion!(`σ^4(${x})`)!; // H's first subquestion
  const host = RunFolder.open(dir); // the host writes overrides; the run reads them from its folder
  host.setOverride({ instance, question: sub }, ['hh']);
  const r = await run.runRound();
  assert.equal(r.overridesUsed, 1, 'the overridden pair is a training target itself');
  const target = run.buffer.examples().find((e) => sameTuple(e.question, sub));
  assert.deepEqual(target?.answer, ['hh']);
  // Amplify on a question whose subquestion is overridden uses the override (visible in the pinned answer).
  host.savePinned([{ id: 'p1', instance, question: q }]);
  const [pinned] = run.answerPinned(2, 8).answers;
  assert.equal(pinned.amplified.steps[0].source, 'override');
  assert.deepEqual(pinned.amplified.steps[0].answer, ['hh']);
  assert.deepEqual(pinned.amplified.steps[1].question, pp.format.parseQuestion!('σ^4(hh)'));
  assert.equal(pinned.tree.root.children![0].source, 'override');
  host.clearOverride({ instance, question: sub });
  assert.equal(RunFolder.open(dir).overrides().size, 0);
  const r2 = await run.runRound();
  assert.equal(r2.overridesUsed, 0);
});

test('a bad override that reaches training is dropped with a warning in the round record; a bad pin is skipped: the run goes on', async () => {
  const dir = path.join(tmp(), 'run');
  const run = await Run.create(pp, config(), fakeFactory(), dir);
  const instance = { size: 8, seed: 'pinned', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  const q = pp.format.parseQuestion!(`σ^9(${x})`)!;
  const sub = pp.format.parseQuestion!(`σ^4(${x})`)!;
  // Written behind the host's back (or before overrides and pins were checked).
  const host = RunFolder.open(dir);
  host.setOverride({ instance, question: q }, [x, x]);
  host.setOverride({ instance, question: sub }, ['zz']);
  host.savePinned([{ id: 'bad', instance, question: ['pow', '0', '0', '0', '0', '0', '1', 'zz'] }, { id: 'ok', instance, question: q }]);
  const r = await run.runRound();
  assert.equal(r.targetsDropped, 2, 'the two overridden pairs');
  assert.equal(r.warnings!.length, 2);
  assert.match(r.warnings![0], /^dropped 2 target\(s\) that cannot be trained on: .*answer of pow has 1 symbol, not 2.*zz is not a symbol of permutation-powering/);
  assert.match(r.warnings![1], /^skipped 1 pinned question\(s\) that are not questions of permutation-powering: .*zz is not a symbol/);
  assert.ok(run.buffer.examples().every((e) => !e.answer.includes('zz') && e.answer.length === 1), 'nothing bad was trained on');
  assert.deepEqual(RunFolder.open(dir).pinnedRound(1)!.answers.map((a) => a.pin), ['ok']);
  assert.deepEqual(RunFolder.open(dir).rounds().records[0].warnings, r.warnings);
  assert.equal((await run.runRound()).round, 2, 'the next round runs too');
});

test('a run resumes from its last checkpoint with its state and buffer', async () => {
  const dir = path.join(tmp(), 'run');
  const factory = fakeFactory();
  const run = await Run.create(pp, config({ mode: 'supervised' }), factory, dir);
  await run.runRound();
  await run.runRound();
  const resumed = await Run.resume(RunFolder.open(dir), pp, factory);
  assert.equal(resumed.round, 2);
  assert.equal(resumed.buffer.size, 32);
  assert.equal(factory.models[1].step, 10);
  const r3 = await resumed.runRound();
  assert.equal(r3.round, 3);
  assert.equal(r3.questionsTotal, 48);
  assert.deepEqual(RunFolder.open(dir).rounds().records.map((r) => r.round), [1, 2, 3]);
  assert.ok(!fs.existsSync(path.join(dir, 'checkpoints/round-0001')), 'old checkpoints are removed');
});

test('rounds.jsonl: a truncated last line is skipped and reported; redone rounds keep the last record', async () => {
  const dir = path.join(tmp(), 'run');
  const run = await Run.create(pp, config({ mode: 'supervised' }), fakeFactory(), dir);
  await run.runRound();
  const folder = RunFolder.open(dir);
  fs.appendFileSync(folder.roundsFile, '{"round": 2, "size": 8, "accu');
  let read = folder.rounds();
  assert.equal(read.records.length, 1);
  assert.deepEqual(read.skipped, [{ line: 2, reason: 'truncated last line' }]);
  // The next append starts on a fresh line: the truncated line stays skipped, the new one is read.
  appendJsonLine(folder.roundsFile, { ...read.records[0], round: 2 });
  appendJsonLine(folder.roundsFile, { ...read.records[0], round: 1, accuracy: 0.5 });
  read = folder.rounds();
  assert.deepEqual(read.records.map((r) => [r.round, r.accuracy]), [[1, 0.5], [2, read.records[1].accuracy]]);
  assert.equal(read.skipped[0].reason.startsWith('not JSON'), true);
});

test('configuration errors are clear', async () => {
  await assert.rejects(Run.create(pp, config({ size: 99 }), fakeFactory()), /size 99 is outside permutation-powering's range 8\.\.64/);
  await assert.rejects(Run.create(pp, config({ stepsPerRound: 0 }), fakeFactory()), /stepsPerRound must be a positive integer/);
  await assert.rejects(Run.create(pp, config({ fault: { rate: 2, kind: 'random' } }), fakeFactory()), /fault needs rate/);
  const dir = path.join(tmp(), 'run');
  await Run.create(pp, config(), fakeFactory(), dir);
  await assert.rejects(Run.create(pp, config(), fakeFactory(), dir), /already holds a run/);
  assert.throws(() => RunFolder.open(tmp()), /not a run folder/);
});

test('makeQuestion is deterministic so the same round is rebuilt identically', () => {
  const instance = { size: 8, seed: '1/train/1', index: 0 };
  const ctx = makeContext(pp, instance);
  assert.deepEqual(makeQuestion(pp, instance, ctx, 3), makeQuestion(pp, instance, makeContext(pp, instance), 3));
});

test('amplify-learned-h: H decomposes a few questions, its transcripts train H′, H′ builds every target', async () => {
  const dir = path.join(tmp(), 'run');
  const factory = fakeFactoryWithExpert(pp);
  const run = await Run.create(pp, config({ mode: 'amplify-learned-h', contextsPerRound: 8, expertCallsPerRound: 10, expertStepsPerRound: 3 }), factory, dir);
  const r1 = await run.runRound();
  assert.equal(r1.callsToH, 10, 'calls to H are the budget, not every question');
  assert.ok(r1.expertAgreement! < 1, 'an untrained H′ answers ? (it has seen no transcript yet): it agrees only where H says ? too');
  assert.equal(run.expertBuffer.size, 10);
  assert.equal(factory.experts[0].step, 3);
  assert.ok(r1.seconds.expertTrain! >= 0 && r1.seconds.expertTrain! <= r1.seconds.targets, "H′'s training time is part of the targets phase");
  const r2 = await run.runRound();
  assert.equal(r2.expertAgreement, 1, 'the (fake) trained H′ imitates H');
  assert.equal(r2.callsToHTotal, 20);
  assert.ok(r2.targetAccuracy > r1.targetAccuracy);
  assert.ok(factory.experts[0].nextCalls.some((c) => c.n > 10), 'H′ answers all the round’s questions in batches');
  // Resume restores H′ and its buffer.
  const resumed = await Run.resume(RunFolder.open(dir), pp, factory);
  assert.equal(resumed.expertBuffer.size, 20);
  assert.equal(factory.experts[1].seen, factory.experts[0].seen);
});

test("amplify-learned-h, expertTraining while-disagreeing: H′ takes no step in a round where it agreed with H on every call", async () => {
  const make = async (expertTraining: 'every-round' | 'while-disagreeing' | undefined) => {
    const factory = fakeFactoryWithExpert(pp);
    const c = config({ mode: 'amplify-learned-h', contextsPerRound: 8, expertCallsPerRound: 10, expertStepsPerRound: 3, expertTraining });
    if (expertTraining === undefined) delete c.expertTraining;
    const run = await Run.create(pp, c, factory, path.join(tmp(), 'run'));
    return { run, factory };
  };
  assert.equal(DEFAULT_CONFIG.expertTraining, 'while-disagreeing', 'the default of new runs');
  const lazy = await make('while-disagreeing');
  const r1 = await lazy.run.runRound();
  assert.ok(r1.expertAgreement! < 1);
  assert.equal(r1.expertSteps, 3, 'it disagreed: it trains');
  assert.equal(lazy.factory.experts[0].step, 3);
  const r2 = await lazy.run.runRound();
  assert.equal(r2.expertAgreement, 1);
  assert.equal(r2.expertSteps, 0, 'it agreed on every call: no step');
  assert.equal(r2.expertLoss, undefined, 'no loss without a step');
  assert.equal(lazy.factory.experts[0].step, 3);
  assert.equal(lazy.run.expertBuffer.size, 20, "H's transcripts still go to the buffer");
  // Every round, as asked, and in a run whose config has no rule (made before it existed).
  for (const rule of ['every-round', undefined] as const) {
    const always = await make(rule);
    await always.run.runRound();
    const a2 = await always.run.runRound();
    assert.equal(a2.expertAgreement, 1);
    assert.equal(a2.expertSteps, 3);
    assert.equal(always.factory.experts[0].step, 6);
  }
  await assert.rejects(make('sometimes' as never), /expertTraining must be one of every-round, while-disagreeing/);
});

test("expertTrains: every-round always; while-disagreeing unless H′ agreed on every call (with H, else the person's held-out transcripts)", async () => {
  const { expertTrains } = await import('../../../src/engine/modes/index');
  assert.equal(expertTrains('every-round', 1, 1), true);
  assert.equal(expertTrains('while-disagreeing', 1, undefined), false);
  assert.equal(expertTrains('while-disagreeing', 0.98, 1), true);
  assert.equal(expertTrains('while-disagreeing', undefined, 1), false);
  assert.equal(expertTrains('while-disagreeing', undefined, 0.5), true);
  assert.equal(expertTrains('while-disagreeing', undefined, undefined), true, 'nothing measured: it trains');
});

test('amplifyLearnedMany bounds H′ by k and validates its subquestions', async () => {
  const { amplifyLearnedMany } = await import('../../../src/engine/learned-expert');
  const ctx = makeContext(pp, { size: 8, seed: 1, index: 0 });
  const q = pp.format.parseQuestion!(`σ^9(${ctx.facts[0][0]})`)!;
  // An H′ that always asks the same subquestion unless forced to answer.
  const calls: boolean[] = [];
  const looping = {
    next: (states: readonly unknown[], o: { forceAnswer?: boolean } = {}) => states.map(() => {
      calls.push(Boolean(o.forceAnswer));
      return o.forceAnswer ? { answer: ['aa'] } : { ask: q };
    }),
  } as never;
  const [t] = amplifyLearnedMany(pp, [{ ctx, question: q }], { answerBatch: (rs) => rs.map(() => ({ answer: ['ab'], source: 'X' })) }, looping);
  assert.equal(t.steps.length, pp.maxSubquestions);
  assert.deepEqual(t.answer, ['aa']);
  assert.deepEqual(calls, [false, false, false, true]);
  const bad = { next: (states: readonly unknown[]) => states.map(() => ({ ask: [] })) } as never;
  const [u] = amplifyLearnedMany(pp, [{ ctx, question: q }], { answerBatch: () => [] }, bad);
  assert.deepEqual(u.answer, ['?']);
  assert.match(u.error!, /malformed subquestion/);
});

test("X as an answerer: greedy for a first ask; a re-ask (attempt k) gets X's (k+1)-th best answer, or its best when there is none", () => {
  const calls: { n: number; topK?: number }[] = [];
  const model = {
    predict(items: readonly QueryItem[], options: { teacher?: boolean; topK?: number } = {}) {
      calls.push({ n: items.length, topK: options.topK });
      return items.map((i) => {
        const ranked = i.question[1] === 'only-one' ? [['a']] : [['a'], ['b'], ['c']];
        const top = ranked.slice(0, options.topK ?? 1).map((answer, r) => ({ answer, probability: 0.5 / (r + 1) }));
        return { answer: top[0].answer, probability: top[0].probability, top };
      });
    },
  } as unknown as ModelX;
  const ctx = makeContext(pp, { size: 8, seed: 'ans', index: 0 });
  const answers = modelAnswerer(model, true).answerBatch([
    { ctx, question: ['q', 'x'] },
    { ctx, question: ['q', 'x'], attempt: 1 },
    { ctx, question: ['q', 'x'], attempt: 2 },
    { ctx, question: ['q', 'only-one'], attempt: 1 },
    { ctx, question: ['q', 'y'], attempt: 0 },
  ]);
  assert.deepEqual(answers.map((a) => a.answer[0]), ['a', 'b', 'c', 'a', 'a']);
  assert.ok(answers.every((a) => a.source === 'X'));
  assert.deepEqual(calls, [{ n: 2, topK: undefined }, { n: 3, topK: 3 }], 'first asks in one greedy batch, re-asks in one beam batch');
});
