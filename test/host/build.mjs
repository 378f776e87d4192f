// Bundles the host integration tests (test/host/*.ts) into out/test/host/index.js, the module the
// extension host loads as `extensionTestsPath` (it exports `run()`). `vscode` is the host's API and
// mocha stays a plain require of the repository's node_modules.
// Used by scripts/e2e/host.mjs (code-server) and scripts/test-electron.mjs (@vscode/test-electron).
import { resolve } from 'node:path';
import * as esbuild from 'esbuild';

export const HOST_TESTS_BUNDLE = resolve('out/test/host/index.js');

export async function buildHostTests() {
  await esbuild.build({
    entryPoints: ['test/host/index.ts'], outfile: HOST_TESTS_BUNDLE, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    sourcemap: true, logLevel: 'warning', external: ['vscode', 'mocha'],
  });
  return HOST_TESTS_BUNDLE;
}
