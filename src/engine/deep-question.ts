/** The question a new run pins first (no vscode here, so it is unit-tested). */
import { expandHCH, makeContext, makeQuestion, truthAnswerer, type AnyTask, type InstanceId, type Question } from '../core/index';

/** Among a few sampled questions, the one whose HCH tree (ground truth at the leaves) is largest. */
export function deepQuestion(task: AnyTask, instance: InstanceId): Question {
  const ctx = makeContext(task, instance);
  let best: Question = makeQuestion(task, instance, ctx, 0);
  let bestNodes = -1;
  for (let j = 0; j < 16; j++) {
    const q = makeQuestion(task, instance, ctx, j);
    const nodes = expandHCH(task, ctx, q, { answerer: truthAnswerer(task), depth: 3, maxNodes: 400 }).nodes;
    if (nodes > bestNodes) [best, bestNodes] = [q, nodes];
  }
  return best;
}
