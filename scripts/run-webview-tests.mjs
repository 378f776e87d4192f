// Browser tests of the Explorer webview: builds dist/webview.js, bundles test/webview/*.ts with
// esbuild, serves a harness page (strict CSP, mocked acquireVsCodeApi) on 127.0.0.1 and drives
// Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) with playwright-core.
// Screenshots go to test-results/webview/. Usage: node scripts/run-webview-tests.mjs [name-filter]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const started = Date.now();
const filter = process.argv[2];
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--no-types'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(build.status ?? 1);
}
const outfile = 'out/test/webview/run.mjs';
await esbuild.build({
  entryPoints: ['test/webview/run.ts'], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
  sourcemap: 'inline', external: ['playwright-core'], logLevel: 'warning',
});
const { main } = await import(pathToFileURL(resolve(outfile)).href);
let summary;
try {
  summary = await main(resolve('.'), filter);
} catch (e) {
  console.error(e);
  summary = { passed: 0, failed: 1 };
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`${summary.passed} passed, ${summary.failed} failed`);
process.exit(summary.failed > 0 || summary.passed === 0 ? 1 : 0);
