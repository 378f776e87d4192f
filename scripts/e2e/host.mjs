// Host integration tests (test/host, mocha) inside a real VS Code extension host: code-server with
// the smoke-test driver, whose workbench (headless Debian Chromium, playwright-core) runs the
// extension-tests API — the `payload` query names extensionDevelopmentPath and extensionTestsPath,
// the tests' console output arrives through `codeAutomationLog` and their result through
// `codeAutomationExit`. Prints one line per test and a summary; exits with the tests' result.
//
// The extension under test is the packaged VSIX, installed into a fresh profile as a user would
// install it. Its installed folder is then also named as the extensionDevelopmentPath: only a
// development extension runs in ExtensionMode.Test (where it offers the crash seam), and the test
// bundle, copied into that folder, shares the extension's `vscode` API object (so a test can see
// the error notifications the extension shows). mocha resolves from the repository's node_modules
// (the profile lives under out/host/).
// Usage: node scripts/e2e/host.mjs [--verbose]   (packages first; installs code-server on first use)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { buildHostTests } from '../../test/host/build.mjs';
import { ensureCodeServer, startCodeServer } from './code-server.mjs';

const TIMEOUT_MS = 5 * 60_000;
const PORT = 8766;
const PREFIX = '[host-test] '; // test/host/index.ts writes every line of its report with it
const verbose = process.argv.includes('--verbose');
const started = Date.now();
const outDir = resolve('out/host');
const ws = join(outDir, 'workspace');
const state = join(outDir, 'state');
const vsix = join(outDir, 'amplification-explorer.vsix');
const workbenchLog = join(outDir, 'workbench.log');

const pack = spawnSync(process.execPath, ['scripts/package.mjs', '--out', vsix], { stdio: 'inherit' });
if (pack.status !== 0) process.exit(1);
const bundleDir = resolve(await buildHostTests(), '..');
ensureCodeServer();
rmSync(ws, { recursive: true, force: true });
rmSync(join(outDir, 'failure.png'), { force: true });
mkdirSync(ws, { recursive: true });

const server = await startCodeServer({ workspace: ws, vsix, state, port: PORT, args: ['--vscode-option', 'enable-smoke-test-driver'] });
let browser;
let timer;
const cleanUp = async () => {
  clearTimeout(timer);
  await browser?.close().catch(() => undefined);
  await server.stop();
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

const log = [];
let passed = 0;
let failed = 0;
let code;
try {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const installed = readdirSync(join(state, 'extensions')).find((d) => d.startsWith(`${pkg.publisher}.${pkg.name}-${pkg.version}`));
  if (!installed) throw new Error(`the VSIX did not install into ${join(state, 'extensions')}`);
  const extensionDir = join(state, 'extensions', installed);
  cpSync(bundleDir, join(extensionDir, 'out/test/host'), { recursive: true });

  browser = await chromium.launchPersistentContext(join(state, 'chromium'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let reportExit;
  const exited = new Promise((r) => (reportExit = r));
  await browser.exposeFunction('codeAutomationExit', (exitCode) => reportExit(Number(exitCode)));
  await browser.exposeFunction('codeAutomationLog', (type, message) => {
    // The workbench's logger hands over its arguments: an array, usually of one string.
    const text = (Array.isArray(message) ? message : [message]).map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
    log.push(`${type}: ${text}`);
    for (const line of text.split('\n')) {
      const at = line.indexOf(PREFIX);
      if (at >= 0) {
        const report = line.slice(at + PREFIX.length);
        if (report.startsWith('✓ ')) passed++;
        if (report.startsWith('✗ ')) failed++;
        console.log(report);
      } else if (verbose) console.log(`  [workbench ${type}] ${line}`);
    }
  });
  const remote = (p) => `vscode-remote://127.0.0.1:${PORT}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDir)],
    ['extensionTestsPath', remote(join(extensionDir, 'out/test/host/index.js'))],
    ['skipWelcome', 'true'],
  ];
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const timeout = new Promise((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), TIMEOUT_MS);
  });
  code = await Promise.race([exited, timeout]);
  if (code !== 0) await page.screenshot({ path: join(outDir, 'failure.png') }).catch(() => undefined);
  if (code === 'timeout') {
    console.log(`✗ host tests timed out after ${TIMEOUT_MS / 60_000} min: the extension host did not finish them (${passed} passed so far; logs in ${outDir})`);
    failed++;
  }
} catch (e) {
  console.log(`✗ host tests could not run: ${e instanceof Error ? e.stack : String(e)}`);
  failed++;
} finally {
  await cleanUp();
}

writeFileSync(workbenchLog, log.join('\n') + '\n');
writeFileSync(join(outDir, 'code-server.log'), server.log());
if (code === 0 && passed === 0) {
  console.log('✗ the workbench reported success but no test ran (was the payload ignored?)');
  failed++;
}
const ok = code === 0 && failed === 0;
console.log(`host tests ${ok ? 'passed' : `FAILED (exit code ${code})`}: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s with packaging and start-up)`);
if (!ok) console.log(`workbench log: ${workbenchLog}; code-server log: ${join(outDir, 'code-server.log')}; screenshot: ${join(outDir, 'failure.png')}`);
process.exit(ok ? 0 : 1);
