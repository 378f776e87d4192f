import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import { RUN_FORMAT_VERSION, type RunMeta } from '../../../src/engine/run-types';
import { ExplorerController } from '../../../src/extension/controller';
import { RunSession } from '../../../src/extension/session';
import { BuiltinSessionTask, SandboxSessionTask, TaskCodeError } from '../../../src/extension/session-task';
import { builtinTask } from '../../../src/core/index';
import type { HostMessage } from '../../../src/protocol/explorer';

const TIMEOUT_SECONDS = 2;

/** A check run of a task file, its pins in this order. */
function taskFileRun(file: string, taskName: string, pins: string[][]): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-session-task-')), 'check');
  const meta: RunMeta = {
    formatVersion: RUN_FORMAT_VERSION, id: 'check', kind: 'check', createdAt: new Date().toISOString(), taskName, taskFile: path.resolve(file),
    config: { ...DEFAULT_CONFIG, task: taskName, size: 4, mode: 'supervised' }, backend: 'fake', versions: {},
  };
  RunFolder.create(dir, meta).savePinned(pins.map((question, i) => ({ id: `p${i}`, instance: { size: 4, seed: 'loop', index: 0 }, question })));
  return dir;
}

test('a task file whose expert loops: the Explorer gets an error within the time limit, the host thread keeps running, the next call works', async () => {
  // H spins forever on `twice k3` and answers `twice k1`.
  const dir = taskFileRun('test/fixtures/sandbox/hanging-expert.task.ts', 'hanging-expert', [['twice', 'k3'], ['twice', 'k1']]);
  const session = await RunSession.open(dir, true, { timeoutSeconds: TIMEOUT_SECONDS });
  const posted: HostMessage[] = [];
  const ctl = new ExplorerController({ post: (m) => posted.push(m), command: () => undefined, openFile: () => undefined, workerOptions: () => ({}) });
  // The host thread: a timer that ticks while the tree is being built.
  let last = Date.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 20);
  try {
    const started = Date.now();
    await ctl.setSession(session); // shows the first pin: the looping one
    const seconds = (Date.now() - started) / 1000;
    const error = posted.find((m): m is Extract<HostMessage, { type: 'error' }> => m.type === 'error');
    assert.ok(error, 'the Explorer is told');
    assert.match(error.message, new RegExp(`^the tree could not be built: hanging-expert\\.task\\.ts did not finish while computing the Explorer's view within ${TIMEOUT_SECONDS} s`));
    assert.equal(posted.some((m) => m.type === 'tree'), false, 'no tree is shown for the looping question');
    assert.ok(seconds >= TIMEOUT_SECONDS && seconds < TIMEOUT_SECONDS + 10, `answered after ${seconds} s`);
    assert.ok(longestGap < 1000, `the host thread was blocked for ${longestGap} ms`);

    // The sandbox starts afresh: the other pin's tree is built.
    await ctl.handle({ type: 'selectPin', pin: 'p1' });
    const tree = [...posted].reverse().find((m): m is Extract<HostMessage, { type: 'tree' }> => m.type === 'tree');
    assert.ok(tree, JSON.stringify(posted.filter((m) => m.type === 'error')));
    assert.equal(tree.tree.pin, 'p1');
    assert.deepEqual(tree.tree.root.question, ['twice', 'k1']);
    assert.equal(tree.tree.root.answer.correct, true);
    assert.equal(tree.tree.root.children?.[0].primitive, true);
  } finally {
    clearInterval(ticker);
    await session.dispose();
  }
});

test('a task file is loaded in its sandbox: its task as data, its calls answered there, a failing call a TaskCodeError', async () => {
  const task = await SandboxSessionTask.open(path.resolve('test/fixtures/sandbox/hanging-expert.task.ts'), 'hanging-expert', { timeoutSeconds: TIMEOUT_SECONDS });
  try {
    assert.deepEqual(task.meta, { name: 'hanging-expert', description: '', exportName: 'default', sizes: { min: 2, max: 8, default: 4 }, maxSubquestions: 1 });
    assert.equal(task.knownLabel(['twice', 'k1']), undefined, 'nothing is formatted on the host');
    const labels = await task.view('labels', { questions: [['twice', 'k1']], answers: [['4']] });
    assert.deepEqual(labels, { questions: ['twice k1'], answers: ['4'] });
    assert.equal(task.knownLabel(['twice', 'k1']), 'twice k1', 'a label the sandbox gave is remembered');
    const instance = { size: 4, seed: 's', index: 0 };
    assert.equal(await task.view('checkOverride', { instance, question: ['get', 'k1'], answer: ['2'] }), 'a lookup in the context cannot be overridden: override its parent instead');
    await assert.rejects(task.view('deepQuestion', { instance }), (e: unknown) => e instanceof TaskCodeError && /did not finish/.test((e as Error).message));
    // The sandbox starts afresh for the next call.
    assert.deepEqual(await task.view('labels', { questions: [], answers: [['6']] }), { questions: [], answers: ['6'] });
  } finally {
    task.dispose();
  }
});

test('a built-in task answers the same calls in this process', async () => {
  const pp = builtinTask('permutation-powering')!;
  const task = new BuiltinSessionTask(pp);
  const instance = { size: 8, seed: 's', index: 0 };
  const q = await task.view('sample', { instance });
  assert.equal(task.knownLabel(q), pp.format.question(q));
  assert.equal(task.meta.name, pp.name);
});
