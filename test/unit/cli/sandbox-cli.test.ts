// `amplify check` on task files whose code hangs, exits or exhausts memory: the real executable,
// run as a child with a kill-timer of its own, so that a hang fails the test instead of the suite.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

const KILL_AFTER_MS = 90_000;

function amplify(...args: string[]): Promise<{ code: number | null; out: string; err: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/amplify.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, killed });
    });
  });
}

const cases: { name: string; args: string[]; code: number; err: RegExp; out?: RegExp }[] = [
  {
    name: 'an expert that never returns: stopped at --timeout, exit 1',
    args: ['test/fixtures/sandbox/hanging-expert.task.ts', '--samples', '50', '--timeout', '3'],
    code: 1, err: /^amplify: hanging-expert\.task\.ts did not finish while checking within 3 s \(a loop that never ends\?\); stopped$/m,
  },
  {
    name: 'process.exit(0) in the expert: exit 1, not a pass',
    args: ['test/fixtures/sandbox/exit-in-expert.task.ts', '--samples', '50'],
    code: 1, err: /^amplify: exit-in-expert\.task\.ts ended the process while checking \(exit code 0; does the task call process\.exit\?\)$/m,
  },
  {
    name: 'process.exit at load: exit 1',
    args: ['test/fixtures/sandbox/exit-at-load.task.ts'],
    code: 1, err: /^amplify: exit-at-load\.task\.ts ended the process while loading \(exit code 0; /m,
  },
  {
    name: 'a huge allocation: out of memory at --max-memory, exit 1',
    args: ['test/fixtures/sandbox/huge-allocation.task.ts', '--samples', '50', '--max-memory', '192'],
    code: 1, err: /^amplify: huge-allocation\.task\.ts ran out of memory while checking \(more than 192 MB\); stopped$/m,
  },
  {
    name: 'a throw at load: file:line:col, exit 2',
    args: ['test/fixtures/invalid/throws-on-load.task.ts'],
    code: 2, err: /^amplify: throws-on-load\.task\.ts:1:7 threw while loading: cannot load me$/m,
  },
  {
    name: 'a correct task file: exit 0',
    args: ['examples/range-max.task.ts', '--samples', '100'],
    code: 0, err: /^$/, out: /^✓ range-max: H agrees with ground truth on 300 samples/m,
  },
  {
    name: 'a broken expert: counterexamples, exit 1',
    args: ['test/fixtures/broken-expert.task.ts', '--samples', '100'],
    code: 1, err: /^$/, out: /^✗ broken-range-sum: \d+ of 300 samples failed/m,
  },
  {
    name: 'limits below their minimum are usage errors: exit 2',
    args: ['examples/range-max.task.ts', '--max-memory', '64'],
    code: 2, err: /--max-memory must be an integer ≥ 128/,
  },
  {
    name: 'a time limit of 0 is a usage error: exit 2',
    args: ['examples/range-max.task.ts', '--timeout', '0'],
    code: 2, err: /--timeout must be an integer ≥ 1/,
  },
];

for (const c of cases) {
  test(`amplify check: ${c.name}`, async () => {
    const r = await amplify('check', ...c.args);
    assert.equal(r.killed, false, `amplify check ${c.args.join(' ')} was still running after ${KILL_AFTER_MS / 1000} s`);
    assert.equal(r.code, c.code, r.out + r.err);
    assert.match(r.err, c.err);
    if (c.out) assert.match(r.out, c.out);
  });
}

test('amplify check --help documents the limits and the exit codes', async () => {
  const r = await amplify('check', '--help');
  assert.equal(r.code, 0);
  assert.match(r.out, /--timeout SECONDS\] \[--max-memory MB\]/);
  assert.match(r.out, /^ {2}--timeout SECONDS .*\n.* may take at most SECONDS \(default 60\)/m);
  assert.match(r.out, /^ {2}--max-memory MB .* \(default 1024, at least 128\)$/m);
  assert.match(r.out, /Exit codes: 0 H agrees with ground truth; 1 counterexamples, or the task file's code hung/);
});
