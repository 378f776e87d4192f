/**
 * Webview tests (see run.ts) of the play panel (webview/play/, dist/play.js): a person plays H.
 * The page is the harness page with the play bundle and media/play.css, and the host side is the
 * real PlayController running here in Node: what the webview posts (validated by
 * src/protocol/play.ts) is handed to it, and what it posts is delivered to the page.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { builtinTask, makeContext, type PlayRecord } from '../../src/core/index';
import { powQuestion } from '../../src/core/tasks/permutation-powering';
import { PlayController } from '../../src/extension/play/play-controller';
import { parsePlayWebviewMessage } from '../../src/protocol/play';
import { clickNode, keyOf, loaded, type TestContext, type WebviewTest } from './context';
import { SCREENSHOTS } from './driver';
import { nodesOf, pinTree } from './fixtures';
import { harnessHtml, type Theme } from './harness';

const pp = builtinTask('permutation-powering')!;
const instance = { size: 8, seed: 'play', index: 0 };
const ctx = makeContext(pp, instance);
const x = ctx.facts[0][0];
const sigma = (k: number, y: string) => pp.answer(ctx, powQuestion(k, y))[0];

type Win = Window & { __posted: unknown[]; __csp: string[] };

/** The play page wired to a PlayController on σ^4(x) with ground truth answering. */
async function openPlay(ctx2: TestContext, theme: Theme): Promise<{ page: Page; context: BrowserContext; saved: PlayRecord[]; errors: string[]; settle(): Promise<void>; close(): Promise<void> }> {
  const origin = ctx2.server.origin;
  const context = await ctx2.browser.newContext({ viewport: { width: 1000, height: 420 }, deviceScaleFactor: 1 });
  context.setDefaultTimeout(5000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  const html = harnessHtml(origin, theme).replace(`${origin}/dist/webview.js`, `${origin}/dist/play.js`).replace(`${origin}/media/explorer.css`, `${origin}/media/play.css`);
  assert.ok(html.includes('dist/play.js') && html.includes('media/play.css'));
  await page.route(`${origin}/play.html`, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));

  const saved: PlayRecord[] = [];
  let delivering: Promise<unknown> = Promise.resolve();
  const controller = new PlayController({
    post: (m) => {
      delivering = delivering.then(() => page.evaluate((data) => window.dispatchEvent(new MessageEvent('message', { data })), JSON.parse(JSON.stringify(m)) as object));
    },
    save: (record) => {
      saved.push(record);
      return '/workspace/.amplification/runs/r1/human/transcripts.jsonl';
    },
  }, { task: pp, ctx, instance, question: powQuestion(4, x), answerer: { kind: 'truth' }, who: 'tester' });

  /** Hands every message the page posted to the controller (each checked by the protocol), then waits for the answers to arrive. */
  const settle = async () => {
    for (let round = 0; round < 4; round++) {
      const posted = await page.evaluate(() => (window as unknown as Win).__posted.splice(0));
      for (const m of posted) {
        const r = parsePlayWebviewMessage(m);
        assert.ok(r.ok, `the webview posted an invalid message ${JSON.stringify(m)}: ${r.ok ? '' : r.error}`);
        await controller.handle(r.value);
      }
      await delivering;
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    }
  };
  await page.goto(`${origin}/play.html`);
  await page.waitForFunction(() => (window as unknown as Win).__posted?.some((m) => (m as { type: string }).type === 'ready'));
  await settle();
  return {
    page, context, saved, errors, settle,
    close: async () => {
      const csp = await page.evaluate(() => (window as unknown as Win).__csp).catch(() => []);
      await context.close();
      assert.deepEqual([...errors, ...csp.map((c) => `CSP violation: ${c}`)], []);
    },
  };
}

async function type(p: { page: Page; settle(): Promise<void> }, text: string, key: string): Promise<void> {
  const input = p.page.getByRole('textbox', { name: 'Subquestion or answer' });
  await input.fill('');
  await input.pressSequentially(text);
  await p.settle();
  await input.press(key);
  await p.settle();
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export const playTests: WebviewTest[] = [
  {
    name: 'play: σ^4(x) as σ^2(x), σ^2($1), answer $2 — a malformed subquestion gets its inline message, completion fills $1, the host receives the record; Compare with H',
    async run(ctx) {
      const p = await openPlay(ctx, 'light');
      const { page } = p;
      assert.equal(await page.locator('.play-q').textContent(), `σ^4(${x})`);
      assert.match((await page.locator('.play-q-label').textContent()) ?? '', /never the context/);
      assert.match((await page.locator('.play-count').textContent()) ?? '', /^0 calls/);

      await type(p, `σ^2(${x})`, 'Enter');
      assert.deepEqual(await page.locator('.play-step').allTextContents(), [`$1${sigma(2, x)}← σ^2(${x})truth`]);

      // Malformed: the inline one-line message, nothing changes.
      await type(p, 'σ^2($1', 'Enter');
      assert.match((await page.locator('.play-problem').textContent()) ?? '', /^cannot ask 'σ\^2\(\$1'/);
      assert.equal(await page.locator('.play-step').count(), 1);
      assert.equal(await page.locator('.play-input').inputValue(), 'σ^2($1', 'the typed line stays to be corrected');

      // Completion: `$` offers the pointers; Tab takes the first.
      const input = page.locator('.play-input');
      await input.fill('');
      await input.pressSequentially('σ^2($');
      await p.settle();
      assert.deepEqual(await page.locator('.play-completions li').allTextContents(), ['σ^2($1']);
      await input.press('Tab');
      await p.settle();
      assert.equal(await input.inputValue(), 'σ^2($1');
      await input.pressSequentially(')');
      await input.press('Enter');
      await p.settle();
      assert.equal(await page.locator('.play-problem').textContent(), '');
      assert.equal(await page.locator('.play-step').count(), 2);
      assert.match((await page.locator('.play-count').textContent()) ?? '', /^2 calls/);
      assert.equal(await page.locator('.play-tree .play-node').count(), 3);
      assert.equal(await page.locator('.play-tree .play-node.current').count(), 1, 'the open question is marked');
      await shoot(page, 'play-light');
      assert.equal(p.saved.length, 0);

      await type(p, '$2', 'Control+Enter');
      assert.equal(p.saved.length, 1);
      const record = p.saved[0];
      assert.deepEqual(record.transcript.steps.map((s) => s.question), [powQuestion(2, x), powQuestion(2, sigma(2, x))]);
      assert.deepEqual(record.transcript.answer, [sigma(4, x)]);
      assert.deepEqual({ source: record.transcript.source, who: record.who, answerer: record.answerer, path: record.path }, { source: 'human', who: 'tester', answerer: 'truth', path: [] });
      assert.equal(await page.locator('.play-result').textContent(), `Answered σ^4(${x}) = ${sigma(4, x)}.`);
      assert.match((await page.locator('.play-saved').textContent()) ?? '', /human\/transcripts\.jsonl/);
      assert.ok(await page.locator('.play-input').isDisabled());

      await page.getByRole('button', { name: "Show H's own tree beside yours" }).click();
      await p.settle();
      assert.match((await page.locator('.play-compare h2').textContent()) ?? '', /Compare with H: 0 nodes differ/);
      assert.equal(await page.locator('.play-compare .play-tree').count(), 2);
      await shoot(page, 'play-compare-light');
      await p.close();
    },
  },
  {
    name: 'play: Undo by key, another decomposition than H’s marked ≠ in Compare with H, the dark theme',
    async run(ctx) {
      const p = await openPlay(ctx, 'dark');
      const { page } = p;
      await type(p, `σ^1(${x})`, 'Enter');
      await type(p, 'σ^3($1)', 'Enter');
      assert.equal(await page.locator('.play-step').count(), 2);
      assert.match((await page.locator('.play-step').first().textContent()) ?? '', /lookup/);
      await shoot(page, 'play-dark');
      await page.locator('.play-input').press('Alt+u');
      await p.settle();
      assert.equal(await page.locator('.play-step').count(), 1);
      await type(p, 'σ^3($1)', 'Enter');
      await type(p, '$2', 'Control+Enter');
      assert.deepEqual(p.saved.map((r) => r.transcript.answer), [[sigma(4, x)]]);
      await page.getByRole('button', { name: "Show H's own tree beside yours" }).click();
      await p.settle();
      // H asks σ^2(x) and σ^2($1): both of the person's children differ, and both of H's.
      assert.match((await page.locator('.play-compare h2').textContent()) ?? '', /Compare with H: 4 nodes differ/);
      assert.equal(await page.locator('.play-compare .play-node.differs').count(), 4);
      assert.equal(await page.locator('.play-compare .play-node').first().evaluate((e) => e.classList.contains('differs')), false, 'the roots agree');
      await shoot(page, 'play-compare-dark');
      await p.close();
    },
  },
  {
    name: 'play: Skip ends the question unsaved, with nothing to compare',
    async run(ctx) {
      const p = await openPlay(ctx, 'light');
      const { page } = p;
      await type(p, `σ^2(${x})`, 'Enter');
      await page.getByRole('button', { name: 'Skip this question (Alt+S)' }).click();
      await p.settle();
      assert.equal(await page.locator('.play-result').textContent(), `Skipped σ^4(${x}).`);
      assert.equal(p.saved.length, 0, 'a skipped question is not saved');
      assert.equal(await page.getByRole('button', { name: "Show H's own tree beside yours" }).count(), 0);
      await p.close();
    },
  },
  {
    name: 'play: the Explorer inspector’s Answer as the Expert… posts the node’s path (the host opens the play panel on its question)',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      const node = [...nodesOf(tree.root)].find((n) => n.path.length === 1 && !n.primitive)!;
      await clickNode(ex, keyOf(node));
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: `Decompose ${node.label} yourself, as H` }).click();
      const m = await ex.waitPosted('answerAsExpert');
      assert.deepEqual(m.path, node.path);
      const primitive = [...nodesOf(tree.root)].find((n) => n.primitive)!;
      await clickNode(ex, keyOf(primitive));
      assert.equal(await ex.page.getByRole('button', { name: /yourself, as H/ }).count(), 0, 'a lookup has nothing to decompose');
      assert.deepEqual(await ex.problems(), []);
    },
  },
];
