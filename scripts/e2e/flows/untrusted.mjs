// UI end-to-end flow with Workspace Trust on: the workspace opens untrusted (Restricted Mode).
// Built-in tasks work there (New Run… shows a tree); task files are code and are refused with a
// message: Check Decomposition, New Run… from the file's Explore CodeLens, and opening an existing
// run of a task file from the Runs view — and the file is never loaded (it would write a marker).
// Screenshots: test-results/e2e/untrusted/. Usage: node scripts/e2e/flows.mjs untrusted
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flow, freshFolder, openWorkbench } from '../workbench.mjs';

const shots = resolve('test-results/e2e/untrusted');
const ws = resolve('out/e2e/untrusted/workspace');
const state = resolve('out/e2e/untrusted/state');
const marker = join(ws, 'task-file-was-loaded.marker');
const taskFile = join(ws, 'marked.task.ts');
const run = join(ws, '.amplification', 'runs', 'task-file-run');
const { step: stepOn, run: runFlow } = flow(shots);

/** The workspace: a task file that writes a marker whenever its code is loaded, and a trained run of it. */
function prepare() {
  freshFolder(ws);
  // range-max (its `defineTask(` gives the file its Check | Explore CodeLens), and the marker.
  writeFileSync(taskFile, [
    "import { writeFileSync } from 'node:fs';",
    readFileSync('examples/range-max.task.ts', 'utf8'),
    `writeFileSync(${JSON.stringify(marker)}, String(process.pid));`,
    '',
  ].join('\n'));
  const train = spawnSync(process.execPath, [
    'bin/amplify.js', 'train', '--task', taskFile, '--mode', 'supervised', '--model', 'tiny', '--rounds', '1', '--steps-per-round', '2',
    '--batch', '16', '--contexts', '4', '--eval-contexts', '2', '--backend', 'cpu', '--out', run,
  ], { stdio: 'inherit' });
  if (train.status !== 0) throw new Error(`amplify train exited ${train.status}`);
  assert.equal(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).taskFile, taskFile, 'the run records its task file');
  assert.ok(existsSync(marker), 'the marker works (training loaded the file)');
  rmSync(marker);
}

async function attempt() {
  prepare();
  const { page, explorer, workbench, command, answerQuickInput, close } = await openWorkbench({
    workspace: ws, state, trust: true, port: 8771, settings: { 'amplification.modelPreset': 'tiny', 'amplification.stepsPerRound': 4 },
  });
  const step = (name, fn) => stepOn(page, name, fn);
  const toast = (text) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  const clearToasts = () => command('Notifications: Clear All Notifications');
  const notLoaded = () => assert.equal(existsSync(marker), false, 'the task file was loaded');

  try {
    await step('the workbench opens in Restricted Mode, with the extension', async () => {
      await workbench();
      await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.activitybar [aria-label="Amplification"]').first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(shots, '1-restricted-mode.png') });
    });
    await step('New Run… lists only built-in tasks; permutation powering, N=8: the Explorer shows a tree', async () => {
      await command('Amplification: New Run');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'New Run: task' }).waitFor({ timeout: 30_000 });
      const rows = await page.locator('.quick-input-widget .monaco-list-row').allTextContents();
      assert.ok(rows.some((r) => r.includes('permutation-powering')), `built-ins listed: ${rows.join(' | ')}`);
      assert.ok(!rows.some((r) => r.includes('.task.ts')), `no task file offered: ${rows.join(' | ')}`);
      await answerQuickInput('New Run: task');
      await answerQuickInput('mode');
      await answerQuickInput('size N');
      await explorer().locator('g.node').first().waitFor({ timeout: 120_000 });
      await page.screenshot({ path: join(shots, '2-built-in-run.png') });
    });
    await step('Check Decomposition on a task file is refused with a message', async () => {
      await clearToasts();
      // Opened from the file explorer (Quick Open's key goes to the Explorer's webview, which has the focus).
      await command('View: Show Explorer');
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'marked.task.ts' }).first().click();
      await page.locator('.tabs-container .tab.active', { hasText: 'marked.task.ts' }).waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1500);
      await command('Amplification: Check Decomposition');
      const t = toast('only in a trusted workspace');
      await t.waitFor({ timeout: 30_000 });
      assert.match((await t.textContent()) ?? '', /Amplification: task files are code: they are compiled and run only in a trusted workspace \(Workspaces: Manage Workspace Trust\)/);
      notLoaded();
      await page.screenshot({ path: join(shots, '3-check-refused.png') });
    });
    await step('New Run… on the task file (its Explore CodeLens) is refused with a message', async () => {
      await clearToasts();
      await page.locator('.contentWidgets .codelens-decoration a, .codelens-decoration a', { hasText: 'Explore' }).first().click({ timeout: 30_000 });
      const t = toast('only in a trusted workspace');
      await t.waitFor({ timeout: 30_000 });
      assert.match((await t.textContent()) ?? '', /Amplification: task files are code: they are compiled and run only in a trusted workspace/);
      notLoaded();
      await page.screenshot({ path: join(shots, '4-new-run-refused.png') });
    });
    await step('opening the run of a task file from the Runs view is refused with a message; the file is not loaded', async () => {
      await clearToasts();
      await page.locator('.activitybar [aria-label="Amplification"]').first().click();
      const row = page.locator('.monaco-list-row', { hasText: 'range-max · supervised' }).first();
      await row.waitFor({ timeout: 30_000 });
      await row.click();
      const t = toast('only in a trusted workspace');
      await t.waitFor({ timeout: 30_000 });
      assert.match((await t.textContent()) ?? '', new RegExp(`Amplification: ${taskFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: task files are code; they are compiled and run only in a trusted workspace`));
      await page.waitForTimeout(2000);
      notLoaded();
      await page.screenshot({ path: join(shots, '5-task-file-run-refused.png') });
    });
  } finally {
    await close();
  }
}

// A retry starts from a fresh workspace (prepare), in the same profile.
await runFlow(attempt);
