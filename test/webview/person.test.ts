/**
 * Explorer webview tests of where H′ agrees with the person (issue 16): a tree of σ^5(x) made by the
 * core as the host makes it, the scripted person's records of σ^5(x) (they apply σ first: H′,
 * playing H, differs at two of their four steps) and of σ^2(x) (as H), compared by the engine and
 * marked by the host's addPersonMarks — the ☺ marks with tooltips and words, the legend entries, the
 * run-level notice and the inspector's section beside H′ and H.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeContext, type InstanceId, type Question } from '../../src/core/index';
import { powQuestion } from '../../src/core/tasks/permutation-powering';
import { humanTranscriptsFile, personAgreement } from '../../src/engine/human-transcripts';
import { addPersonMarks } from '../../src/extension/play/person-marks';
import { recomputeTree, treeView } from '../../src/extension/explorer/view-model';
import type { TreeView } from '../../src/protocol/explorer';
import { jsonLines, personRecordOf, pp } from '../unit/engine/expert-source-person';
import { FakeExpert } from '../unit/engine/fake-learner';
import { clickNode, loaded, type WebviewTest } from './context';
import { nodesOf } from './fixtures';
import type { Theme } from './harness';

const instance: InstanceId = { size: 8, seed: 'person-marks', index: 0 };
// A name off the 2-cycles (σ^2(x) ≠ x), so that σ^2(x) is asked once in the tree.
const x = makeContext(pp, instance).facts.map(([a]) => a).find((a) => pp.answer(makeContext(pp, instance), powQuestion(2, a))[0] !== a)!;

/** The marked tree of σ^5(x) at round 12, and the person's record of the root. */
function markedTree(): { tree: TreeView; root: ReturnType<typeof personRecordOf> } {
  const ctx = makeContext(pp, instance);
  const question: Question = powQuestion(5, x);
  const hch = recomputeTree({ task: pp, ctx, question, answers: {}, overrides: new Map(), depth: 3, expanded: new Set(), leaves: 'truth' });
  const tree = treeView('p1', 12, instance.size, hch, { task: pp, ctx, answers: {}, annotations: new Map(), expanded: new Set() });
  const root = personRecordOf(instance, question);
  const file = humanTranscriptsFile(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'person-marks-')), 'run'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, jsonLines([root, personRecordOf(instance, powQuestion(2, x))]));
  addPersonMarks(tree, { ...personAgreement(new FakeExpert(pp, 0), pp, 'H', file, instance), round: 12 });
  return { tree, root };
}

async function check(theme: Theme, ctx: Parameters<WebviewTest['run']>[0]): Promise<void> {
  const { tree, root } = markedTree();
  const ex = await loaded(ctx, theme, tree);
  const { page } = ex;
  const badges = page.locator('.tree-pane text.b-person');
  assert.equal(await badges.count(), 2, 'the two nodes the person decomposed, no other');
  const rootBadge = ex.node('').locator('text.b-person');
  assert.equal(await rootBadge.evaluate((e) => e.firstChild?.textContent), '☺≠');
  assert.equal(await rootBadge.locator('title').textContent(), 'scripted person decomposed this question: H′ does something else at 2 of 4 steps');
  const childBadge = ex.node('0').locator('text.b-person');
  assert.equal(await childBadge.evaluate((e) => e.firstChild?.textContent), '☺');
  assert.match((await childBadge.locator('title').textContent()) ?? '', /H′ does what they did at all 3 steps$/);
  assert.match((await ex.node('').getAttribute('aria-label')) ?? '', /a person decomposed it, H′ differs at 2 of 4 steps/);
  assert.match((await ex.node('0').getAttribute('aria-label')) ?? '', /a person decomposed it, H′ agrees/);

  assert.equal(await page.locator('.notice.person-agreement').textContent(), '☺ H′ agrees with the person on 1 of 2 recorded questions, none of which it trained on — H′ of round 12.');

  await page.locator('details.legend-panel summary').click();
  const legend = (await page.locator('.legend-body').textContent()) ?? '';
  assert.ok(legend.includes('☺≠') && legend.includes('a person decomposed this question'), 'the legend explains the marks');
  await page.locator('details.legend-panel summary').click();

  await clickNode(ex, '');
  const section = page.locator('.inspector .person-section');
  assert.equal(await section.locator('h3 .meta').textContent(), 'H′ differs at 2 of 4 steps');
  const rows = section.locator('tbody tr');
  assert.equal(await rows.count(), 4, 'three subquestions and the answer');
  const cells = (i: number) => rows.nth(i).locator('td').allTextContents();
  const [y1, y2, y3] = root.transcript.steps.map((s) => s.answer[0]);
  const hChildren = tree.root.children!.map((c) => c.label);
  assert.deepEqual(await cells(0), [`σ^1(${x}) → ${y1}`, `≠ σ^2(${x})`, hChildren[0]]);
  assert.deepEqual(await cells(1), [`σ^2(${y1}) → ${y2}`, `✓ σ^2(${y1})`, hChildren[1]]);
  assert.deepEqual((await cells(2))[1], `≠ σ^1(${y2})`);
  assert.deepEqual(await cells(3), [y3, `✓ ${y3}`, tree.root.h?.label ?? tree.root.answer.label]);
  assert.equal(await rows.nth(0).getAttribute('class'), 'p-differs');
  assert.match((await section.locator('p').textContent()) ?? '', /never trained on it/);
  await ex.screenshot(`person-${theme}`);

  await clickNode(ex, '0');
  assert.equal(await section.locator('h3 .meta').textContent(), 'H′ agrees');
  const other = [...nodesOf(tree.root)].find((n) => !n.person)!;
  await clickNode(ex, other.path.join('.'));
  assert.equal(await page.locator('.inspector .person-section').count(), 0, 'a node no person decomposed has no section');
  assert.deepEqual(await ex.problems(), []);
}

export const personTests: WebviewTest[] = [
  {
    name: 'person: ☺ marks (tooltip, words) on the nodes a person decomposed, the legend, the run-level figure, the inspector beside H′ and H (light)',
    run: (ctx) => check('light', ctx),
  },
  {
    name: 'person: the same in the dark theme',
    run: (ctx) => check('dark', ctx),
  },
];
