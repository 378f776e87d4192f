/**
 * Browser tests of the Explorer webview (run by scripts/run-webview-tests.mjs): a recorded
 * permutation-powering run is fed in as host messages, and the tests check what is drawn and what
 * the webview posts back.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { NodeView, TreeView } from '../../src/protocol/explorer';
import { Explorer } from './driver';
import { bigTree, initMessage, makeContext, nodeAt, nodesOf, pinTree, PINS, RECORDED, run, SEED, TASKS } from './fixtures';
import type { HarnessServer, Theme } from './harness';

export interface TestContext {
  browser: Browser;
  server: HarnessServer;
  open(opts?: { theme?: Theme; width?: number; height?: number }): Promise<Explorer>;
  log(line: string): void;
}

export interface WebviewTest {
  name: string;
  run(ctx: TestContext): Promise<void>;
}

const keyOf = (n: NodeView): string => n.path.join('.');

/** Opens the Explorer with the recorded run and the first pinned question at round 12. */
async function loaded(ctx: TestContext, theme: Theme = 'light', tree: TreeView = pinTree('p1', 12, { overrides: { '2': ['ee'] }, notes: { '0.1': 2 } })): Promise<Explorer> {
  const ex = await ctx.open({ theme });
  await ex.send(initMessage());
  await ex.send({ type: 'tree', tree });
  return ex;
}

/** Clicks a node, first panning it into view (by dragging the tree, as a user would) when it is outside. */
async function clickNode(ex: Explorer, key: string): Promise<void> {
  const pane = (await ex.page.locator('.tree-pane').boundingBox())!;
  const box = await ex.node(key).boundingBox();
  if (box && (box.y < pane.y || box.y + box.height > pane.y + pane.height || box.x < pane.x || box.x + box.width > pane.x + pane.width)) {
    const cx = pane.x + pane.width / 2;
    const cy = pane.y + pane.height / 2;
    await ex.page.mouse.move(cx, cy);
    await ex.page.mouse.down();
    await ex.page.mouse.move(cx - (box.x + box.width / 2 - cx), cy - (box.y + box.height / 2 - cy), { steps: 8 });
    await ex.page.mouse.up();
    await ex.frames();
  }
  await ex.node(key).click({ position: { x: 60, y: 4 } });
  await ex.frames();
}

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

/** The "why is this wrong" culprit, computed independently of the webview. */
function culprit(n: NodeView): NodeView {
  let cur = n;
  for (;;) {
    const next = (cur.children ?? []).find((c) => c.answer.correct === false);
    if (!next) return cur;
    cur = next;
  }
}

export const tests: WebviewTest[] = [
  {
    name: 'no run: the welcome lists the tasks and New Run posts the command',
    async run(ctx) {
      const ex = await ctx.open();
      await ex.send(initMessage({ run: null, compare: null, pins: [], selectedPin: null, selectedRound: null, status: { status: 'none', round: 0 } }));
      const welcome = ex.page.locator('.welcome');
      assert.ok(await welcome.isVisible(), 'the welcome shows');
      assert.equal(await ex.page.locator('.welcome .task').count(), TASKS.length);
      for (const t of TASKS) {
        const item = ex.page.locator('.welcome .task', { hasText: t.name });
        assert.ok((await item.textContent())!.includes(t.description), `${t.name} has its description`);
        assert.ok((await item.textContent())!.includes(t.example), `${t.name} has its example`);
      }
      await ex.screenshot('welcome-light');
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Start a new training run' }).click();
      await ex.waitPosted('command', (m) => m.command === 'newRun');
      await ex.close();
    },
  },
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
    name: 'the override editor posts override; the updated tree shows the root’s new answer; undo posts null',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      // A symbol for node 0.0 that changes the root's answer.
      const names = makeContext(12, SEED).names;
      const pick = names.find((s) => pinTree('p1', 12, { overrides: { '0.0': [s] } }).root.answer.label !== tree.root.answer.label)!;
      assert.ok(pick, 'some override changes the root');
      await clickNode(ex, '0.0');
      await ex.press('Enter');
      const input = ex.page.locator('.override-editor input');
      assert.ok(await input.isVisible(), 'Enter opens the override editor');
      await input.fill('   ');
      await ex.page.locator('.override-editor button[type=submit]').click();
      assert.ok((await ex.page.locator('.override-editor .editor-error').textContent())!.length > 0, 'an empty answer is refused');
      await ex.clearPosted();
      await input.fill(` ${pick}  `);
      await ex.screenshot('override-editor-light');
      await input.press('Enter');
      const m = await ex.waitPosted('override');
      assert.deepEqual(m, { type: 'override', path: [0, 0], answer: [pick] });
      assert.equal(await ex.page.locator('.override-editor').count(), 0, 'the editor closes');
      const updated = pinTree('p1', 12, { overrides: { '0.0': [pick] }, previous: 12 });
      await ex.send({ type: 'tree', tree: updated });
      assert.equal(await ex.page.locator('.root-summary .root-answer').textContent(), updated.root.answer.label, "the root's new answer is in the question bar");
      assert.ok(await ex.page.locator('.root-summary').isVisible());
      assert.ok((await ex.node('').getAttribute('aria-label'))!.includes(updated.root.answer.label));
      assert.ok((await ex.node('0.0').getAttribute('class'))!.includes('overridden'));
      assert.equal(await ex.selectedKey(), '0.0');
      // Undo is one click.
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: /^Undo the override/ }).click();
      assert.deepEqual(await ex.waitPosted('override'), { type: 'override', path: [0, 0], answer: null });
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'notes: n opens the editor, annotate is posted, the note shows and can be removed',
    async run(ctx) {
      const ex = await loaded(ctx);
      await clickNode(ex, '0.1');
      await ex.press('n');
      const note = ex.page.locator('.note-editor textarea');
      assert.ok(await note.isVisible());
      await note.fill('X is wrong here although both subanswers are right');
      await ex.page.locator('.note-editor input').fill('culprit, x-wrong ,');
      await ex.clearPosted();
      await ex.page.locator('.note-editor button[type=submit]').click();
      const m = await ex.waitPosted('annotate');
      assert.deepEqual(m, { type: 'annotate', path: [0, 1], note: 'X is wrong here although both subanswers are right', tags: ['culprit', 'x-wrong'] });
      await ex.send({ type: 'annotations', annotations: [{ id: 'a1', pin: 'p1', path: [0, 1], round: 12, note: m.note, tags: m.tags, at: '2026-11-27T10:00:00Z' }] });
      await ex.send({ type: 'tree', tree: pinTree('p1', 12, { notes: { '0.1': 1 }, previous: 12 }) });
      assert.ok((await ex.page.locator('.inspector .notes').textContent())!.includes('although both subanswers'));
      assert.ok((await ex.node('0.1').textContent())!.includes('✉1'));
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: /^Remove the note/ }).click();
      assert.deepEqual(await ex.waitPosted('removeAnnotation'), { type: 'removeAnnotation', id: 'a1' });
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'malformed host messages show an error and leave the UI working',
    async run(ctx) {
      const ex = await loaded(ctx);
      const bad: unknown[] = [
        null,
        'tree',
        42,
        { type: 'nope' },
        { type: 'tree' },
        { type: 'tree', tree: { root: {}, facts: [] } },
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, children: 'many' } } },
        { type: 'init', pins: [], status: {}, tasks: [], run: null },
        { type: 'round', round: { round: 3 } },
        { type: 'status', status: { status: 'exploded', round: 1 } },
        { type: 'annotations', annotations: [{ id: 1 }] },
        // The protocol's newer fields, malformed.
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, opened: 'yes' } } },
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, mentions: [0, 99] } } },
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, history: [true, 'no'] } } },
        { type: 'error', message: 'bad place', file: 'a.ts', line: -3 },
      ];
      for (const m of bad) await ex.send(m);
      const banners = ex.page.locator('.banner.error');
      assert.ok((await banners.count()) >= 1, 'an error banner shows');
      assert.ok((await banners.last().textContent())!.includes('malformed'), await banners.last().textContent() ?? '');
      // The tree and the header are intact.
      assert.equal(await ex.page.locator('g.node').count(), [...nodesOf(pinTree('p1', 12).root)].length);
      assert.ok((await ex.page.locator('.round-label').textContent())!.includes('round 12'));
      assert.ok((await banners.last().textContent())!.includes('malformed error: line'), 'a malformed error place is refused');
      assert.equal(await ex.page.locator('.banner .open-file').count(), 0, 'no file link for an error without a file');
      // A host error with its detail and its place: "Open file:line" posts openFile.
      const file = 'examples/range-max.task.ts';
      await ex.send({ type: 'error', message: `${file} failed to compile`, detail: `${file}:12:3: ERROR: Expected ";"`, file, line: 12, column: 3 });
      assert.ok((await banners.last().textContent())!.includes('failed to compile'));
      const link = banners.last().locator('.banner-msg .open-file');
      assert.equal(await link.textContent(), `Open ${file}:12`);
      await ex.screenshot('errors-light');
      await ex.clearPosted();
      await link.click();
      assert.deepEqual(await ex.waitPosted('openFile'), { type: 'openFile', file, line: 12 });
      assert.ok((await banners.last().textContent())!.includes('earlier error'), 'earlier errors are listed');
      // Dismissable, and the UI still works.
      await banners.first().getByRole('button', { name: /^Dismiss this error/ }).click();
      assert.ok((await banners.last().textContent())!.includes('malformed'), 'the previous error shows');
      await banners.first().getByRole('button', { name: 'Dismiss all errors' }).click();
      assert.equal(await banners.count(), 0);
      await clickNode(ex, '1');
      assert.equal(await ex.selectedKey(), '1');
      await ex.clearPosted();
      await ex.press('[');
      await ex.waitPosted('selectRound', (m) => m.round === 11);
      assert.deepEqual(ex.errors, [], 'no exception escaped');
      await ex.close();
    },
  },
  {
    name: 'the view state survives a reload (getState/setState)',
    async run(ctx) {
      const ex = await ctx.open();
      await ex.send(initMessage({ selectedPin: 'p2', selectedRound: 12 }));
      await ex.send({ type: 'tree', tree: pinTree('p2', 12) });
      await ex.press('[');
      await ex.send({ type: 'tree', tree: pinTree('p2', 11) });
      await ex.press('[');
      await ex.send({ type: 'tree', tree: pinTree('p2', 10) });
      await clickNode(ex, '0');
      await ex.press('ArrowLeft'); // collapse node 0 (locally)
      assert.ok((await ex.node('0').getAttribute('class'))!.includes('collapsed'));
      await ex.press('ArrowDown');
      assert.equal(await ex.selectedKey(), '1');
      const svgBox = (await ex.page.locator('svg.tree-svg').boundingBox())!;
      await ex.page.mouse.move(svgBox.x + svgBox.width / 2, svgBox.y + svgBox.height / 2);
      await ex.page.mouse.wheel(0, 240);
      await ex.page.mouse.down();
      await ex.page.mouse.move(svgBox.x + svgBox.width / 2 - 70, svgBox.y + svgBox.height / 2 + 40, { steps: 5 });
      await ex.page.mouse.up();
      await ex.frames();
      await ex.press('t'); // hide the truth
      const transform = await ex.transform();
      await ex.page.waitForTimeout(300); // the debounced save
      await ex.reload();
      assert.equal(await ex.page.locator('g.node').count(), 0);
      await ex.clearPosted();
      // A restarted host that forgot the pin and round: the webview asks for them again.
      await ex.send(initMessage({ selectedPin: 'p1', selectedRound: 12 }));
      await ex.waitPosted('selectPin', (m) => m.pin === 'p2');
      await ex.waitPosted('selectRound', (m) => m.round === 10);
      await ex.send({ type: 'tree', tree: pinTree('p2', 10) });
      assert.equal(await ex.selectedKey(), '1', 'the selection is restored');
      assert.ok((await ex.node('0').getAttribute('class'))!.includes('collapsed'), 'the collapsed node stays collapsed');
      assert.equal(await ex.transform(), transform, 'zoom and pan are restored');
      assert.equal(await ex.page.locator('.chip.c-truth').count(), 0, 'the truth stays hidden');
      assert.equal(await ex.page.locator('.inspector .insp-title').textContent(), nodeAt(pinTree('p2', 10).root, [1])!.label);
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'keyboard: arrows move and expand, / searches, f fits, w finds why it is wrong',
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
      await ex.press('w');
      const want = culprit(wrongTree.root);
      assert.equal(await ex.selectedKey(), keyOf(want));
      assert.ok(want.path.length > 0);
      assert.ok((want.children ?? []).every((c) => c.answer.correct !== false));
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'training in progress, pause, and a crash keep the recorded rounds browsable',
    async run(ctx) {
      const ex = await loaded(ctx, 'dark');
      await ex.clearPosted();
      await ex.page.locator('input.run-count').fill('5');
      await ex.page.getByRole('button', { name: 'Run more rounds of training' }).click();
      assert.deepEqual(await ex.waitPosted('runRounds'), { type: 'runRounds', rounds: 5 });
      await ex.send({ type: 'status', status: { status: 'running', round: 13, phase: 'train' } });
      assert.ok((await ex.page.locator('.status').textContent())!.includes('running · round 13 · train'));
      assert.ok(await ex.page.locator('.progress').isVisible());
      assert.ok((await ex.page.locator('.progress').textContent())!.includes('left'), 'an ETA shows');
      await ex.screenshot('running-dark');
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Pause training' }).click();
      await ex.waitPosted('pause');
      await ex.send({ type: 'status', status: { status: 'crashed', round: 13, message: 'worker exited with code 134 (out of memory)' } });
      const notice = ex.page.locator('.notice.crashed');
      assert.ok((await notice.textContent())!.includes('out of memory'));
      assert.ok((await ex.page.locator('.status').textContent())!.includes('crashed'));
      await ex.clearPosted();
      await ex.press('[');
      await ex.waitPosted('selectRound', (m) => m.round === 11);
      await ex.send({ type: 'tree', tree: pinTree('p1', 11) });
      await ex.screenshot('crashed-dark');
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Train one round' }).click();
      await ex.waitPosted('step');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'question bar: select a pin, sample, pin a typed question; buttons are named',
    async run(ctx) {
      const ex = await loaded(ctx);
      await ex.clearPosted();
      await ex.page.locator('.qbar select').selectOption('p3');
      await ex.waitPosted('selectPin', (m) => m.pin === 'p3');
      await ex.send({ type: 'tree', tree: pinTree('p3', 12) });
      assert.equal(await ex.node('').getAttribute('data-label'), PINS[2].label);
      await ex.page.getByRole('button', { name: 'Sample a new question' }).click();
      await ex.waitPosted('sampleQuestion');
      await ex.page.locator('.pin-text').fill('σ^5(ab)');
      await ex.page.getByRole('button', { name: 'Pin this question' }).click();
      await ex.waitPosted('pinQuestion', (m) => m.text === 'σ^5(ab)');
      await ex.send({ type: 'pins', pins: [...PINS, { id: 'p4', label: 'σ^5(ab)', question: ['pow', '0', '0', '0', '1', '0', '1', 'ab'] }], selectedPin: 'p4' });
      assert.equal(await ex.page.locator('.qbar select option').count(), 4);
      const unnamed = await ex.page.evaluate(() => [...document.querySelectorAll('button')].filter((b) => !(b.getAttribute('aria-label') || b.textContent?.trim())).length);
      assert.equal(unnamed, 0, 'every button has a name');
      for (const cmd of ['openRun', 'compareRuns', 'exportAnnotations'] as const) {
        const name = { openRun: 'Open Run…', compareRuns: 'Compare with another run…', exportAnnotations: 'Export the notes' }[cmd];
        await ex.page.getByRole('button', { name }).click();
        await ex.waitPosted('command', (m) => m.command === cmd);
      }
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'compare: nodes that differ from the compared round are marked ≠, counted in the bar, shown in the inspector; Stop comparing posts',
    async run(ctx) {
      // The tree at round 12 compared with the same question's tree at round 3.
      const tree = pinTree('p1', 12);
      const other = pinTree('p1', 3);
      let differing = 0;
      const mark = (n: NodeView, o: NodeView | undefined): void => {
        if (o && o.question.join(' ') === n.question.join(' ')) {
          const differs = o.answer.label !== n.answer.label || (o.x !== undefined && n.x !== undefined && o.x.label !== n.x.label);
          if (differs) differing++;
          n.compared = { answer: o.answer, ...(o.x ? { x: o.x } : {}), differs };
        }
        (n.children ?? []).forEach((c, i) => mark(c, o?.children?.[i]));
      };
      mark(tree.root, other.root);
      assert.ok(differing > 0, 'the fixture has answers that changed between rounds 3 and 12');
      tree.compare = { label: 'round 3', found: true, differing };
      const ex = await loaded(ctx, 'light', tree);
      assert.equal(await ex.page.locator('svg .node.differs').count(), differing);
      assert.match((await ex.page.locator('.compare-bar').textContent()) ?? '', new RegExp(`Compared with round 3: ${differing} nodes? differ`));
      const key = keyOf([...nodesOf(tree.root)].find((n) => n.compared?.differs)!);
      await clickNode(ex, key);
      const row = ex.page.locator('.inspector .ans-compared');
      assert.match((await row.textContent()) ?? '', /Compared.*round 3.*differs/s);
      await ex.screenshot('compare');
      // The other run does not have this question pinned: the bar says so, nothing is marked.
      await ex.send({ type: 'tree', tree: { ...pinTree('p1', 12), compare: { label: 'run-b · round 12', found: false, differing: 0, reason: 'this question is not pinned in run-b' } } });
      assert.match((await ex.page.locator('.compare-bar').textContent()) ?? '', /not pinned in run-b/);
      assert.equal(await ex.page.locator('svg .node.differs').count(), 0);
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Stop comparing runs' }).click();
      await ex.waitPosted('command', (m) => m.command === 'stopComparing');
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
  {
    name: 'a 5,000-node tree renders and pans (benchmark)',
    async run(ctx) {
      const ex = await ctx.open({ width: 1400, height: 900 });
      const big = bigTree(5000);
      assert.equal([...nodesOf(big.root)].length, 5000);
      await ex.send(initMessage({ pins: [...PINS, { id: 'big', label: big.root.label, question: big.root.question }], selectedPin: 'big' }));
      // The tree is put in the page first (as postMessage's structured clone would deliver it), so
      // that the time measured is the webview's: validate, index, lay out, draw, and the frames.
      await ex.page.evaluate((tree) => {
        (window as unknown as { __big: unknown }).__big = { type: 'tree', tree };
      }, big);
      await ex.page.waitForTimeout(500);
      const first = await ex.page.evaluate(() => new Promise<{ dispatch: number; frame: number }>((resolve) => {
        const t0 = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: (window as unknown as { __big: unknown }).__big }));
        const t1 = performance.now();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve({ dispatch: t1 - t0, frame: performance.now() - t0 })));
      }));
      const stats = async () => ex.page.evaluate(() => {
        const s = document.querySelector<SVGSVGElement>('svg.tree-svg')!;
        return { laidOut: Number(s.dataset.laidOut), inDom: Number(s.dataset.rendered), mode: s.dataset.mode ?? 'detail', elements: s.querySelectorAll('*').length };
      });
      const s1 = await stats();
      ctx.log(`5,000 nodes, first render: ${first.dispatch.toFixed(1)} ms to validate+index+lay out+draw, ${first.frame.toFixed(1)} ms to the second frame; ${s1.laidOut} nodes open by default, ${s1.inDom} in the DOM (${s1.elements} SVG elements)`);
      assert.ok(s1.laidOut > 0 && s1.laidOut <= 400, 'nodes beyond a depth start collapsed');
      await ex.screenshot('tree-5000-light');

      const pan = async (label: string): Promise<void> => {
        const box = (await ex.page.locator('svg.tree-svg').boundingBox())!;
        await ex.page.evaluate(() => {
          const w = window as unknown as { __frames: number[]; __stop: boolean };
          w.__frames = [];
          w.__stop = false;
          let last = performance.now();
          const tick = (t: number): void => {
            w.__frames.push(t - last);
            last = t;
            if (!w.__stop) requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        const cx = box.x + box.width / 2;
        const cy = box.y + box.height / 2;
        await ex.page.mouse.move(cx, cy);
        await ex.page.mouse.down();
        for (let i = 1; i <= 90; i++) {
          await ex.page.mouse.move(cx - i * 9, cy + Math.sin(i / 9) * 120);
          await ex.page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
        }
        await ex.page.mouse.up();
        // d3-zoom swallows the click that ends a drag (until a 0 ms timer): let it pass.
        await ex.page.waitForTimeout(50);
        const frames = await ex.page.evaluate(() => {
          const w = window as unknown as { __frames: number[]; __stop: boolean };
          w.__stop = true;
          return w.__frames.slice(1);
        });
        const sorted = [...frames].sort((a, b) => a - b);
        const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
        const s = await stats();
        ctx.log(`pan (${label}): ${frames.length} frames, median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms, ${frames.filter((f) => f > 50).length} frames > 50 ms; ${s.inDom} nodes in the DOM, mode ${s.mode}`);
      };
      await pan('default depth, scale 0.85');

      const tExpand = await ex.page.evaluate(() => new Promise<number>((resolve) => {
        const t0 = performance.now();
        document.querySelector<HTMLButtonElement>('button[aria-label="Expand all"]')!.click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }));
      const s2 = await stats();
      ctx.log(`expand all: ${tExpand.toFixed(1)} ms to the second frame; ${s2.laidOut} laid out, ${s2.inDom} in the DOM`);
      assert.equal(s2.laidOut, 5000);
      assert.ok(s2.inDom < 600, `only the visible nodes are in the DOM (${s2.inDom})`);
      await pan('all 5,000 open');

      // Stepping a round on the big tree (same question: the view and the open nodes are kept).
      const step = await ex.page.evaluate(() => new Promise<{ dispatch: number; frame: number }>((resolve) => {
        const w = window as unknown as { __big: { type: string; tree: { round: number } } };
        const msg = { ...w.__big, tree: { ...w.__big.tree, round: 11 } };
        const t0 = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: msg }));
        const t1 = performance.now();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve({ dispatch: t1 - t0, frame: performance.now() - t0 })));
      }));
      ctx.log(`step a round (5,000 open): ${step.dispatch.toFixed(1)} ms to draw, ${step.frame.toFixed(1)} ms to the second frame`);

      // Zoomed out to just above the overview threshold: the most nodes the detail view draws.
      const box = (await ex.page.locator('svg.tree-svg').boundingBox())!;
      await ex.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 12; i++) {
        const k = await ex.page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector('g.viewport')!.getAttribute('transform')!)![1]));
        if (k < 0.5) break;
        await ex.page.mouse.wheel(0, 100);
        await ex.frames();
      }
      await ex.page.waitForTimeout(100);
      await ex.screenshot('tree-5000-zoomed-out-light');
      await pan('all open, zoomed out to the detail limit');

      const tFit = await ex.page.evaluate(() => new Promise<number>((resolve) => {
        const t0 = performance.now();
        document.querySelector<HTMLButtonElement>('button[aria-label="Fit the tree to the view (f)"]')!.click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }));
      const s3 = await stats();
      ctx.log(`fit all 5,000: ${tFit.toFixed(1)} ms to the second frame; mode ${s3.mode}, ${s3.elements} SVG elements`);
      assert.equal(s3.mode, 'overview');
      await ex.screenshot('tree-5000-overview-light');
      await pan('overview of all 5,000');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
];

