/**
 * Explorer webview tests (see run.ts) of edits to a run: overriding an answer (and undoing it),
 * adding and removing notes.
 */
import assert from 'node:assert/strict';
import type { NodeView, TreeView } from '../../src/protocol/explorer';
import { clickNode, keyOf, loaded, type WebviewTest } from './context';
import { makeContext, nodesOf, pinTree, SEED } from './fixtures';

/** What the host adds to a tree with an override (src/extension/explorer/view-model.ts): marks against the tree without it, and the summary. */
function withOverrideMarks(tree: TreeView, baseline: TreeView, text: string): TreeView {
  const at = (root: NodeView, path: number[]) => path.reduce<NodeView | undefined>((n, i) => n?.children?.[i], root);
  for (const n of nodesOf(tree.root)) {
    const b = at(baseline.root, n.path);
    if (!b || b.label !== n.label) n.byOverride = 'new';
    else if (b.answer.label !== n.answer.label || n.source === 'override') n.byOverride = 'changed';
  }
  const all = [...nodesOf(tree.root)];
  tree.overrideSummary = {
    text, at: all.filter((n) => n.source === 'override').map((n) => n.label), before: baseline.root.answer, after: tree.root.answer,
    changed: all.filter((n) => n.byOverride === 'changed').length, added: all.filter((n) => n.byOverride === 'new').length,
  };
  tree.answeredBy = 'new subquestions answered by X of round 12';
  return tree;
}

export const overridesTests: WebviewTest[] = [
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
    name: 'an override: refused inline when the host says so; the summary, new/changed marks apart from Δ, the edited node never cut',
    async run(ctx) {
      const tree = pinTree('p1', 12);
      const ex = await loaded(ctx, 'light', tree);
      await clickNode(ex, '0');
      await ex.press('Enter');
      await ex.page.locator('.override-editor input').fill('h g');
      await ex.clearPosted();
      await ex.page.locator('.override-editor input').press('Enter');
      assert.deepEqual(await ex.waitPosted('override'), { type: 'override', path: [0], answer: ['h', 'g'] });
      await ex.send({ type: 'rejected', input: 'override', message: 'an answer of pow has 1 symbol, not 2', path: [0] });
      assert.equal(await ex.page.locator('.inspector .actions + .editor-error').textContent(), 'Not overridden: an answer of pow has 1 symbol, not 2');
      // The host's tree after an accepted override (a long answer: the edited node's chip is never cut).
      const names = makeContext(12, SEED).names;
      const pick = names.find((s) => pinTree('p1', 12, { overrides: { '0': [s] } }).root.answer.label !== tree.root.answer.label)!;
      const updated = withOverrideMarks(pinTree('p1', 12, { overrides: { '0': [pick] }, previous: 12 }), tree, `override at ${tree.root.children![0].label}: root … → …; 2 nodes changed, 3 new`);
      const edited = updated.root.children![0];
      edited.answer = { ...edited.answer, label: `${pick}-a-rather-long-answer` };
      await ex.send({ type: 'tree', tree: updated });
      assert.equal(await ex.page.locator('.notice.override').textContent(), `✎ ${updated.overrideSummary!.text}`);
      assert.equal(await ex.page.locator('.notice.answered-by').textContent(), 'new subquestions answered by X of round 12.');
      const marked = [...nodesOf(updated.root)].filter((n) => n.byOverride);
      assert.ok(marked.some((n) => n.byOverride === 'new') && marked.some((n) => n.byOverride === 'changed' && n.source !== 'override'), 'the fixture has both marks');
      for (const n of marked) {
        const g = ex.node(keyOf(n));
        const cls = (await g.getAttribute('class'))!;
        assert.ok(cls.includes(`ov-${n.byOverride}`), `${n.label}: ${cls}`);
        if (n.source === 'override') continue;
        assert.ok((await g.textContent())!.includes(n.byOverride === 'new' ? '+✎' : '~✎'), `${n.label} carries its mark`);
        assert.ok((await g.getAttribute('aria-label'))!.includes(n.byOverride === 'new' ? 'new because of an override' : 'changed by an override'));
        assert.equal(cls.split(' ').includes('changed'), n.changed, 'Δ stays what the host says of rounds');
      }
      assert.ok((await ex.node('0').textContent())!.includes(`✎ ${pick}-a-rather-long-answer`), 'the override chip is whole');
      await ex.screenshot('override-summary-light');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'pins: a refused question comes back with the reason beside the input; ✕ unpins the selected question',
    async run(ctx) {
      const ex = await loaded(ctx);
      const input = ex.page.locator('.pin-form input');
      await input.fill('σ^29(zz)');
      await ex.clearPosted();
      await input.press('Enter');
      assert.deepEqual(await ex.waitPosted('pinQuestion'), { type: 'pinQuestion', text: 'σ^29(zz)' });
      await ex.send({ type: 'rejected', input: 'pin', message: 'σ^29(zz): no fact mentions zz' });
      assert.equal(await ex.page.locator('.pin-error').textContent(), 'σ^29(zz): no fact mentions zz');
      assert.equal(await input.inputValue(), 'σ^29(zz)', 'the question is back in the input');
      await ex.screenshot('pin-rejected-light');
      await input.fill('σ^3(ab)');
      assert.equal(await ex.page.locator('.pin-error').textContent(), '', 'typing clears the reason');
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Remove the selected question from the pins' }).click();
      assert.deepEqual(await ex.waitPosted('unpin'), { type: 'unpin', pin: 'p1' });
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
];
