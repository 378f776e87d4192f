// UI end-to-end test in a real VS Code (code-server) driven by Debian Chromium with playwright-core:
// New Run… (permutation powering, N=8, tiny model), step two rounds and read the targets of the
// root's class, open a node, override an answer and see the root change with its summary line, ask
// "Why is this wrong?" of a wrong node, step a round and find the override's target under "Targets
// for this question", add a note, reload the window and find both restored, and run Check
// Decomposition on a broken task file. Screenshots: test-results/e2e/.
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
    await step('Targets for this question: the root\'s class has targets recorded in rounds 2 and 1', async () => {
      await explorer().locator('g.node[data-key=""]').click();
      const section = explorer().locator('.inspector .targets-section');
      await section.locator('table.prov-table').waitFor({ timeout: 30_000 });
      const rows = section.locator('table.prov-table tbody tr');
      assert.deepEqual(await rows.locator('td:first-child').allTextContents(), ['2', '1'], 'newest first');
      for (const cells of [await rows.nth(0).locator('td').allTextContents(), await rows.nth(1).locator('td').allTextContents()]) {
        const [, sampled, made] = /^(\d+) of (\d+)$/.exec(cells[1]) ?? [];
        assert.ok(Number(sampled) >= 1 && Number(sampled) <= Number(made), `sampled of made: ${cells[1]}`);
        assert.match(cells[3], /^H \d+$/, 'made by H (amplification, no override yet)');
      }
      await section.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, '2b-targets-of-the-class.png') });
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
      // The summary of what the override changed.
      const summary = (await explorer().locator('.notice.override').textContent()) ?? '';
      assert.match(summary, /override at σ\^\d+\(\w+\): root \S+( [✓✗])? → \S+( [✓✗])?; \d+ nodes? changed, \d+ new/);
      await page.screenshot({ path: join(shots, '3-override.png') });
    });
    await step('Why is this wrong? on a wrong node: the blame sentence, the path highlighted', async () => {
      if ((await explorer().locator('g.node.s-wrong').count()) === 0) {
        // Nothing is wrong: override subanswer 1 with a wrong name of its context.
        await explorer().locator('g.node[data-key="0"]').click();
        const truth = ((await explorer().locator('.inspector .ans-truth .val').textContent()) ?? '').trim();
        const names = (await explorer().locator(".inspector .facts li").allTextContents()).map((f) => /=\s*(\S+)/.exec(f)?.[1]).filter(Boolean);
        const wrongName = names.find((n) => n !== truth);
        await explorer().getByRole('button', { name: /^Override the answer of/ }).click();
        await explorer().getByRole('textbox', { name: /^New answer for/ }).fill(wrongName);
        await explorer().getByRole('button', { name: 'Send the override' }).click();
        await explorer().locator('g.node.s-wrong').first().waitFor({ timeout: 30_000 });
      }
      // The wrong node nearest the root (the root itself when it is wrong).
      const keys = await explorer().locator('g.node.s-wrong').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
      const nearest = keys.sort((a, b) => (a === '' ? 0 : a.split('.').length) - (b === '' ? 0 : b.split('.').length))[0];
      await explorer().locator(`g.node[data-key="${nearest}"]`).click();
      await explorer().locator('.inspector button', { hasText: 'Why is this wrong?' }).click();
      const box = explorer().locator('.inspector .blame-box');
      await box.waitFor({ timeout: 60_000 });
      assert.match((await box.locator('.k').textContent()) ?? '', /^(An expert bug|An answerer error|A wrong override|An injected fault) at /);
      assert.ok(((await box.locator('.blame-detail').textContent()) ?? '').trim().length > 10, 'one sentence says what is wrong');
      assert.match((await box.locator('.cf').textContent()) ?? '', /^With the true answer here, the root would (be ✓|still be ✗)/);
      assert.equal(await explorer().locator('g.node.blame-origin').count(), 1, 'the origin of the error is highlighted');
      await page.screenshot({ path: join(shots, '3b-why-wrong.png') });
    });
    await step('Step a round: the override\'s target is under "Targets for this question" of its node', async () => {
      await explorer().locator('button', { hasText: 'Step' }).first().click();
      await headerRound(3).waitFor({ timeout: 120_000 });
      await explorer().locator('g.node[data-key="0"]').click();
      const target = explorer().locator('.inspector .targets-section .prov-target', { hasText: 'override' }).first();
      await target.waitFor({ timeout: 30_000 });
      assert.match((await target.getAttribute('aria-label')) ?? '', /^round 3: \S+ by override, (correct|wrong), this context, X (agrees|differs)$/);
      await target.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, '3c-targets-of-the-override.png') });
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
