/**
 * "Why is this wrong?": from a wrong node of an HCH tree, follow wrong subanswers down to where the
 * error starts, and say what it is; then the counterfactual: rebuilt with the true answer there,
 * would the root be right?
 *
 * Where an error starts:
 * - `override`: a node the user overrode with a wrong answer;
 * - `fault`: a node whose answer came from an injected fault (source `fault`: an answerer that
 *   injects faults into trees marks its answers so; the engine injects faults into training targets
 *   only, so its trees have no such node today);
 * - `answerer`: a leaf the answerer (X, or whoever answered the leaves) got wrong;
 * - `expert`: a node where H (or H′) combined subanswers that are all right into a wrong answer, or
 *   misbehaved (threw, asked too many subquestions …): an expert bug;
 * - `none`: the root is right (or has no true answer to compare with).
 *
 * Proposals: when H asks its own question again (shortest path's step(a, b), union find's next(x))
 * the answers are candidates H verifies, not claims; one of them being different from the truth is
 * no error as long as another proposal is right. Only when no proposal is right are the proposals
 * followed (the first of them).
 */
import { groundTruth, type AnswerSource } from './amplify';
import { expandHCH, nodeAt, type HCHNode, type HCHOptions, type HCHTree } from './hch';
import { sameTuple } from './task';
import { UNKNOWN, type Answer, type AnyContext, type AnyTask, type Question } from './types';

export type BlameKind = 'expert' | 'answerer' | 'override' | 'fault' | 'none';

export interface Blame {
  kind: BlameKind;
  /** Child indices from the root to the node where the error starts (`[]`: the root). */
  path: number[];
  /** That node's question. */
  question: Question;
  /** One sentence, in the task's notation. */
  detail: string;
  /** That node's answer, its ground truth and who answered it. */
  answer: Answer;
  truth: Answer;
  source: AnswerSource;
  /** The answerer's probability of its answer, when `BlameOptions.probability` knows it. */
  probability?: number;
  /** The node is a proposal: H re-asking its own question (its parent asks the same). */
  proposal?: true;
}

export interface BlameOptions {
  /** The answerer's probability of the answer at a leaf (e.g. X's), when known. */
  probability?(question: Question, path: readonly number[]): number | undefined;
}

/**
 * Where the error of the tree rooted at `root` starts (see the module comment). Nodes without
 * `truth` (a tree built without `truth: true`) get their ground truth from `task` and `ctx`.
 */
export function blame(task: AnyTask, ctx: AnyContext, root: HCHNode, options: BlameOptions = {}): Blame {
  const truthOf = (n: HCHNode): Answer => n.truth ?? groundTruth(task, ctx, n.question).answer;
  const wrong = (n: HCHNode) => !sameTuple(n.answer, truthOf(n));
  const q = (n: HCHNode) => task.format.question(n.question);
  const a = (x: Answer) => task.format.answer(x);
  let parent: HCHNode | undefined;
  const result = (kind: BlameKind, node: HCHNode, path: number[], detail: string): Blame => {
    const b: Blame = { kind, path, question: node.question, detail, answer: node.answer, truth: truthOf(node), source: node.source };
    if (parent && sameTuple(parent.question, node.question)) b.proposal = true;
    return b;
  };

  const rootTruth = truthOf(root);
  if (!wrong(root)) return result('none', root, [], `The root's answer ${a(root.answer)} to ${q(root)} is right.`);
  if (rootTruth.length === 1 && rootTruth[0] === UNKNOWN) {
    return result('none', root, [], `${q(root)} has no true answer in this context, so no answer to it can be blamed.`);
  }

  let node = root;
  const path: number[] = [];
  for (;;) {
    const t = truthOf(node);
    if (node.source === 'override') {
      const before = node.replaced ? ` (before the override: ${a(node.replaced)})` : '';
      return result('override', node, path, `The override at ${q(node)} is wrong: it says ${a(node.answer)}, the truth is ${a(t)}${before}.`);
    }
    if (node.source === 'fault') {
      return result('fault', node, path, `An injected fault answered ${q(node)} with ${a(node.answer)}; the truth is ${a(t)}.`);
    }
    if (!node.children) {
      const p = options.probability?.(node.question, path);
      const shownP = p === undefined ? '' : ` (p = ${p.toFixed(2)})`;
      const along = path.length > 0 ? ', and the error propagated to the root along this path' : '';
      const b = result('answerer', node, path, `${sourceName(node.source)} answered ${q(node)} with ${a(node.answer)}${shownP}; the truth is ${a(t)}${along}.`);
      if (p !== undefined) b.probability = p;
      return b;
    }
    const expert = sourceName(node.source);
    if (node.error !== undefined) {
      return result('expert', node, path, `${expert} failed on ${q(node)}: ${node.error.split('\n')[0]} (an expert bug).`);
    }
    const next = culprit(node, wrong);
    if (next === undefined) {
      return result('expert', node, path, `${expert} combined correct subanswers wrongly at ${q(node)}: it answered ${a(node.answer)}, the truth is ${a(t)} (an expert bug).`);
    }
    parent = node;
    node = node.children[next];
    path.push(next);
  }
}

/** The child where a wrong node's error comes from: the first wrong subanswer that is not an excused proposal. */
function culprit(node: HCHNode, wrong: (n: HCHNode) => boolean): number | undefined {
  const children = node.children ?? [];
  const isProposal = (c: HCHNode) => sameTuple(c.question, node.question);
  const proposals = children.filter(isProposal);
  const someProposalRight = proposals.some((c) => !wrong(c));
  const i = children.findIndex((c) => wrong(c) && !(isProposal(c) && someProposalRight));
  return i < 0 ? undefined : i;
}

function sourceName(source: AnswerSource): string {
  if (source === 'truth') return 'Ground truth';
  if (source === "H'") return 'H′';
  return source;
}

export interface Counterfactual {
  /** The tree rebuilt with the true answer at the node (marked there as an override). */
  tree: HCHTree;
  /** The nodes of the rebuilt tree that were given the true answer (the node, and others asking the same). */
  paths: number[][];
  /** The root's answer and ground truth in the rebuilt tree. */
  answer: Answer;
  truth: Answer;
  /** Whether the root would then be right. */
  rootRight: boolean;
  /** "With the true answer here, the root would be ✓" (or ✗, with what it would answer). */
  detail: string;
}

/**
 * Rebuilds the tree of `question` (with the same `options` it was built with: answerer, depth or
 * expand rule, the user's overrides) with the true answer at the node `at` (a `Blame`, or a path
 * and the question asked there): would the root then be right? Everything H asks after it is
 * answered anew.
 *
 * The true answer goes wherever that question is asked as a plain question ("had X, or H, answered
 * it right"), except at the node's ancestors. A proposal (`at.proposal`: H re-asking its own
 * question, which `blame` sets) gets it at its own path only: the question it proposes for, asked
 * by its parent, is the same and must not be answered by fiat. The answerer must be deterministic,
 * so that the node is found at the same path.
 */
export function counterfactual(
  task: AnyTask, ctx: AnyContext, question: Question, options: HCHOptions,
  at: { path: readonly number[]; question: Question; proposal?: boolean },
): Counterfactual {
  const samePath = (p: readonly number[]) => p.length === at.path.length && p.every((x, i) => x === at.path[i]);
  const isAncestor = (p: readonly number[]) => p.length < at.path.length && p.every((x, i) => x === at.path[i]);
  const truth = groundTruth(task, ctx, at.question).answer;
  const paths: number[][] = [];
  const tree = expandHCH(task, ctx, question, {
    ...options,
    truth: true,
    override: (q, path) => {
      const here = sameTuple(q, at.question) && (samePath(path) || (!at.proposal && !isAncestor(path)));
      if (!here) return options.override?.(q, path);
      paths.push([...path]);
      return truth;
    },
  });
  const node = nodeAt(tree.root, at.path);
  if (!node || !sameTuple(node.question, at.question)) {
    throw new Error(`counterfactual: the rebuilt tree has no node asking ${task.format.question(at.question)} at ${at.path.join('.') || 'the root'}`);
  }
  const answer = tree.root.answer;
  const rootTruth = tree.root.truth!;
  const rootRight = sameTuple(answer, rootTruth);
  const detail = rootRight
    ? 'With the true answer here, the root would be ✓.'
    : `With the true answer here, the root would still be ✗: ${task.format.answer(answer)}, the truth is ${task.format.answer(rootTruth)}.`;
  return { tree, paths, answer, truth: rootTruth, rootRight, detail };
}
