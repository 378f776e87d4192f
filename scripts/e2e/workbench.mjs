// What every UI end-to-end flow needs: the packaged VSIX, a fresh workspace, code-server with the
// extension installed, Debian Chromium (playwright-core) on its workbench, and small drivers
// (run a command from the palette, accept a quick input, find the Explorer's webview), plus
// numbered steps with a screenshot on failure and one retry of a whole flow.
// Used by ui.mjs (the main flow) and the other flows in this folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { ensureCodeServer, startCodeServer } from './code-server.mjs';

/** Packages the extension into out/e2e (once per process) and makes sure code-server is installed. */
let packaged;
export function packageExtension() {
  if (packaged) return packaged;
  const vsix = resolve('out/e2e/amplification-explorer.vsix');
  const build = spawnSync(process.execPath, ['scripts/package.mjs', '--out', vsix], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
  ensureCodeServer();
  packaged = vsix;
  return vsix;
}

/** An empty folder (removed first). */
export function freshFolder(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Starts code-server on `workspace` (profile in `state`) with the packaged extension and opens its
 * workbench in Chromium. `trust: true` turns Workspace Trust on (the folder opens untrusted in
 * restricted mode); by default trust is off, as in the other tests. The port is E2E_PORT, else
 * `port`. Returns the page and the drivers.
 */
export async function openWorkbench({ workspace, state, settings = {}, trust = false, port = 8765 }) {
  const vsix = packageExtension();
  const server = await startCodeServer({
    workspace, vsix, state, port: Number(process.env.E2E_PORT ?? port),
    settings: { ...(trust ? { 'security.workspace.trust.startupPrompt': 'never' } : {}), ...settings },
    trust,
  });
  const browser = await chromium.launchPersistentContext(join(state, 'chromium'), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, viewport: { width: 1500, height: 950 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  /** The Explorer webview's document. */
  const explorer = () => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  async function workbench() {
    await page.goto(`${server.url}/?folder=${workspace}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await page.waitForSelector('.part.statusbar', { timeout: 90_000 });
  }

  /** Runs a command by its title from the palette (retries while the extension registers its commands). */
  async function command(title) {
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor();
      await input.fill(`>${title}`);
      try {
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 3000 });
        await page.keyboard.press('Enter');
        return;
      } catch {
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
      }
    }
    throw new Error(`no command '${title}'`);
  }

  /** Accepts the default of the quick input whose title contains `titlePart`. */
  async function answerQuickInput(titlePart) {
    await page.locator('.quick-input-widget .quick-input-title', { hasText: titlePart }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
  }

  async function close() {
    await browser.close();
    await server.stop();
  }

  return { page, explorer, workbench, command, answerQuickInput, close, server };
}

/**
 * Numbered steps of a flow: each passes or fails (with a screenshot `failed-N.png` in `shots`);
 * `run(attempt)` runs the flow and, if a step failed, once more from scratch (`reset` first), then
 * prints the summary and exits with the result.
 */
export function flow(shots) {
  mkdirSync(shots, { recursive: true });
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  return {
    async step(page, name, fn) {
      const t = Date.now();
      try {
        await fn();
        passed++;
        console.log(`✓ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        console.log(`✗ ${name}: ${e instanceof Error ? e.message : String(e)}`);
        await page.screenshot({ path: join(shots, `failed-${passed + failed}.png`) }).catch(() => undefined);
      }
    },
    async run(attempt, reset = () => undefined) {
      await attempt();
      if (failed > 0) {
        // One retry of the whole flow (fresh profile) absorbs a rare slow start of the workbench.
        console.log(`${failed} failed: retrying the whole flow once`);
        passed = 0;
        failed = 0;
        reset();
        await attempt();
      }
      console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s; screenshots in ${shots})`);
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed === 0 ? 0 : 1);
    },
  };
}
