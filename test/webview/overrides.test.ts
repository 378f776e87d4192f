/**
 * Explorer webview tests (see run.ts) of edits to a run: overriding an answer (and undoing it),
 * adding and removing notes.
 */
import assert from 'node:assert/strict';
import { clickNode, loaded, type WebviewTest } from './context';
import { makeContext, pinTree, SEED } from './fixtures';

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
];
