/**
 * `amplify`: the headless entry point. Exit codes: 0 success, 1 the check found counterexamples
 * (or the task file's code hung, ended its process or ran out of memory), 2 usage errors, task
 * files that cannot be used, and run folders that cannot be used (damaged, in use).
 */
import { BUILTIN_TASKS, DEFAULT_TASK, builtinTask, taskKinds, type AnyTask } from '../core/index';
import { TaskLoadError } from '../engine/task-loader';
import { checkCall, taskMeta, type CheckCallOptions, type TaskCheck, type TaskMeta } from '../engine/task-sandbox-calls';
import { DEFAULT_LIMITS, TaskSandbox, describeFailure, type SandboxFailure, type SandboxOutcome } from '../engine/task-sandbox';
import { tfjsLearnerFactory } from '../learner/factory';
import { RunFolderError } from '../engine/run-folder';
import type { LearnerFactory } from '../engine/run';
import { configFromValues } from '../engine/options';
import type { Mode } from '../engine/run-types';
import { experimentFigure2 } from './experiment';
import { UsageError, optionsHelp, parseCommand, synopsis } from './options';
import { cmdPlay } from './play';
import { TreeUsageError, cmdTree } from './tree';
import { TrainUsageError, train } from './train';

export interface Io {
  out(s: string): void;
  err(s: string): void;
  isTTY: boolean;
}

const USAGE = `Usage: amplify <command> [options]

Commands:
  tasks                         list the tasks with their sizes and question kinds
  check <task | file.task.ts>   run H with ground-truth subanswers and compare with ground truth
      [--size N]... [--samples K] [--seed S] [--json] [--timeout SECONDS] [--max-memory MB]
  tree <task | file.task.ts>    print the HCH tree of a question, every node with its ground truth
      [--size N] [--seed S] [--index I] [--question "..."] [--depth D] [--override PATH=ANSWER]...
      [--explain] [--run DIR [--round R]] [--json]
  train --task T                train X by amplification (or the supervised baseline)
      ${synopsis('train', ['mode', 'size', 'curriculum', 'rounds', 'steps-per-round'])}
      ${synopsis('train', ['model', 'backend', 'seed', 'out', 'resume'])}
      ${synopsis('train', ['until', 'minutes', 'fault-rate', 'fault-kind', 'tree', 'json'])}
  play <task | file.task.ts>    you play H: ask subquestions ($1, $2 … point at subanswers), then answer
      [--size N] [--seed S] [--question Q] [--answerer x|truth|me] [--run DIR [--round R]] [--transcripts FILE]
  experiment figure2            supervised vs amplification (H and H′) on every task, the paper's Figure 2
      ${synopsis('experiment', ['tasks', 'modes', 'curriculum', 'budget-minutes', 'budget-questions', 'until', 'hold', 'size', 'model', 'out', 'keep'])}

Built-in tasks: ${BUILTIN_TASKS.map((t) => t.name).join(', ')}. Default: ${DEFAULT_TASK}.
Run 'amplify <command> --help' for a command's details.`;

function cmdTasks(io: Io): number {
  for (const t of BUILTIN_TASKS) {
    io.out(`${t.name}  (sizes ${t.sizes.min}..${t.sizes.max}, default ${t.sizes.default}; H asks ≤ ${t.maxSubquestions})`);
    if (t.description) io.out(`  ${t.description}`);
    for (const [kind, k] of Object.entries(taskKinds(t))) io.out(`    ${k.primitive ? 'lookup  ' : 'question'} ${kind.padEnd(6)} ${k.description}`);
  }
  return 0;
}

const CHECK_HELP = `amplify check <task | file.task.ts> [--size N]... [--samples K] [--seed S] [--json] [--timeout SECONDS] [--max-memory MB]
${optionsHelp('check')}
  Built-in tasks run in this process.
  Exit codes: 0 H agrees with ground truth; 1 counterexamples, or the task file's code hung, ended its
  process, ran out of memory or threw outside H; 2 usage errors, and task files that do not compile,
  throw while loading or export no task.`;

/** Where the checked tasks run: built-ins in this process, a task file in a sandbox process. */
interface CheckSource {
  tasks(): Promise<SandboxOutcome<TaskMeta[]>>;
  check(task: string, options: CheckCallOptions, onProgress?: (done: number, total: number) => void): Promise<SandboxOutcome<TaskCheck>>;
  dispose(): void;
}

function inProcess(task: AnyTask): CheckSource {
  const loaded = { task };
  return {
    tasks: async () => ({ kind: 'ok', value: [taskMeta(loaded)] }),
    check: async (_name, options, onProgress) => ({ kind: 'ok', value: checkCall(loaded, options, onProgress) }),
    dispose: () => undefined,
  };
}

async function cmdCheck(args: string[], io: Io): Promise<number> {
  const { values, help, positionals } = parseCommand('check', args);
  if (help) {
    io.out(CHECK_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('check takes one task name or file');
  const samples = (values.samples as number | undefined) ?? 500;
  const seed = (values.seed as string | undefined) ?? '0';
  const requested = (values.size as number[] | undefined) ?? [];
  const limits = {
    timeoutSeconds: (values.timeout as number | undefined) ?? DEFAULT_LIMITS.timeoutSeconds,
    maxMemoryMb: (values.maxMemory as number | undefined) ?? DEFAULT_LIMITS.maxMemoryMb,
  };
  const arg = positionals[0];
  const builtin = builtinTask(arg);
  const source: CheckSource = builtin ? inProcess(builtin) : new TaskSandbox(arg, { ...limits, onOutput: (text) => io.err(text) });
  try {
    const loaded = await source.tasks();
    if (loaded.kind !== 'ok') return sandboxFailed(loaded, arg, io);
    let failed = false;
    const reports = [];
    for (const task of loaded.value) {
      const sizes = requested.length > 0 ? requested : [...new Set([task.sizes.min, task.sizes.default, task.sizes.max])];
      for (const s of sizes) {
        if (s < task.sizes.min || s > task.sizes.max) throw new UsageError(`size ${s} is outside ${task.name}'s range ${task.sizes.min}..${task.sizes.max}`);
      }
      const progress = io.isTTY && !values.json ? (d: number, n: number) => io.err(`\r${task.name}: ${d}/${n}`) : undefined;
      const checked = await source.check(task.name, { sizes, samples, seed }, progress);
      if (io.isTTY && !values.json) io.err('\n');
      if (checked.kind !== 'ok') return sandboxFailed(checked, arg, io);
      const { report, rendered, seconds } = checked.value;
      reports.push(report);
      failed ||= !report.ok;
      if (values.json) continue;
      for (const c of rendered) io.out(`${c.text}\n`);
      const kinds = Object.entries(report.questionsByKind).map(([k, n]) => `${k} ${n}`).join(', ');
      io.out(
        report.ok
          ? `✓ ${task.name}: H agrees with ground truth on ${report.checked} samples (sizes ${sizes.join(', ')}; ${kinds}; at most ${report.maxSubquestionsSeen} of ${task.maxSubquestions} subquestions) in ${seconds.toFixed(1)}s`
          : `✗ ${task.name}: ${report.failures} of ${report.checked} samples failed (${report.counterexamples.length} shown above)`,
      );
    }
    if (values.json) io.out(JSON.stringify(reports.length === 1 ? reports[0] : reports));
    return failed ? 1 : 0;
  } finally {
    source.dispose();
  }
}

/** A task file that could not be checked: one line; exit 2 when it cannot be loaded, else 1. */
function sandboxFailed(f: SandboxFailure, file: string, io: Io): number {
  io.err(`amplify: ${describeFailure(f, file)}\n`);
  return f.kind === 'load-error' ? 2 : 1;
}

const TRAIN_HELP = `amplify train --task T [options]     (or: amplify train --resume DIR [--rounds R] [--threads T])
${optionsHelp('train')}`;

async function cmdTrain(args: string[], io: Io, factory: LearnerFactory): Promise<number> {
  const { values, help, positionals } = parseCommand('train', args);
  if (help) {
    io.out(TRAIN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`train takes options only (got '${positionals[0]}'); use --task`);
  try {
    return await train({
      task: values.task as string | undefined, config: configFromValues(values), out: values.out as string | undefined, resume: values.resume as string | undefined,
      fromCheckpoint: values.fromCheckpoint as 'last' | 'previous' | undefined,
      json: Boolean(values.json), until: values.until as number | undefined, minutes: values.minutes as number | undefined, showTree: Boolean(values.tree),
      transcripts: values.transcripts as string | undefined,
    }, io, factory);
  } catch (e) {
    if (e instanceof TrainUsageError) throw new UsageError(e.message);
    throw e;
  }
}

const EXPERIMENT_HELP = `amplify experiment figure2 [options]
  Trains each task in each mode from the same seed and size, one run after the other, each for a
  budget (minutes or training questions, over all its sittings) or until X reaches --until (or
  holds --hold); writes run folders, curves/*.csv|json, summary.json|csv and figure2.svg into the
  experiment folder. --curriculum: runs that raise N on the agreement gate, stopping at the
  budget or at their largest N; --keep resumes the runs already there.
${optionsHelp('experiment')}`;

async function cmdExperiment(args: string[], io: Io, factory: LearnerFactory): Promise<number> {
  const { values, help, positionals } = parseCommand('experiment', args);
  if (help) {
    io.out(EXPERIMENT_HELP);
    return 0;
  }
  if (positionals[0] !== 'figure2' || positionals.length !== 1) throw new UsageError(`experiment takes one name: figure2 (got '${positionals.join(' ')}')`);
  try {
    return await experimentFigure2({
      tasks: values.tasks as string[] | undefined, modes: values.modes as Mode[] | undefined, budgetMinutes: values.budgetMinutes as number | undefined,
      budgetQuestions: values.budgetQuestions as number | undefined, hold: values.hold as number | undefined, holdRounds: values.holdRounds as number | undefined,
      curriculum: Boolean(values.curriculum), until: values.until as number | undefined, config: configFromValues(values), out: values.out as string | undefined, keep: Boolean(values.keep),
      publish: values.publish as string | undefined,
    }, io, factory);
  } catch (e) {
    if (e instanceof TrainUsageError || e instanceof RunFolderError) throw new UsageError(e.message);
    throw e;
  }
}

export async function main(argv: string[], io: Io, factory: LearnerFactory = tfjsLearnerFactory): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'tasks':
        return cmdTasks(io);
      case 'check':
        return await cmdCheck(rest, io);
      case 'tree':
        return await cmdTree(rest, io, factory);
      case 'train':
        return await cmdTrain(rest, io, factory);
      case 'experiment':
        return await cmdExperiment(rest, io, factory);
      case 'play':
        return await cmdPlay(rest, io, factory);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof TreeUsageError) {
      io.err(`amplify: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    // A task file or a run folder that cannot be used: one line naming the file, no usage, no stack.
    if (e instanceof TaskLoadError || e instanceof RunFolderError) {
      io.err(`amplify: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
