/**
 * The host integration tests' entry, loaded by the extension host as `extensionTestsPath` (the
 * contract of @vscode/test-electron, also honoured by code-server's smoke-test driver): `run()`
 * runs the mocha suites and rejects when a test fails.
 *
 * Output is one line per test and a summary, written with console.log: the extension host forwards
 * it to the workbench, which hands it to `codeAutomationLog` (scripts/e2e/host.mjs) or to the
 * terminal (scripts/test-electron.mjs). Every line starts with `HOST_TEST_PREFIX`, so the runner can
 * pick the tests' lines out of the workbench's own log.
 */
import Mocha from 'mocha';

export const HOST_TEST_PREFIX = '[host-test] ';

const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;

function say(text: string): void {
  console.log(text.split('\n').map((l) => HOST_TEST_PREFIX + l).join('\n'));
}

/** One line per test (✓ or ✗, with its duration), the failure's stack under it, and a summary. */
class HostReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const started = Date.now();
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_RUN_END } = Mocha.Runner.constants;
    runner.on(EVENT_TEST_PASS, (t) => say(`✓ ${t.title} (${seconds(t.duration)})`));
    runner.on(EVENT_TEST_FAIL, (t, err: Error) => {
      const detail = (err.stack ?? err.message).split('\n').map((l) => `    ${l}`).join('\n');
      say(`✗ ${t.title} (${seconds(t.duration ?? Date.now() - started)})\n${detail}`);
    });
    runner.once(EVENT_RUN_END, () => {
      const s = this.stats;
      say(`host tests: ${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''} (${seconds(Date.now() - started)})`);
    });
  }
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 180_000, reporter: HostReporter, color: false });
  // The suites are bundled into this file: give them mocha's globals (suite, test, …), then load them.
  mocha.suite.emit('pre-require', globalThis, 'test/host/extension.test.ts', mocha);
  await import('./extension.test');
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} host test(s) failed`);
}
