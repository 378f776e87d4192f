/**
 * An open run, host side: its folder, its task, its recorded rounds, and (while training or live
 * inspection is wanted) its worker thread. No vscode here, so it is unit-tested directly.
 *
 * The host owns the edits to a run: pins, overrides and notes of an open run are written here, into
 * the run folder (the extension writes the one pin of a new check folder before opening it). The
 * worker is never told about them: it reads them from the folder at each round and each inspect
 * (see run-folder.ts).
 */
import { Worker } from 'node:worker_threads';
import { questionKey, type Answer, type InstanceId, type Question } from '../core/index';
import { RunFolder, instanceKey } from '../engine/run-folder';
import type { AnnotationEvent, OverrideKey, PinnedQuestion, PinnedRound, RoundRecord, RunMeta } from '../engine/run-types';
import { RunWorker, type RunWorkerOptions } from '../engine/run-worker';
import type { TaskSandboxOptions } from '../engine/task-sandbox';
import { runTaskSource } from '../engine/task-loader';
import type { WorkerEvent } from '../engine/worker-protocol';
import type { RunStatus, StatusView } from '../protocol/explorer';
import { BuiltinSessionTask, SandboxSessionTask, type SessionTask } from './session-task';

export class RunSession {
  private pinnedCache = new Map<number, PinnedRound | null>();
  worker: RunWorker | undefined;
  /** The status and the round (rounds trained; see StatusView), kept by the worker's events. */
  status: StatusView = { status: 'idle', round: 0 };
  private listeners = new Set<(e: WorkerEvent) => void>();

  private constructor(
    readonly folder: RunFolder,
    readonly meta: RunMeta,
    /** Its task: a built-in runs here, a task file in its sandbox process (session-task.ts). */
    readonly task: SessionTask,
  ) {
    this.status = { status: 'idle', round: this.rounds().records.at(-1)?.round ?? 0 };
  }

  /**
   * Opens a run folder and its task: a built-in, or the user's task file when `trusted` (the
   * workspace is trusted), loaded in a sandbox process with `sandbox`'s limits; a run.json naming
   * anything else is refused.
   */
  static async open(dir: string, trusted = false, sandbox: TaskSandboxOptions = {}): Promise<RunSession> {
    const folder = RunFolder.open(dir);
    const meta = folder.meta();
    const source = runTaskSource(meta, trusted, folder.metaFile);
    const task = 'builtin' in source ? new BuiltinSessionTask(source.builtin) : await SandboxSessionTask.open(source.file, source.name, sandbox);
    return new RunSession(folder, meta, task);
  }

  get id(): string {
    return this.meta.id;
  }

  rounds(): { records: RoundRecord[]; skipped: { line: number; reason: string }[] } {
    return this.folder.rounds();
  }

  latestRound(): number {
    return this.rounds().records.at(-1)?.round ?? 0;
  }

  pins(): PinnedQuestion[] {
    return this.folder.pinned();
  }

  /** Replaces the pinned questions; the run answers them from its next round on. */
  savePins(pins: readonly PinnedQuestion[]): void {
    this.folder.savePinned(pins);
  }

  /** Sets (or, with null, clears) the override of a (context, question) pair. */
  setOverride(key: OverrideKey, answer: Answer | null): void {
    if (answer === null) this.folder.clearOverride(key);
    else this.folder.setOverride(key, answer);
  }

  annotate(event: AnnotationEvent): void {
    this.folder.appendAnnotation(event);
  }

  /** A round's pinned answers (files never change once written, so they are cached). */
  pinnedRound(round: number): PinnedRound | undefined {
    if (!this.pinnedCache.has(round)) {
      let p: PinnedRound | undefined;
      try {
        p = this.folder.pinnedRound(round);
      } catch {
        p = undefined; // unreadable: treated as not recorded
      }
      if (p) this.pinnedCache.set(round, p);
      else return undefined;
    }
    return this.pinnedCache.get(round) ?? undefined;
  }

  /** The overrides in force for one context. */
  overridesIn(instance: InstanceId): { question: Question; answer: Answer }[] {
    const context = instanceKey(instance);
    return [...this.folder.overrides().values()].filter(({ key }) => instanceKey(key.instance) === context).map(({ key, answer }) => ({ question: key.question, answer }));
  }

  /** The overrides in force for one context, by question key. */
  overridesFor(instance: InstanceId): Map<string, Answer> {
    return new Map(this.overridesIn(instance).map((o) => [questionKey(o.question), o.answer]));
  }

  /**
   * Starts the worker (resuming the run from its last checkpoint, or with `from: 'previous'` from the
   * one before it) unless it runs already.
   */
  ensureWorker(options: RunWorkerOptions, from: 'last' | 'previous' = 'last'): RunWorker {
    if (this.worker?.alive) return this.worker;
    const w = new RunWorker(options);
    this.attachWorker(w);
    w.send({ type: 'open', folder: this.folder.dir, ...(from === 'previous' ? { from } : {}) });
    return w;
  }

  /** Uses a worker that already has this run open (e.g. the one that created it). */
  attachWorker(w: RunWorker): void {
    this.worker = w;
    w.on((e) => {
      // A worker this run has replaced says nothing more about it.
      if (this.worker !== w) return;
      if (e.type === 'status') this.setStatus(e.status === 'running' ? 'running' : e.status === 'stopped' ? 'stopped' : 'idle', e.round);
      else if (e.type === 'phase') this.status = { ...this.status, status: 'running', phase: e.phase, round: e.round - 1 };
      // Recorded: round r is now the latest (the next one's phases have not begun).
      else if (e.type === 'round') this.status = { status: this.status.status, round: e.record.round };
      else if (e.type === 'error' && e.fatal) this.status = { status: 'crashed', round: this.latestRound(), message: e.message };
      for (const l of [...this.listeners]) l(e);
    });
  }

  private setStatus(s: RunStatus, round: number): void {
    this.status = { status: s, round };
  }

  onWorkerEvent(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Test seam, reached only through the extension's API in `ExtensionMode.Test`: ends the worker
   * thread at once, the way a crash (out of memory, a native abort) ends it. It goes behind
   * RunWorker's back (its thread is private): `RunWorker.terminate()` is a deliberate stop and
   * reports nothing, whereas here RunWorker sees an unexpected exit and reports a fatal error.
   */
  async crashWorkerForTest(): Promise<void> {
    const thread: unknown = (this.worker as unknown as { worker?: unknown } | undefined)?.worker;
    if (!(thread instanceof Worker) || !this.worker?.alive) throw new Error('this run has no live worker thread to crash');
    await thread.terminate();
  }

  async dispose(): Promise<void> {
    this.listeners.clear();
    this.task.dispose();
    if (this.worker?.alive) {
      this.worker.send({ type: 'stop' });
      const w = this.worker;
      // Give the worker up to 30 s to checkpoint the round under way, then make sure it is gone.
      await w.waitFor((e): e is Extract<WorkerEvent, { type: 'status' }> => e.type === 'status' && e.status === 'stopped', 30_000).catch(() => undefined);
      if (w.alive) await w.terminate();
    }
  }
}
