/**
 * Explorer webview tests (see run.ts) of compare mode: the nodes that differ from the compared tree.
 */
import assert from 'node:assert/strict';
import type { NodeView } from '../../src/protocol/explorer';
import { clickNode, keyOf, loaded, type WebviewTest } from './context';
import { nodesOf, pinTree } from './fixtures';

export const compareTests: WebviewTest[] = [
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
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'compare by position: a node whose subquestion changed is marked ≠, with both questions in the inspector',
    async run(ctx) {
      // Round 12 compared with round 3 of another question's tree: same shape, other subquestions.
      const tree = pinTree('p1', 12);
      const other = pinTree('p2', 3);
      let differing = 0;
      const mark = (n: NodeView, o: NodeView | undefined): void => {
        if (o) {
          const sameQ = o.question.join(' ') === n.question.join(' ');
          const differs = !sameQ || o.answer.label !== n.answer.label;
          if (differs) differing++;
          n.compared = { answer: o.answer, differs, ...(sameQ ? {} : { question: o.question, label: o.label }) };
        }
        (n.children ?? []).forEach((c, i) => mark(c, o?.children?.[i]));
      };
      mark(tree.root, other.root);
      const changed = [...nodesOf(tree.root)].find((n) => n.compared?.label && n.path.length > 0)!;
      assert.ok(changed, 'the fixture has a subquestion that changed at the same path');
      tree.compare = { label: 'round 3', found: true, differing };
      const ex = await loaded(ctx, 'light', tree);
      assert.equal(await ex.page.locator('svg .node.differs').count(), differing, 'every node with another question there is marked');
      assert.ok((await ex.node(keyOf(changed)).getAttribute('class'))!.includes('differs'));
      const badge = (await ex.node(keyOf(changed)).locator('text.b-differs title').textContent())!;
      assert.ok(badge.includes(`H asked ${changed.compared!.label}`), `the ≠ tooltip names the other question: ${badge}`);
      await clickNode(ex, keyOf(changed));
      const q = (await ex.page.locator('.inspector .ans-compared-q').textContent())!;
      assert.ok(q.includes(changed.compared!.label!) && q.includes(changed.label), `both questions in the inspector: ${q}`);
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
];
