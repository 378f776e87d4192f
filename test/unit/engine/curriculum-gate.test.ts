import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curriculumGate } from '../../../src/engine/curriculum-gate';
import { DEFAULT_CONFIG, freshState } from '../../../src/engine/run-config';
import type { GateRule, RunConfig } from '../../../src/engine/run-types';

const config = (rule: GateRule): RunConfig => ({ ...DEFAULT_CONFIG, task: 'permutation-powering', curriculum: true, maxSize: 10, gate: { threshold: 0.85, horizon: 10, rule } });
/** A round's agreements: `a` of class "a" agreeing at rate ra, as many of class "b" at rate rb; grounded ones as given. */
const round = (ra: number, rb: number, grounded: number[] = [1, 1, 1, 1]) => {
  const of = (r: number) => Array.from({ length: 20 }, (_, i) => (i < r * 20 ? 1 : 0));
  return { agreements: [...of(ra), ...of(rb)], agreementClasses: [...Array(20).fill('a'), ...Array(20).fill('b')], groundedAgreements: grounded };
};

test('grounded: N rises once the averages over the horizon pass, and the averages start again at the new N', () => {
  const c = config('grounded');
  const state = freshState(c);
  assert.equal(state.size, 8);
  const first = curriculumGate(state, c, 64, round(1, 1), 5);
  assert.equal(state.size, 8, 'half the horizon: no rise yet');
  assert.equal(first.agreementAverage, 1);
  curriculumGate(state, c, 64, round(1, 1), 5);
  assert.equal(state.size, 9);
  assert.equal(state.gateAverages, undefined);
});

test('grounded: grounded targets below the threshold hold N; classes: one weak class holds it', () => {
  const g = config('grounded');
  const s1 = freshState(g);
  for (let r = 0; r < 4; r++) curriculumGate(s1, g, 64, round(1, 1, [1, 0, 0, 1]), 10);
  assert.equal(s1.size, 8);
  const c = config('classes');
  const s2 = freshState(c);
  let read = curriculumGate(s2, c, 64, round(1, 0.75), 10);
  for (let r = 0; r < 3; r++) read = curriculumGate(s2, c, 64, round(1, 0.75), 10);
  assert.ok(read.agreementAverage > 0.85, 'all targets together pass');
  assert.equal(s2.size, 8, 'class b at 75% holds N');
  assert.ok(Math.abs(read.classAverages!.b - 0.75) < 1e-9);
  curriculumGate(s2, c, 64, round(1, 1), 100);
  assert.equal(s2.size, 9);
  // A run resumed under the grounded rule with the classes rule's averages in its state: they are not read.
  const s3 = freshState(c);
  for (let r = 0; r < 4; r++) curriculumGate(s3, c, 64, round(1, 0.75), 10);
  assert.equal(s3.size, 8);
  assert.ok(s3.gateAverages?.classes);
  const after = curriculumGate(s3, g, 64, round(1, 0.75), 10);
  assert.equal(s3.size, 9, 'the grounded rule passes without the classes');
  assert.equal(after.classAverages, undefined);
});

test('questions: the last `horizon` sampled targets; N stops at the smaller of maxSize and the task\'s largest', () => {
  const c = config('questions');
  const state = freshState(c);
  curriculumGate(state, c, 64, { agreements: [1, 1, 1, 1, 1], agreementClasses: [], groundedAgreements: [] }, 1);
  assert.equal(state.size, 8, 'fewer than horizon targets seen');
  curriculumGate(state, c, 64, { agreements: [1, 1, 1, 1, 1], agreementClasses: [], groundedAgreements: [] }, 1);
  assert.equal(state.size, 9);
  state.size = 10;
  for (let r = 0; r < 3; r++) curriculumGate(state, c, 64, { agreements: Array(10).fill(1), agreementClasses: [], groundedAgreements: [] }, 1);
  assert.equal(state.size, 10, 'maxSize 10');
  const small = freshState(c);
  small.size = 9;
  curriculumGate(small, c, 9, { agreements: Array(10).fill(1), agreementClasses: [], groundedAgreements: [] }, 1);
  assert.equal(small.size, 9, 'the task\'s largest N is 9');
});
