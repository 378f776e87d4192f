/**
 * A run's task as the extension host uses it: its description (name, sizes) as data, and the
 * Explorer's computations with it (explorer/task-views.ts: build a tree and its view, explain a
 * node, format, parse and check questions and answers), always asynchronous. No vscode here.
 *
 * Two kinds: a built-in task runs them in this process (our code); a user's task file runs them
 * in its sandbox process (src/engine/task-sandbox.ts; its entry task-sandbox-main.ts registers the
 * computations), with the time limit and memory cap of `amplification.checkTimeoutSeconds` /
 * `checkMemoryMb` — the user's code never runs on the extension host's thread. A call that times out, exits or runs out of memory rejects with a
 * TaskCodeError saying so; the sandbox starts afresh on the next call.
 */
import { questionKey, type AnyTask, type Question } from '../core/index';
import type { TaskMeta } from '../engine/task-sandbox-calls';
import { TaskSandbox, describeFailure, type TaskSandboxOptions } from '../engine/task-sandbox';
import { TaskLoadError } from '../engine/task-loader';
import { taskView, type TaskViews, type ViewArgs, type ViewName, type ViewResult } from './explorer/task-views';
import type { NodeView } from '../protocol/explorer';

export interface SessionTask {
  readonly meta: TaskMeta;
  readonly name: string;
  /** The task's file (undefined for a built-in). */
  readonly file: string | undefined;
  /** One of the Explorer's computations with the task. */
  view<K extends ViewName>(name: K, args: ViewArgs<K>): Promise<ViewResult<K>>;
  /** A question in the task's notation, when known without running the task's code now (else undefined). */
  knownLabel(question: Question): string | undefined;
  dispose(): void;
}

/** The user's task code failed during a call (a timeout, an exit, out of memory, an exception). */
export class TaskCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskCodeError';
  }
}

function builtinMeta(task: AnyTask): TaskMeta {
  return { name: task.name, description: task.description, sizes: { ...task.sizes }, maxSubquestions: task.maxSubquestions };
}

/** A built-in task: our own code, run in this process. */
export class BuiltinSessionTask implements SessionTask {
  readonly meta: TaskMeta;
  readonly file = undefined;

  constructor(readonly task: AnyTask) {
    this.meta = builtinMeta(task);
  }

  get name(): string {
    return this.task.name;
  }

  async view<K extends ViewName>(name: K, args: ViewArgs<K>): Promise<ViewResult<K>> {
    return taskView(this.task, name, args);
  }

  knownLabel(question: Question): string {
    return this.task.format.question(question);
  }

  dispose(): void {}
}

/** Labels remembered at most (a tree has at most 5000 nodes). */
const MAX_LABELS = 20_000;

/** A user's task file: loaded and run in its sandbox process. */
export class SandboxSessionTask implements SessionTask {
  private readonly labels = new Map<string, string>();

  private constructor(private readonly sandbox: TaskSandbox<TaskViews>, readonly file: string, readonly meta: TaskMeta) {}

  /** Loads the file in a sandbox: its task named `name` (else its first). Rejects with a TaskLoadError when it cannot be loaded. */
  static async open(file: string, name: string, options: TaskSandboxOptions = {}): Promise<SandboxSessionTask> {
    const sandbox = new TaskSandbox<TaskViews>(file, options);
    const loaded = await sandbox.tasks();
    if (loaded.kind !== 'ok') {
      sandbox.dispose();
      if (loaded.kind === 'load-error') throw new TaskLoadError(loaded.message, loaded.file, loaded.line, loaded.column);
      throw new TaskLoadError(describeFailure(loaded, file), file);
    }
    return new SandboxSessionTask(sandbox, file, loaded.value.find((t) => t.name === name) ?? loaded.value[0]);
  }

  get name(): string {
    return this.meta.name;
  }

  async view<K extends ViewName>(name: K, args: ViewArgs<K>): Promise<ViewResult<K>> {
    const r = await this.sandbox.view(this.meta.name, name, args);
    if (r.kind !== 'ok') throw new TaskCodeError(describeFailure(r, this.file));
    this.remember(name, args, r.value);
    return r.value;
  }

  knownLabel(question: Question): string | undefined {
    return this.labels.get(questionKey(question));
  }

  /** Keeps the labels a call gave (the Annotations view shows them without calling the sandbox). */
  private remember<K extends ViewName>(name: K, args: ViewArgs<K>, result: ViewResult<K>): void {
    if (this.labels.size > MAX_LABELS) this.labels.clear();
    if (name === 'labels') {
      const a = args as ViewArgs<'labels'>;
      (result as ViewResult<'labels'>).questions.forEach((label, i) => this.labels.set(questionKey(a.questions[i]), label));
    } else if (name === 'tree') {
      const visit = (n: NodeView) => {
        this.labels.set(questionKey(n.question), n.label);
        n.children?.forEach(visit);
      };
      visit((result as ViewResult<'tree'>).view.root);
    }
  }

  dispose(): void {
    this.sandbox.dispose();
  }
}
