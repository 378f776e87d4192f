// The host integration tests (test/host) under the standard runner, @vscode/test-electron: it
// downloads VS Code into .vscode-test/ (or uses VSCODE_EXECUTABLE, a local VS Code) and starts it
// with this repository as the development extension and out/test/host/index.js as the tests.
// For machines with internet or a local VS Code; not part of `npm test` (this project's offline
// machines run the same suite in code-server: `npm run test:host`). On a Linux machine without a
// display, run it under `xvfb-run -a`.
// Usage: node scripts/test-electron.mjs   (env: VSCODE_EXECUTABLE=/path/to/code, VSCODE_VERSION=stable|insiders|1.x.y)
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildHostTests } from '../test/host/build.mjs';

const build = spawnSync(process.execPath, ['scripts/build.mjs', '--no-types'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const extensionTestsPath = await buildHostTests();
const workspace = resolve('out/test-electron/workspace');
rmSync(workspace, { recursive: true, force: true });
mkdirSync(workspace, { recursive: true });

try {
  const code = await runTests({
    extensionDevelopmentPath: resolve('.'),
    extensionTestsPath,
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : { version: process.env.VSCODE_VERSION ?? 'stable' }),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--disable-gpu'],
  });
  process.exit(code);
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  console.error(`test:electron: could not run VS Code: ${message}`);
  if (!process.env.VSCODE_EXECUTABLE) {
    console.error('(@vscode/test-electron downloads VS Code from update.code.visualstudio.com: this needs internet, or set VSCODE_EXECUTABLE to a local VS Code; offline, use `npm run test:host`)');
  }
  process.exit(1);
}
