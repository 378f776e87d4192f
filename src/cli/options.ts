/**
 * The `amplify` commands' options, parsed and explained from tables: train and experiment from the
 * option table (src/engine/options.ts: the run's knobs, shared with the VS Code settings); check,
 * tree and play from their own rows here (CLI_OPTIONS: they set no knob of a run). A bad value is
 * a usage error that names the flag and the value.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_PLAY_BUDGET } from '../core/index';
import { OPTIONS, valueProblem, type Command, type OptionSpec, type OptionValue } from '../engine/options';
import { DEFAULT_LIMITS, MIN_MEMORY_MB } from '../engine/task-sandbox';

export class UsageError extends Error {}

export type OptionValues = Record<string, OptionValue | undefined>;
/** check, tree and play: a repeatable flag gives its values in order. */
export type CliOptionValues = Record<string, OptionValue | OptionValue[] | undefined>;

/** A command-line option: a row of the option table with a flag, or one of CLI_OPTIONS. */
export type FlagSpec = OptionSpec & {
  flag: string;
  /** A one-letter alias (`q` for `-q`). */
  short?: string;
  /** The flag may repeat; with a `separator`, one occurrence may also list several values. */
  multiple?: boolean;
  separator?: string;
};

/** The commands whose options are rows of CLI_OPTIONS. */
export type CliCommand = 'check' | 'tree' | 'play';

/** A detail line under a help line, at the help column. */
const more = (text: string) => `${' '.repeat(22)}${text}`;

/** check, tree and play's options, in `--help` order; a row without a help line is in the usage line only. */
export const CLI_OPTIONS: Readonly<Record<CliCommand, readonly FlagSpec[]>> = {
  check: [
    { key: 'size', flag: 'size', arg: 'N', type: 'integer', min: 1, multiple: true, separator: ',', help: "may repeat or list sizes (8,16,32,64); default: the task's min, default and max sizes" },
    { key: 'samples', flag: 'samples', arg: 'K', type: 'integer', min: 1, help: 'samples per size (default 500)' },
    { key: 'seed', flag: 'seed', arg: 'S', type: 'string', help: 'seed (default 0)' },
    {
      key: 'timeout', flag: 'timeout', arg: 'SECONDS', type: 'integer', min: 1, help: 'a task file runs in a process of its own: loading it, and checking each of its',
      details: [more(`tasks, may take at most SECONDS (default ${DEFAULT_LIMITS.timeoutSeconds}); then it is stopped`)],
    },
    { key: 'maxMemory', flag: 'max-memory', arg: 'MB', type: 'integer', min: MIN_MEMORY_MB, help: `that process may use at most MB of memory (default ${DEFAULT_LIMITS.maxMemoryMb}, at least ${MIN_MEMORY_MB})` },
    { key: 'json', flag: 'json', type: 'boolean', help: 'print the report as one JSON object' },
  ],
  tree: [
    { key: 'size', flag: 'size', arg: 'N', type: 'integer', min: 1 },
    { key: 'seed', flag: 'seed', arg: 'S', type: 'string' },
    { key: 'index', flag: 'index', arg: 'I', type: 'integer', min: 0 },
    { key: 'question', flag: 'question', short: 'q', arg: 'Q', type: 'string', help: `the task's notation (e.g. "σ^29(ab)") or space-separated symbols` },
    { key: 'depth', flag: 'depth', arg: 'D', type: 'integer', min: 0 },
    {
      key: 'override', flag: 'override', arg: 'PATH=A', type: 'string', multiple: true, help: 'replace the answer at the node PATH (1-based child indexes from the root joined',
      details: [more('by dots, e.g. 2.1) by A (the task\'s notation or symbols); repeatable. H re-runs'), more('above it and asks its next subquestions anew: every one is answered')],
    },
    {
      key: 'explain', flag: 'explain', type: 'boolean', help: "where the root's error starts (H, the answerer, an override), and whether the",
      details: [more('true answer there would make the root right')],
    },
    {
      key: 'run', flag: 'run', arg: 'DIR', type: 'string', help: 'answer the leaves with X of this run (its checkpoint) instead of ground truth;',
      details: [more("the task and size default to the run's")],
    },
    { key: 'round', flag: 'round', arg: 'R', type: 'integer', min: 0, help: 'the round of X (a run keeps only its last checkpoint)' },
    { key: 'json', flag: 'json', type: 'boolean', help: '{instance, facts, tree, blame: {kind, path, question, detail}, root: {before, after}}' },
  ],
  play: [
    { key: 'size', flag: 'size', arg: 'N', type: 'integer', min: 1, help: "the size N (default: the run's, else the task's default)" },
    { key: 'seed', flag: 'seed', arg: 'S', type: 'string', help: 'the seed of the instances (default 0)' },
    { key: 'index', flag: 'index', arg: 'I', type: 'integer', min: 0, help: 'the first instance (default 0); each next question takes the next one' },
    { key: 'question', flag: 'question', short: 'q', arg: 'Q', type: 'string', help: "play this question only (the task's notation or plain symbols)" },
    // Not a row with choices: play's own message for another answerer says what each one needs.
    {
      key: 'answerer', flag: 'answerer', arg: 'A', type: 'string', help: 'who answers non-primitive subquestions: truth (default: ground truth, for',
      details: [more("practice) | x (X of the run's checkpoint; needs --run) | me (you again, as"), more('nested questions: HCH with a person at every node)')],
    },
    { key: 'budget', flag: 'budget', arg: 'B', type: 'integer', min: 0, help: `with --answerer me: nested questions you may be asked (default ${DEFAULT_PLAY_BUDGET})` },
    { key: 'run', flag: 'run', arg: 'DIR', type: 'string', help: 'a run folder: its task and size, X for --answerer x, and where transcripts go' },
    { key: 'round', flag: 'round', arg: 'R', type: 'integer', min: 0, help: 'with --answerer x: the round of X (only the last checkpoint is kept)' },
    {
      key: 'transcripts', flag: 'transcripts', arg: 'FILE', type: 'string', help: 'append finished questions here (default <run>/human/transcripts.jsonl with',
      details: [more('--run, else .amplification/human/transcripts.jsonl)')],
    },
    { key: 'who', flag: 'who', arg: 'NAME', type: 'string', help: 'recorded with each transcript (default: your user name)' },
  ],
};

const isCliCommand = (command: Command | CliCommand): command is CliCommand => Object.hasOwn(CLI_OPTIONS, command);

const rows = (command: Command | CliCommand): readonly FlagSpec[] => (isCliCommand(command)
  ? CLI_OPTIONS[command]
  : OPTIONS.filter((o): o is FlagSpec => o.flag !== undefined && (o.commands ?? []).includes(command)));

/** One command-line string as its row's value; a usage error names the flag and the value. */
export function optionValue(o: OptionSpec & { flag: string }, text: string): OptionValue {
  let value: OptionValue;
  if (o.type === 'integer') value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  else if (o.type === 'number') value = text.trim() === '' ? NaN : Number(text);
  else if (o.type === 'on-off') value = text === 'on' ? true : text === 'off' ? false : text;
  else if (o.type === 'list') value = text.split(',').map((s) => s.trim()).filter(Boolean);
  else value = text;
  const problem = valueProblem(o, value);
  if (problem) throw new UsageError(`--${o.flag} ${problem} (got '${text}')`);
  return value;
}

/** Parses a command's options (plus --help) with the table's types, choices and ranges. */
export function parseCommand(command: Command, args: string[]): { values: OptionValues; help: boolean; positionals: string[] };
export function parseCommand(command: CliCommand, args: string[]): { values: CliOptionValues; help: boolean; positionals: string[] };
export function parseCommand(command: Command | CliCommand, args: string[]): { values: CliOptionValues; help: boolean; positionals: string[] } {
  const specs = rows(command);
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const o of specs) options[o.flag] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values: CliOptionValues = {};
  const value = (o: FlagSpec, raw: string | boolean) => (typeof raw === 'string' ? optionValue(o, raw) : raw);
  for (const o of specs) {
    const raw = parsed.values[o.flag];
    if (raw === undefined) continue;
    if (!Array.isArray(raw)) values[o.key] = value(o, raw);
    else values[o.key] = raw.flatMap((r) => (typeof r === 'string' && o.separator ? r.split(o.separator) : [r])).map((r) => value(o, r));
  }
  return { values, help: Boolean(parsed.values.help), positionals: parsed.positionals };
}

/** The `--help` lines of a command's options, in table order. */
export function optionsHelp(command: Command | CliCommand): string {
  return rows(command).flatMap((o) => {
    const help = typeof o.help === 'string' || o.help === undefined ? o.help : o.help[command as Command];
    if (!help) return [];
    const head = `  --${o.flag}${o.arg ? ` ${o.arg}` : ''}`;
    return [`${head.padEnd(23)} ${help}`, ...(o.details ?? []).map((l) => `  ${l}`)];
  }).join('\n');
}

/** `[--flag a|b|c]` for the usage summary: a string row's choices, else its placeholder. */
export function synopsis(command: Command, flags: readonly string[]): string {
  return flags.map((f) => {
    const o = rows(command).find((r) => r.flag === f);
    if (!o) throw new Error(`no --${f} for ${command}`);
    const arg = o.type === 'string' && o.choices ? o.choices.join('|') : o.arg;
    return `[--${f}${arg ? ` ${arg}` : ''}]`;
  }).join(' ');
}
