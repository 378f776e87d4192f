/**
 * Explorer webview tests (see run.ts) of reading the tree: the legend (button and key), tooltips on
 * every chip and mark, and blind mode (hiding the truth hides every correctness cue).
 */
import assert from 'node:assert/strict';
import type { Explorer } from './driver';
import { clickNode, loaded, type WebviewTest } from './context';
import { nodesOf, pinTree } from './fixtures';
import type { Theme } from './harness';

/** Everything on the page that tells right from wrong: marks, colours, the root summary's mark, counts. */
async function correctnessCues(ex: Explorer): Promise<string[]> {
  return ex.page.evaluate(() => {
    const cues: string[] = [];
    for (const el of document.querySelectorAll('.tree-pane g.node, .qbar .root-summary, .inspector')) {
      const text = el.textContent ?? '';
      for (const mark of ['✓', '✗']) if (text.includes(mark)) cues.push(`${mark} in ${el.getAttribute('class')} "${text.slice(0, 60)}"`);
    }
    const stateful = document.querySelectorAll('.tree-pane .s-correct, .tree-pane .s-wrong, .tree-pane .cs-correct, .tree-pane .cs-wrong, .qbar .s-correct, .qbar .s-wrong, .inspector .s-correct, .inspector .s-wrong, .inspector .history');
    for (const el of stateful) cues.push(`class ${el.getAttribute('class')}`);
    for (const el of document.querySelectorAll('.tree-pane title')) if (/\b(correct|wrong)\b/.test(el.textContent ?? '')) cues.push(`tooltip "${el.textContent}"`);
    for (const el of document.querySelectorAll('.tree-pane [aria-label]')) if (/\b(correct|wrong)\b/.test(el.getAttribute('aria-label') ?? '')) cues.push(`aria-label "${el.getAttribute('aria-label')}"`);
    const bars = [...document.querySelectorAll<SVGElement>('.tree-pane .state-bar')].filter((b) => getComputedStyle(b).display !== 'none');
    if (bars.length) cues.push(`${bars.length} coloured side bars`);
    // The header's figures and the curves measured against ground truth.
    // Each figure's name, long (and short in a narrow header).
    for (const el of document.querySelectorAll('header.top .metric .mk .wide-only')) if (/acc|targets|compare/i.test(el.textContent ?? '')) cues.push(`header figure "${el.textContent}"`);
    for (const el of document.querySelectorAll('.charts .s-x, .charts .s-target, .charts .s-compare')) cues.push(`curve ${el.getAttribute('class')}`);
    for (const el of document.querySelectorAll('.charts .chart-title, .charts .legend, .charts [aria-label]')) {
      const text = `${el.textContent ?? ''} ${el.getAttribute('aria-label') ?? ''}`;
      if (/Accuracy per round|targets \(Amplify\)|\bX \d/.test(text)) cues.push(`chart text "${text.trim().slice(0, 60)}"`);
    }
    return cues;
  });
}

export const legendTests: WebviewTest[] = [
  {
    name: 'legend: a button and the l key show what every chip, mark and border means; tooltips on every chip and mark',
    async run(ctx) {
      const ex = await loaded(ctx);
      const panel = ex.page.locator('details.legend-panel');
      const body = panel.locator('.legend-body');
      assert.ok(!(await body.isVisible()), 'closed at first');
      await panel.locator('summary').click();
      assert.ok(await body.isVisible(), 'the button opens it');
      const text = (await body.textContent())!;
      for (const s of ['X ab', 'H ab', 'T ab', 'lookup ab', '✎ ab', '✓', '✗', '?', 'Δ', '≠', '⊕', '⊖', '✉2', '⚠', 'hidden', 'unrecorded', 'dashed', 'side bar', 'stacked', 'bold border']) assert.ok(text.includes(s), `the legend explains ${s}`);
      // The VS Code widget look.
      const bg = await body.evaluate((el) => getComputedStyle(el).backgroundColor);
      const want = await ex.page.evaluate(() => {
        const probe = document.createElement('div');
        probe.style.background = 'var(--vscode-editorWidget-background)';
        document.body.append(probe);
        const c = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return c;
      });
      assert.equal(bg, want, 'the legend has the editor widget background');
      await ex.page.locator('.tree-pane').focus();
      await ex.press('l');
      assert.ok(!(await body.isVisible()), 'l closes it');
      await ex.press('l');
      assert.ok(await body.isVisible(), 'l opens it');
      await ex.screenshot('legend-light');
      // Tooltips: every chip, badge, order label, stack and "hidden" line has one.
      const untitled = await ex.page.evaluate(() => [...document.querySelectorAll('.tree-pane g.chip, .tree-pane text.badge, .tree-pane g.order, .tree-pane rect.stack, .tree-pane text.more')]
        .filter((el) => !(el.querySelector(':scope > title')?.textContent ?? '').trim()).map((el) => el.getAttribute('class')));
      assert.deepEqual(untitled, [], 'every chip and mark has a tooltip');
      const xTip = await ex.page.locator('.tree-pane g.chip.c-x title').first().textContent();
      assert.ok(/^X: X, the learned model: .+ — (correct|wrong|unknown)/.test(xTip!), `X chip tooltip: ${xTip}`);
    },
  },
  {
    name: 'blind mode: hiding the truth (t) hides every correctness cue; showing it restores them',
    async run(ctx) {
      const tree = pinTree('p1', 12, { overrides: { '2': ['ee'] }, notes: { '0.1': 2 } });
      assert.ok([...nodesOf(tree.root)].some((n) => n.answer.correct === false), 'the fixture has wrong answers');
      const ex = await loaded(ctx, 'light', tree);
      await clickNode(ex, '0');
      const shown = await correctnessCues(ex);
      assert.ok(shown.length > 10, `cues while the truth is shown (${shown.length})`);
      for (const part of ['header figure "X acc"', 'header figure "targets"', 'curve series s-x', 'curve series s-target']) assert.ok(shown.includes(part), `shown: ${part} (${shown.join('; ')})`);
      await ex.page.locator('.tree-pane').focus();
      await ex.press('Home');
      await ex.press('ArrowLeft'); // collapse the root's first child: its "n hidden" line shows
      await ex.press('t');
      assert.deepEqual(await correctnessCues(ex), [], 'no correctness cue in blind mode');
      assert.equal(await ex.page.locator('.chip.c-truth').count(), 0, 'no truth chips');
      assert.ok(!(await ex.page.locator('.qbar .root-summary').textContent())!.includes('truth'), 'the root summary hides the truth');
      // The legend does not explain what is not shown.
      await ex.press('l');
      const legend = (await ex.page.locator('.legend-body').textContent())!;
      assert.ok(!legend.includes('✗') && !legend.includes('T ab'), 'the legend leaves out the correctness cues');
      assert.ok(legend.includes('X ab'));
      assert.ok((await ex.page.locator('header.top .round-info').textContent())!.includes('agree'), 'the agreement with the targets (no ground truth) stays');
      await ex.screenshot('blind-light');
      await ex.press('l');
      // w would reveal where it is wrong.
      await ex.press('w');
      assert.ok((await ex.page.locator('.search-count').textContent())!.includes('truth is hidden'));
      await ex.press('t');
      const back = await correctnessCues(ex);
      assert.ok(back.length >= 10, `the cues are back (${back.length})`);
      assert.ok(back.some((c) => c.includes('✗')), 'the wrong marks are back');
      assert.deepEqual(back.filter((c) => c.startsWith('header') || c.startsWith('curve series')), shown.filter((c) => c.startsWith('header') || c.startsWith('curve series')), 'the header figures and the curves are back');
    },
  },
  {
    name: 'screenshots: the fitted tree, the legend and blind mode in the light, dark and high-contrast themes',
    async run(ctx) {
      for (const theme of ['light', 'dark', 'hc'] as Theme[]) {
        const ex = await loaded(ctx, theme);
        await ex.screenshot(`fitted-${theme}`);
        await ex.page.locator('.tree-pane').focus();
        await ex.press('l');
        await ex.screenshot(`legend-${theme}`);
        await ex.press('l');
        await ex.press('t');
        assert.deepEqual(await correctnessCues(ex), [], `${theme}: blind`);
        await ex.screenshot(`blind-${theme}`);
        await ex.close();
      }
    },
  },
];
