/** `amplify train` and `amplify experiment` options: parsed and explained from the option table (src/engine/options.ts). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OPTIONS, valueProblem, type Command, type OptionSpec, type OptionValue } from '../engine/options';

export class UsageError extends Error {}

export type OptionValues = Record<string, OptionValue | undefined>;

const rows = (command: Command) => OPTIONS.filter((o): o is OptionSpec & { flag: string } => o.flag !== undefined && (o.commands ?? []).includes(command));

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
export function parseCommand(command: Command, args: string[]): { values: OptionValues; help: boolean; positionals: string[] } {
  const specs = rows(command);
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const o of specs) options[o.flag] = { type: o.type === 'boolean' ? 'boolean' : 'string' };
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values: OptionValues = {};
  for (const o of specs) {
    const raw = parsed.values[o.flag];
    if (raw !== undefined) values[o.key] = typeof raw === 'string' ? optionValue(o, raw) : (raw as boolean);
  }
  return { values, help: Boolean(parsed.values.help), positionals: parsed.positionals };
}

/** The `--help` lines of a command's options, in table order. */
export function optionsHelp(command: Command): string {
  return rows(command).flatMap((o) => {
    const head = `  --${o.flag}${o.arg ? ` ${o.arg}` : ''}`;
    const help = typeof o.help === 'string' ? o.help : o.help?.[command] ?? '';
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
