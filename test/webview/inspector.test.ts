/**
 * Explorer webview tests (see run.ts) of the inspector: the selected node, a node revealed from
 * the Annotations view, the facts it mentions and its history over the rounds.
 */
import assert from 'node:assert/strict';
import type { NodeView, TreeView } from '../../src/protocol/explorer';
import { clickNode, keyOf, loaded, type WebviewTest } from './context';
import type { Explorer } from './driver';
import { initMessage, nodeAt, nodesOf, pinTree, RECORDED } from './fixtures';

/** The labels of the facts a node mentions (from its `mentions`), sorted. */
const mentionedLabels = (tree: TreeView, n: NodeView): string[] => n.mentions.map((i) => tree.facts[i].label).sort();

/** The lit facts in the inspector, sorted. */
async function litFacts(ex: Explorer): Promise<string[]> {
  return (await ex.page.locator('.inspector .facts li.lit').allTextContents()).sort();
}

/** The history strip's marks, one glyph per round. */
async function historyMarks(ex: Explorer): Promise<string> {
  return (await ex.page.locator('.inspector .history .hist').allTextContents()).join('');
}

const marksOf = (h: (boolean | null)[]): string => h.map((c) => (c === null ? '·' : c ? '✓' : '✗')).join('');

export const inspectorTests: WebviewTest[] = [
  {
    name: 'selecting a node fills the inspector',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      const n = nodeAt(tree.root, [0])!;
      await clickNode(ex, '0');
      const insp = ex.page.locator('.inspector');
      assert.equal(await insp.locator('.insp-title').textContent(), n.label);
      const text = (await insp.textContent())!;
      assert.ok(text.includes(n.x!.label) && text.includes(n.h!.label) && text.includes(n.truth.label));
      assert.equal(await insp.locator('.alts li').count(), n.x!.top.length, "X's alternatives");
      assert.ok(text.includes(n.x!.top[0].probability.toFixed(2)));
      const items = insp.locator('.transcript .tr-item');
      assert.equal(await items.count(), n.children!.length);
      for (let i = 0; i < n.children!.length; i++) {
        const t = (await items.nth(i).textContent())!;
        assert.ok(t.includes(n.children![i].label) && t.includes(n.children![i].answer.label), `transcript line ${i + 1}: ${t}`);
      }
      assert.equal(await insp.locator('.facts li').count(), tree.facts.length);
      assert.deepEqual(await litFacts(ex), mentionedLabels(tree, n), 'the facts the node mentions are lit');
      // The transcript selects a child.
      await items.nth(1).click();
      await ex.frames();
      assert.equal(await ex.selectedKey(), '0.1');
      assert.equal(await insp.locator('.insp-title').textContent(), n.children![1].label);
      // The breadcrumb goes back to the root.
      await insp.locator('.crumbs button', { hasText: 'root' }).click();
      await ex.frames();
      assert.equal(await ex.selectedKey(), '');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'reveal (from the Annotations view) selects the node, also when the tree arrives after it',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      await ex.send({ type: 'reveal', pin: 'p1', path: [0, 1] });
      await ex.frames();
      assert.equal(await ex.selectedKey(), '0.1');
      assert.equal(await ex.page.locator('.inspector .insp-title').textContent(), nodeAt(tree.root, [0, 1])!.label);
      // Reveal first, tree second: the selection waits for the tree.
      await ex.send({ type: 'reveal', pin: 'p1', path: [1] });
      await ex.send({ type: 'tree', tree });
      await ex.frames();
      assert.equal(await ex.selectedKey(), '1');
      await ex.send({ type: 'reveal', pin: 'p1', path: ['x'] });
      assert.equal(await ex.page.locator('.banner.error, .error-banner, [role=alert]').count() > 0, true, 'a malformed reveal is reported');
      await ex.close();
    },
  },
  {
    name: 'facts: the selected node’s mentioned facts are lit, not the root’s',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      // Nodes whose mentions differ from the root's (and from each other's).
      const rootMentions = mentionedLabels(tree, tree.root);
      const others = [...nodesOf(tree.root)].filter((n) => mentionedLabels(tree, n).join() !== rootMentions.join());
      assert.ok(others.length >= 2, 'the fixture has nodes that mention other facts than the root');
      assert.ok(rootMentions.length > 0);
      await clickNode(ex, '');
      assert.deepEqual(await litFacts(ex), rootMentions, 'the root’s facts');
      for (const n of others.slice(0, 3)) {
        await clickNode(ex, keyOf(n));
        assert.deepEqual(await litFacts(ex), mentionedLabels(tree, n), `the facts of ${n.label}`);
        // Lit facts come first, in the order of the facts.
        const items = await ex.page.locator('.inspector .facts li').evaluateAll((els) => els.map((e) => ({ lit: e.classList.contains('lit'), i: Number((e as HTMLElement).dataset.index) })));
        assert.deepEqual(items.map((x) => x.i), [...n.mentions, ...tree.facts.map((_, i) => i).filter((i) => !n.mentions.includes(i))]);
        assert.ok((await ex.page.locator('.inspector').textContent())!.includes(`${n.mentions.length} mention this question`));
      }
      // Keyboard selection updates the facts too.
      await clickNode(ex, '1');
      await ex.press('ArrowRight');
      assert.equal(await ex.selectedKey(), '1.0');
      assert.deepEqual(await litFacts(ex), mentionedLabels(tree, nodeAt(tree.root, [1, 0])!));
      await ex.screenshot('facts-lit-light');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'history: the strip shows ✓/✗/· per recorded round, marks the round shown, and selects a round',
    async run(ctx) {
      const tree = pinTree('p3', 12);
      const ex = await ctx.open();
      await ex.send(initMessage({ selectedPin: 'p3' }));
      await ex.send({ type: 'tree', tree });
      // A node that was wrong and became right, and one with rounds where it was not asked.
      const all = [...nodesOf(tree.root)];
      const turned = all.find((n) => { const m = marksOf(n.history!); return /^✗+✓+$/.test(m); })!;
      assert.ok(turned, 'the fixture has a node whose ✗ turn ✓');
      const gappy = all.find((n) => { const m = marksOf(n.history!); return m.includes('·') && m.includes('✗') && m.includes('✓'); })!;
      assert.ok(gappy, 'the fixture has a node with unrecorded rounds');
      for (const n of [turned, gappy]) {
        await clickNode(ex, keyOf(n));
        assert.equal(n.history!.length, RECORDED);
        assert.equal(await historyMarks(ex), marksOf(n.history!), `the history of ${n.label}`);
        const sel = ex.page.locator('.inspector .history .hist.sel');
        assert.equal(await sel.count(), 1, 'one round is marked');
        assert.equal(await sel.getAttribute('data-round'), '12');
        assert.equal(await sel.getAttribute('aria-current'), 'true');
        const meta = (await ex.page.locator('.inspector .insp-section', { hasText: 'History' }).locator('.meta').textContent())!;
        const right = n.history!.filter((c) => c === true).length;
        const wrong = n.history!.filter((c) => c === false).length;
        assert.ok(meta.includes(`${right} ✓ ${wrong} ✗`), meta);
      }
      await clickNode(ex, keyOf(turned));
      await ex.screenshot('history-light');
      // The round shown moves the mark; the marks stay the host's.
      await ex.clearPosted();
      await ex.press('[');
      await ex.waitPosted('selectRound', (m) => m.round === 11);
      const t11 = pinTree('p3', 11);
      await ex.send({ type: 'tree', tree: t11 });
      assert.equal(await ex.page.locator('.inspector .history .hist.sel').getAttribute('data-round'), '11');
      assert.equal(await historyMarks(ex), marksOf(nodeAt(t11.root, turned.path)!.history!));
      // A mark selects its round.
      await ex.clearPosted();
      await ex.page.locator('.inspector .history .hist[data-round="3"]').click();
      await ex.waitPosted('selectRound', (m) => m.round === 3);
      // Without a history from the host: the rounds this view has shown.
      const strip = (t: TreeView): TreeView => {
        const copy = structuredClone(t);
        for (const n of nodesOf(copy.root)) delete n.history;
        return copy;
      };
      await ex.send({ type: 'tree', tree: strip(pinTree('p3', 3)) });
      await ex.send({ type: 'tree', tree: strip(pinTree('p3', 4)) });
      const meta = (await ex.page.locator('.inspector .insp-section', { hasText: 'History' }).locator('.meta').textContent())!;
      assert.ok(meta.includes('rounds viewed: 3–4'), meta);
      assert.equal(await ex.page.locator('.inspector .history .hist').count(), 2);
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
];
