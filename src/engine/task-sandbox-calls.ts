/**
 * What a task sandbox answers, and the messages between the host and the sandbox process
 * (task-sandbox.ts starts the process, task-sandbox-serve.ts answers in it). A call takes plain
 * arguments and gives back plain data: the task's code stays on the sandbox's side, so anything
 * that needs it (rendering a counterexample, formatting a question) happens there.
 *
 * To serve another call: add it to `SandboxCalls`, write the function here, and answer it in
 * task-sandbox-serve.ts. The Explorer's computations (build a tree and its view, explain a node,
 * format, parse and check questions and answers) are one call, `view`, dispatched by a ViewTable
 * the process's entry registers (src/extension/task-sandbox-main.ts registers
 * src/extension/explorer/task-views.ts: the views are the Explorer's, above the engine).
 */
import { checkTask, renderCounterexample, type AnyTask, type CheckReport } from '../core/index';
import type { LoadedTask } from './task-loader';

/** Computations with a loaded task by name, each (task, plain arguments) → plain result. */
export type ViewTable = Record<string, (task: AnyTask, args: never) => unknown>;

/** A task as the host sees it (its code stays in the sandbox). */
export interface TaskMeta {
  name: string;
  description: string;
  /** The export it came from (`default` for the default export); undefined for built-ins. */
  exportName?: string;
  sizes: { min: number; max: number; default: number };
  maxSubquestions: number;
}

export interface CheckCallOptions {
  sizes: number[];
  /** Samples per size. */
  samples: number;
  seed: string;
  maxCounterexamples?: number;
}

/** A counterexample as text, made with the task's own notation. */
export interface RenderedCounterexample {
  /** The whole counterexample (context, question, expected, got, H's transcript). */
  text: string;
  question?: string;
  expected?: string;
  got?: string;
}

export interface TaskCheck {
  task: TaskMeta;
  report: CheckReport;
  /** One per `report.counterexamples[i]`. */
  rendered: RenderedCounterexample[];
  seconds: number;
}

/** The calls: their arguments and results. */
export interface SandboxCalls {
  /** Compiles and evaluates a task file (or names a built-in task): the tasks it exports. */
  load: { args: { task: string }; result: TaskMeta[] };
  /** The consistency check of one loaded task (core's checkTask). */
  check: { args: { task: string; options: CheckCallOptions }; result: TaskCheck };
  /** One of the computations the entry registered (a ViewTable: `name` and its arguments) on a loaded task. */
  view: { args: { task: string; name: string; args: unknown }; result: unknown };
}
export type CallName = keyof SandboxCalls;

export type SandboxRequest = { [K in CallName]: { id: number; call: K; args: SandboxCalls[K]['args'] } }[CallName];

/** What the sandbox sends back: a call's result or failure, or progress of a running call. */
export type SandboxReply =
  | { id: number; type: 'result'; result: unknown }
  | { id: number; type: 'load-error'; message: string; file?: string; line?: number; column?: number }
  | { id: number; type: 'error'; message: string; stack?: string }
  | { id: number; type: 'progress'; done: number; total: number };

export function taskMeta(loaded: LoadedTask): TaskMeta {
  const { name, description, sizes, maxSubquestions } = loaded.task;
  return { name, description, ...(loaded.exportName ? { exportName: loaded.exportName } : {}), sizes: { ...sizes }, maxSubquestions };
}

/** The task named `name` among those loaded. */
export function findTask(loaded: readonly LoadedTask[], name: string): LoadedTask {
  const found = loaded.find((l) => l.task.name === name);
  if (!found) throw new Error(`no task named '${name}' is loaded (loaded: ${loaded.map((l) => l.task.name).join(', ') || 'none'})`);
  return found;
}

/** Reports progress every this many samples. */
const PROGRESS_EVERY = 100;

export function checkCall(loaded: LoadedTask, options: CheckCallOptions, onProgress?: (done: number, total: number) => void): TaskCheck {
  const task: AnyTask = loaded.task;
  const started = Date.now();
  const report = checkTask(task, {
    sizes: options.sizes, samples: options.samples, seed: options.seed, maxCounterexamples: options.maxCounterexamples,
    onProgress: onProgress ? (d, n) => { if (d % PROGRESS_EVERY === 0 || d === n) onProgress(d, n); } : undefined,
  });
  const rendered = report.counterexamples.map((c): RenderedCounterexample => ({
    text: renderCounterexample(task, c),
    ...(c.question ? { question: task.format.question(c.question) } : {}),
    ...(c.expected ? { expected: task.format.answer(c.expected) } : {}),
    ...(c.got ? { got: task.format.answer(c.got) } : {}),
  }));
  return { task: taskMeta(loaded), report, rendered, seconds: (Date.now() - started) / 1000 };
}
