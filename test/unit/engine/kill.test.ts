/**
 * A kill at every file operation of a round and of its checkpoint, then a resume: no round is lost,
 * the resumed run ends exactly where an uninterrupted one does, nothing is left behind and nothing
 * outside the run folder is touched (issue 12, item 7).
 *
 * The kill is injected in the file layer: Node's fs functions are wrapped so that the k-th operation
 * that changes a file under the test's folder (open for writing, write, fsync, rename, rm, mkdir)
 * dies — a write dies half done — and every operation after it fails too, as in a killed process
 * (no `finally` can clean up). The in-memory run is then dropped and the folder resumed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import type { RoundRecord, RunConfig } from '../../../src/engine/run-types';
import { fakeFactoryWithExpert } from './fake-learner';

// The module object itself (the bundled sources read its properties at each call).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as typeof fs;

class Killed extends Error {}

interface Hook {
  root: string;
  killAt: number;
  count: number;
  dead: boolean;
  fds: Set<number>;
  outside: string[];
}
let hook: Hook | undefined;

const inside = (h: Hook, p: unknown) => path.resolve(String(p)).startsWith(h.root + path.sep);

/** Counts one operation on `p` (a path, or undefined for an fd of the folder); dies at the k-th. */
function step(p: unknown, partial?: () => void): void {
  const h = hook;
  if (!h) return;
  if (p !== undefined && !inside(h, p)) {
    h.outside.push(String(p));
    return;
  }
  if (h.dead) throw new Killed('killed');
  if (++h.count === h.killAt) {
    partial?.();
    h.dead = true;
    throw new Killed('killed');
  }
}

const writing = (flags: unknown) =>
  typeof flags === 'string' ? /[wa+]/.test(flags) : typeof flags === 'number' && (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT)) !== 0;

type AnyFn = (...args: never[]) => unknown;
function wrap<K extends keyof typeof fs>(name: K, before: (orig: AnyFn, args: unknown[]) => void, after?: (result: unknown, args: unknown[]) => void): void {
  const orig = nodeFs[name] as unknown as AnyFn;
  (nodeFs as unknown as Record<string, AnyFn>)[name] = (...args: never[]) => {
    before(orig, args);
    const result = orig(...args);
    after?.(result, args);
    return result;
  };
}

wrap('openSync', (_o, [p, flags]) => (writing(flags) ? step(p) : undefined), (fd, [p]) => {
  if (hook && inside(hook, p)) hook.fds.add(fd as number);
});
wrap('closeSync', () => undefined, (_r, [fd]) => hook?.fds.delete(fd as number));
wrap('writeSync', (orig, [fd, data, offset, length]) => {
  if (!hook?.fds.has(fd as number)) return;
  step(undefined, () => {
    // Half of the bytes reach the disk, then the process dies.
    if (typeof data === 'string') orig(...([fd, data.slice(0, data.length >> 1)] as never[]));
    else {
      const from = (offset as number | undefined) ?? 0;
      const n = (length as number | undefined) ?? (data as Uint8Array).length - from;
      orig(...([fd, data, from, n >> 1] as never[]));
    }
  });
});
wrap('fsyncSync', (_o, [fd]) => (hook?.fds.has(fd as number) ? step(undefined) : undefined));
for (const name of ['renameSync', 'rmSync', 'mkdirSync', 'writeFileSync', 'appendFileSync', 'unlinkSync', 'rmdirSync'] as const) {
  wrap(name, (_o, args) => {
    if (typeof args[0] !== 'number') step(name === 'renameSync' ? args[1] : args[0]);
  });
}

const pp = builtinTask('permutation-powering')!;
// A buffer of 6 contexts that 4 new ones a round overfill: the resumed rounds sample a full buffer.
const config = (mode: RunConfig['mode']): RunConfig => ({
  ...DEFAULT_CONFIG, task: pp.name, mode, stepsPerRound: 2, batchSize: 8, contextsPerRound: 4, questionsPerContext: 4, evalContexts: 2,
  bufferSize: 24, expertCallsPerRound: 3, expertStepsPerRound: 1,
});
/** Kills fall in rounds 2 and 3; the resumed run goes on to round 4, where a resume that changed the buffer's order shows. */
const KILLED_ROUNDS = 3;
const ROUNDS = 4;
const pins = JSON.stringify([{ id: 'p1', instance: { size: 8, seed: 'pin', index: 0 }, question: ['pow', '0', '0', '0', '0', '1', '1', 'ab'] }]);
const overrides = `${JSON.stringify({ op: 'set', key: { instance: { size: 8, seed: 'pin', index: 0 }, question: ['pow', '0', '0', '0', '0', '0', '1', 'ab'] }, answer: ['ac'], at: 'now' })}\n`;

/** What a round computed (not its timings). */
const computed = (r: RoundRecord) => {
  const { seconds: _s, elapsed: _e, ...rest } = r;
  return rest;
};

async function startRun(mode: RunConfig['mode']): Promise<{ root: string; dir: string; run: Run }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-kill-'));
  const dir = path.join(root, 'run');
  const run = await Run.create(pp, config(mode), fakeFactoryWithExpert(pp), dir);
  fs.writeFileSync(path.join(dir, 'pinned.json'), pins);
  fs.writeFileSync(path.join(dir, 'overrides.jsonl'), overrides);
  await run.runRound();
  return { root, dir, run };
}

/** Every file left under `dir` whose name marks it as a temp file. */
function tempFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.tmp')) out.push(e.name);
  return out;
}

// supervised: X's buffer is full when the killed rounds resume; amplify-learned-h: H′ and its buffer are checkpointed too.
for (const mode of ['supervised', 'amplify-learned-h'] as const) {
test(`${mode}: a kill at every file operation of rounds and checkpoints, then a resume: nothing lost, nothing left, nothing outside touched`, async () => {
  const reference = await startRun(mode);
  while (reference.run.round < ROUNDS) await reference.run.runRound();
  const expected = RunFolder.open(reference.dir).rounds().records.map(computed);
  reference.run.dispose();

  let killed = 0;
  for (let k = 1; ; k++) {
    const { root, dir, run } = await startRun(mode);
    hook = { root, killAt: k, count: 0, dead: false, fds: new Set(), outside: [] };
    let finished = false;
    try {
      while (run.round < KILLED_ROUNDS) await run.runRound();
      finished = true;
    } catch (e) {
      if (!(e instanceof Killed)) throw e;
    } finally {
      run.dispose();
    }
    const outside = hook.outside;
    hook = undefined;
    assert.deepEqual(outside, [], `kill at operation ${k}: nothing outside the run folder is written`);
    if (finished) break;
    killed++;

    const folder = RunFolder.open(dir);
    folder.clean();
    const resumed = await Run.resume(folder, pp, fakeFactoryWithExpert(pp));
    while (resumed.round < ROUNDS) await resumed.runRound();
    resumed.dispose();
    const label = `kill at operation ${k}`;
    assert.deepEqual(RunFolder.open(dir).rounds().records.map(computed), expected, `${label}: the rounds are those of an uninterrupted run`);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')).sort(), ['round-0003', 'round-0004'], label);
    for (const c of ['checkpoints/round-0003', 'checkpoints/round-0004']) assert.equal(folder.checkpointProblem(c), undefined, `${label}: ${c} intact`);
    assert.deepEqual(tempFiles(dir), [], `${label}: no temp file left`);
    assert.equal(fs.readFileSync(path.join(dir, 'pinned.json'), 'utf8'), pins, `${label}: the user's pins untouched`);
    assert.equal(fs.readFileSync(path.join(dir, 'overrides.jsonl'), 'utf8'), overrides, `${label}: the user's overrides untouched`);
    assert.deepEqual(fs.readdirSync(root), ['run'], `${label}: nothing beside the run folder`);
  }
  assert.ok(killed > 40, `killed at ${killed} operations of two rounds`);
});
}
