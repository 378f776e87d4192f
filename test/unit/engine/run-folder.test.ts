import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder, editKey, instanceKey } from '../../../src/engine/run-folder';
import type { RunConfig } from '../../../src/engine/run-types';
import { commandProblem } from '../../../src/engine/worker-protocol';
import { fakeFactoryWithExpert } from './fake-learner';

const pp = builtinTask('permutation-powering')!;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amp-folder-'));
const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_CONFIG, task: pp.name, stepsPerRound: 2, batchSize: 8, contextsPerRound: 4, questionsPerContext: 4, evalContexts: 2, bufferSize: 1000, ...over,
});

test('editKey: one key per (context, question), however the instance id is spelled', () => {
  const instance = { size: 8, seed: 'pin/2', index: 3 };
  const respelled = JSON.parse('{"index":3,"seed":["pin",2],"size":8}');
  const question = ['pow', '0', '0', '0', '1', '0', '1', 'ab'];
  // The same context: makeContext joins a seed's parts the way instanceKey does.
  assert.deepEqual(makeContext(pp, respelled).facts, makeContext(pp, instance).facts);
  assert.equal(instanceKey(respelled), instanceKey(instance));
  assert.equal(editKey({ instance: respelled, question: [...question] }), editKey({ instance, question }));
  // A pinned question and a note's key are matched by the same function.
  assert.equal(editKey({ id: 'p1', instance, question, label: 'x' } as never), editKey({ instance, question }));
  for (const other of [{ ...instance, index: 4 }, { ...instance, size: 9 }, { ...instance, seed: 'pin/3' }]) {
    assert.notEqual(editKey({ instance: other, question }), editKey({ instance, question }));
  }
  assert.notEqual(editKey({ instance, question: [...question.slice(0, -1), 'ac'] }), editKey({ instance, question }));
});

test('overrides in force: the last event per key wins, across spellings of the instance', () => {
  const folder = RunFolder.create(path.join(tmp(), 'run'), { formatVersion: 1, id: 'run', createdAt: '', taskName: pp.name, config: config(), backend: 'fake', versions: {} });
  const instance = { size: 8, seed: 'pin', index: 0 };
  const question = ['pow', '0', '0', '0', '1', '0', '0', 'ab'];
  folder.setOverride({ instance, question }, ['ac']);
  folder.setOverride({ instance: { index: 0, seed: ['pin'], size: 8 }, question }, ['ad']);
  assert.deepEqual([...folder.overrides().values()].map((o) => o.answer), [['ad']]);
  folder.clearOverride({ instance: { index: 0, size: 8, seed: 'pin' }, question });
  assert.equal(folder.overrides().size, 0);
});

test('checkpoints: their paths come from RunFolder; X, its buffer, H′ and its buffer are written there, the last two kept', async () => {
  const dir = path.join(tmp(), 'run');
  const factory = fakeFactoryWithExpert(pp);
  const run = await Run.create(pp, config({ mode: 'amplify-learned-h', expertCallsPerRound: 4, expertStepsPerRound: 1 }), factory, dir);
  await run.runRound();
  await run.runRound();
  await run.runRound();
  const folder = RunFolder.open(dir);
  assert.equal(RunFolder.checkpointName(2), 'checkpoints/round-0002');
  assert.equal(folder.state()!.checkpoint, RunFolder.checkpointName(3));
  assert.equal(folder.state()!.previousCheckpoint, RunFolder.checkpointName(2));
  const files = folder.checkpoint(folder.state()!.checkpoint!);
  assert.equal(files.dir, path.join(folder.dir, 'checkpoints', 'round-0003'));
  assert.ok(fs.existsSync(path.join(files.dir, 'fake-model.json')));
  assert.ok(fs.existsSync(files.buffer));
  assert.ok(fs.existsSync(path.join(files.expert, 'fake-expert.json')));
  assert.ok(run.expertBuffer.size > 0);
  assert.equal((JSON.parse(fs.readFileSync(files.expertBuffer, 'utf8')) as { items: unknown[] }).items.length, run.expertBuffer.size);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')).sort(), ['round-0002', 'round-0003']);
  assert.equal(path.basename(folder.pinnedRoundFile(2)), 'round-0002.json');
  run.dispose();
});

test('the worker protocol has no edit command, and no engine module but run-folder.ts writes an edit', () => {
  const instance = { size: 8, seed: 'pin', index: 0 };
  assert.match(commandProblem({ type: 'override', key: { instance, question: ['pow'] }, answer: ['ab'] })!, /unknown command type "override"/);
  assert.match(commandProblem({ type: 'pin', pins: [{ id: 'p1', instance, question: ['pow'] }] })!, /unknown command type "pin"/);
  const writers = /\.(setOverride|clearOverride|savePinned|appendAnnotation)\(/;
  const engine = path.resolve('src/engine');
  const offenders = fs.readdirSync(engine).filter((f) => f.endsWith('.ts') && f !== 'run-folder.ts' && writers.test(fs.readFileSync(path.join(engine, f), 'utf8')));
  assert.deepEqual(offenders, [], 'the host writes pins, overrides and notes; the run only reads them');
});
