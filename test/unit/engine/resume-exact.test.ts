/**
 * Resume is bit-exact (issue 12, item 5): N rounds straight and N/2 + resume + N/2 with the real
 * learner (tiny preset) give identical losses and accuracies, round by round — with X's replay
 * buffer full and wrapped when the run resumes, where restoring it in another order used to change
 * every batch after the resume.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import type { RunConfig } from '../../../src/engine/run-types';
import { tfjsLearnerFactory } from '../../../src/learner/factory';

const pp = builtinTask('permutation-powering')!;
// 4 contexts a round into a buffer of 5: full after round 2, and its next slot not 0 there.
const config: RunConfig = {
  ...DEFAULT_CONFIG, task: pp.name, mode: 'amplify', model: 'tiny', backend: 'wasm', threads: 1, stepsPerRound: 3, batchSize: 16,
  contextsPerRound: 4, questionsPerContext: 4, evalContexts: 2, bufferSize: 20, rounds: 4,
};
const N = 4;

test('N rounds straight = N/2 rounds + resume + N/2 rounds, tiny preset: identical losses and accuracies', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-exact-'));
  const straight = await Run.create(pp, config, tfjsLearnerFactory, path.join(root, 'straight'));
  for (let i = 0; i < N; i++) await straight.runRound();
  straight.dispose();

  const dir = path.join(root, 'resumed');
  const first = await Run.create(pp, config, tfjsLearnerFactory, dir);
  for (let i = 0; i < N / 2; i++) await first.runRound();
  first.dispose();
  const wrapped = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', `round-000${N / 2}`, 'buffer.json'), 'utf8')) as { groups: { next: number; items: unknown[] } };
  assert.equal(wrapped.groups.items.length, 5, 'the buffer is full when the run resumes');
  assert.notEqual(wrapped.groups.next, 0, 'and wrapped');
  const second = await Run.resume(RunFolder.open(dir), pp, tfjsLearnerFactory);
  for (let i = 0; i < N / 2; i++) await second.runRound();
  second.dispose();

  const measured = (d: string) => RunFolder.open(d).rounds().records.map((r) => ({ round: r.round, loss: r.loss, accuracy: r.accuracy, accuracyByClass: r.accuracyByClass, agreement: r.agreement, targetAccuracy: r.targetAccuracy }));
  assert.deepEqual(measured(dir), measured(path.join(root, 'straight')));
});
