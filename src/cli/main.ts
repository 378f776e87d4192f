/**
 * `amplify`: the headless entry point. Exit codes: 0 success, 1 the check found counterexamples
 * (or the task file's code hung, ended its process or ran out of memory), 2 usage errors and task
 * files that cannot be used.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BUILTIN_TASKS, DEFAULT_TASK, builtinTask, taskKinds, type AnyTask } from '../core/index';
import { TaskLoadError } from '../engine/task-loader';
import { checkCall, taskMeta, type CheckCallOptions, type TaskCheck, type TaskMeta } from '../engine/task-sandbox-calls';
import { DEFAULT_LIMITS, MIN_MEMORY_MB, TaskSandbox, describeFailure, type SandboxFailure, type SandboxOutcome } from '../engine/task-sandbox';
import { tfjsLearnerFactory } from '../learner/factory';
import { RunFolderError } from '../engine/run-folder';
import type { LearnerFactory } from '../engine/run';
import { experimentFigure2 } from './experiment';
import { cmdPlay } from './play';
import { TreeUsageError, cmdTree } from './tree';
import { TrainUsageError, train } from './train';

export class UsageError extends Error {}

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
      [--mode amplify|supervised] [--size N | --curriculum] [--rounds R] [--steps-per-round S]
      [--model tiny|small|paper] [--backend auto|tfjs-node|wasm|cpu] [--seed S] [--out DIR]
      [--resume DIR] [--until ACC] [--minutes M] [--fault-rate P --fault-kind random|systematic]
      [--tree] [--json]
  play <task | file.task.ts>    you play H: ask subquestions ($1, $2 … point at subanswers), then answer
      [--size N] [--seed S] [--question Q] [--answerer x|truth|me] [--run DIR [--round R]] [--transcripts FILE]
  experiment figure2            supervised vs amplification (H and H′) on every task, the paper's Figure 2
      [--tasks a,b] [--modes m,n] [--budget-minutes M] [--until ACC] [--size N] [--model P] [--out DIR] [--keep]

Built-in tasks: ${BUILTIN_TASKS.map((t) => t.name).join(', ')}. Default: ${DEFAULT_TASK}.
Run 'amplify <command> --help' for a command's details.`;

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function intOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be an integer ≥ ${min} (got '${value}')`);
  return Number(value);
}

function cmdTasks(io: Io): number {
  for (const t of BUILTIN_TASKS) {
    io.out(`${t.name}  (sizes ${t.sizes.min}..${t.sizes.max}, default ${t.sizes.default}; H asks ≤ ${t.maxSubquestions})`);
    if (t.description) io.out(`  ${t.description}`);
    for (const [kind, k] of Object.entries(taskKinds(t))) io.out(`    ${k.primitive ? 'lookup  ' : 'question'} ${kind.padEnd(6)} ${k.description}`);
  }
  return 0;
}

const CHECK_HELP = `amplify check <task | file.task.ts> [--size N]... [--samples K] [--seed S] [--json] [--timeout SECONDS] [--max-memory MB]
  --size N              may repeat or list sizes (8,16,32,64); default: the task's min, default and max sizes
  --samples K           samples per size (default 500)
  --seed S              seed (default 0)
  --timeout SECONDS     a task file runs in a process of its own: loading it, and checking each of its
                        tasks, may take at most SECONDS (default ${DEFAULT_LIMITS.timeoutSeconds}); then it is stopped
  --max-memory MB       that process may use at most MB of memory (default ${DEFAULT_LIMITS.maxMemoryMb}, at least ${MIN_MEMORY_MB})
  --json                print the report as one JSON object
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
  const { values, positionals } = parse(args, {
    size: { type: 'string', multiple: true }, samples: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' },
    timeout: { type: 'string' }, 'max-memory': { type: 'string' },
  });
  if (values.help) {
    io.out(CHECK_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('check takes one task name or file');
  const samples = intOption(values.samples as string | undefined, 'samples', 1) ?? 500;
  const seed = (values.seed as string | undefined) ?? '0';
  const requested = ((values.size as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => intOption(s, 'size', 1)!);
  const limits = {
    timeoutSeconds: intOption(values.timeout as string | undefined, 'timeout', 1) ?? DEFAULT_LIMITS.timeoutSeconds,
    maxMemoryMb: intOption(values['max-memory'] as string | undefined, 'max-memory', MIN_MEMORY_MB) ?? DEFAULT_LIMITS.maxMemoryMb,
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
  --task T              a built-in task or a .task.ts file
  --mode M              amplify (default: H with X answering subquestions) | supervised (ground truth)
  --size N              train at size N (default: the task's default size)
  --curriculum          start at --size and raise N when X agrees with its targets (gate 0.85)
  --max-size N          the curriculum's largest N
  --rounds R            rounds to run (default 100)
  --steps-per-round S   optimiser steps per round (default 16)
  --batch B             examples per step, whole contexts of 8 questions (default 256)
  --contexts C          new contexts per round, 8 questions each (default 256)
  --buffer B            examples (questions) kept in the replay buffer (default 10000)
  --eval-contexts E     held-out contexts for evaluation (default 32)
  --expert-calls C      amplify-learned-h: questions H decomposes per round to train H′ (default 64)
  --expert-steps S      amplify-learned-h: H′'s optimiser steps per round, batch 32 (default 8)
  --model P             tiny | small (default) | paper
  --symbol-match on|off override the preset's symbol-match attention (an ablation)
  --null-fact on|off    override the preset's null fact (an ablation)
  --backend B           auto (default: tfjs-node, else wasm, else cpu) | tfjs-node | wasm | cpu
  --lr X                peak learning rate (default: the preset's)
  --threads T           threads that train X, data-parallel (default 0: one per core, at most 2)
  --seed S              seed (default 1)
  --out DIR             the run folder (default .amplification/runs/<id>)
  --resume DIR          continue a run from its last checkpoint
  --until ACC           stop once X's held-out accuracy reaches ACC (0..1)
  --minutes M           stop after M minutes
  --fault-rate P        replace a fraction P of targets by wrong answers
  --fault-kind K        random (default) | systematic
  --tree                print a decomposition tree with the model's answers at the end
  --json                the last output line is one JSON object with the results`;

function numberOption(value: string | undefined, name: string, min: number, max = Infinity): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}] (got '${String(value)}')`);
  return n;
}

function onOff(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new UsageError(`--${name} must be on or off (got '${value}')`);
}

async function cmdTrain(args: string[], io: Io, factory: LearnerFactory): Promise<number> {
  const { values, positionals } = parse(args, {
    task: { type: 'string' }, mode: { type: 'string' }, size: { type: 'string' }, curriculum: { type: 'boolean' }, 'max-size': { type: 'string' },
    rounds: { type: 'string' }, 'steps-per-round': { type: 'string' }, batch: { type: 'string' }, contexts: { type: 'string' }, buffer: { type: 'string' },
    'expert-calls': { type: 'string' }, 'expert-steps': { type: 'string' }, 'eval-contexts': { type: 'string' }, model: { type: 'string' }, 'symbol-match': { type: 'string' }, 'null-fact': { type: 'string' }, backend: { type: 'string' }, lr: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' },
    out: { type: 'string' }, resume: { type: 'string' }, json: { type: 'boolean' }, until: { type: 'string' }, minutes: { type: 'string' },
    'fault-rate': { type: 'string' }, 'fault-kind': { type: 'string' }, tree: { type: 'boolean' },
  });
  if (values.help) {
    io.out(TRAIN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`train takes options only (got '${positionals[0]}'); use --task`);
  const str = (k: string) => values[k] as string | undefined;
  try {
    return await train({
      task: str('task'), mode: str('mode'), size: intOption(str('size'), 'size', 1), curriculum: Boolean(values.curriculum),
      maxSize: intOption(str('max-size'), 'max-size', 1), rounds: intOption(str('rounds'), 'rounds', 1),
      stepsPerRound: intOption(str('steps-per-round'), 'steps-per-round', 1), batchSize: intOption(str('batch'), 'batch', 1),
      contextsPerRound: intOption(str('contexts'), 'contexts', 1), bufferSize: intOption(str('buffer'), 'buffer', 1),
      expertCalls: intOption(str('expert-calls'), 'expert-calls', 1), expertSteps: intOption(str('expert-steps'), 'expert-steps', 0), evalContexts: intOption(str('eval-contexts'), 'eval-contexts', 1),
      model: str('model'), symbolMatch: onOff(str('symbol-match'), 'symbol-match'), nullFact: onOff(str('null-fact'), 'null-fact'),
      backend: str('backend'), learningRate: numberOption(str('lr'), 'lr', 0, 1), threads: intOption(str('threads'), 'threads', 0), seed: intOption(str('seed'), 'seed', 0),
      out: str('out'), resume: str('resume'), json: Boolean(values.json), until: numberOption(str('until'), 'until', 0, 1),
      minutes: numberOption(str('minutes'), 'minutes', 0), faultRate: numberOption(str('fault-rate'), 'fault-rate', 0, 1),
      faultKind: str('fault-kind'), showTree: Boolean(values.tree),
    }, io, factory);
  } catch (e) {
    if (e instanceof TrainUsageError || e instanceof RunFolderError) throw new UsageError(e.message);
    throw e;
  }
}

const EXPERIMENT_HELP = `amplify experiment figure2 [options]
  Trains each task in each mode from the same seed and size, one run after the other, each for a
  time budget or until X reaches --until; writes run folders, curves/*.csv|json, summary.json|csv
  and figure2.svg into the experiment folder.
  --tasks a,b           tasks (default: all five)
  --modes m,n           supervised, amplify, amplify-learned-h (default: all three)
  --budget-minutes M    per run (default 10)
  --until ACC           stop a run once X's held-out accuracy reaches ACC (default 0.9)
  --size N              size N (default: each task's default)
  --model P             tiny | small (default) | paper
  --contexts C          new contexts per round (default 256)
  --buffer B            examples (questions) kept in the replay buffer (default 10000)
  --expert-calls C      amplify-learned-h: questions H decomposes per round to train H′ (default 64)
  --expert-steps S      amplify-learned-h: H′'s optimiser steps per round (default 8)
  --symbol-match on|off override the preset's symbol-match attention
  --null-fact on|off    override the null fact (default: the preset's; on for wildcard-search)
  --seed S              seed (default 1)
  --out DIR             the experiment folder (default .amplification/experiments/figure2-<time>)
  --keep                keep runs already in DIR (resume an interrupted experiment)`;

async function cmdExperiment(args: string[], io: Io, factory: LearnerFactory): Promise<number> {
  const { values, positionals } = parse(args, {
    tasks: { type: 'string' }, modes: { type: 'string' }, 'budget-minutes': { type: 'string' }, until: { type: 'string' }, size: { type: 'string' },
    model: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' },
    contexts: { type: 'string' }, buffer: { type: 'string' }, 'expert-calls': { type: 'string' }, 'expert-steps': { type: 'string' },
    'symbol-match': { type: 'string' }, 'null-fact': { type: 'string' },
  });
  if (values.help) {
    io.out(EXPERIMENT_HELP);
    return 0;
  }
  if (positionals[0] !== 'figure2' || positionals.length !== 1) throw new UsageError(`experiment takes one name: figure2 (got '${positionals.join(' ')}')`);
  const str = (k: string) => values[k] as string | undefined;
  const list = (k: string) => str(k)?.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    return await experimentFigure2({
      tasks: list('tasks'), modes: list('modes'), budgetMinutes: numberOption(str('budget-minutes'), 'budget-minutes', 0.01),
      until: numberOption(str('until'), 'until', 0, 1), size: intOption(str('size'), 'size', 1), seed: intOption(str('seed'), 'seed', 0),
      model: str('model'), out: str('out'), keep: Boolean(values.keep),
      contextsPerRound: intOption(str('contexts'), 'contexts', 1), bufferSize: intOption(str('buffer'), 'buffer', 1),
      expertCalls: intOption(str('expert-calls'), 'expert-calls', 1), expertSteps: intOption(str('expert-steps'), 'expert-steps', 0),
      symbolMatch: onOff(str('symbol-match'), 'symbol-match'), nullFact: onOff(str('null-fact'), 'null-fact'),
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
        return await cmdTree(rest, io, factory, (args) => parse(args, {
          size: { type: 'string' }, seed: { type: 'string' }, index: { type: 'string' }, question: { type: 'string', short: 'q' },
          depth: { type: 'string' }, json: { type: 'boolean' }, override: { type: 'string', multiple: true }, explain: { type: 'boolean' },
          run: { type: 'string' }, round: { type: 'string' },
        }));
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
    if (e instanceof TaskLoadError) {
      io.err(`amplify: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
