/**
 * Runs a user's task code out of the caller's process: one child process per task file
 * (dist/task-sandbox.js), with a time limit per call and a memory cap. An expert that loops, a
 * `process.exit` anywhere in the file, or a runaway allocation ends that process only, and comes
 * back as a typed outcome — never a hang, a dead caller or a false pass.
 *
 * Why a process and not a worker thread (measured on Node 20): a worker with `resourceLimits`
 * contains a loop (terminate), `process.exit` (ends the thread) and a gradual heap overflow, but
 * one large allocation (`new Array(2 ** 30).fill(0)`) aborted the whole process with "FATAL
 * ERROR: … JavaScript heap out of memory". A child process with --max-old-space-size contains
 * all of them, and `process.abort()` as well.
 *
 * The memory cap is V8's heap limit (--max-old-space-size) and, on Linux, the resident memory of
 * the process, read from /proc four times a second: V8 near its limit spends many seconds in
 * last-resort garbage collections before it gives up (19 s at 256 MB), and typed arrays live
 * outside its heap; the watch kills the process as soon as it holds more than the cap.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CallName, CheckCallOptions, SandboxCalls, SandboxReply, SandboxRequest, TaskCheck, TaskMeta, ViewTable } from './task-sandbox-calls';

export interface SandboxLimits {
  /** Time limit of one call (loading the file, checking one task, one of the Explorer's computations). */
  timeoutSeconds: number;
  /** Memory cap of the sandbox process. */
  maxMemoryMb: number;
}

/**
 * A load also starts Node and compiles the file with esbuild (our work, not the task's): on a busy
 * machine that alone took over 3 s, so a load gets this much more than the limit.
 */
const LOAD_GRACE_SECONDS = 10;

export const DEFAULT_LIMITS: SandboxLimits = { timeoutSeconds: 60, maxMemoryMb: 1024 };
/** The smallest memory cap: the process itself (Node, esbuild's API, the core) takes ~60 MB. */
export const MIN_MEMORY_MB = 128;

export interface TaskSandboxOptions extends Partial<SandboxLimits> {
  /** The sandbox bundle (default: task-sandbox.js beside this bundle, else the package's dist/). */
  entry?: string;
  /** What the task's code prints (its stdout and stderr), as it comes. */
  onOutput?(text: string): void;
}

/** Why a call gave no result. */
export type SandboxFailure =
  | { kind: 'load-error'; message: string; file?: string; line?: number; column?: number }
  /** The task's code threw outside of what the call catches (e.g. in its `format`). */
  | { kind: 'error'; call: CallName; message: string; stack?: string }
  | { kind: 'timeout'; call: CallName; seconds: number }
  | { kind: 'exited'; call: CallName; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'out-of-memory'; call: CallName; limitMb: number };

export type SandboxOutcome<T> = { kind: 'ok'; value: T } | SandboxFailure;

/** One line that says what went wrong. */
export function describeFailure(f: SandboxFailure, file: string): string {
  const name = path.basename(file);
  const during = (call: CallName) => ({ load: 'while loading', check: 'while checking', view: "while computing the Explorer's view" })[call];
  switch (f.kind) {
    case 'load-error':
      return f.message;
    case 'error':
      return `${name} threw ${during(f.call)}: ${f.message}`;
    case 'timeout':
      return `${name} did not finish ${during(f.call)} within ${f.seconds} s (a loop that never ends?); stopped`;
    case 'exited':
      return `${name} ended the process ${during(f.call)} (${f.signal ? `signal ${f.signal}` : `exit code ${f.code}`}; does the task call process.exit?)`;
    case 'out-of-memory':
      return `${name} ran out of memory ${during(f.call)} (more than ${f.limitMb} MB); stopped`;
  }
}

/** Where the sandbox bundle is: beside this bundle (dist/), or the package's dist/ (tests). */
export function sandboxEntry(): string {
  const candidates = [path.join(__dirname, 'task-sandbox.js')];
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'dist', 'task-sandbox.js'));
    if (path.dirname(dir) === dir) break;
  }
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`checking a task file needs task-sandbox.js (looked in ${candidates.slice(0, 2).join(', ')}); run the build`);
  return found;
}

/** Resident memory of a process in MB (Linux), undefined where /proc does not tell. */
function residentMb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const MEMORY_POLL_MS = 250;
/** V8's last words when its heap is exhausted. */
const V8_OOM = /heap out of memory|Allocation failed/;

interface Pending {
  id: number;
  call: CallName;
  /** The process the call was sent to. */
  child: ChildProcess;
  resolve(o: SandboxOutcome<unknown>): void;
  onProgress?(done: number, total: number): void;
}

/**
 * The sandbox of one task file. Calls run one at a time; a call that times out, exits or runs
 * out of memory takes the process with it, and the next call starts a fresh one (loading the
 * file again). Dispose it to end the process. `V` types `view`: the table the sandbox bundle's
 * entry registers (src/extension/explorer/task-views.ts).
 */
export class TaskSandbox<V extends ViewTable = ViewTable> {
  readonly limits: SandboxLimits;
  private child: ChildProcess | undefined;
  private loaded: TaskMeta[] | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly task: string, private readonly options: TaskSandboxOptions = {}) {
    this.limits = {
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_LIMITS.timeoutSeconds,
      maxMemoryMb: Math.max(MIN_MEMORY_MB, options.maxMemoryMb ?? DEFAULT_LIMITS.maxMemoryMb),
    };
  }

  /** The tasks the file exports (loads it in a fresh process when none is running). */
  tasks(): Promise<SandboxOutcome<TaskMeta[]>> {
    return this.serial(() => this.ensureLoaded());
  }

  /** The consistency check of one of the file's tasks. */
  check(task: string, options: CheckCallOptions, onProgress?: (done: number, total: number) => void): Promise<SandboxOutcome<TaskCheck>> {
    return this.serial(async () => {
      const loaded = await this.ensureLoaded();
      if (loaded.kind !== 'ok') return loaded;
      return this.call('check', { task, options }, onProgress);
    });
  }

  /** One of the computations of the sandbox's view table (the Explorer's) on one of the file's tasks. */
  view<K extends keyof V & string>(task: string, name: K, args: Parameters<V[K]>[1]): Promise<SandboxOutcome<ReturnType<V[K]>>> {
    return this.serial(async () => {
      const loaded = await this.ensureLoaded();
      if (loaded.kind !== 'ok') return loaded;
      return (await this.call('view', { task, name, args })) as SandboxOutcome<ReturnType<V[K]>>;
    });
  }

  /** Ends the process (a running call resolves as `exited`). */
  dispose(): void {
    if (this.child) this.kill(this.child);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async ensureLoaded(): Promise<SandboxOutcome<TaskMeta[]>> {
    if (this.child && this.loaded) return { kind: 'ok', value: this.loaded };
    const r = await this.call('load', { task: this.task });
    if (r.kind === 'ok') this.loaded = r.value;
    return r;
  }

  private start(): ChildProcess {
    const entry = this.options.entry ?? sandboxEntry();
    const child = fork(entry, [], {
      execArgv: [`--max-old-space-size=${this.limits.maxMemoryMb}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // In VS Code's extension host, process.execPath is Electron: run it as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    let stderrTail = '';
    let overMemory = false;
    const output = (d: Buffer) => this.options.onOutput?.(d.toString());
    child.stdout!.on('data', output);
    child.stderr!.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4096);
      output(d);
    });
    child.on('message', (m: SandboxReply) => this.reply(m));
    const watch = setInterval(() => {
      const mb = child.pid === undefined ? undefined : residentMb(child.pid);
      if (mb !== undefined && mb > this.limits.maxMemoryMb) {
        overMemory = true;
        this.kill(child);
      }
    }, MEMORY_POLL_MS);
    const ended = (failure: (call: CallName) => SandboxFailure) => {
      clearInterval(watch);
      if (this.child === child) this.forget();
      const p = this.pending;
      if (p?.child !== child) return;
      this.pending = undefined;
      p.resolve(failure(p.call));
    };
    // 'close', not 'exit': by then all of stderr has been read (V8's last words included).
    child.on('close', (code, signal) => ended((call) => (overMemory || V8_OOM.test(stderrTail)
      ? { kind: 'out-of-memory', call, limitMb: this.limits.maxMemoryMb }
      : { kind: 'exited', call, code, signal })));
    // A process that cannot be started (or signalled) reports 'error', and maybe no 'exit'.
    child.on('error', (err) => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) return; // still running: its exit will tell
      ended((call) => ({ kind: 'error', call, message: `the sandbox process failed: ${err.message}` }));
    });
    return child;
  }

  /** The running process is no longer this sandbox's (it is ending). */
  private forget(): void {
    this.child = undefined;
    this.loaded = undefined;
  }

  private kill(child: ChildProcess): void {
    if (this.child === child) this.forget();
    child.kill('SIGKILL');
  }

  private call<K extends CallName>(call: K, args: SandboxCalls[K]['args'], onProgress?: (done: number, total: number) => void): Promise<SandboxOutcome<SandboxCalls[K]['result']>> {
    this.child ??= this.start();
    const child = this.child;
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        this.kill(child);
        resolve({ kind: 'timeout', call, seconds: this.limits.timeoutSeconds });
      }, (this.limits.timeoutSeconds + (call === 'load' ? LOAD_GRACE_SECONDS : 0)) * 1000);
      this.pending = {
        id, call, child, onProgress,
        resolve: (o) => {
          clearTimeout(timer);
          resolve(o as SandboxOutcome<SandboxCalls[K]['result']>);
        },
      };
      // A closed channel means the process is gone: its 'exit' resolves the call.
      child.send({ id, call, args } as SandboxRequest, () => undefined);
    });
  }

  private reply(m: SandboxReply): void {
    const p = this.pending;
    if (!p || typeof m !== 'object' || m === null || m.id !== p.id) return;
    if (m.type === 'progress') {
      p.onProgress?.(m.done, m.total);
      return;
    }
    this.pending = undefined;
    if (m.type === 'result') p.resolve({ kind: 'ok', value: m.result });
    else if (m.type === 'load-error') p.resolve({ kind: 'load-error', message: m.message, file: m.file, line: m.line, column: m.column });
    else p.resolve({ kind: 'error', call: p.call, message: m.message, stack: m.stack });
  }
}
