import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { TaskSandbox, type SandboxOutcome } from '../../../src/engine/task-sandbox';
import type { CheckCallOptions, TaskCheck } from '../../../src/engine/task-sandbox-calls';

const fixture = (name: string) => path.resolve('test/fixtures', name);
const options: CheckCallOptions = { sizes: [4], samples: 50, seed: '0' };

/** Loads a file in a fresh sandbox and checks its first task; the sandbox is disposed after. */
async function checkFile(file: string, limits: { timeoutSeconds?: number; maxMemoryMb?: number } = {}): Promise<SandboxOutcome<TaskCheck>> {
  const sandbox = new TaskSandbox(file, { timeoutSeconds: 30, ...limits });
  try {
    const tasks = await sandbox.tasks();
    if (tasks.kind !== 'ok') return tasks;
    return await sandbox.check(tasks.value[0].name, options);
  } finally {
    sandbox.dispose();
  }
}

test('a correct task: ok, with the task as plain data and the report', async () => {
  const sandbox = new TaskSandbox('examples/range-max.task.ts');
  try {
    const tasks = await sandbox.tasks();
    assert.deepEqual(tasks, {
      kind: 'ok',
      value: [{ name: 'range-max', description: 'The largest value among positions i..j of a list; H splits the range in two.', exportName: 'default', sizes: { min: 4, max: 64, default: 16 }, maxSubquestions: 2 }],
    });
    const progress: number[] = [];
    const r = await sandbox.check('range-max', { sizes: [4, 16], samples: 100, seed: '0' }, (done) => progress.push(done));
    assert.equal(r.kind, 'ok');
    assert.ok(r.kind === 'ok');
    assert.equal(r.value.report.ok, true);
    assert.equal(r.value.report.checked, 200);
    assert.deepEqual(progress, [100, 200]);
    // A second call on the same sandbox gives the same report.
    const again = await sandbox.check('range-max', { sizes: [4, 16], samples: 100, seed: '0' });
    assert.ok(again.kind === 'ok');
    assert.deepEqual(again.value.report, r.value.report);
  } finally {
    sandbox.dispose();
  }
});

test('a broken expert: ok, with counterexamples rendered in the task’s notation', async () => {
  const r = await checkFile(fixture('broken-expert.task.ts'));
  assert.ok(r.kind === 'ok', JSON.stringify(r));
  const { report, rendered } = r.value;
  assert.equal(report.ok, false);
  assert.ok(report.failures > 0);
  assert.equal(rendered.length, report.counterexamples.length);
  assert.match(rendered[0].text, /^✗ mismatch at size 4, seed 0, sample \d+/);
  assert.match(rendered[0].question!, /^sum i\d i\d$/);
  assert.match(rendered[0].expected!, /^\d$/);
  assert.notEqual(rendered[0].got, rendered[0].expected);
});

test('a hanging expert: timeout, and the sandbox answers again afterwards', async () => {
  const sandbox = new TaskSandbox(fixture('sandbox/hanging-expert.task.ts'), { timeoutSeconds: 3 });
  try {
    const started = Date.now();
    const r = await sandbox.check('hanging-expert', options);
    assert.deepEqual(r, { kind: 'timeout', call: 'check', seconds: 3 });
    assert.ok(Date.now() - started < 15_000);
    // The stuck process was killed; the next call loads the file in a new one.
    const tasks = await sandbox.tasks();
    assert.equal(tasks.kind, 'ok');
  } finally {
    sandbox.dispose();
  }
});

test('process.exit(0) in the expert: exited with code 0, not a pass', async () => {
  assert.deepEqual(await checkFile(fixture('sandbox/exit-in-expert.task.ts')), { kind: 'exited', call: 'check', code: 0, signal: null });
});

test('process.exit at load: exited while loading', async () => {
  assert.deepEqual(await checkFile(fixture('sandbox/exit-at-load.task.ts')), { kind: 'exited', call: 'load', code: 0, signal: null });
});

test('a throw at load: a load error at file:line:col', async () => {
  const file = fixture('invalid/throws-on-load.task.ts');
  assert.deepEqual(await checkFile(file), { kind: 'load-error', message: 'throws-on-load.task.ts:1:7 threw while loading: cannot load me', file, line: 1, column: 7 });
});

test('a file that does not compile: a load error at the compiler’s position', async () => {
  const r = await checkFile(fixture('invalid/syntax-error.task.ts'));
  assert.ok(r.kind === 'load-error');
  assert.equal(r.line, 5);
  assert.match(r.message, /syntax-error\.task\.ts:5:\d+: /);
});

test('a huge allocation on the heap: out-of-memory at the cap', async () => {
  assert.deepEqual(await checkFile(fixture('sandbox/huge-allocation.task.ts'), { maxMemoryMb: 192, timeoutSeconds: 120 }), { kind: 'out-of-memory', call: 'check', limitMb: 192 });
});

test('buffers outside the heap: out-of-memory at the cap (the resident-memory watch, Linux)', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  assert.deepEqual(await checkFile(fixture('sandbox/huge-buffer.task.ts'), { maxMemoryMb: 192, timeoutSeconds: 120 }), { kind: 'out-of-memory', call: 'check', limitMb: 192 });
});

test('what the task prints reaches onOutput; dispose ends a running call as exited', async () => {
  let printed = '';
  let spinning: () => void;
  const started = new Promise<void>((resolve) => (spinning = resolve));
  const sandbox = new TaskSandbox(fixture('sandbox/hanging-expert.task.ts'), {
    timeoutSeconds: 60,
    onOutput: (t) => {
      printed += t;
      if (printed.includes('spinning on twice k3')) spinning();
    },
  });
  const running = sandbox.check('hanging-expert', options);
  await started;
  sandbox.dispose();
  assert.deepEqual(await running, { kind: 'exited', call: 'check', code: null, signal: 'SIGKILL' });
});
