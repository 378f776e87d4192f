/**
 * `amplify train --resume` on damaged, crafted and shared run folders (issue 12): a one-line error
 * naming the file and exit 2, or a warning for skipped lines; the folder's files byte-identical after
 * a refusal. The corruption matrix: each file truncated, garbled, wrong-shaped or missing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main';
import { RunLock } from '../../../src/engine/run-lock';
import { fakeFactory } from '../engine/fake-learner';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += s), isTTY: false }, fakeFactory());
  return { code, out, err };
}

const small = ['--mode', 'supervised', '--steps-per-round', '2', '--batch', '8', '--contexts', '2', '--eval-contexts', '2'];

/** A run of 3 rounds with a pin, an override and a note: every file of a run folder exists. */
async function fullRun(): Promise<string> {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-cli-integrity-')), 'run');
  const instance = { size: 8, seed: 'pin', index: 0 };
  const question = ['pow', '0', '0', '0', '0', '1', '1', 'ab'];
  fs.mkdirSync(dir, { recursive: true });
  const r = await run(['train', '--task', 'permutation-powering', '--rounds', '1', '--out', dir, ...small]);
  assert.equal(r.code, 0, r.err);
  fs.writeFileSync(path.join(dir, 'pinned.json'), JSON.stringify([{ id: 'p1', instance, question }]));
  fs.writeFileSync(path.join(dir, 'overrides.jsonl'), `${JSON.stringify({ op: 'set', key: { instance, question }, answer: ['ac'], at: 'now' })}\n`);
  fs.writeFileSync(path.join(dir, 'annotations.jsonl'), `${JSON.stringify({ op: 'add', id: 'n1', at: 'now', note: 'hm' })}\n`);
  const again = await run(['train', '--resume', dir, '--rounds', '3']);
  assert.equal(again.code, 0, again.err);
  return dir;
}

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

function assertOneLine(err: string): void {
  const lines = err.trim().split('\n');
  assert.equal(lines.length, 1, `one line, no usage and no stack: ${err}`);
  assert.ok(!/\n\s+at /.test(err));
}

test('a path in state.json round: exit 2, one line naming state.json, nothing outside the run touched', async () => {
  const dir = await fullRun();
  const victim = path.join(path.dirname(dir), 'victim', 'important1');
  fs.mkdirSync(victim, { recursive: true });
  fs.writeFileSync(path.join(victim, 'f'), 'keep');
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ...state, round: '/../../../victim/important' }));
  const before = snapshot(dir);
  const r = await run(['train', '--resume', dir, '--rounds', '5']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^amplify: .*state\.json: round: not a non-negative integer$/m);
  assertOneLine(r.err);
  assert.equal(fs.readFileSync(path.join(victim, 'f'), 'utf8'), 'keep');
  assert.deepEqual(snapshot(dir), before);
});

test('a taskName that is a path: refused with exit 2, the file never loaded', async () => {
  const dir = await fullRun();
  const marker = path.join(path.dirname(dir), 'ran');
  const evil = path.join(path.dirname(dir), 'evil.task.ts');
  fs.writeFileSync(evil, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nexport default 1;\n`);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...meta, taskName: evil }));
  const r = await run(['train', '--resume', dir]);
  assert.equal(r.code, 2);
  assert.match(r.err, /run\.json: taskName '.*evil\.task\.ts' is not a built-in task/);
  assertOneLine(r.err);
  assert.ok(!fs.existsSync(marker));
});

test('two trainers: the second gets "run in use by pid N" and exit 2; the first trains on', async () => {
  const dir = await fullRun();
  const held = RunLock.acquire(dir);
  const before = snapshot(dir);
  const r = await run(['train', '--resume', dir, '--rounds', '5']);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^amplify: run in use by pid ${process.pid} on `));
  assertOneLine(r.err);
  assert.deepEqual(snapshot(dir), before, 'the second trainer changed nothing');
  held.release();
  const ok = await run(['train', '--resume', dir, '--rounds', '4']);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(!fs.existsSync(path.join(dir, 'lock')), 'released on exit');
});

test('--resume --from-checkpoint previous after random bytes in the last checkpoint', async () => {
  const dir = await fullRun();
  const model = path.join(dir, 'checkpoints', 'round-0003', 'fake-model.json');
  fs.writeFileSync(model, Buffer.from(fs.readFileSync(model).map((b, i) => (i % 7 === 3 ? (b * 31 + 7) & 0xff : b))));
  const r = await run(['train', '--resume', dir, '--rounds', '4']);
  assert.equal(r.code, 2, 'it does not train from damaged weights');
  assert.match(r.err, /checkpoint checkpoints\/round-0003 is damaged .*the previous checkpoint checkpoints\/round-0002 is intact: resume from it \(amplify train --resume DIR --from-checkpoint previous\)/);
  assertOneLine(r.err);
  const again = await run(['train', '--resume', dir, '--rounds', '4', '--from-checkpoint', 'previous']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^round 3 /m);
  assert.match(again.out, /^round 4 /m);
  const bad = await run(['train', '--task', 'union-find', '--from-checkpoint', 'previous']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--from-checkpoint goes with --resume DIR/);
});

test('skipped lines are reported: "skipped N lines of FILE: line L: reason"', async () => {
  const dir = await fullRun();
  fs.appendFileSync(path.join(dir, 'rounds.jsonl'), '{"round":99}\n');
  fs.appendFileSync(path.join(dir, 'annotations.jsonl'), 'null\n');
  const r = await run(['train', '--resume', dir, '--rounds', '4']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /warning: skipped 1 line of .*rounds\.jsonl: line 4: size: not a positive integer/);
  assert.match(r.err, /warning: skipped 1 line of .*annotations\.jsonl: line 2: the file: not an object/);
  assert.match(r.out, /^round 4 /m);
});

type Damage = 'truncated' | 'garbled' | 'wrong-shaped' | 'missing';
const DAMAGES: Damage[] = ['truncated', 'garbled', 'wrong-shaped', 'missing'];

function damage(file: string, how: Damage, wrongShape: string): void {
  const bytes = fs.readFileSync(file);
  if (how === 'missing') fs.rmSync(file);
  else if (how === 'truncated') fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  else if (how === 'garbled') {
    const at = Math.floor(bytes.length / 3);
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, at), Buffer.from('}\u0000{"\uFFFD'), bytes.subarray(at + 5)]));
  } else fs.writeFileSync(file, wrongShape);
}

/**
 * Each file of a run, each kind of damage: `error` when resuming must stop with exit 2 and one line
 * naming the file, `skip` when the file's bad lines are skipped with a warning naming it, `ok` when
 * the run goes on (an optional file that is missing).
 */
const MATRIX: { file: string; wrongShape: string; expect?: Partial<Record<Damage, 'error' | 'skip' | 'ok'>>; default: 'error' | 'skip' | 'ok' }[] = [
  { file: 'run.json', wrongShape: '{"formatVersion":1,"taskName":"permutation-powering"}', default: 'error' },
  { file: 'state.json', wrongShape: '{"formatVersion":1,"round":2.5}', default: 'error' },
  { file: 'rounds.jsonl', wrongShape: '{"round":99}\n', default: 'skip', expect: { missing: 'ok' } },
  { file: 'overrides.jsonl', wrongShape: '{"op":"set"}\n', default: 'skip', expect: { missing: 'ok' } },
  { file: 'annotations.jsonl', wrongShape: 'null\n', default: 'skip', expect: { missing: 'ok' } },
  { file: 'pinned.json', wrongShape: '{"id":1}', default: 'error', expect: { missing: 'ok' } },
  { file: 'checkpoints/round-0003/fake-model.json', wrongShape: '[]', default: 'error' },
  { file: 'checkpoints/round-0003/buffer.json', wrongShape: '{"capacity":1}', default: 'error' },
  { file: 'checkpoints/round-0003/manifest.json', wrongShape: '{"round":3,"files":"all"}', default: 'error' },
  { file: 'checkpoints/round-0003/state.json', wrongShape: '{}', default: 'error' },
];

for (const row of MATRIX) {
  test(`corruption matrix: ${row.file} truncated / garbled / wrong-shaped / missing`, async () => {
    for (const how of DAMAGES) {
      const expected = row.expect?.[how] ?? row.default;
      const dir = await fullRun();
      const file = path.join(dir, row.file);
      // A one-line JSONL file truncated in half is a truncated last line: skipped like any bad line.
      damage(file, how, row.wrongShape);
      const before = snapshot(dir);
      const damaged = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
      const r = await run(['train', '--resume', dir, '--rounds', '4']);
      const label = `${row.file} ${how}: ${r.err}`;
      if (expected === 'error') {
        assert.equal(r.code, 2, label);
        assertOneLine(r.err);
        // Named: the file itself, or (a damaged checkpoint) the checkpoint with the file.
        assert.ok(r.err.includes(row.file.startsWith('checkpoints/') ? 'checkpoints/round-0003' : path.basename(row.file)), label);
        assert.deepEqual(snapshot(dir), before, `${label}: nothing changed`);
      } else {
        assert.equal(r.code, 0, label);
        assert.match(r.out, /^round 4 /m, label);
        if (expected === 'skip') assert.match(r.err, new RegExp(`warning: skipped \\d+ lines? of .*${row.file.replace('.', '\\.')}: line \\d+: `), label);
        // The damaged file is never rewritten nor deleted because it did not parse.
        if (damaged && row.file !== 'rounds.jsonl') assert.deepEqual(fs.readFileSync(file), damaged, `${label}: left as it was`);
        if (damaged && row.file === 'rounds.jsonl') assert.deepEqual(fs.readFileSync(file).subarray(0, damaged.length), damaged, `${label}: only appended to`);
      }
    }
  });
}
