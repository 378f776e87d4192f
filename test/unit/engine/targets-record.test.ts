import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, groundTruth, makeContext, sameTuple } from '../../../src/core/index';
import { BASELINE_MODE, DEFAULT_MODE, modeSpec } from '../../../src/engine/modes/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import { schemaProblem } from '../../../src/engine/run-schema';
import type { RunConfig, TargetSample } from '../../../src/engine/run-types';
import { sampleTargets, TARGETS_PER_CLASS } from '../../../src/engine/target-sample';
import { fakeFactory } from './fake-learner';

const pp = builtinTask('permutation-powering')!;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amp-targets-'));
const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_CONFIG, task: pp.name, stepsPerRound: 3, batchSize: 16, contextsPerRound: 64, questionsPerContext: 4, evalContexts: 2, bufferSize: 1000, ...over,
});

test('each round records a sample of its targets: the mode\'s maker, every override and fault, right or wrong against ground truth', async () => {
  const dir = path.join(tmp(), 'run');
  const run = await Run.create(pp, config({ mode: DEFAULT_MODE, fault: { rate: 0.2, kind: 'systematic' } }), fakeFactory(), dir);
  const instance = { size: 8, seed: 'pinned', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  const sub = pp.format.parseQuestion!(`σ^4(${x})`)!;
  const wrong = makeContext(pp, instance).facts.map(([n]) => n).find((n) => !sameTuple([n], groundTruth(pp, makeContext(pp, instance), sub).answer))!;
  RunFolder.open(dir).setOverride({ instance, question: sub }, [wrong]);
  const r1 = await run.runRound();
  const r2 = await run.runRound();
  const read = RunFolder.open(dir).targets();
  assert.deepEqual(read.skipped, []);
  assert.deepEqual(read.records.map((r) => r.round), [1, 2]);
  for (const [rec, round] of [[read.records[0], r1], [read.records[1], r2]] as const) {
    assert.equal(rec.perClass, TARGETS_PER_CLASS);
    const made = Object.values(rec.made).reduce((a, b) => a + b, 0);
    assert.equal(made, 64 * 4 + 1, 'every target made is counted: the round\'s questions and the overridden pair');
    // The bound: per class, at most perClass besides the overrides' and faults'.
    for (const cls of Object.keys(rec.made)) {
      const rest = rec.targets.filter((t) => t.cls === cls && t.maker !== 'override' && t.maker !== 'fault');
      assert.equal(rest.length, Math.min(TARGETS_PER_CLASS, rec.made[cls] - rec.targets.filter((t) => t.cls === cls && (t.maker === 'override' || t.maker === 'fault')).length));
    }
    assert.ok(rec.targets.length < made, 'a sample, not every target');
    const override = rec.targets.filter((t) => t.maker === 'override');
    assert.equal(override.length, 1, 'the override\'s target is always kept');
    assert.deepEqual(override[0].instance, instance);
    assert.deepEqual(override[0].question, sub);
    assert.deepEqual(override[0].answer, [wrong]);
    assert.equal(override[0].ok, false, 'a wrong override is a wrong target');
    assert.equal(rec.targets.filter((t) => t.maker === 'fault').length, round.faultsInjected, 'every injected fault is kept');
    assert.ok(round.faultsInjected > 0);
    assert.ok(rec.targets.some((t) => t.maker === modeSpec(DEFAULT_MODE).maker), 'the rest are made by the mode\'s maker (H)');
    assert.equal(modeSpec(DEFAULT_MODE).maker, 'H');
    // ok is the target against ground truth, in the context rebuilt from the instance id.
    for (const t of rec.targets) {
      const truth = groundTruth(pp, makeContext(pp, t.instance), t.question).answer;
      assert.equal(t.ok, sameTuple(t.answer, truth), `${t.question.join(' ')} → ${t.answer.join(' ')}`);
      if (t.maker === 'fault') assert.equal(t.ok, false);
    }
  }
  // rounds.jsonl stays small: the sample is only in targets.jsonl.
  assert.ok(!fs.readFileSync(path.join(dir, 'rounds.jsonl'), 'utf8').includes('"maker"'));
});

test('a supervised run records ground truth as the maker; a bad line of targets.jsonl is skipped and counted', async () => {
  const dir = path.join(tmp(), 'run');
  const run = await Run.create(pp, config({ mode: BASELINE_MODE, contextsPerRound: 4 }), fakeFactory(), dir);
  await run.runRound();
  const folder = RunFolder.open(dir);
  const [rec] = folder.targets().records;
  assert.equal(rec.targets.length, 16, 'fewer than the bound: all kept');
  assert.ok(rec.targets.every((t) => t.maker === 'ground truth' && t.ok));
  fs.appendFileSync(folder.targetsFile, '{"round":2,"perClass":32,"made":{},"targets":[{"cls":"x","maker":"telepathy"}]}\n{"round":3');
  const read = folder.targets();
  assert.deepEqual(read.records.map((r) => r.round), [1]);
  assert.equal(read.skipped.length, 2);
  assert.match(read.skipped[0].reason, /targets\[0\]\.instance: not an object/);
  assert.match(folder.warnings().join('\n'), /skipped 2 lines of .*targets\.jsonl/);
});

test('the sample: bounded per class, overrides and faults always kept, the round order, the same draw for the same seed and round', () => {
  const instance = { size: 8, seed: 's', index: 0 };
  const t = (cls: string, maker: TargetSample['maker'], i: number): TargetSample => ({ cls, instance: { ...instance, index: i }, question: ['q'], answer: ['a'], maker, ok: maker === 'H' });
  const targets = [
    ...Array.from({ length: 10 }, (_, i) => t('a', 'H', i)), t('a', 'override', 10), t('a', 'fault', 11), t('a', 'fault', 12),
    ...Array.from({ length: 3 }, (_, i) => t('b', 'H', 20 + i)),
  ];
  const rec = sampleTargets(7, 3, targets, 4);
  assert.deepEqual(rec.made, { a: 13, b: 3 });
  assert.equal(rec.perClass, 4);
  assert.equal(rec.round, 3);
  assert.equal(rec.targets.filter((x) => x.cls === 'a' && x.maker === 'H').length, 4);
  assert.equal(rec.targets.filter((x) => x.cls === 'a' && x.maker !== 'H').length, 3, 'the override and both faults');
  assert.equal(rec.targets.filter((x) => x.cls === 'b').length, 3);
  const order = rec.targets.map((x) => x.instance.index);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.deepEqual(sampleTargets(7, 3, targets, 4), rec);
  const draws = new Set([1, 2, 3, 4, 5, 6].map((r) => JSON.stringify(sampleTargets(7, r, targets, 4).targets.map((x) => x.instance.index))));
  assert.ok(draws.size > 1, 'another round draws another sample');
  assert.equal(schemaProblem('targets', rec), undefined);
  assert.match(schemaProblem('targets', { ...rec, targets: [{ ...rec.targets[0], maker: 'oracle' }] })!, /targets\[0\]\.maker: not one of "H", "H′", "ground truth", "override", "fault"/);
  assert.match(schemaProblem('targets', { ...rec, perClass: 0 })!, /perClass: not a positive integer/);
  assert.match(schemaProblem('targets', { ...rec, made: { a: 'x' } })!, /made: not a table of numbers/);
});
