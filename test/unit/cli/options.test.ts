import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { CLI_OPTIONS, UsageError, optionsHelp, parseCommand } from '../../../src/cli/options';
import { MODE_TABLE, MODES } from '../../../src/engine/modes/index';
import { OPTIONS, SETTINGS_SECTION, configFromSettings, configFromValues, valueProblem, type OptionSpec } from '../../../src/engine/options';
import { DEFAULT_CONFIG } from '../../../src/engine/run';

interface SettingSchema { type: string; enum?: string[]; default: unknown; minimum?: number; maximum?: number }

const root = path.resolve(__dirname, '../../../..');
const schema: Record<string, SettingSchema> = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).contributes.configuration.properties;

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false });
  return { code, out, err };
}

test("package.json's settings and the option table agree: the same settings, types, enums, defaults and ranges", () => {
  const rows = OPTIONS.filter((o) => o.setting);
  assert.deepEqual(rows.map((o) => `${SETTINGS_SECTION}.${o.setting!.key}`).sort(), Object.keys(schema).sort(), 'every setting is a row and every setting row is in package.json');
  const jsonType: Record<OptionSpec['type'], string> = { integer: 'integer', number: 'number', boolean: 'boolean', 'on-off': 'boolean', string: 'string', list: 'array' };
  for (const o of rows) {
    const s = schema[`${SETTINGS_SECTION}.${o.setting!.key}`];
    const name = o.setting!.key;
    assert.equal(s.type, jsonType[o.type], `${name}: type`);
    assert.deepEqual(s.default, o.setting!.default, `${name}: default`);
    assert.equal(valueProblem(o, o.setting!.default), undefined, `${name}: the default fits the row`);
    assert.deepEqual(s.enum, 'choices' in o ? o.choices : undefined, `${name}: enum`);
    assert.equal(s.minimum, 'min' in o ? o.min : undefined, `${name}: minimum`);
    assert.equal(s.maximum, 'max' in o ? o.max : undefined, `${name}: maximum`);
  }
});

test('the table: unique keys and flags, every flag with a command and a help line per command', () => {
  assert.equal(new Set(OPTIONS.map((o) => o.key)).size, OPTIONS.length);
  const flags = OPTIONS.filter((o) => o.flag);
  assert.equal(new Set(flags.map((o) => o.flag)).size, flags.length);
  for (const o of flags) {
    assert.ok(o.commands && o.commands.length > 0, `--${o.flag}: commands`);
    for (const c of o.commands!) assert.ok(typeof o.help === 'string' ? o.help : o.help?.[c], `--${o.flag}: help for ${c}`);
  }
});

test('settings → RunConfig: the defaults, values that fit, and the defaults again for values that do not', () => {
  assert.deepEqual(configFromSettings(() => undefined), {
    backend: 'auto', size: 8, model: 'small', rounds: 20, stepsPerRound: DEFAULT_CONFIG.stepsPerRound, threads: 0, expertSource: 'H', overridesFeedTraining: true,
  });
  const set: Record<string, unknown> = { backend: 'wasm', defaultSize: 12, modelPreset: 'tiny', rounds: 3, stepsPerRound: 4, trainingThreads: 1, overridesFeedTraining: false, faultRate: 0.25, faultKind: 'systematic', runFolder: 'x', defaultTask: 'union-find' };
  assert.deepEqual(configFromSettings((k) => set[k]), {
    backend: 'wasm', size: 12, model: 'tiny', rounds: 3, stepsPerRound: 4, threads: 1, expertSource: 'H', overridesFeedTraining: false, fault: { rate: 0.25, kind: 'systematic' },
  });
  const bad: Record<string, unknown> = { backend: 'gpu', defaultSize: 0, modelPreset: 7, rounds: 2.5, trainingThreads: 99, overridesFeedTraining: 'yes', faultRate: 2 };
  assert.deepEqual(configFromSettings((k) => bad[k]), configFromSettings(() => undefined));
});

test('command line → RunConfig through the same rows', () => {
  const { values } = parseCommand('train', ['--mode', MODES[1], '--batch', '8', '--lr', '0.002', '--null-fact', 'on', '--symbol-match', 'off', '--fault-kind', 'systematic', '--fault-rate', '0.1', '--curriculum', '--until', '0.5', '--teacher-horizon', '25']);
  assert.deepEqual(configFromValues(values), {
    mode: MODES[1], batchSize: 8, learningRate: 0.002, teacherHorizon: 25, curriculum: true, modelSwitches: { symbolMatch: false, nullFact: true }, fault: { rate: 0.1, kind: 'systematic' },
  });
  assert.equal(values.until, 0.5, 'a run control, not a config knob');
  assert.deepEqual(configFromValues(parseCommand('train', ['--fault-kind', 'systematic']).values), {}, 'a fault kind without a rate injects nothing');
  assert.deepEqual(configFromValues(parseCommand('experiment', ['figure2', '--threads', '1']).values), { threads: 1 }, 'experiments side by side take a thread each');
  assert.deepEqual(parseCommand('experiment', ['figure2', '--modes', ` ${MODES[2]}, ${MODES[0]}`, '--tasks', 'a,,b']).values, { modes: [MODES[2], MODES[0]], tasks: ['a', 'b'] });
});

test('parse errors name the flag, the rule and the value', () => {
  const cases: [string[], RegExp][] = [
    [['--rounds', 'x'], /^--rounds must be an integer ≥ 1 \(got 'x'\)$/],
    [['--rounds', '1.5'], /^--rounds must be an integer ≥ 1/],
    [['--threads', '17'], /^--threads must be an integer in \[0, 16\] \(got '17'\)$/],
    [['--lr', ''], /^--lr must be a number in \[0, 1\] \(got ''\)$/],
    [['--teacher-horizon', '0'], /^--teacher-horizon must be an integer ≥ 1 \(got '0'\)$/],
    [['--minutes=-1'], /^--minutes must be a number ≥ 0 \(got '-1'\)$/],
    [['--backend', 'gpu'], /^--backend must be one of auto, tfjs-node, wasm, cpu \(got 'gpu'\)$/],
    [['--null-fact', 'yes'], /^--null-fact must be on or off \(got 'yes'\)$/],
    [['--telepathy'], /Unknown option '--telepathy'/],
    [['--modes', MODES[0]], /Unknown option '--modes'/],
  ];
  for (const [args, pattern] of cases) assert.throws(() => parseCommand('train', args), (e: Error) => e instanceof UsageError && pattern.test(e.message), args.join(' '));
  assert.throws(() => parseCommand('experiment', ['figure2', '--modes', `${MODES[0]},telepathy`]), /^Error: --modes must list some of .* \(got '.*,telepathy'\)$/);
});

test('--help is built from the table: every flag of the command, every mode with its help line', async () => {
  for (const command of ['train', 'experiment'] as const) {
    const r = await run([command, '--help']);
    assert.equal(r.code, 0);
    assert.ok(r.out.includes(optionsHelp(command)));
    for (const o of OPTIONS.filter((o) => o.commands?.includes(command))) assert.match(r.out, new RegExp(`^  --${o.flag}\\b`, 'm'), `${command}: --${o.flag}`);
    for (const o of OPTIONS.filter((o) => o.flag && !o.commands?.includes(command))) assert.doesNotMatch(r.out, new RegExp(`^  --${o.flag}\\b`, 'm'), `${command}: no --${o.flag}`);
  }
  const train = (await run(['train', '--help'])).out;
  for (const m of MODE_TABLE) assert.match(train, new RegExp(`^ +${m.name} +${m.help.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  const usage = (await run(['help'])).out;
  assert.ok(usage.includes(`[--mode ${MODES.join('|')}]`), 'the usage lists every mode');
});

test('check, tree and play parse through their rows: repeated and listed values, aliases, defaults left to the command', () => {
  assert.deepEqual(parseCommand('check', ['t', '--size', '8,16', '--size', '32', '--samples', '5', '--max-memory', '256', '--json']).values, { size: [8, 16, 32], samples: 5, maxMemory: 256, json: true });
  assert.deepEqual(parseCommand('tree', ['t', '-q', 'σ^3(ab)', '--override', '1=ab', '--override', '2=cd', '--depth', '0']).values, { question: 'σ^3(ab)', override: ['1=ab', '2=cd'], depth: 0 });
  const play = parseCommand('play', ['t', '--index', '2', '--answerer', 'me', '--budget', '0']);
  assert.deepEqual(play.values, { index: 2, answerer: 'me', budget: 0 });
  assert.deepEqual(play.positionals, ['t']);
});

test('check, tree and play: a bad value exits 2 with the flag, the rule and the value', async () => {
  const cases: [string[], string][] = [
    [['check', 'permutation-powering', '--size', '8,0'], "amplify: --size must be an integer ≥ 1 (got '0')"],
    [['tree', 'permutation-powering', '--index', '1.5'], "amplify: --index must be an integer ≥ 0 (got '1.5')"],
    [['play', 'permutation-powering', '--budget', 'x', '--answerer', 'me'], "amplify play: --budget must be an integer ≥ 0 (got 'x')"],
  ];
  for (const [argv, line] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.err.split('\n')[0], line);
    assert.equal(r.out, '', 'nothing runs');
  }
});

test('check, tree and play: --help lists every row with a help line, from the rows', async () => {
  for (const command of ['check', 'tree', 'play'] as const) {
    const r = await run([command, '--help']);
    assert.equal(r.code, 0);
    assert.ok(r.out.includes(optionsHelp(command)), command);
    const usage = r.out.slice(0, r.out.indexOf(optionsHelp(command)));
    for (const o of CLI_OPTIONS[command]) {
      const listed = new RegExp(`^  --${o.flag}\\b`, 'm');
      if (o.help) assert.match(r.out, listed, `${command}: --${o.flag}`);
      else {
        assert.doesNotMatch(r.out, listed, `${command}: --${o.flag} has no help line`);
        assert.ok(usage.includes(`[--${o.flag} `), `${command}: --${o.flag} is in the usage line`);
      }
    }
  }
});
