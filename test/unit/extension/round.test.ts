/**
 * "The round", host side: round r is the state after r rounds were trained. The session's status,
 * the status bar's words and the Explorer's rounds (the run folder's latest round) agree at every
 * event of a training sequence; round 0 looks the same before and after the run is reopened.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext } from '../../../src/core/index';
import { DEFAULT_CONFIG } from '../../../src/engine/run';
import type { RunConfig } from '../../../src/engine/run-types';
import type { WorkerEvent } from '../../../src/engine/worker-protocol';
import { ExplorerController, type ControllerHost } from '../../../src/extension/controller';
import { RunSession } from '../../../src/extension/session';
import { statusBarText } from '../../../src/extension/training/status-text';
import { roundWords, type HostMessage, type StatusView } from '../../../src/protocol/explorer';
import { is, learnerModule, roundIs, statusIs, startWorker, workerFile } from '../engine/fake-worker';

const pp = builtinTask('permutation-powering')!;
const config: RunConfig = {
  ...DEFAULT_CONFIG, task: pp.name, mode: 'amplify', stepsPerRound: 2, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2,
};

test('roundWords and the status bar: "round r" when idle, "training round r + 1 · phase" while round r + 1 trains', () => {
  const idle: StatusView = { status: 'idle', round: 3 };
  const running: StatusView = { status: 'running', round: 3, phase: 'train' };
  assert.equal(roundWords(idle), 'round 3');
  assert.equal(roundWords(running), 'training round 4 · train');
  assert.equal(roundWords({ status: 'running', round: 0 }), 'training round 1');
  assert.equal(statusBarText('pp', idle, { round: 3, accuracy: 0.5 }), '$(beaker) pp · round 3 · X 50%');
  assert.equal(statusBarText('pp', running, { round: 3, accuracy: 0.5 }), '$(sync~spin) pp · training round 4 · train · X 50%');
  assert.equal(statusBarText('pp', { status: 'idle', round: 0 }, undefined), '$(beaker) pp · round 0');
  // X's accuracy is said only of the round the status names.
  assert.equal(statusBarText('pp', idle, { round: 2, accuracy: 0.5 }), '$(beaker) pp · round 3');
});

test('a training sequence: at every worker event the status round is the latest round recorded (the Explorer’s), every phase is of the round under way, and the words follow', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-round-')), 'run');
  const w = await startWorker();
  w.send({ type: 'open', folder: dir, create: { config } });
  await w.waitFor(is('ready'));
  const session = await RunSession.open(dir);
  session.attachWorker(w);
  // The Explorer's latest round: the last 'round' event (the host posts the round to the webview then).
  let latest = 0;
  const seen: { event: string; status: StatusView; latest: number; folder: number; bar: string }[] = [];
  session.onWorkerEvent((e: WorkerEvent) => {
    if (e.type === 'round') latest = e.record.round;
    seen.push({ event: e.type === 'phase' ? `phase ${e.round}` : e.type === 'round' ? `round ${e.record.round}` : e.type, status: { ...session.status }, latest, folder: session.latestRound(), bar: statusBarText(pp.name, session.status, session.rounds().records.at(-1)) });
  });
  w.send({ type: 'run', rounds: 2 });
  await w.waitFor(roundIs(2));
  await w.waitFor(statusIs('idle'));
  assert.ok(seen.some((s) => s.event === 'phase 1') && seen.some((s) => s.event === 'round 2'), seen.map((s) => s.event).join(', '));
  // Every phase of round r + 1 is said of round r + 1, its last ones (pinned, checkpoint) too.
  for (const s of seen) if (s.event.startsWith('phase ')) assert.equal(Number(s.event.slice(6)), s.status.round + 1, `${s.event} (${s.status.phase})`);
  for (const s of seen) {
    assert.equal(s.status.round, s.latest, `${s.event} (${s.status.phase ?? ''}): the status round is the latest round recorded`);
    // The worker writes the record a moment before the host hears of it (events arrive later than
    // they are sent; on a loaded machine by more than a round): while it runs the folder may be
    // ahead of the status, never behind it, and once idle they agree.
    assert.ok(s.folder === s.latest || (s.folder > s.latest && s.status.status === 'running'), `${s.event} (${s.status.phase ?? ''}): the folder has round ${s.folder}`);
    if (s.status.status === 'running') assert.ok(s.bar.includes(`training round ${s.latest + 1}`), `${s.event}: ${s.bar}`);
    else assert.ok(s.bar.includes(`round ${s.latest}`) && !s.bar.includes('training'), `${s.event}: ${s.bar}`);
  }
  const afterRound1 = seen.find((s) => s.event === 'round 1')!;
  assert.equal(afterRound1.status.round, 1, 'recorded: round 1 is the latest at once');
  assert.equal(afterRound1.status.phase, undefined, 'no phase of round 1 is left once it is recorded');
  assert.equal(seen.at(-1)!.bar.startsWith(`$(beaker) ${pp.name} · round 2 · X `), true, seen.at(-1)!.bar);
  await session.dispose();
});

test('round 0 looks the same before and after reopening: X, untrained, answers nothing whether its worker is live or not', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-round0-')), 'run');
  const w = await startWorker();
  w.send({ type: 'open', folder: dir, create: { config } });
  await w.waitFor(is('ready'));
  const instance = { size: 8, seed: 'pin', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  const module = await learnerModule();
  const treeAtRound0 = async (session: RunSession) => {
    session.savePins([{ id: 'p1', instance, question: pp.format.parseQuestion!(`σ^29(${x})`)! }]);
    const posted: HostMessage[] = [];
    const host: ControllerHost = { post: (m) => posted.push(JSON.parse(JSON.stringify(m))), command: () => undefined, openFile: () => undefined, workerOptions: () => ({ workerFile, learnerModule: module }) };
    const ctl = new ExplorerController(host);
    await ctl.setSession(session);
    const tree = [...posted].reverse().find((m) => m.type === 'tree') as Extract<HostMessage, { type: 'tree' }>;
    assert.equal(tree.tree.round, 0);
    const init = posted.find((m) => m.type === 'init') as Extract<HostMessage, { type: 'init' }>;
    assert.deepEqual(init.status, { status: 'idle', round: 0 });
    return tree.tree;
  };
  const created = await RunSession.open(dir);
  created.attachWorker(w); // the worker that created the run is live, with its untrained X
  const before = await treeAtRound0(created);
  await created.dispose();
  assert.equal(w.alive, false);
  const reopened = await RunSession.open(dir);
  const after = await treeAtRound0(reopened);
  assert.equal(reopened.worker, undefined, 'no worker started for round 0');
  assert.deepEqual(after, before, 'the same tree');
  assert.match(before.answeredBy!, /X is not trained at round 0/);
  await reopened.dispose();
});
