import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext } from '../../../src/core/index';
import { DEFAULT_CONFIG } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import type { RunConfig } from '../../../src/engine/run-types';
import type { WorkerEvent } from '../../../src/engine/worker-protocol';
import { is, roundIs, startWorker } from './fake-worker';

const pp = builtinTask('permutation-powering')!;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amp-worker-'));
const config: RunConfig = {
  ...DEFAULT_CONFIG, task: 'permutation-powering', mode: 'supervised', stepsPerRound: 3, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2,
};

test('a run in the worker: open, step, run N rounds, pause, stop', async () => {
  const dir = path.join(tmp(), 'run');
  const w = await startWorker();
  const events: WorkerEvent[] = [];
  w.on((e) => events.push(e));
  w.send({ type: 'open', folder: dir, create: { config } });
  const ready = await w.waitFor(is('ready'));
  assert.equal(ready.meta.taskName, 'permutation-powering');
  w.send({ type: 'step' });
  await w.waitFor(roundIs(1));
  w.send({ type: 'run', rounds: 3 });
  await w.waitFor(roundIs(4));
  await w.waitFor((e): e is Extract<WorkerEvent, { type: 'status' }> => e.type === 'status' && e.status === 'idle');
  assert.ok(events.some((e) => e.type === 'phase' && e.phase === 'train'));
  // σ^4(x) with lookups below: H asks σ^2(x) and σ^2(y); the fake X answers '?' so only the first is asked.
  const instance = { size: 8, seed: 'x', index: 0 };
  const question = ['pow', '0', '0', '0', '1', '0', '0', makeContext(pp, instance).facts[0][0]];
  const inspected = await w.inspect({ instance, question, depth: 1, expand: ['0'] });
  assert.deepEqual(inspected.tree.root.question, question);
  assert.ok(inspected.tree.root.children![0].children, 'the expanded path is opened beyond the depth');
  const shallow = await w.inspect({ instance, question, depth: 1, expand: [] });
  assert.ok(!shallow.tree.root.children![0].children);
  assert.ok(Object.keys(inspected.answers).includes(question.join(' ')));
  await assert.rejects(w.inspect({ instance: { size: 999, seed: 'x', index: 0 }, question, depth: 1, expand: [] }), /size 999 is outside/);
  w.send({ type: 'stop' });
  await w.waitFor((e): e is Extract<WorkerEvent, { type: 'status' }> => e.type === 'status' && e.status === 'stopped');
  assert.deepEqual(RunFolder.open(dir).rounds().records.map((r) => r.round), [1, 2, 3, 4]);
});

test('malformed commands are rejected with an error event; the worker goes on', async () => {
  const w = await startWorker();
  for (const bad of [null, 42, { type: 'explode' }, { type: 'run', rounds: -1 }, { type: 'override', key: {}, answer: 3 }]) {
    w.send(bad as never);
    const e = await w.waitFor(is('error'));
    assert.match(e.message, /rejected command/);
    assert.equal(e.fatal, false);
  }
  w.send({ type: 'step' });
  assert.match((await w.waitFor(is('error'))).message, /no run is open/);
  w.send({ type: 'open', folder: path.join(tmp(), 'r'), create: { config } });
  await w.waitFor(is('ready'));
  await w.terminate();
});

test('an exception in a round is reported and the worker stays usable', async () => {
  const w = await startWorker('throw:5');
  w.send({ type: 'open', folder: path.join(tmp(), 'run'), create: { config } });
  await w.waitFor(is('ready'));
  w.send({ type: 'run', rounds: 5 });
  const e = await w.waitFor(is('error'));
  assert.match(e.message, /fake learner failed at step 5/);
  assert.equal(e.fatal, false);
  assert.ok(w.alive);
  await w.terminate();
});

test('a worker that dies is reported as fatal, the host survives, and the run resumes from its checkpoint', async () => {
  const dir = path.join(tmp(), 'run');
  const w = await startWorker('exit:8'); // dies in round 3 (3 steps per round)
  w.send({ type: 'open', folder: dir, create: { config } });
  await w.waitFor(is('ready'));
  w.send({ type: 'run', rounds: 10 });
  const fatal = await w.waitFor((e): e is Extract<WorkerEvent, { type: 'error' }> => e.type === 'error' && e.fatal);
  assert.match(fatal.message, /exited unexpectedly \(code 3\)/);
  assert.equal(w.alive, false);
  assert.throws(() => w.send({ type: 'step' }), /not running/);
  assert.equal(RunFolder.open(dir).state()!.round, 2);

  const again = await startWorker();
  again.send({ type: 'open', folder: dir });
  const ready = await again.waitFor(is('ready'));
  assert.equal(ready.round, 2);
  again.send({ type: 'run', rounds: 2 });
  const r4 = await again.waitFor(roundIs(4));
  assert.equal(r4.record.questionsTotal, 32);
  again.send({ type: 'stop' });
  await again.waitFor((e): e is Extract<WorkerEvent, { type: 'status' }> => e.type === 'status' && e.status === 'stopped');
  assert.deepEqual(RunFolder.open(dir).rounds().records.map((r) => r.round), [1, 2, 3, 4]);
});
