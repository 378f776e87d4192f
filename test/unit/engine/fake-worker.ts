/**
 * Real worker threads (dist/worker.js) with the fake learner inside, for tests of the worker and of
 * its hosts. Every worker started here is terminated after the test file, even when a test failed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import * as esbuild from 'esbuild';
import { RunWorker } from '../../../src/engine/run-worker';
import type { WorkerEvent } from '../../../src/engine/worker-protocol';

export const workerFile = path.resolve('dist/worker.js');

let fakeModule: string | undefined;
/** fake-learner-module.ts bundled for the worker's `learnerModule`. */
export async function learnerModule(): Promise<string> {
  if (!fakeModule) {
    fakeModule = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-fake-learner-')), 'fake-learner.js');
    await esbuild.build({ entryPoints: ['test/unit/engine/fake-learner-module.ts'], outfile: fakeModule, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
  }
  return fakeModule;
}

const workers: RunWorker[] = [];
// A failed assertion must not leave a worker thread keeping the test process alive.
after(() => Promise.all(workers.filter((w) => w.alive).map((w) => w.terminate())));

/** A worker with the fake learner; `crash` is AMP_FAKE_CRASH (see fake-learner-module.ts); `trusted`: it may load task files. */
export async function startWorker(crash = '', options: { trusted?: boolean } = {}): Promise<RunWorker> {
  process.env.AMP_FAKE_CRASH = crash;
  const w = new RunWorker({ workerFile, learnerModule: await learnerModule(), ...options });
  process.env.AMP_FAKE_CRASH = '';
  workers.push(w);
  return w;
}

export const is = <T extends WorkerEvent['type']>(type: T) => (e: WorkerEvent): e is Extract<WorkerEvent, { type: T }> => e.type === type;
export const roundIs = (n: number) => (e: WorkerEvent): e is Extract<WorkerEvent, { type: 'round' }> => e.type === 'round' && e.record.round === n;
export const statusIs = (status: Extract<WorkerEvent, { type: 'status' }>['status']) => (e: WorkerEvent): e is Extract<WorkerEvent, { type: 'status' }> => e.type === 'status' && e.status === status;
