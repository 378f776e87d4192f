/**
 * Explorer webview tests (see run.ts) of "Targets for this question" in the inspector: asked once
 * per node when it is selected, the host's answer shown (targets newest first with their makers
 * and ✓/✗, X's agreement, the class per round), blind mode hiding every correctness cue of it.
 */
import assert from 'node:assert/strict';
import type { HostMessage, NodeView } from '../../src/protocol/explorer';
import type { TargetsView } from '../../src/protocol/targets';
import { clickNode, loaded, type WebviewTest } from './context';
import { nodesOf, pinTree } from './fixtures';

/** What the host answers for `node`: two targets in its context (one X agrees with, one wrong override) and one elsewhere. */
function answer(node: NodeView, round = 12): Extract<HostMessage, { type: 'targets' }> {
  const other = node.x!.symbols[0] === 'zz' ? 'yy' : 'zz';
  const view: TargetsView = {
    question: node.label, cls: '4-bit k', perClass: 32, more: 0,
    targets: [
      { round: 12, answer: { symbols: [other], label: other, correct: false }, maker: 'override', sameContext: true },
      { round: 11, answer: { ...node.x!, correct: true }, maker: 'H', sameContext: true },
      { round: 9, answer: { symbols: ['qq'], label: 'qq', correct: true }, maker: 'H', sameContext: false },
    ],
    classRounds: [
      { round: 12, made: 300, sampled: 33, right: 30, makers: { H: 32, override: 1 } },
      { round: 11, made: 290, sampled: 32, right: 24, makers: { H: 30, fault: 2 } },
    ],
  };
  return { type: 'targets', pin: 'p1', round, path: node.path, view };
}

export const provenanceTests: WebviewTest[] = [
  {
    name: 'targets for this question: asked once when a node is selected, shown with makers, ✓/✗, X’s agreement and the class per round; hidden marks in blind mode',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      const node = [...nodesOf(tree.root)].find((n) => n.path.length === 1 && !n.primitive && n.x)!;
      const key = node.path.join('.');
      const lookup = [...nodesOf(tree.root)].find((n) => n.primitive)!;
      await ex.clearPosted();
      await clickNode(ex, key);
      assert.deepEqual(await ex.waitPosted('targets'), { type: 'targets', path: node.path });
      const section = ex.page.locator('.inspector .targets-section');
      assert.match((await section.textContent())!, /Targets for this question.*Asking the run/);
      await ex.send(answer(node));
      await ex.frames();
      const text = (await section.textContent())!;
      assert.match(text, /3 targets · 2 in this context/);
      assert.ok(text.includes(`X now answers ${node.x!.label}: agrees with 1 of 2 targets in this context.`), text);
      const rows = section.locator('.prov-target');
      assert.equal(await rows.count(), 3);
      assert.match((await rows.nth(0).getAttribute('aria-label'))!, /^round 12: \S+ by override, wrong, this context, X differs$/);
      assert.match((await rows.nth(1).getAttribute('aria-label'))!, /^round 11: \S+ by H, correct, this context, X agrees$/);
      assert.match((await rows.nth(2).getAttribute('aria-label'))!, /^round 9: qq by H, correct, another context$/);
      assert.equal(await section.locator('.prov-target .icon').allTextContents().then((t) => t.join('')), '✗✓✓');
      const table = section.locator('table.prov-table');
      assert.deepEqual(await table.locator('th').allTextContents(), ['round', 'sampled', 'right', 'made by']);
      assert.deepEqual(await table.locator('tbody tr').first().locator('td').allTextContents(), ['12', '33 of 300', '91%', 'H 32, override 1']);
      assert.deepEqual(await table.locator('tbody tr').nth(1).locator('td').allTextContents(), ['11', '32 of 290', '75%', 'H 30, fault 2']);
      await section.scrollIntoViewIfNeeded();
      await ex.screenshot('targets-light');
      // Asked once: another node and back again asks only for the other.
      await ex.clearPosted();
      await clickNode(ex, lookup.path.join('.'));
      assert.equal(await section.count(), 0, 'a lookup has no targets section');
      await clickNode(ex, key);
      assert.equal(await section.locator('.prov-target').count(), 3, 'the answer is kept');
      assert.deepEqual((await ex.posted()).filter((m) => m.type === 'targets'), [], 'neither the lookup nor the node asked again');
      // Blind mode: no ✓/✗, no correctness class, no % right.
      await ex.press('t');
      assert.ok(!/[✓✗]/.test((await section.textContent())!), 'no marks while the truth is hidden');
      assert.equal(await section.locator('.s-correct, .s-wrong').count(), 0);
      assert.deepEqual(await table.locator('th').allTextContents(), ['round', 'sampled', 'made by']);
      assert.ok((await rows.nth(0).getAttribute('aria-label'))!.endsWith('by override, this context, X differs'));
      await ex.press('t');
      assert.equal(await section.locator('.prov-target.s-wrong').count(), 1, 'the marks are back');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'targets for this question: the answer comes while the override editor is open — it keeps its focus; nothing recorded is said; dark theme',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'dark', tree);
      const node = [...nodesOf(tree.root)].find((n) => n.path.length === 2 && !n.primitive && n.x)!;
      await ex.clearPosted();
      await clickNode(ex, node.path.join('.'));
      await ex.waitPosted('targets');
      await ex.press('Enter');
      const input = ex.page.locator('.override-editor input');
      await input.fill('ab');
      await ex.send(answer(node));
      await ex.frames();
      assert.ok(await input.evaluate((el) => el === document.activeElement), 'the editor keeps the focus');
      assert.equal(await input.inputValue(), 'ab');
      assert.equal(await ex.page.locator('.inspector .targets-section .prov-target').count(), 3);
      await ex.screenshot('targets-dark');
      await ex.press('Escape');
      // A later round: asked again; a run that recorded nothing says so.
      await ex.clearPosted();
      await ex.send({ type: 'tree', tree: pinTree('p1', 11) });
      await ex.waitPosted('targets');
      await ex.send({ ...answer(node, 11), view: { ...answer(node, 11).view, targets: [], classRounds: [], perClass: 0, note: 'this run has recorded no targets' } });
      await ex.frames();
      assert.match((await ex.page.locator('.inspector .targets-section').textContent())!, /Nothing recorded: this run has recorded no targets\./);
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
];
