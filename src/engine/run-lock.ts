/**
 * The lock of a run folder: `<run>/lock`, created with O_EXCL, holding the trainer's pid, host and
 * start time. Whoever trains a run (the CLI's `train`, the extension's worker) holds it, so a second
 * trainer is refused with "run in use by pid N"; a lock left by a process that died on this host is
 * taken over. Readers (the Explorer showing a run) take no lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { RunFolderError } from './run-folder';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** The worker thread that holds it (a training worker shares its host's pid). */
  thread?: number;
}

/** A run folder that another live trainer holds. */
export class RunInUseError extends RunFolderError {
  constructor(file: string, readonly holder: LockInfo) {
    super(`run in use by pid ${holder.pid} on ${holder.host} since ${holder.startedAt} (${file})`, file);
    this.name = 'RunInUseError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const x = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (Number.isInteger(x.pid) && typeof x.host === 'string' && typeof x.startedAt === 'string' && (x.thread === undefined || Number.isInteger(x.thread))) return x as LockInfo;
  } catch {
    /* unreadable: a lock whose writer died between creating and writing it */
  }
  return undefined;
}

export class RunLock {
  private released = false;
  private constructor(readonly file: string, private readonly token: string) {}

  /** Takes the lock of the run folder `dir`, or throws RunInUseError. */
  static acquire(dir: string): RunLock {
    const file = path.join(dir, 'lock');
    const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), ...(threadId !== 0 ? { thread: threadId } : {}) };
    const token = JSON.stringify(info);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
        try {
          fs.writeSync(fd, token);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return new RunLock(file, token);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readLock(file);
      // A lock of a live process, or of another host (whose pids say nothing here), is respected.
      // An unreadable lock is respected unless it is old enough that its writer must be gone.
      if (holder && (holder.host !== os.hostname() || alive(holder.pid))) throw new RunInUseError(file, holder);
      if (!holder && Date.now() - fs.statSync(file).mtimeMs < 10_000) throw new RunInUseError(file, { pid: 0, host: 'unknown', startedAt: 'a moment ago' });
      // Stale: take it over. Renaming it away first means two processes taking it over at once
      // cannot both succeed: only one rename finds it, the other retries and meets the new lock.
      try {
        fs.renameSync(file, `${file}.stale.${process.pid}`);
        fs.rmSync(`${file}.stale.${process.pid}`, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    throw new RunFolderError(`${file}: cannot take the lock of this run`, file);
  }

  /**
   * Removes the lock of `dir` if a worker thread of this process holds it: what the host does when
   * that thread has ended without releasing it (terminated, crashed), since its pid is still alive.
   */
  static releaseHeldByThread(dir: string, thread: number): void {
    const file = path.join(dir, 'lock');
    const holder = readLock(file);
    if (holder && holder.pid === process.pid && holder.host === os.hostname() && holder.thread === thread) fs.rmSync(file, { force: true });
  }

  /** Releases the lock (once; a lock that is no longer ours is left alone). */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (fs.readFileSync(this.file, 'utf8') === this.token) fs.rmSync(this.file, { force: true });
    } catch {
      /* already gone */
    }
  }
}
