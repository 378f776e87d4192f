/**
 * Issue 12, items 1, 2, 4 and 5 as regression tests: crafted, damaged or shared run folders never
 * lose data or escape (docs/reliability.md lists each attack with the test that holds it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask } from '../../../src/core/index';
import { ContextBuffer, ReplayBuffer } from '../../../src/engine/buffer';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { CorruptCheckpointError, RunFolder, RunFolderError } from '../../../src/engine/run-folder';
import { RunInUseError, RunLock } from '../../../src/engine/run-lock';
import type { RunConfig, RunState } from '../../../src/engine/run-types';
import { UntrustedTaskError, runTask } from '../../../src/engine/task-loader';
import { createRng } from '../../../src/core/index';
import { fakeFactory } from './fake-learner';

const pp = builtinTask('permutation-powering')!;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amp-integrity-'));
const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_CONFIG, task: pp.name, mode: 'supervised', stepsPerRound: 2, batchSize: 8, contextsPerRound: 4, questionsPerContext: 4, evalContexts: 2, bufferSize: 1000, ...over,
});

async function runWithRounds(n: number, over: Partial<RunConfig> = {}): Promise<{ root: string; dir: string }> {
  const root = tmp();
  const dir = path.join(root, 'run');
  const run = await Run.create(pp, config(over), fakeFactory(), dir);
  for (let i = 0; i < n; i++) await run.runRound();
  run.dispose();
  return { root, dir };
}

function editState(dir: string, edit: (s: Record<string, unknown>) => void): void {
  const file = path.join(dir, 'state.json');
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(s);
  fs.writeFileSync(file, JSON.stringify(s));
}

test('a state.json round that is a path is refused: nothing outside the run is deleted or written', async () => {
  const { root, dir } = await runWithRounds(1);
  const victim = path.join(root, 'victim');
  fs.mkdirSync(path.join(victim, 'important1'), { recursive: true });
  fs.writeFileSync(path.join(victim, 'important1', 'data'), 'precious');
  // round + 1 is "…important1": the checkpoint of the next round would have been that folder.
  editState(dir, (s) => (s.round = '/../../../victim/important'));
  assert.throws(() => RunFolder.open(dir), (e: unknown) => e instanceof RunFolderError && /state\.json: round: not a non-negative integer/.test(e.message));
  assert.equal(fs.readFileSync(path.join(victim, 'important1', 'data'), 'utf8'), 'precious');
  assert.deepEqual(fs.readdirSync(root).sort(), ['run', 'victim']);
});

test('a state.json checkpoint that leaves the run folder is refused', async () => {
  const { root, dir } = await runWithRounds(2);
  fs.mkdirSync(path.join(root, 'victim'));
  for (const bad of ['../victim', 'checkpoints/../../victim', '/tmp', 'checkpoints/round-12']) {
    editState(dir, (s) => (s.checkpoint = bad));
    assert.throws(() => RunFolder.open(dir), /state\.json: checkpoint: not a checkpoint name/, bad);
  }
  assert.deepEqual(fs.readdirSync(path.join(root, 'victim')), []);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')).sort(), ['round-0001', 'round-0002']);
});

test('checkpoint paths are only made from checkpoint names inside the run', async () => {
  const { dir } = await runWithRounds(1);
  const folder = RunFolder.open(dir);
  assert.throws(() => folder.checkpoint('checkpoints/round-0001/../../..'), /is not a checkpoint of this run/);
  assert.throws(() => RunFolder.checkpointName('/../x' as unknown as number), /is not a non-negative integer/);
  assert.throws(() => RunFolder.checkpointName(-1), /is not a non-negative integer/);
  assert.equal(folder.checkpoint('checkpoints/round-0001').dir, path.join(folder.dir, 'checkpoints', 'round-0001'));
});

test('a run.json taskName that is a path is refused, its file never run; task files need trust', async () => {
  const root = tmp();
  const marker = path.join(root, 'ran');
  const evil = path.join(root, 'evil.task.ts');
  fs.writeFileSync(evil, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nexport default 1;\n`);
  await assert.rejects(runTask({ taskName: evil }, true), /taskName '.*evil\.task\.ts' is not a built-in task/);
  await assert.rejects(runTask({ taskName: 'evil', taskFile: evil }, false), (e: unknown) => e instanceof UntrustedTaskError && /trusted workspace/.test((e as Error).message));
  await assert.rejects(runTask({ taskName: 'evil', taskFile: 'evil.task.ts' }, true), /not an absolute path/);
  assert.ok(!fs.existsSync(marker), 'the task file was not compiled nor run');
  assert.equal(await runTask({ taskName: pp.name }, false), pp);
});

test('a second trainer gets "run in use by pid N"; a stale lock is taken over; release frees it', async () => {
  const { dir } = await runWithRounds(1);
  const first = RunLock.acquire(dir);
  assert.throws(() => RunLock.acquire(dir), (e: unknown) => e instanceof RunInUseError && new RegExp(`run in use by pid ${process.pid}`).test((e as Error).message));
  first.release();
  const second = RunLock.acquire(dir);
  second.release();
  assert.ok(!fs.existsSync(path.join(dir, 'lock')));
  // A lock left by a process that has died on this host.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), startedAt: '2020-01-01T00:00:00Z' }));
  const third = RunLock.acquire(dir);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).pid, process.pid);
  third.release();
  // A lock of another host is respected (its pid means nothing here).
  fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: 1, host: `not-${os.hostname()}`, startedAt: '2020-01-01T00:00:00Z' }));
  assert.throws(() => RunLock.acquire(dir), /run in use by pid 1 on not-/);
});

test('state.json missing beside checkpoints: an error naming them, never a restart that deletes them', async () => {
  const { dir } = await runWithRounds(2);
  fs.rmSync(path.join(dir, 'state.json'));
  const before = fs.readdirSync(path.join(dir, 'checkpoints')).sort();
  assert.throws(() => RunFolder.open(dir), /state\.json is missing; checkpoints\/round-0001, checkpoints\/round-0002 exist/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')).sort(), before);
});

test('a damaged last checkpoint is named and the previous one offered; resuming from it trains the round again', async () => {
  const { dir } = await runWithRounds(3);
  const folder = RunFolder.open(dir);
  const model = path.join(dir, 'checkpoints', 'round-0003', 'fake-model.json');
  const bytes = fs.readFileSync(model);
  bytes[Math.floor(bytes.length / 2)] ^= 0x5a; // random bytes in the weights: the same size, other values
  fs.writeFileSync(model, bytes);
  await assert.rejects(Run.resume(folder, pp, fakeFactory()), (e: unknown) =>
    e instanceof CorruptCheckpointError && e.previous === 'checkpoints/round-0002' &&
    /checkpoint checkpoints\/round-0003 is damaged \(.*fake-model\.json: its sha256 does not match/.test(e.message) && /--from-checkpoint previous/.test(e.message));
  const resumed = await Run.resume(folder, pp, fakeFactory(), {}, 'previous');
  assert.equal(resumed.round, 2);
  const r3 = await resumed.runRound();
  assert.equal(r3.round, 3);
  resumed.dispose();
  assert.equal(RunFolder.open(dir).state()!.checkpoint, 'checkpoints/round-0003');
  assert.equal(folder.checkpointProblem('checkpoints/round-0003'), undefined, 'round 3 checkpointed afresh');
  assert.deepEqual(RunFolder.open(dir).rounds().records.map((r) => r.round), [1, 2, 3]);
});

test('a checkpoint from before manifests (no manifest.json, no state copy) resumes unverified; one that lost only its manifest is damaged', async () => {
  const { dir } = await runWithRounds(2);
  const last = path.join(dir, 'checkpoints', 'round-0002');
  fs.rmSync(path.join(last, 'manifest.json'));
  const folder = RunFolder.open(dir);
  // Its state copy is still there: a sealed checkpoint that lost its manifest, not an old one.
  assert.match(folder.checkpointProblem('checkpoints/round-0002') ?? '', /manifest\.json/);
  fs.rmSync(path.join(last, 'state.json'));
  assert.equal(folder.checkpointProblem('checkpoints/round-0002'), undefined);
  const resumed = await Run.resume(folder, pp, fakeFactory());
  assert.equal(resumed.round, 2);
  assert.equal((await resumed.runRound()).round, 3);
  resumed.dispose();
});

test('both checkpoints damaged: an error, no offer', async () => {
  const { dir } = await runWithRounds(3);
  fs.rmSync(path.join(dir, 'checkpoints', 'round-0003', 'buffer.json'));
  fs.writeFileSync(path.join(dir, 'checkpoints', 'round-0002', 'manifest.json'), '{');
  await assert.rejects(Run.resume(RunFolder.open(dir), pp, fakeFactory()), (e: unknown) =>
    e instanceof RunFolderError && !(e instanceof CorruptCheckpointError) && /round-0003\/buffer\.json: missing\) and there is no intact previous checkpoint/.test((e as Error).message));
});

test('clean: orphan temp files and superseded checkpoints go; the last two checkpoints and every other file stay', async () => {
  const { dir } = await runWithRounds(3);
  const folder = RunFolder.open(dir);
  fs.mkdirSync(path.join(dir, 'checkpoints', 'round-0001'));
  fs.writeFileSync(path.join(dir, 'checkpoints', 'round-0001', 'weights-1-abcd.bin'), 'x');
  fs.mkdirSync(path.join(dir, 'checkpoints', 'round-0004'));
  const orphans = [path.join(dir, '.state.json.123.deadbeef.tmp'), path.join(dir, 'checkpoints', 'round-0003', '.buffer.json.9.00ff00ff.tmp')];
  for (const f of orphans) fs.writeFileSync(f, 'partial');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  fs.writeFileSync(path.join(dir, 'my.tmp'), 'mine too');
  const removed = folder.clean().sort();
  assert.deepEqual(removed, ['.state.json.123.deadbeef.tmp', 'checkpoints/round-0001', 'checkpoints/round-0003/.buffer.json.9.00ff00ff.tmp', 'checkpoints/round-0004']);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')).sort(), ['round-0002', 'round-0003']);
  assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
  assert.equal(fs.readFileSync(path.join(dir, 'my.tmp'), 'utf8'), 'mine too');
  assert.equal(folder.checkpointProblem('checkpoints/round-0003'), undefined);
});

test('a full replay buffer comes back slot for slot: sampling after a resume draws what it would have drawn', () => {
  const b = new ReplayBuffer<number>(5);
  b.add([1, 2, 3, 4, 5, 6, 7]);
  const back = ReplayBuffer.fromJSON(JSON.parse(JSON.stringify(b.toJSON())) as { capacity: number; next: number; items: number[] });
  assert.deepEqual(back.toJSON(), b.toJSON());
  assert.deepEqual(back.sample(createRng(['s']), 20), b.sample(createRng(['s']), 20));
  const ex = (i: number) => [{ facts: [['a', String(i)]], question: ['q', String(i)], answer: [String(i)] }];
  const c = new ContextBuffer(4, 1);
  c.add([1, 2, 3, 4, 5, 6].map(ex));
  const cb = ContextBuffer.fromJSON(JSON.parse(JSON.stringify(c.toJSON())) as ReturnType<ContextBuffer['toJSON']>);
  assert.deepEqual(cb.toJSON(), c.toJSON());
  assert.deepEqual(cb.sample(createRng(['t']), 12), c.sample(createRng(['t']), 12));
  assert.deepEqual(cb.examples(), c.examples());
  // At another capacity the items are re-added oldest first.
  assert.deepEqual(ContextBuffer.fromJSON(c.toJSON(), 8).examples(), c.examples());
});

test('state.json of the checkpoint names the state it holds; the run state names both checkpoints', async () => {
  const { dir } = await runWithRounds(2);
  const folder = RunFolder.open(dir);
  const state = folder.state() as RunState;
  assert.equal(state.checkpoint, 'checkpoints/round-0002');
  assert.equal(state.previousCheckpoint, 'checkpoints/round-0001');
  assert.equal(folder.checkpointState('checkpoints/round-0001').round, 1);
  assert.deepEqual(folder.checkpointState('checkpoints/round-0002'), state);
});
