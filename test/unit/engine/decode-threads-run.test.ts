/**
 * A run with H′ decodes on two threads (learner/decode-threads.ts) when it may use two, on one when
 * it is told `threads: 1`; a decode worker that dies fails the round with an error (never a hang),
 * and the run resumes from its last checkpoint with a new worker. The real learner, tiny presets.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { builtinTask } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import type { RunConfig } from '../../../src/engine/run-types';
import { tfjsLearnerFactory } from '../../../src/learner/factory';
import type { TransformerModelH } from '../../../src/learner/model-h';

const pp = builtinTask('permutation-powering')!;
const config = (threads: number): RunConfig => ({
  ...DEFAULT_CONFIG, task: pp.name, mode: 'amplify-learned-h', model: 'tiny', expertModel: 'tiny', backend: 'wasm', threads, stepsPerRound: 1, batchSize: 16,
  contextsPerRound: 4, questionsPerContext: 4, evalContexts: 1, bufferSize: 64, rounds: 4, expertCallsPerRound: 8, expertStepsPerRound: 1,
});
const expertOf = (run: Run) => run.expert as TransformerModelH;

test('threads 2: H′ decodes on two threads; a dead decode worker fails the round, and the run resumes', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-decode-threads-')), 'run');
  const run = await Run.create(pp, config(2), tfjsLearnerFactory, dir);
  const threads = expertOf(run).decodeThreadGroup;
  assert.ok(threads, 'the run started a decode worker');
  assert.equal(expertOf(run).decodeThreads, 2);
  await run.runRound();
  await (threads as unknown as { worker: Worker }).worker.terminate();
  await assert.rejects(run.runRound(), /H′ decode worker (exited|stopped)/);
  run.dispose();
  assert.equal(expertOf(run).decodeThreadGroup, undefined, 'dispose closes the decode worker');

  const resumed = await Run.resume(RunFolder.open(dir), pp, tfjsLearnerFactory);
  assert.equal(expertOf(resumed).decodeThreads, 2, 'the resumed run has a new worker');
  await resumed.runRound();
  resumed.dispose();
  assert.deepEqual(RunFolder.open(dir).rounds().records.map((r) => r.round), [1, 2]);
});

test('threads 1: H′ decodes on one thread', async () => {
  const run = await Run.create(pp, config(1), tfjsLearnerFactory, path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-decode-threads-')), 'run'));
  assert.equal(expertOf(run).decodeThreads, 1);
  assert.equal(expertOf(run).decodeThreadGroup, undefined);
  run.dispose();
});
