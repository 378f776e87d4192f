/**
 * Trees of the five built-in tasks, made by the core as the host makes them (view-model.ts): the
 * largest of four sampled questions at the task's largest size, decomposed by H to depth 5 (the
 * host's default is 3; deeper nodes are expandable leaves), with X's
 * answers drawn from a deterministic stand-in (right about 70 % of the time) so that the nodes
 * carry every state.
 */
import { BUILTIN_TASKS, makeContext, makeQuestion, questionKey, type AnyTask, type HCHNode } from '../../src/core/index';
import type { NodeAnswers } from '../../src/engine/run-types';
import type { TreeView } from '../../src/protocol/explorer';
import { recomputeTree, treeView } from '../../src/extension/explorer/view-model';
import { hash01 } from './fixtures';

/** How deep the trees are decomposed. */
const DEPTH = 5;

export const TASK_NAMES: readonly string[] = BUILTIN_TASKS.map((t) => t.name);

/** The largest tree (most nodes) of `samples` questions about one context of the task's largest size. */
export function largestTaskTree(name: string, samples = 4, round = 3): TreeView {
  const task = BUILTIN_TASKS.find((t) => t.name === name)!;
  const id = { size: task.sizes.max, seed: 'explorer-fit', index: 0 };
  const ctx = makeContext(task, id);
  let best: TreeView | null = null;
  for (let j = 0; j < samples; j++) {
    const question = makeQuestion(task, id, ctx, j);
    const truthTree = recomputeTree({ task, ctx, question, answers: {}, overrides: new Map(), depth: DEPTH, expanded: new Set(), leaves: 'truth' });
    const answers = standInAnswers(task, truthTree.root);
    const tree = recomputeTree({ task, ctx, question, answers, overrides: new Map(), depth: DEPTH, expanded: new Set() });
    const view = treeView(`${name}-${j}`, round, id.size, tree, { task, ctx, answers, annotations: new Map(), expanded: new Set() });
    if (!best || view.nodes > best.nodes) best = view;
  }
  return best!;
}

/** X's answers: the truth, except for a deterministic ~30 % where another node's truth is given. */
function standInAnswers(task: AnyTask, root: HCHNode): Record<string, NodeAnswers> {
  const truths: HCHNode[] = [];
  const visit = (n: HCHNode): void => {
    truths.push(n);
    n.children?.forEach(visit);
  };
  visit(root);
  const out: Record<string, NodeAnswers> = {};
  for (const n of truths) {
    const key = questionKey(n.question);
    const r = hash01(task.name, key);
    const answer = r < 0.7 ? n.answer : truths[Math.floor(hash01('other', key) * truths.length)].answer;
    const x = { answer: [...answer], probability: 0.5 + r / 2, top: [{ answer: [...answer], probability: 0.5 + r / 2 }] };
    out[key] = { x, teacher: [...answer] };
  }
  return out;
}
