/**
 * Explorer webview tests (see run.ts) of the decomposition tree: drawing a recorded run, stepping
 * rounds, nodes opened on request, the keys, and a narrow panel.
 */
import assert from 'node:assert/strict';
import type { NodeView, TreeView } from '../../src/protocol/explorer';
import { clickNode, keyOf, loaded, type WebviewTest } from './context';
import { initMessage, nodeAt, nodesOf, pinTree, run } from './fixtures';
import type { Theme } from './harness';

/** The "why is this wrong" culprit, computed independently of the webview. */
function culprit(n: NodeView): NodeView {
  let cur = n;
  for (;;) {
    const next = (cur.children ?? []).find((c) => c.answer.correct === false);
    if (!next) return cur;
    cur = next;
  }
}

export const treeTests: WebviewTest[] = [
  {
    name: 'renders the recorded run: nodes, labels, states, edges and charts',
    async run(ctx) {
      for (const theme of ['light', 'dark', 'hc'] as Theme[]) {
        const tree = pinTree('p1', 12, { overrides: { '2': ['ee'] }, notes: { '0.1': 2 } });
        const ex = await loaded(ctx, theme, tree);
        const all = [...nodesOf(tree.root)];
        assert.equal(await ex.page.locator('g.node').count(), all.length, 'every node of the (small) tree is drawn');
        for (const n of all) {
          const g = ex.node(keyOf(n));
          assert.equal(await g.getAttribute('data-label'), n.label);
          const state = n.answer.correct === null ? 'unknown' : n.answer.correct ? 'correct' : 'wrong';
          assert.equal(await g.getAttribute('data-state'), state, `state of ${n.label}`);
          const cls = (await g.getAttribute('class'))!;
          assert.equal(cls.includes('primitive'), n.primitive, `primitive style of ${n.label}`);
          assert.equal(cls.includes('changed'), n.changed, `Δ of ${n.label}`);
          const text = (await g.textContent())!;
          if (n.changed) assert.ok(text.includes('Δ'));
          if (n.x) assert.ok(text.includes(`X ${n.x.label}`), `X chip of ${n.label}: ${text}`);
          if (n.source === 'lookup') assert.ok(text.includes(`lookup ${n.answer.label}`), `lookup chip of ${n.label}`);
          const icon = state === 'correct' ? '✓' : state === 'wrong' ? '✗' : '?';
          assert.ok(text.includes(icon), `icon ${icon} on ${n.label}: ${text}`);
          if (n.path.length) assert.ok(text.includes(String(n.path[n.path.length - 1] + 1)), 'edge order label');
        }
        assert.ok(all.some((n) => n.answer.correct === false), 'the fixture has a wrong answer');
        assert.ok(all.some((n) => n.changed), 'the fixture has a changed node');
        // The overridden node: pen mark and value.
        const ov = ex.node('2');
        assert.ok((await ov.getAttribute('class'))!.includes('overridden'));
        assert.ok((await ov.textContent())!.includes('✎ ee'));
        // The annotated node: note mark with count.
        assert.ok((await ex.node('0.1').textContent())!.includes('✉2'));
        // Expandable leaves say so.
        const leaf = all.find((n) => n.expandable)!;
        assert.ok((await ex.node(keyOf(leaf)).textContent())!.includes('⊕'));
        assert.ok((await ex.node(keyOf(leaf)).getAttribute('aria-label'))!.includes('expandable'));
        // Header and charts.
        const header = (await ex.page.locator('header.top').textContent())!;
        for (const s of ['permutation-powering', '2026-11-27-a', 'amplify', 'transformer-s', 'wasm', 'round 12 / 12', 'X acc', 'targets', 'agree']) assert.ok(header.includes(s), `header shows ${s}`);
        const accChart = ex.page.locator('.chart-box[data-chart="Accuracy per round"]');
        const series = accChart.locator('path.series');
        assert.equal(await series.count(), 4, 'X, targets, the compared run and the agreement with the targets');
        for (let i = 0; i < 4; i++) assert.ok(((await series.nth(i).getAttribute('d')) ?? '').length > 20);
        // The agreement with the targets (the curriculum gate): a thin line through each round's value.
        const agree = accChart.locator('path.series.s-agree');
        assert.equal(await agree.count(), 1, 'the agreement line is drawn');
        assert.ok((await accChart.locator('.legend').textContent())!.includes('agreement with targets (gate)'), 'the agreement line is labelled');
        const rs = run().rounds;
        const plotH = Number(await accChart.locator('svg.chart').getAttribute('height'));
        const pts = [...((await agree.getAttribute('d')) ?? '').matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => Number(m[2]));
        assert.equal(pts.length, rs.length, 'one point per round');
        // The accuracy chart's y axis: 0 at height − 20, 1 at 6.
        rs.forEach((r, i) => assert.ok(Math.abs(pts[i] - (plotH - 20 - r.agreementAverage * (plotH - 26))) < 0.6, `round ${r.round}: y ${pts[i]} for agreement ${r.agreementAverage}`));
        const widths = await ex.page.evaluate(() => ['s-agree', 's-x'].map((c) => parseFloat(getComputedStyle(document.querySelector(`.chart-box[data-chart="Accuracy per round"] path.series.${c}`)!).strokeWidth)));
        assert.ok(widths[0] < widths[1], `the agreement line is thinner than X's (${widths.join(' vs ')})`);
        assert.equal(await ex.page.locator('.multiples .chart-box').count(), 5, 'one small multiple per class');
        assert.equal(await ex.page.locator('.chart-box[data-chart="Size N per round"] path.series').count(), 1);
        assert.equal(await ex.page.locator('.chart-box[data-chart="Calls to H (cumulative)"] path.series').count(), 1);
        await clickNode(ex, '0');
        await ex.screenshot(`explorer-${theme}`);
        const problems = await ex.problems();
        assert.deepEqual(problems, []);
        await ex.close();
      }
    },
  },
  {
    name: 'stepping rounds posts selectRound and keeps the selection and the viewport; changed nodes flash',
    async run(ctx) {
      const ex = await loaded(ctx);
      await clickNode(ex, '0.1');
      assert.equal(await ex.selectedKey(), '0.1');
      const before = await ex.transform();
      await ex.clearPosted();
      await ex.press('[');
      await ex.waitPosted('selectRound', (m) => m.round === 11);
      assert.ok((await ex.page.locator('.round-label').textContent())!.includes('round 11'), 'the header follows at once');
      const t11 = pinTree('p1', 11);
      await ex.send({ type: 'tree', tree: t11 });
      assert.equal(await ex.selectedKey(), '0.1', 'the selection is kept by path');
      assert.equal(await ex.page.locator('.insp-title').textContent(), nodeAt(t11.root, [0, 1])!.label);
      assert.equal(await ex.transform(), before, 'the viewport is kept');
      await ex.press(']');
      await ex.waitPosted('selectRound', (m) => m.round === 12);
      const t12 = pinTree('p1', 12);
      await ex.send({ type: 'tree', tree: t12 });
      const changed = [...nodesOf(t12.root)].filter((n) => n.changed);
      assert.ok(changed.length > 0, 'the fixture changed something');
      assert.deepEqual(await ex.page.evaluate(() => [...document.querySelectorAll<SVGGElement>('g.node.flash')].map((g) => g.dataset.key).sort()), changed.map(keyOf).sort(), 'changed nodes flash once');
      assert.equal(await ex.selectedKey(), '0.1');
      assert.equal(await ex.transform(), before, 'the viewport is kept');
      // The slider and the charts select rounds too.
      await ex.clearPosted();
      await ex.page.locator('input.slider').fill('5');
      await ex.waitPosted('selectRound', (m) => m.round === 5);
      await ex.clearPosted();
      const hit = ex.page.locator('.chart-box[data-chart="Accuracy per round"] rect.hit');
      const box = (await hit.boundingBox())!;
      await ex.page.mouse.click(box.x + 2, box.y + box.height / 2);
      await ex.waitPosted('selectRound', (m) => m.round === 1);
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'opened nodes: the host’s `opened` drives the affordance and ← or ⊖ closes through the host',
    async run(ctx) {
      // A tree in which the host opened two leaves on request (in an earlier session: this view
      // never asked, and keeps no record of it).
      const base = pinTree('p1', 12);
      const leaves = [...nodesOf(base.root)].filter((n) => n.expandable).slice(0, 2);
      const keys = leaves.map(keyOf);
      const tree = pinTree('p1', 12, { expanded: keys });
      const ex = await loaded(ctx, 'light', tree);
      for (const n of [...nodesOf(tree.root)]) {
        const g = ex.node(keyOf(n));
        assert.equal((await g.getAttribute('class'))!.includes('opened'), n.opened, `opened class of ${n.label}`);
        assert.equal((await g.locator('.b-opened').count()) === 1, n.opened, `⊖ on ${n.label}`);
        if (n.opened) assert.ok((await g.getAttribute('aria-label'))!.includes('opened on request'));
      }
      assert.deepEqual([...nodesOf(tree.root)].filter((n) => n.opened).map(keyOf), keys);
      for (const k of keys) assert.ok((await ex.page.locator(`g.node[data-key^="${k}."]`).count()) > 0, `the children of ${k} show`);
      await clickNode(ex, keys[0]);
      await ex.screenshot('opened-light');
      // ← on an opened node asks the host to close it.
      await ex.clearPosted();
      await ex.press('ArrowLeft');
      assert.deepEqual(await ex.waitPosted('expand'), { type: 'expand', path: leaves[0].path, open: false });
      assert.equal(await ex.selectedKey(), keys[0], '← stayed on the opened node');
      // The host closes it: ⊕ again.
      const closed = pinTree('p1', 12, { expanded: [keys[1]], previous: 12 });
      await ex.send({ type: 'tree', tree: closed });
      assert.equal(await ex.page.locator(`g.node[data-key^="${keys[0]}."]`).count(), 0);
      assert.ok((await ex.node(keys[0]).textContent())!.includes('⊕'));
      assert.equal(await ex.node(keys[0]).locator('.b-opened').count(), 0);
      // Clicking ⊖ closes the other one.
      await ex.clearPosted();
      await ex.node(keys[1]).locator('.b-opened').click();
      assert.deepEqual(await ex.waitPosted('expand'), { type: 'expand', path: leaves[1].path, open: false });
      // A subtree the host sent by default collapses here, without the host.
      await ex.clearPosted();
      await clickNode(ex, '1');
      await ex.press('ArrowLeft');
      assert.ok((await ex.node('1').getAttribute('class'))!.includes('collapsed'), '← collapses locally');
      await ex.page.waitForTimeout(100);
      assert.equal((await ex.posted()).filter((m) => m.type === 'expand').length, 0, 'no expand for a local collapse');
      // After a reload the host's flag alone says which nodes are opened.
      await ex.page.waitForTimeout(300);
      await ex.reload();
      await ex.send(initMessage());
      await ex.send({ type: 'tree', tree });
      await clickNode(ex, keys[0]);
      await ex.clearPosted();
      await ex.press('ArrowLeft');
      assert.deepEqual(await ex.waitPosted('expand'), { type: 'expand', path: leaves[0].path, open: false });
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'keyboard: arrows move and expand, / searches, f fits, w asks why it is wrong and shows the blame path',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      await clickNode(ex, '');
      const focused = await ex.page.evaluate(() => document.activeElement?.classList.contains('tree-pane'));
      assert.ok(focused, 'clicking a node focuses the tree');
      await ex.press('ArrowRight');
      assert.equal(await ex.selectedKey(), '0');
      await ex.press('ArrowDown');
      assert.equal(await ex.selectedKey(), '1');
      await ex.press('ArrowDown');
      assert.equal(await ex.selectedKey(), '2');
      await ex.press('ArrowUp');
      assert.equal(await ex.selectedKey(), '1');
      await ex.press('ArrowLeft');
      assert.ok((await ex.node('1').getAttribute('class'))!.includes('collapsed'), '← collapses');
      assert.ok((await ex.node('1').textContent())!.includes('hidden'), 'a collapsed node says how many it hides');
      assert.equal(await ex.page.locator('g.node[data-key^="1."]').count(), 0);
      await ex.press('ArrowRight');
      assert.ok(!(await ex.node('1').getAttribute('class'))!.includes('collapsed'), '→ expands');
      await ex.press('ArrowLeft');
      await ex.press('ArrowLeft');
      assert.equal(await ex.selectedKey(), '', '← on a collapsed node goes to the parent');
      // An expandable leaf: → asks the host; the host's new tree shows the children; ← closes.
      const leaf = [...nodesOf(tree.root)].find((n) => n.expandable)!;
      const lk = keyOf(leaf);
      await clickNode(ex, lk);
      await ex.clearPosted();
      await ex.press('ArrowRight');
      assert.deepEqual(await ex.waitPosted('expand'), { type: 'expand', path: leaf.path, open: true });
      const opened = pinTree('p1', 12, { expanded: [lk], previous: 12 });
      await ex.send({ type: 'tree', tree: opened });
      assert.equal(await ex.page.locator(`g.node[data-key^="${lk}."]`).count(), nodeAt(opened.root, leaf.path)!.children!.length);
      await ex.clearPosted();
      await ex.press('ArrowLeft');
      assert.deepEqual(await ex.waitPosted('expand'), { type: 'expand', path: leaf.path, open: false });
      // Double-click opens an expandable leaf too.
      const other = [...nodesOf(tree.root)].filter((n) => n.expandable)[1];
      await ex.clearPosted();
      await ex.node(keyOf(other)).dblclick({ position: { x: 60, y: 4 } });
      assert.deepEqual(await ex.waitPosted('expand'), { type: 'expand', path: other.path, open: true });
      // Search.
      await ex.press('/');
      assert.ok(await ex.page.evaluate(() => document.activeElement?.classList.contains('search')));
      await ex.page.keyboard.type('σ^7');
      await ex.frames();
      const matches = [...nodesOf(tree.root)].filter((n) => n.label.startsWith('σ^7('));
      assert.equal(await ex.page.locator('g.node.match').count(), matches.length);
      assert.ok((await ex.page.locator('g.node.dim').count()) > 0);
      await ex.page.keyboard.press('Enter');
      await ex.frames();
      assert.ok(matches.some((m) => keyOf(m) === '') || (await ex.page.locator('g.node.selected.match').count()) === 1, 'Enter selects a match');
      await ex.page.keyboard.press('Escape');
      await ex.frames();
      assert.equal(await ex.page.locator('g.node.match').count(), 0);
      // f fits.
      await ex.page.mouse.move(300, 400);
      await ex.page.mouse.wheel(0, 600);
      await ex.frames();
      const zoomed = await ex.transform();
      await ex.press('f');
      assert.notEqual(await ex.transform(), zoomed, 'f changes the view');
      // w: from a wrong node to the deepest wrong node whose own subanswers are right.
      let wrongTree: TreeView | null = null;
      for (let r = 1; r <= 12 && !wrongTree; r++) {
        const t = pinTree('p1', r);
        if (t.root.answer.correct === false && (t.root.children ?? []).some((c) => c.answer.correct === false)) wrongTree = t;
      }
      assert.ok(wrongTree, 'a round where the root is wrong');
      await ex.send({ type: 'tree', tree: wrongTree });
      await clickNode(ex, '');
      await ex.clearPosted();
      await ex.press('w');
      assert.deepEqual(await ex.waitPosted('explain'), { type: 'explain', path: [] });
      // The host's answer: the path highlighted down to where the error starts, that node selected, the sentence shown.
      const want = culprit(wrongTree.root);
      assert.ok(want.path.length > 0);
      const detail = `X answered ${want.label} with ${want.answer.label} (p = 0.41); the truth is ${want.truth.label}, and the error propagated to the root along this path.`;
      await ex.send({ type: 'blame', pin: 'p1', blame: { kind: 'answerer', from: [], path: want.path, question: want.label, detail, counterfactual: 'With the true answer here, the root would be ✓.' } });
      assert.equal(await ex.selectedKey(), keyOf(want));
      const onPath = want.path.map((_, i) => keyOf({ path: want.path.slice(0, i + 1) } as NodeView));
      for (const k of ['', ...onPath]) assert.ok((await ex.node(k).getAttribute('class'))!.includes('blame-path'), `node ${k || 'root'} is on the blame path`);
      assert.ok((await ex.node(keyOf(want)).getAttribute('class'))!.includes('blame-origin'));
      assert.equal(await ex.page.locator('g.node.blame-path').count(), onPath.length + 1, 'only the path');
      const box = (await ex.page.locator('.inspector .blame-box').textContent())!;
      assert.ok(box.includes(`An answerer error at ${want.label}`) && box.includes(detail) && box.includes('the root would be ✓'), box);
      await ex.screenshot('blame-light');
      // A new tree clears the highlight.
      await ex.send({ type: 'tree', tree: wrongTree });
      assert.equal(await ex.page.locator('g.node.blame-path').count(), 0);
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'search matches answers too (X, H, override, truth), never the hidden truth',
    async run(ctx) {
      const norm = (s: string) => s.toLowerCase().replace(/\s+/g, '');
      const questions = (n: NodeView) => [n.label, n.question.join(' ')].map(norm);
      const answers = (n: NodeView, truth: boolean) => [n.answer, n.x, n.h, n.replaced, truth ? n.truth : undefined].flatMap((a) => (a ? [norm(a.label)] : []));
      // An early round (with wrong answers) where an answer (of X, H or the override) is in no
      // question — before, searching it found nothing — and a truth is in no question and no shown
      // answer (a wrong node's), for blind mode.
      let found: { tree: TreeView; all: NodeView[]; answer: string; truthOnly: string } | null = null;
      for (let r = 1; r <= 12 && !found; r++) {
        const tree = pinTree('p1', r, { overrides: { '2': ['ee'] } });
        const all = [...nodesOf(tree.root)];
        const inNoQuestion = (q: string) => all.every((n) => questions(n).every((t) => !t.includes(q)));
        const answer = all.flatMap((n) => answers(n, false)).find(inNoQuestion);
        const truthOnly = all.map((n) => norm(n.truth.label)).find((t) => inNoQuestion(t) && all.every((n) => answers(n, false).every((a) => !a.includes(t))));
        if (answer && truthOnly) found = { tree, all, answer, truthOnly };
      }
      assert.ok(found, 'some round of the fixture has an answer in no question and a truth in no shown answer');
      const { tree, all, answer, truthOnly } = found;
      const expected = (q: string, truth: boolean) => all.filter((n) => [...questions(n), ...answers(n, truth)].some((t) => t.includes(norm(q))));
      const ex = await loaded(ctx, 'light', tree);
      const search = async (q: string) => {
        await ex.press('/');
        await ex.page.locator('input.search').fill(q);
        await ex.frames();
      };
      await search(answer);
      assert.ok(expected(answer, true).length > 0);
      assert.equal(await ex.page.locator('g.node.match').count(), expected(answer, true).length, `matches of ${answer}`);
      await search(truthOnly);
      assert.equal(await ex.page.locator('g.node.match').count(), expected(truthOnly, true).length, `matches of the truth ${truthOnly}`);
      // Hide the truth (t, from the tree): the search no longer finds it; showing it back does.
      await ex.node('').click({ position: { x: 60, y: 4 } });
      await ex.press('t');
      assert.equal(await ex.page.locator('g.node.match').count(), 0, 'the hidden truth is not searched');
      assert.equal(expected(truthOnly, false).length, 0);
      await ex.press('t');
      assert.equal(await ex.page.locator('g.node.match').count(), expected(truthOnly, true).length, 'shown again, the truth is searched');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'a narrow panel stacks the tree above the inspector',
    async run(ctx) {
      const ex = await ctx.open({ theme: 'dark', width: 700, height: 900 });
      await ex.send(initMessage());
      await ex.send({ type: 'tree', tree: pinTree('p1', 12) });
      await clickNode(ex, '');
      const tree = (await ex.page.locator('.tree-pane').boundingBox())!;
      const insp = (await ex.page.locator('.inspector').boundingBox())!;
      assert.ok(tree.height > 150 && insp.height > 100, `both visible: tree ${tree.height}px, inspector ${insp.height}px`);
      assert.ok(insp.y >= tree.y + tree.height - 1, 'the inspector is below the tree');
      assert.ok(tree.width > 600);
      await ex.screenshot('narrow-dark');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
];
