/**
 * What the user's interventions do to a tree, for the Explorer (pure: no vscode, no worker):
 * - `overrideEffects`: the tree with the overrides in force against the same tree without them —
 *   which nodes an override changed or created, and a one-line summary;
 * - `expertLine`: where a user task file defines its expert H (for "Why is this wrong?" on an
 *   expert bug).
 * Blame itself and the counterfactual are core/blame.ts; the controller fills in the answers.
 */
import * as fs from 'node:fs';
import { sameTuple, type AnyTask, type HCHNode, type HCHTree } from '../core/index';
import type { OverrideSummaryView } from '../protocol/explorer';
import { answerView } from './view-model';

export interface OverrideEffects {
  /** By node path ("" for the root): `changed` (same question, another answer) or `new` (a question asked only because of an override). */
  marks: Map<string, 'changed' | 'new'>;
  summary: OverrideSummaryView;
}

/**
 * Compares `tree` (built with the overrides) with `baseline` (the same tree, same answers, without
 * them), node by node at the same path. Undefined when the tree has no overridden node.
 */
export function overrideEffects(task: AnyTask, tree: HCHTree, baseline: HCHTree): OverrideEffects | undefined {
  const marks = new Map<string, 'changed' | 'new'>();
  const at: string[] = [];
  let changed = 0;
  let added = 0;
  const visit = (n: HCHNode, before: HCHNode | undefined, path: number[]) => {
    const key = path.join('.');
    if (n.source === 'override') at.push(task.format.question(n.question));
    if (!before || !sameTuple(before.question, n.question)) {
      marks.set(key, 'new');
      added++;
    } else if (!sameTuple(before.answer, n.answer) || n.source === 'override') {
      marks.set(key, 'changed');
      changed++;
    }
    const same = before && sameTuple(before.question, n.question) ? before : undefined;
    n.children?.forEach((c, i) => visit(c, same?.children?.[i], [...path, i]));
  };
  visit(tree.root, baseline.root, []);
  if (at.length === 0) return undefined;
  const truth = tree.root.truth;
  const before = answerView(task, baseline.root.answer, truth);
  const after = answerView(task, tree.root.answer, truth);
  const mark = (a: { correct: boolean | null }) => (a.correct === null ? '' : a.correct ? ' ✓' : ' ✗');
  const nodes = (k: number, what: string) => `${k} ${k === 1 ? 'node' : 'nodes'} ${what}`;
  const text = `${at.length === 1 ? 'override' : 'overrides'} at ${at.join(', ')}: root ${before.label}${mark(before)} → ${after.label}${mark(after)}; ${nodes(changed, 'changed')}, ${added} new`;
  return { marks, summary: { text, at, before, after, changed, added } };
}

/**
 * The 1-based line of a task file where its expert H is defined (a line starting `expert(`,
 * `*expert(`, `expert:`), or undefined when the file cannot be read or has no such line.
 */
export function expertLine(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const i = text.split('\n').findIndex((l) => /^\s*(async\s+)?\*?\s*expert\s*[(:=]/.test(l));
  return i < 0 ? undefined : i + 1;
}
