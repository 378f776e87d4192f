/**
 * HCH trees: expand a subquestion by running H on it again instead of asking the answerer,
 * recursively, down to primitives or a depth limit (the answerer answers at the leaves).
 * For shortest path and union find H re-asks its own question kind to get proposals, so trees are
 * infinite: expansion is driven by H (only the subquestions H actually asks, given the answers it
 * got, are built) and bounded by a depth rule and a node budget. A leaf that could go deeper is
 * marked `expandable`; the caller expands it by widening the rule (`expand`) and rebuilding.
 */
import { ExpertRun, attemptOf, groundTruth, isPrimitive, lookup, type Answerer, type AnswerSource } from './amplify';
import type { Answer, AnyContext, AnyTask, Question } from './types';

export const HCH_SCHEMA_VERSION = 1;

export interface HCHNode {
  question: Question;
  /** The answer the parent used: lookup, H combining the children, the leaf answerer, or an override. */
  answer: Answer;
  source: AnswerSource;
  /** With `truth: true`: the ground-truth answer. */
  truth?: Answer;
  /** For an overridden node: the answer it had before the override. */
  replaced?: Answer;
  primitive?: true;
  /** H's subquestions, in order, each expanded in turn (present when H was run here). */
  children?: HCHNode[];
  /** A non-primitive leaf that H could expand. */
  expandable?: true;
  /** H misbehaved here (see Transcript.error). */
  error?: string;
}

export interface HCHTree {
  schemaVersion: typeof HCH_SCHEMA_VERSION;
  task: string;
  /** The depth limit used (nodes at this depth are leaves, unless `expand` said otherwise). */
  depth: number;
  /** Number of nodes built. */
  nodes: number;
  /** True when the node budget stopped the expansion somewhere. */
  truncated: boolean;
  root: HCHNode;
}

export interface HCHOptions {
  /** Answers non-primitive leaves. */
  answerer: Answerer;
  /** Expand nodes at depth < this (the root is at depth 0). Default 3. */
  depth?: number;
  /** Decides per node whether to run H there (overrides `depth`); `path` is the child indices from the root. */
  expand?: (path: readonly number[], question: Question) => boolean;
  /**
   * A user's answer for a question, used in place of the computed one (its ancestors see it).
   * `path` tells apart nodes that ask the same question (H re-asking its own question for proposals).
   */
  override?: (question: Question, path: readonly number[]) => Answer | undefined;
  /** Attach ground truth to every node. */
  truth?: boolean;
  /** Stop expanding after this many nodes (leaves from then on). Default 5000. */
  maxNodes?: number;
}

/** Builds the HCH tree of `question` about `ctx`. */
export function expandHCH(task: AnyTask, ctx: AnyContext, question: Question, options: HCHOptions): HCHTree {
  const depthLimit = options.depth ?? 3;
  const maxNodes = options.maxNodes ?? 5000;
  const shouldExpand = options.expand ?? ((path: readonly number[]) => path.length < depthLimit);
  let nodes = 0;
  let truncated = false;

  const build = (q: Question, path: number[], attempt: number): HCHNode => {
    nodes++;
    let node: HCHNode;
    if (isPrimitive(task, q)) {
      const a = lookup(task, ctx, q);
      node = { question: q, answer: a.answer, source: a.source, primitive: true };
    } else if (shouldExpand(path, q) && nodes < maxNodes) {
      const run = new ExpertRun(task, q);
      const children: HCHNode[] = [];
      while (!run.done && run.pending) {
        const child = build(run.pending, [...path, children.length], attemptOf(q, children, run.pending));
        children.push(child);
        run.resume(child.answer, child.source);
      }
      node = { question: q, answer: run.answer, source: 'H', children };
      if (run.error !== undefined) node.error = run.error;
    } else {
      if (shouldExpand(path, q)) truncated = true;
      const a = options.answerer.answerBatch([attempt > 0 ? { ctx, question: q, attempt } : { ctx, question: q }])[0];
      node = { question: q, answer: a.answer, source: a.source, expandable: true };
    }
    const o = options.override?.(q, path);
    if (o !== undefined) {
      node.replaced = node.answer;
      node.answer = o;
      node.source = 'override';
    }
    if (options.truth) node.truth = groundTruth(task, ctx, q).answer;
    return node;
  };

  const root = build(question, [], 0);
  return { schemaVersion: HCH_SCHEMA_VERSION, task: task.name, depth: depthLimit, nodes, truncated, root };
}

/** Visits every node with its path (child indices from the root), depth first, parents first. */
export function walkHCH(node: HCHNode, visit: (node: HCHNode, path: readonly number[]) => void, path: number[] = []): void {
  visit(node, path);
  node.children?.forEach((c, i) => walkHCH(c, visit, [...path, i]));
}

/** The node at a path, or undefined. */
export function nodeAt(root: HCHNode, path: readonly number[]): HCHNode | undefined {
  let node: HCHNode | undefined = root;
  for (const i of path) node = node?.children?.[i];
  return node;
}
