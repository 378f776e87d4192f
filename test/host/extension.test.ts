/// <reference types="mocha" />
/**
 * The extension in a real extension host, through the real `vscode` API: activation and commands,
 * a run trained in its worker thread, an override and a note persisted, and a worker crash that is
 * reported while the host goes on. The tests run in order and share the run of the second one.
 *
 * The commands are driven with arguments (no quick picks): `amplification.newRun` takes
 * NewRunOptions, `amplification.runRounds` a number. The Explorer is spoken to through the
 * extension's API (`explorerMessage`: the same validated path as the webview's messages), and the
 * crash uses `crashWorker`, which the extension offers only in ExtensionMode.Test.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtinTask, makeContext, questionKey, type Question } from '../../src/core/index';
import type { OverrideEvent, PinnedQuestion, RoundRecord, RunMeta } from '../../src/engine/run-types';
import type { WorkerEvent } from '../../src/engine/worker-protocol';
import type { AmplificationApi, NewRunOptions } from '../../src/extension/extension';

const EXTENSION_ID = 'amplification-explorer.amplification-explorer';
/** A small, quick run: permutation powering at N=8, the tiny model, 2 optimiser steps a round, one thread. */
const RUN: NewRunOptions = { task: 'permutation-powering', mode: 'amplify', size: 8, model: 'tiny', stepsPerRound: 2, threads: 1, rounds: 2, seed: 7 };
const NOTE = 'host test: X gets this wrong early';

function jsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Polls `probe` until it returns something truthy; fails with `what` after `ms`. */
async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const roundsOf = (folder: string) => jsonLines<RoundRecord>(path.join(folder, 'rounds.jsonl')).map((r) => r.round);

async function newRun(): Promise<string> {
  const folder = await vscode.commands.executeCommand<string | undefined>('amplification.newRun', RUN);
  assert.ok(typeof folder === 'string', 'amplification.newRun did not return the run folder (it failed: see the Amplification output)');
  return folder;
}

suite('Amplification Explorer in the extension host', () => {
  let api: AmplificationApi;
  let workspace: string;
  let run: string | undefined;
  /** The error notifications the extension showed (they are still shown: this only records them). */
  const shown: string[] = [];
  const window = vscode.window as { showErrorMessage: (message: string, ...rest: unknown[]) => Thenable<unknown> };
  const showErrorMessage = window.showErrorMessage;
  /** Fails when the extension showed an error since `since` (an index into `shown`). */
  const noErrorSince = (since: number) => assert.deepEqual(shown.slice(since), [], 'unexpected error notifications');

  suiteSetup(() => {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(root, 'the tests need a workspace folder');
    workspace = root;
    // The test bundle lives in the extension's folder, so this is the extension's own `vscode.window`.
    window.showErrorMessage = (message: string, ...rest: unknown[]) => {
      shown.push(message);
      return showErrorMessage.call(vscode.window, message, ...rest);
    };
  });

  suiteTeardown(() => {
    window.showErrorMessage = showErrorMessage;
  });

  test('the extension activates and registers every command of package.json', async () => {
    const ext = vscode.extensions.getExtension<AmplificationApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    assert.ok(ext.isActive);
    const declared = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(declared.length >= 12, `package.json declares ${declared.length} commands`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(declared.filter((c) => !registered.has(c)), [], 'declared but not registered');
    assert.equal(typeof api.explorerMessage, 'function');
    assert.equal(typeof api.crashWorker, 'function', 'crashWorker exists only in ExtensionMode.Test: is the extension the development extension?');
  });

  test('New Run… trains in a worker thread: Step Round twice records round 2', async () => {
    assert.ok(api, 'needs the activated extension');
    run = await newRun();
    assert.equal(path.dirname(run), path.join(workspace, '.amplification', 'runs'));
    const meta = readJson<RunMeta>(path.join(run, 'run.json'));
    assert.equal(meta.taskName, 'permutation-powering');
    const { mode, size, model, stepsPerRound, threads, seed } = meta.config;
    assert.deepEqual({ mode, size, model, stepsPerRound, threads, seed }, { mode: 'amplify', size: 8, model: 'tiny', stepsPerRound: 2, threads: 1, seed: 7 });
    assert.equal(meta.threads, 1);
    assert.equal(readJson<PinnedQuestion[]>(path.join(run, 'pinned.json')).length, 1, 'New Run pins one question');
    const session = api.sessions.get(run);
    assert.ok(session?.worker?.alive, 'the run has a live worker');

    await vscode.commands.executeCommand('amplification.stepRound');
    await vscode.commands.executeCommand('amplification.stepRound');
    const folder = run;
    await until('round 2 in rounds.jsonl', () => roundsOf(folder).includes(2));
    assert.deepEqual(roundsOf(run), [1, 2]);
    for (const r of jsonLines<RoundRecord>(path.join(run, 'rounds.jsonl'))) {
      assert.equal(r.size, 8);
      assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
    }
    // Training ran in the worker: the extension host never loaded TensorFlow.js.
    assert.deepEqual(Object.keys(require.cache).filter((m) => m.includes('@tensorflow')), []);
    noErrorSince(0);
  });

  test('an override and a note set in the Explorer persist to the run and the workspace', async () => {
    assert.ok(run, 'needs the run of the previous test');
    const pin = readJson<PinnedQuestion[]>(path.join(run, 'pinned.json'))[0];
    // The node at path [0] is H's first subquestion of the pinned question (it depends on nothing else).
    const first = builtinTask('permutation-powering')!.expert(pin.question).next();
    assert.equal(first.done, false);
    const sub = first.value as Question;

    // An answer the host accepts: a name of this context (overrides are checked against the task and the context).
    const task = builtinTask('permutation-powering')!;
    const name = makeContext(task, pin.instance).facts.at(-1)![1];
    await api.explorerMessage({ type: 'override', path: [0], answer: [name] });
    const overrides = jsonLines<OverrideEvent>(path.join(run, 'overrides.jsonl'));
    assert.equal(overrides.length, 1, 'one line in overrides.jsonl');
    const { at, ...override } = overrides[0];
    assert.deepEqual(override, { op: 'set', key: { instance: pin.instance, question: sub }, answer: [name] });
    assert.ok(Number.isFinite(Date.parse(at)), `'at' is a time: ${at}`);
    assert.deepEqual(api.sessions.get(run)?.overridesFor(pin.instance).get(questionKey(sub)), [name]);

    await api.explorerMessage({ type: 'annotate', path: [0], note: NOTE, tags: ['host-test'] });
    const notes = jsonLines<Record<string, unknown>>(path.join(run, 'annotations.jsonl'));
    assert.equal(notes.length, 1, 'one line in the run\'s annotations.jsonl');
    const { id, at: noteAt, node, ...note } = notes[0] as Record<string, unknown> & { node?: { question: Question; answer: string[]; source: string; truth: string[] } };
    assert.match(String(id), /^[a-z0-9]+-[a-z0-9]+$/);
    assert.ok(Number.isFinite(Date.parse(String(noteAt))));
    assert.deepEqual(note, { op: 'add', key: { instance: pin.instance, question: pin.question }, path: [0], round: 2, note: NOTE, tags: ['host-test'] });
    // The note records its node as it was: the overridden subquestion, its answer and who gave it, the truth.
    assert.deepEqual(node?.question, sub);
    assert.deepEqual([node?.answer, node?.source], [[name], 'override']);
    assert.deepEqual(node?.truth, task.answer(makeContext(task, pin.instance), sub));

    const all = jsonLines<Record<string, unknown>>(path.join(workspace, '.amplification', 'annotations.jsonl'));
    assert.equal(all.length, 1, 'one line in .amplification/annotations.jsonl');
    const { at: allAt, ...entry } = all[0];
    assert.ok(Number.isFinite(Date.parse(String(allAt))));
    assert.deepEqual(entry, { run, id, pin: pin.id, path: [0], note: NOTE, tags: ['host-test'], round: 2 });
    noErrorSince(0);
  });

  test('a worker crash is reported to the user; the host goes on: commands answer, a new run trains', async () => {
    assert.ok(run, 'needs the run of the previous test');
    const folder = run;
    const session = api.sessions.get(folder);
    assert.ok(session, 'the run is open');
    const events: WorkerEvent[] = [];
    const off = session.onWorkerEvent((e) => events.push(e));
    const mark = shown.length;
    try {
      // A long Run Rounds…; crash the worker in the middle of a round's training.
      const training = vscode.commands.executeCommand('amplification.runRounds', 50);
      await until('a round in training', () => events.some((e) => e.type === 'phase' && e.phase === 'train'), 60_000);
      await api.crashWorker!(folder);

      const message = await until('the crash reported to the user', () => shown[mark], 30_000);
      assert.equal(message, 'Amplification: the training worker stopped: the training worker exited unexpectedly (code 1)');
      assert.ok(events.some((e) => e.type === 'error' && e.fatal), 'the session emitted a fatal error event');
      assert.equal(session.status.status, 'crashed');
      assert.equal(session.worker?.alive, false);
      await training; // Run Rounds… ends with the worker instead of waiting forever

      // The host goes on: commands answer, and a new run starts and trains.
      assert.ok((await vscode.commands.getCommands(true)).includes('amplification.stepRound'));
      await vscode.commands.executeCommand('amplification.refreshRuns');
      const second = await newRun();
      assert.notEqual(second, folder);
      await vscode.commands.executeCommand('amplification.stepRound');
      await until('round 1 of the new run', () => roundsOf(second).includes(1));
      noErrorSince(mark + 1);
    } finally {
      off();
    }
  });

  test('Step Round resumes the crashed run in a new worker', async () => {
    assert.ok(run, 'needs the run of the previous tests');
    const folder = run;
    const session = api.sessions.get(folder);
    // The run of the previous test, whose worker crashed: it stays crashed (the Explorer does not
    // restart its worker to answer a tree) until the user steps it.
    assert.ok(session && session.status.status === 'crashed', 'needs the crashed run of the previous test');
    assert.equal(session.worker?.alive, false, 'no worker was restarted behind the user\'s back');
    await vscode.commands.executeCommand('amplification.openExplorer', { folder });
    const events: WorkerEvent[] = [];
    const off = session.onWorkerEvent((e) => events.push(e));
    const mark = shown.length;
    try {
      await vscode.commands.executeCommand('amplification.stepRound');
      const resumed = await until('a round from the resumed worker', () => {
        if (shown.length > mark) throw new Error(`Step Round showed an error: ${shown[mark]}`);
        return events.find((e): e is Extract<WorkerEvent, { type: 'round' }> => e.type === 'round');
      });
      assert.ok(session.worker?.alive, 'a new worker runs the run');
      assert.ok(roundsOf(folder).includes(resumed.record.round), 'the resumed round is recorded');
      assert.notEqual(session.status.status, 'crashed');
      noErrorSince(mark);
    } finally {
      off();
    }
  });
});
