/**
 * The option table: every knob of a run, once. It drives `amplify train` and `amplify experiment`
 * (parsing and `--help`, src/cli/options.ts), the VS Code settings (`amplification.*`: a unit test
 * checks package.json's schema against it) and the RunConfig that both build. A new knob is one
 * row here, plus its package.json entry when it is a setting.
 *
 * A row is a command-line option (`flag`), a setting (`setting`), or both. `config` says where its
 * value goes in RunConfig (absent: it steers the command, e.g. --until, or the extension, e.g.
 * runFolder); rows apply in table order.
 */
import { BUILTIN_TASKS, DEFAULT_TASK } from '../core/index';
import { DEFAULT_EXPERT_SOURCE, EXPERT_SOURCES } from './human-transcripts';
import { DEFAULT_EXPERT_CALLS, DEFAULT_EXPERT_MODEL, DEFAULT_EXPERT_STEPS, MODES, MODE_TABLE } from './modes/index';
import { DEFAULT_CONFIG } from './run-config';
import { EXPERT_TRAINING, GATE_RULES, type GateRule, type RunConfig } from './run-types';
import { DEFAULT_LIMITS, MIN_MEMORY_MB } from './task-sandbox';

export type Command = 'train' | 'experiment';
export type OptionValue = number | string | boolean | string[];

/** The section of the VS Code settings (`amplification.backend`, …). */
export const SETTINGS_SECTION = 'amplification';

interface Row {
  /** The name of the value once parsed or read (camelCase). */
  key: string;
  /** The command-line option, without `--`, and the commands that take it. */
  flag?: string;
  commands?: readonly Command[];
  /** Its placeholder in `--help` (a switch has none). */
  arg?: string;
  /** Its `--help` line, per command when it differs. */
  help?: string | Readonly<Record<Command, string>>;
  /** Lines printed under the help line. */
  details?: readonly string[];
  /** The VS Code setting `amplification.<key>` and its default (its type, enum and range are the row's). */
  setting?: { key: string; default: number | string | boolean };
  /** Where the value goes in RunConfig: a key, or a function for nested parts. */
  config?: keyof RunConfig | ((value: never, config: Partial<RunConfig>) => Partial<RunConfig>);
}

export type OptionSpec = Row & (
  | { type: 'integer' | 'number'; min?: number; max?: number }
  | { type: 'string'; choices?: readonly string[] }
  /** A switch on the command line (present: true), a boolean setting. */
  | { type: 'boolean' }
  /** `on` or `off` on the command line. */
  | { type: 'on-off' }
  /** A comma-separated list on the command line. */
  | { type: 'list'; choices?: readonly string[] }
);

const BOTH: readonly Command[] = ['train', 'experiment'];
const TRAIN: readonly Command[] = ['train'];
const EXPERIMENT: readonly Command[] = ['experiment'];
const d = DEFAULT_CONFIG;

const switches = (name: 'symbolMatch' | 'nullFact') => (value: boolean, c: Partial<RunConfig>): Partial<RunConfig> => ({ modelSwitches: { ...c.modelSwitches, [name]: value } });

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'task', flag: 'task', commands: TRAIN, arg: 'T', type: 'string', help: 'a built-in task or a .task.ts file' },
  { key: 'defaultTask', type: 'string', choices: BUILTIN_TASKS.map((t) => t.name), setting: { key: 'defaultTask', default: DEFAULT_TASK } },
  { key: 'tasks', flag: 'tasks', commands: EXPERIMENT, arg: 'a,b', type: 'list', help: 'tasks (default: all five)' },
  {
    key: 'mode', flag: 'mode', commands: TRAIN, arg: 'M', type: 'string', choices: MODES, config: 'mode',
    help: `how the targets are built (default ${d.mode}):`, details: MODE_TABLE.map((m) => `    ${m.name.padEnd(19)}${m.help}`),
  },
  { key: 'modes', flag: 'modes', commands: EXPERIMENT, arg: 'm,n', type: 'list', choices: MODES, help: `${MODES.join(', ')} (default: all, the baseline first)` },
  { key: 'budgetMinutes', flag: 'budget-minutes', commands: EXPERIMENT, arg: 'M', type: 'number', min: 0.01, help: 'per run, its training time in all sittings (default 10 unless --budget-questions)' },
  { key: 'budgetQuestions', flag: 'budget-questions', commands: EXPERIMENT, arg: 'Q', type: 'integer', min: 1, help: 'per run: stop once it has made Q training questions (targets), in all sittings' },
  {
    key: 'size', flag: 'size', commands: BOTH, arg: 'N', type: 'integer', min: 1, config: 'size', setting: { key: 'defaultSize', default: 8 },
    help: { train: "train at size N (default: the task's default size)", experiment: "size N (default: each task's default)" },
  },
  {
    key: 'curriculum', flag: 'curriculum', commands: BOTH, type: 'boolean', config: 'curriculum',
    help: {
      train: `start at --size and raise N when X agrees with its targets (gate ${d.gate.threshold})`,
      experiment: `curriculum runs (<task>-<mode>-curriculum/): from --size, N raised on the agreement gate (${d.gate.threshold}) until the budget, or --until at --max-size; the largest N reached per run`,
    },
  },
  {
    key: 'gate', flag: 'gate', commands: BOTH, arg: 'RULE', type: 'string', choices: GATE_RULES,
    config: (rule: GateRule, c) => ({ gate: { ...(c.gate ?? d.gate), rule } }),
    help: `the curriculum's gate (default ${d.gate.rule}):`,
    details: [
      `    grounded           raise N once X agrees with its targets and with those H built from lookups alone, both > ${d.gate.threshold} over ${d.gate.horizon} steps at N`,
      `    classes            as grounded, and X's agreement with the targets of every question class must pass too`,
      `    questions          raise N once X agrees with > ${d.gate.threshold} of its last ${d.gate.horizon} targets (runs made before grounded)`,
    ],
  },
  { key: 'maxSize', flag: 'max-size', commands: BOTH, arg: 'N', type: 'integer', min: 1, config: 'maxSize', help: "the curriculum's largest N (default: the task's largest)" },
  { key: 'rounds', flag: 'rounds', commands: TRAIN, arg: 'R', type: 'integer', min: 1, config: 'rounds', setting: { key: 'rounds', default: 20 }, help: `rounds to run (default ${d.rounds})` },
  { key: 'stepsPerRound', flag: 'steps-per-round', commands: TRAIN, arg: 'S', type: 'integer', min: 1, config: 'stepsPerRound', setting: { key: 'stepsPerRound', default: d.stepsPerRound }, help: `optimiser steps per round (default ${d.stepsPerRound})` },
  { key: 'batchSize', flag: 'batch', commands: TRAIN, arg: 'B', type: 'integer', min: 1, config: 'batchSize', help: `examples per step, whole contexts of ${d.questionsPerContext} questions (default ${d.batchSize})` },
  {
    key: 'contextsPerRound', flag: 'contexts', commands: BOTH, arg: 'C', type: 'integer', min: 1, config: 'contextsPerRound',
    help: { train: `new contexts per round, ${d.questionsPerContext} questions each (default ${d.contextsPerRound})`, experiment: `new contexts per round (default ${d.contextsPerRound})` },
  },
  { key: 'bufferSize', flag: 'buffer', commands: BOTH, arg: 'B', type: 'integer', min: 1, config: 'bufferSize', help: `examples (questions) kept in the replay buffer (default ${d.bufferSize})` },
  { key: 'evalContexts', flag: 'eval-contexts', commands: TRAIN, arg: 'E', type: 'integer', min: 1, config: 'evalContexts', help: `held-out contexts for evaluation (default ${d.evalContexts})` },
  { key: 'expertCallsPerRound', flag: 'expert-calls', commands: BOTH, arg: 'C', type: 'integer', min: 1, config: 'expertCallsPerRound', help: `modes with H′: questions H decomposes per round to train H′ (default ${DEFAULT_EXPERT_CALLS})` },
  { key: 'expertStepsPerRound', flag: 'expert-steps', commands: BOTH, arg: 'S', type: 'integer', min: 0, config: 'expertStepsPerRound', help: `modes with H′: H′'s optimiser steps per round, batch 32 (default ${DEFAULT_EXPERT_STEPS})` },
  {
    key: 'expertTraining', flag: 'expert-training', commands: BOTH, arg: 'W', type: 'string', choices: EXPERT_TRAINING, config: 'expertTraining',
    help: `modes with H′: when H′ takes its steps, every-round | while-disagreeing (only in a round where it disagreed with H on a call) (default ${d.expertTraining})`,
  },
  { key: 'expertModel', flag: 'expert-model', commands: BOTH, arg: 'P', type: 'string', choices: ['tiny', 'small', 'paper'], config: 'expertModel', help: `modes with H′: the size of H′, tiny | small | paper (default ${DEFAULT_EXPERT_MODEL})` },
  {
    key: 'expertSource', flag: 'expert-source', commands: TRAIN, arg: 'S', type: 'string', choices: EXPERT_SOURCES, config: 'expertSource', setting: { key: 'expertSource', default: DEFAULT_EXPERT_SOURCE },
    help: `modes with H′: what H′ learns from: H (default) | human (a person's transcripts, <run>/human/transcripts.jsonl; H is never called) | both`,
  },
  { key: 'transcripts', flag: 'transcripts', commands: TRAIN, arg: 'FILE', type: 'string', help: "with --expert-source human|both: copy FILE's transcripts of the task (amplify play) into the new run" },
  { key: 'model', flag: 'model', commands: BOTH, arg: 'P', type: 'string', choices: ['tiny', 'small', 'paper'], config: 'model', setting: { key: 'modelPreset', default: d.model }, help: `tiny | small (default) | paper` },
  { key: 'symbolMatch', flag: 'symbol-match', commands: BOTH, arg: 'on|off', type: 'on-off', config: switches('symbolMatch'), help: "override the preset's symbol-match attention (an ablation)" },
  {
    key: 'nullFact', flag: 'null-fact', commands: BOTH, arg: 'on|off', type: 'on-off', config: switches('nullFact'),
    help: { train: "override the preset's null fact (an ablation)", experiment: "override the null fact (default: the preset's; on for wildcard-search)" },
  },
  { key: 'backend', flag: 'backend', commands: TRAIN, arg: 'B', type: 'string', choices: ['auto', 'tfjs-node', 'wasm', 'cpu'], config: 'backend', setting: { key: 'backend', default: d.backend }, help: 'auto (default: tfjs-node, else wasm, else cpu) | tfjs-node | wasm | cpu' },
  {
    key: 'teacherHorizon', flag: 'teacher-horizon', commands: BOTH, arg: 'S', type: 'integer', min: 1, config: 'teacherHorizon',
    help: "horizon in steps of X's teacher, the moving average that answers subquestions (default: the preset's, 100)",
  },
  { key: 'learningRate', flag: 'lr', commands: TRAIN, arg: 'X', type: 'number', min: 0, max: 1, config: 'learningRate', help: "peak learning rate (default: the preset's)" },
  {
    key: 'threads', flag: 'threads', commands: BOTH, arg: 'T', type: 'integer', min: 0, max: 16, config: 'threads', setting: { key: 'trainingThreads', default: 0 },
    help: {
      train: 'threads that train X, data-parallel, and decode H′ (default 0: one per core, at most 2)',
      experiment: 'threads of each run, as train --threads (default 0: one per core, at most 2); 1 for experiments side by side',
    },
  },
  { key: 'seed', flag: 'seed', commands: BOTH, arg: 'S', type: 'integer', min: 0, config: 'seed', help: `seed (default ${d.seed})` },
  { key: 'overridesFeedTraining', type: 'boolean', config: 'overridesFeedTraining', setting: { key: 'overridesFeedTraining', default: d.overridesFeedTraining } },
  {
    key: 'out', flag: 'out', commands: BOTH, arg: 'DIR', type: 'string',
    help: { train: 'the run folder (default .amplification/runs/<id>)', experiment: 'the experiment folder (default .amplification/experiments/figure2-<time>)' },
  },
  { key: 'resume', flag: 'resume', commands: TRAIN, arg: 'DIR', type: 'string', help: 'continue a run from its last checkpoint' },
  { key: 'fromCheckpoint', flag: 'from-checkpoint', commands: TRAIN, arg: 'C', type: 'string', choices: ['last', 'previous'], help: 'with --resume: last (default) | previous, when the last checkpoint is damaged' },
  { key: 'keep', flag: 'keep', commands: EXPERIMENT, type: 'boolean', help: 'keep runs already in DIR: resume each from its last checkpoint unless it has stopped' },
  { key: 'publish', flag: 'publish', commands: EXPERIMENT, arg: 'DIR', type: 'string', help: "also merge the summary into DIR/summary.json (e.g. docs/results; a run's entry replaces its earlier one), copy the curves there and redraw DIR/figure2.svg" },
  {
    key: 'until', flag: 'until', commands: BOTH, arg: 'ACC', type: 'number', min: 0, max: 1,
    help: { train: "stop once X's held-out accuracy reaches ACC (0..1)", experiment: "stop a run once X's held-out accuracy reaches ACC (default 0.9)" },
  },
  { key: 'hold', flag: 'hold', commands: EXPERIMENT, arg: 'ACC', type: 'number', min: 0, max: 1, help: "stop a run once X's held-out accuracy has held ≥ ACC for --hold-rounds rounds in a row (instead of --until)" },
  { key: 'holdRounds', flag: 'hold-rounds', commands: EXPERIMENT, arg: 'R', type: 'integer', min: 1, help: 'with --hold: the rounds in a row (default 5)' },
  { key: 'minutes', flag: 'minutes', commands: TRAIN, arg: 'M', type: 'number', min: 0, help: 'stop after M minutes' },
  {
    key: 'faultRate', flag: 'fault-rate', commands: TRAIN, arg: 'P', type: 'number', min: 0, max: 1, setting: { key: 'faultRate', default: 0 },
    config: (rate: number, c) => (rate > 0 ? { fault: { rate, kind: c.fault?.kind ?? 'random' } } : {}), help: 'replace a fraction P of targets by wrong answers',
  },
  {
    key: 'faultKind', flag: 'fault-kind', commands: TRAIN, arg: 'K', type: 'string', choices: ['random', 'systematic'], setting: { key: 'faultKind', default: 'random' },
    config: (kind: 'random' | 'systematic', c) => (c.fault ? { fault: { ...c.fault, kind } } : {}), help: 'random (default) | systematic',
  },
  { key: 'tree', flag: 'tree', commands: TRAIN, type: 'boolean', help: "print a decomposition tree with the model's answers at the end" },
  { key: 'json', flag: 'json', commands: TRAIN, type: 'boolean', help: 'the last output line is one JSON object with the results' },
  { key: 'runFolder', type: 'string', setting: { key: 'runFolder', default: '.amplification/runs' } },
  { key: 'taskFiles', type: 'string', setting: { key: 'taskFiles', default: '**/*.task.ts' } },
  { key: 'checkTimeoutSeconds', type: 'integer', min: 1, setting: { key: 'checkTimeoutSeconds', default: DEFAULT_LIMITS.timeoutSeconds } },
  { key: 'checkMemoryMb', type: 'integer', min: MIN_MEMORY_MB, setting: { key: 'checkMemoryMb', default: DEFAULT_LIMITS.maxMemoryMb } },
];

/** Why a value does not fit its row (undefined when it does). */
export function valueProblem(o: OptionSpec, value: unknown): string | undefined {
  switch (o.type) {
    case 'integer':
    case 'number': {
      const range = o.max === undefined ? `≥ ${o.min ?? -Infinity}` : `in [${o.min ?? -Infinity}, ${o.max}]`;
      const ok = typeof value === 'number' && (o.type === 'number' ? Number.isFinite(value) : Number.isInteger(value)) && value >= (o.min ?? -Infinity) && value <= (o.max ?? Infinity);
      return ok ? undefined : `must be ${o.type === 'integer' ? 'an integer' : 'a number'} ${range}`;
    }
    case 'boolean':
    case 'on-off':
      return typeof value === 'boolean' ? undefined : `must be ${o.type === 'on-off' ? 'on or off' : 'true or false'}`;
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      return o.choices && !o.choices.includes(value) ? `must be one of ${o.choices.join(', ')}` : undefined;
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be a comma-separated list';
      return o.choices && !value.every((v) => o.choices!.includes(v)) ? `must list some of ${o.choices.join(', ')}` : undefined;
  }
}

/** The RunConfig parts of parsed or read values (rows without `config` are skipped). */
export function configFromValues(values: Readonly<Record<string, OptionValue | undefined>>): Partial<RunConfig> {
  let config: Partial<RunConfig> = {};
  for (const o of OPTIONS) {
    const v = values[o.key];
    if (v === undefined || o.config === undefined) continue;
    config = { ...config, ...(typeof o.config === 'function' ? o.config(v as never, config) : { [o.config]: v }) };
  }
  return config;
}

/**
 * The RunConfig parts of the VS Code settings: `read('backend')` returns `amplification.backend`.
 * A value that does not fit its row (a hand-edited settings.json) counts as the setting's default.
 */
export function configFromSettings(read: (key: string) => unknown): Partial<RunConfig> {
  const values: Record<string, OptionValue> = {};
  for (const o of OPTIONS) {
    if (!o.setting) continue;
    const v = read(o.setting.key);
    values[o.key] = v !== undefined && valueProblem(o, v) === undefined ? (v as OptionValue) : o.setting.default;
  }
  return configFromValues(values);
}
