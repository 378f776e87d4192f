// UI end-to-end test in a real VS Code (code-server) driven by Debian Chromium with playwright-core:
// New Run… (permutation powering, N=8, tiny model), step two rounds, open a node, override an
// answer and see the root change, add a note, reload the window and find both restored, and run
// Check Decomposition on a broken task file. Screenshots: test-results/e2e/.
// The extension is the packaged VSIX (npm run package), installed into a fresh profile.
// Usage: node scripts/e2e/ui.mjs   (packages first; installs code-server on first use)
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flow, freshFolder, openWorkbench } from './workbench.mjs';

const shots = resolve('test-results/e2e');
const ws = resolve('out/e2e/workspace');
const state = resolve('out/e2e/state');
const { step: stepOn, run } = flow(shots);
freshFolder(ws);
copyFileSync('examples/range-max.task.ts', join(ws, 'range-max.task.ts'));
copyFileSync('test/fixtures/broken-expert.task.ts', join(ws, 'broken.task.ts'));

async function attempt() {
  const { page, explorer, workbench, command, answerQuickInput, close } = await openWorkbench({
    workspace: ws, state, settings: { 'amplification.modelPreset': 'tiny', 'amplification.stepsPerRound': 10 },
  });
  const step = (name, fn) => stepOn(page, name, fn);
  const headerRound = (n) => explorer().getByText(`round ${n} / ${n}`).first();

  try {
    await step('the workbench opens with the extension', async () => {
      await workbench();
      await page.locator('.activitybar [aria-label="Amplification"]').first().waitFor({ timeout: 60_000 });
    });
    await step('New Run… on permutation powering, N=8: the Explorer shows a tree', async () => {
      await command('Amplification: New Run');
      await answerQuickInput('New Run: task');
      await answerQuickInput('mode');
      await answerQuickInput('size N');
      await explorer().locator('g.node').first().waitFor({ timeout: 120_000 });
      await page.screenshot({ path: join(shots, '1-new-run.png') });
    });
    await step('Step twice: round 2 is recorded, curves drawn', async () => {
      for (const n of [1, 2]) {
        await explorer().locator('button', { hasText: 'Step' }).first().click();
        await headerRound(n).waitFor({ timeout: 120_000 });
      }
      await explorer().locator('.charts svg, svg.chart').first().waitFor();
      await page.screenshot({ path: join(shots, '2-two-rounds.png') });
    });
    await step('override a subanswer: the root is recomputed', async () => {
      const child = explorer().locator('g.node[data-key="0"]');
      await child.click();
      await explorer().getByRole('button', { name: /^Override the answer of/ }).click();
      // A name of this context (overrides are checked against the task and the context): the last fact's image.
      const fact = await explorer().locator('.inspector .facts li').last().textContent();
      const name = /=\s*(\S+)/.exec(fact ?? '')?.[1];
      if (!name) throw new Error(`no name in the fact '${fact}'`);
      const input = explorer().getByRole('textbox', { name: /^New answer for/ });
      await input.fill(name);
      await explorer().getByRole('button', { name: 'Send the override' }).click();
      await explorer().locator('.inspector', { hasText: 'by override' }).waitFor({ timeout: 30_000 });
      // H re-ran at the root with the new subanswer: its next subquestion is about it (σ^m(name)).
      await explorer().locator(`g.node[data-key="1"][data-label$="(${name})"]`).waitFor({ timeout: 30_000 });
      await explorer().locator('g.node[data-key=""]').click();
      await explorer().locator('.inspector .transcript .tr-item').first().filter({ hasText: name }).waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(shots, '3-override.png') });
    });
    await step('add a note to a node', async () => {
      await explorer().locator('g.node[data-key="0"]').click();
      await explorer().getByRole('button', { name: /^Add a note to/ }).click();
      await explorer().getByRole('textbox', { name: /^Note on/ }).fill('e2e: X gets this wrong early');
      await explorer().getByRole('textbox', { name: 'Tags, separated by commas' }).fill('e2e');
      await explorer().getByRole('button', { name: 'Save the note' }).click();
      await explorer().getByText('e2e: X gets this wrong early').first().waitFor({ timeout: 30_000 });
    });
    await step('reload the window: the tree, the override and the note are restored', async () => {
      await page.reload();
      await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
      await explorer().locator('g.node[data-key="0"]').waitFor({ timeout: 120_000 });
      await explorer().locator('g.node[data-key="0"]').click();
      await explorer().locator('.inspector', { hasText: 'by override' }).waitFor({ timeout: 30_000 });
      await explorer().getByText('e2e: X gets this wrong early').first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(shots, '4-after-reload.png') });
    });
    await step('Check Decomposition on a broken task file: counterexamples in Problems', async () => {
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget .quick-input-box input').fill('broken.task.ts');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'broken.task.ts' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.editor-instance').first().waitFor();
      await page.waitForTimeout(1500);
      await command('Amplification: Check Decomposition');
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'samples fail' }).first().waitFor({ timeout: 60_000 });
      await command('View: Focus Problems');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'mismatch' }).first();
      await row.waitFor({ timeout: 30_000 });
      // Published at H (the `expert` member), not at the top of the file.
      assert.match((await row.textContent()) ?? '', /Ln (2[6-9]|3\d)/);
      await page.screenshot({ path: join(shots, '5-check-decomposition.png') });
    });
  } finally {
    await close();
  }
}

await run(attempt, () => rmSync(join(ws, '.amplification'), { recursive: true, force: true }));
