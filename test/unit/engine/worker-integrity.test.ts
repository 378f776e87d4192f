/**
 * The training worker and run-folder integrity (issue 12, items 2, 4, 5): it loads task files only
 * when its host says they are trusted, holds the run's lock while the run is open, and reports a run
 * it cannot open (damaged, in use) as a fatal error, naming the intact previous checkpoint if any.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import type { RunConfig } from '../../../src/engine/run-types';
import type { WorkerEvent } from '../../../src/engine/worker-protocol';
import { is, roundIs, startWorker, statusIs } from './fake-worker';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'amp-worker-integrity-'));
const config: RunConfig = {
  ...DEFAULT_CONFIG, task: 'permutation-powering', mode: 'supervised', stepsPerRound: 2, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2,
};
const fatal = (e: WorkerEvent): e is Extract<WorkerEvent, { type: 'error' }> => e.type === 'error' && e.fatal;

/** A task file whose loading leaves a marker file: whether the worker ran it shows. */
function markingTaskFile(): { file: string; marker: string } {
  const root = tmp();
  const marker = path.join(root, 'ran');
  const file = path.join(root, 'mark.task.ts');
  fs.writeFileSync(file, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nexport default 1;\n`);
  return { file, marker };
}

async function runOfRounds(n: number): Promise<string> {
  const dir = path.join(tmp(), 'run');
  const w = await startWorker();
  w.send({ type: 'open', folder: dir, create: { config } });
  await w.waitFor(is('ready'));
  w.send({ type: 'run', rounds: n });
  await w.waitFor(roundIs(n));
  w.send({ type: 'stop' });
  await w.waitFor(statusIs('stopped'));
  return dir;
}

test('an untrusted worker refuses task files, from a command or from run.json; it never runs them', async () => {
  const { file, marker } = markingTaskFile();
  const w = await startWorker();
  w.send({ type: 'open', folder: path.join(tmp(), 'run'), create: { config: { ...config, task: 'mark' }, taskFile: file } });
  const e = await new Promise<Extract<WorkerEvent, { type: 'error' }>>((resolve) => w.on((x) => fatal(x) && resolve(x)));
  assert.match(e.message, /mark\.task\.ts: task files are code; they are compiled and run only in a trusted workspace/);
  await w.waitFor(statusIs('stopped')).catch(() => undefined);
  assert.ok(!fs.existsSync(marker));

  const dir = await runOfRounds(1);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...meta, taskName: 'mark', taskFile: file }));
  const again = await startWorker();
  const refused = new Promise<Extract<WorkerEvent, { type: 'error' }>>((resolve) => again.on((x) => fatal(x) && resolve(x)));
  again.send({ type: 'open', folder: dir });
  assert.match((await refused).message, /trusted workspace/);
  assert.ok(!fs.existsSync(marker));
  assert.ok(!fs.existsSync(path.join(dir, 'lock')), 'no lock left behind');

  // Trusted: the file is loaded (here it exports no task, which is the error).
  const trusted = await startWorker('', { trusted: true });
  const loaded = new Promise<Extract<WorkerEvent, { type: 'error' }>>((resolve) => trusted.on((x) => fatal(x) && resolve(x)));
  trusted.send({ type: 'open', folder: dir });
  assert.match((await loaded).message, /does not export a task/);
  assert.ok(fs.existsSync(marker), 'a trusted worker does run task files');
});

test('two workers on one run: the second gets "run in use by pid N"; the lock goes when the first ends', async () => {
  const dir = await runOfRounds(1);
  const first = await startWorker();
  first.send({ type: 'open', folder: dir });
  await first.waitFor(is('ready'));
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).pid, process.pid);
  const second = await startWorker();
  const refused = new Promise<Extract<WorkerEvent, { type: 'error' }>>((resolve) => second.on((x) => fatal(x) && resolve(x)));
  second.send({ type: 'open', folder: dir });
  assert.match((await refused).message, new RegExp(`^run in use by pid ${process.pid} `));
  assert.ok(fs.existsSync(path.join(dir, 'lock')), "the refused worker leaves the first one's lock alone");
  // Ended without a stop (as a crash ends it): the host releases the lock its thread held.
  await first.terminate();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(!fs.existsSync(path.join(dir, 'lock')));
  const third = await startWorker();
  third.send({ type: 'open', folder: dir });
  await third.waitFor(is('ready'));
  third.send({ type: 'stop' });
  await third.waitFor(statusIs('stopped'));
  assert.ok(!fs.existsSync(path.join(dir, 'lock')), 'released on stop');
});

test('a damaged last checkpoint: a fatal error that names the previous one; opening from it resumes there', async () => {
  const dir = await runOfRounds(3);
  fs.appendFileSync(path.join(dir, 'checkpoints', 'round-0003', 'buffer.json'), ' ');
  const w = await startWorker();
  const failed = new Promise<Extract<WorkerEvent, { type: 'error' }>>((resolve) => w.on((x) => fatal(x) && resolve(x)));
  w.send({ type: 'open', folder: dir });
  const e = await failed;
  assert.equal(e.previousCheckpoint, 'checkpoints/round-0002');
  assert.match(e.message, /checkpoint checkpoints\/round-0003 is damaged/);
  const again = await startWorker();
  again.send({ type: 'open', folder: dir, from: 'previous' });
  const ready = await again.waitFor(is('ready'));
  assert.equal(ready.round, 2);
  again.send({ type: 'step' });
  await again.waitFor(roundIs(3));
  again.send({ type: 'stop' });
  await again.waitFor(statusIs('stopped'));
  assert.equal(RunFolder.open(dir).checkpointProblem('checkpoints/round-0003'), undefined);
});
