// UI end-to-end flow in code-server: a person plays H. "Answer as the Expert…" on the built-in
// permutation powering (no run: ground truth answers the subquestions), a sampled σ^k(x), k ≥ 3: a
// malformed subquestion gets its inline message, σ^a(x) and σ^b($1) are asked (a + b = k), the
// second is undone once and asked again, the answer is $2; the transcript line lands in the
// workspace's .amplification/human/transcripts.jsonl and the panel shows the finished tree.
// Usage: node scripts/e2e/flows.mjs play.mjs   (E2E_PORT picks the port)
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flow, freshFolder, openWorkbench } from '../workbench.mjs';

const shots = resolve('test-results/e2e/play');
const ws = resolve('out/e2e/play/workspace');
const state = resolve('out/e2e/play/state');
const transcripts = join(ws, '.amplification', 'human', 'transcripts.jsonl');
const { step: stepOn, run } = flow(shots);
freshFolder(ws);

/** The 6-bit question of σ^k(x), as the task writes it in a transcript. */
const pow = (k, x) => ['pow', ...k.toString(2).padStart(6, '0').split(''), x];

async function attempt() {
  const { page, workbench, command, close } = await openWorkbench({ workspace: ws, state });
  const step = (name, fn) => stepOn(page, name, fn);
  const play = () => page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
  const input = () => play().getByRole('textbox', { name: 'Subquestion or answer' });
  /** Types a line into the play panel and sends it (Enter asks, Control+Enter answers). */
  const send = async (text, key = 'Enter') => {
    await input().fill(text);
    await input().press(key);
  };
  const steps = () => play().locator('.play-step');
  let k = 0;
  let x = '';

  try {
    await step('the workbench opens with the extension', async () => {
      await workbench();
      await page.locator('.activitybar [aria-label="Amplification"]').first().waitFor({ timeout: 60_000 });
    });
    await step('Answer as the Expert… on permutation powering, a sampled question, ground truth answers', async () => {
      await command('Amplification: Answer as the Expert');
      const pick = async (title, row) => {
        await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 30_000 });
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: row }).first().click();
      };
      await pick('which run', 'permutation-powering');
      await pick('which question', 'Sample a question');
      await pick('who answers', 'Ground truth');
      // σ^2 splits into two lookups only: skip it (nothing saved) for the next, so that ground truth answers a subquestion.
      for (let tries = 0; ; tries++) {
        const q = (await play().locator('.play-q').textContent({ timeout: 60_000 })) ?? '';
        const m = /^σ\^(\d+)\((\S+)\)$/.exec(q);
        assert.ok(m, `the question '${q}' is a σ^k(x)`);
        k = Number(m[1]);
        x = m[2];
        if (k >= 3 || tries === 10) break;
        await play().getByRole('button', { name: 'Skip this question (Alt+S)' }).click();
        await play().getByRole('button', { name: 'Play the next question' }).click();
        await play().locator('.play-q', { hasNotText: q }).waitFor({ timeout: 30_000 });
      }
      assert.ok(k >= 3, `σ^${k} has a subquestion for the answerer`);
      assert.match((await play().locator('.play-q-label').textContent()) ?? '', /never the context/);
      await page.screenshot({ path: join(shots, '1-question.png') });
    });
    const a = () => Math.floor(k / 2);
    await step('a malformed subquestion: the inline message, nothing asked', async () => {
      await send(`σ^${a()}(${x})`);
      await steps().nth(0).waitFor({ timeout: 30_000 });
      await send(`σ^${k - a()}($1`);
      await play().locator('.play-problem', { hasText: /^cannot ask/ }).waitFor({ timeout: 30_000 });
      assert.equal(await steps().count(), 1);
      assert.equal(await input().inputValue(), `σ^${k - a()}($1`, 'the typed line stays to be corrected');
      await page.screenshot({ path: join(shots, '2-malformed.png') });
    });
    await step('a valid subquestion with $1, undone once and asked again', async () => {
      await send(`σ^${k - a()}($1)`);
      await steps().nth(1).waitFor({ timeout: 30_000 });
      assert.equal(await play().locator('.play-problem').textContent(), '');
      await play().getByRole('button', { name: 'Undo the last step (Alt+U)' }).click();
      await play().locator('.play-step').nth(1).waitFor({ state: 'detached', timeout: 30_000 });
      assert.equal(await steps().count(), 1);
      await send(`σ^${k - a()}($1)`);
      await steps().nth(1).waitFor({ timeout: 30_000 });
      assert.match((await play().locator('.play-count').textContent()) ?? '', /^\d+ calls?/);
    });
    await step('the answer $2: the transcript line is in the workspace, the panel shows the finished tree', async () => {
      await send('$2', 'Control+Enter');
      await play().locator('.play-result', { hasText: /^Answered σ\^/ }).waitFor({ timeout: 30_000 });
      assert.ok(await input().isDisabled(), 'the input is closed after the answer');
      assert.equal(await play().locator('.play-tree .play-node').count(), 3, 'the question and its two subquestions');
      assert.equal(await play().locator('.play-tree .play-node.current').count(), 0, 'no open question is left');
      assert.match((await play().locator('.play-saved').textContent()) ?? '', /human\/transcripts\.jsonl/);
      assert.ok(existsSync(transcripts), `${transcripts} was written`);
      const lines = readFileSync(transcripts, 'utf8').split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, 'one finished question, one line (the undone step is not in it)');
      const r = JSON.parse(lines[0]);
      assert.equal(r.task, 'permutation-powering');
      assert.equal(r.answerer, 'truth');
      assert.deepEqual(r.transcript.question, pow(k, x));
      assert.deepEqual(r.transcript.steps.map((s) => s.question), [pow(a(), x), pow(k - a(), r.transcript.steps[0].answer[0])]);
      assert.deepEqual(r.transcript.answer, r.transcript.steps[1].answer, 'the answer is $2');
      assert.deepEqual(r.transcript.steps.map((s) => s.source), [a() <= 1 ? 'lookup' : 'truth', 'truth'], 'lookups for primitives, ground truth for the rest');
      assert.equal(r.transcript.source, 'human');
      await page.screenshot({ path: join(shots, '3-finished.png') });
    });
  } finally {
    await close();
  }
}

await run(attempt, () => rmSync(join(ws, '.amplification'), { recursive: true, force: true }));
