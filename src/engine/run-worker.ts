/**
 * The host side of a run's worker thread: starts the worker, sends typed commands, turns its
 * messages, crashes and exits into events. A crash of the worker is an `error` event with
 * `fatal: true` — it never throws into the host.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RunLock } from './run-lock';
import type { WorkerCommand, WorkerEvent, WorkerStatus } from './worker-protocol';
import type { WorkerOptions } from './worker-main';

export interface RunWorkerOptions extends WorkerOptions {
  /** The worker bundle (default: `worker.js` beside this bundle). */
  workerFile?: string;
}

type Listener = (e: WorkerEvent) => void;

export class RunWorker {
  private readonly worker: Worker;
  private readonly listeners = new Set<Listener>();
  private exited = false;
  private readonly threadId: number;
  /** The run folder the worker was asked to open (it holds that run's lock). */
  private folder: string | undefined;
  status: WorkerStatus = 'starting';
  round = 0;

  constructor(options: RunWorkerOptions = {}) {
    const file = options.workerFile ?? path.join(__dirname, 'worker.js');
    this.worker = new Worker(file, { workerData: { learnerModule: options.learnerModule, trusted: options.trusted } satisfies WorkerOptions, stdout: true, stderr: false });
    this.threadId = this.worker.threadId;
    // tfjs prints notices on stdout: keep them out of the host's stdout (the CLI's --json).
    this.worker.stdout.on('data', (d: Buffer) => process.stderr.write(d));
    this.worker.on('message', (e: WorkerEvent) => {
      // A message still queued when the thread exited is stale: its exit (a crash) was already said.
      if (this.exited) return;
      if (e.type === 'status') {
        this.status = e.status;
        this.round = e.round;
      }
      if (e.type === 'round') this.round = e.record.round;
      this.emit(e);
    });
    this.worker.on('error', (err) => {
      this.emit({ type: 'error', message: `the training worker crashed: ${err.message}`, stack: err.stack, fatal: true });
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      // A thread that did not finish (terminated, crashed) leaves its run's lock behind, under this process's pid.
      if (this.folder) RunLock.releaseHeldByThread(this.folder, this.threadId);
      if (this.status !== 'stopped') {
        this.status = 'stopped';
        this.emit({ type: 'error', message: `the training worker exited unexpectedly (code ${code})`, fatal: true });
      }
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: WorkerEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A listener's bug must not break the others.
      }
    }
  }

  send(cmd: WorkerCommand): void {
    if (this.exited) throw new Error('the training worker is not running');
    // (A test may send a malformed command on purpose: the worker rejects it.)
    const open = cmd as Partial<Extract<WorkerCommand, { type: 'open' }>> | null;
    if (open?.type === 'open' && typeof open.folder === 'string') this.folder = path.resolve(open.folder);
    this.worker.postMessage(cmd);
  }

  /** Resolves with the first event that matches (rejects on a fatal error or after `ms`). */
  waitFor<T extends WorkerEvent>(match: (e: WorkerEvent) => e is T, ms = 600_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${ms} ms waiting for the worker`));
      }, ms);
      const off = this.on((e) => {
        if (match(e)) {
          clearTimeout(timer);
          off();
          resolve(e);
        } else if (e.type === 'error' && e.fatal) {
          clearTimeout(timer);
          off();
          reject(new Error(e.message));
        }
      });
    });
  }

  private nextId = 1;

  /** The tree of a question with the worker's current model. */
  inspect(cmd: Omit<Extract<WorkerCommand, { type: 'inspect' }>, 'type' | 'id'>, ms = 60_000): Promise<Extract<WorkerEvent, { type: 'inspected' }>> {
    const id = this.nextId++;
    const done = this.waitFor((e): e is Extract<WorkerEvent, { type: 'inspected' | 'inspectFailed' }> => (e.type === 'inspected' || e.type === 'inspectFailed') && e.id === id, ms);
    this.send({ type: 'inspect', id, ...cmd });
    return done.then((e) => {
      if (e.type === 'inspectFailed') throw new Error(e.message);
      return e;
    });
  }

  /** X's answers (student and teacher) to questions of one context, with the worker's current model. */
  answer(cmd: Omit<Extract<WorkerCommand, { type: 'answer' }>, 'type' | 'id'>, ms = 60_000): Promise<Extract<WorkerEvent, { type: 'answered' }>> {
    const id = this.nextId++;
    const done = this.waitFor((e): e is Extract<WorkerEvent, { type: 'answered' | 'inspectFailed' }> => (e.type === 'answered' || e.type === 'inspectFailed') && e.id === id, ms);
    this.send({ type: 'answer', id, ...cmd });
    return done.then((e) => {
      if (e.type === 'inspectFailed') throw new Error(e.message);
      return e;
    });
  }

  /** Where the worker's H′ agrees with the person's transcripts of the run (and the comparisons of those asked in `instance`). */
  comparePerson(cmd: Omit<Extract<WorkerCommand, { type: 'comparePerson' }>, 'type' | 'id'>, ms = 60_000): Promise<Extract<WorkerEvent, { type: 'personCompared' }>> {
    const id = this.nextId++;
    const done = this.waitFor((e): e is Extract<WorkerEvent, { type: 'personCompared' | 'inspectFailed' }> => (e.type === 'personCompared' || e.type === 'inspectFailed') && e.id === id, ms);
    this.send({ type: 'comparePerson', id, ...cmd });
    return done.then((e) => {
      if (e.type === 'inspectFailed') throw new Error(e.message);
      return e;
    });
  }

  /** Kills the worker at once (no checkpoint of the current round). */
  async terminate(): Promise<void> {
    this.status = 'stopped';
    await this.worker.terminate();
  }
}
