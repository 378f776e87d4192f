/**
 * The tree as the webview works on it: every node indexed by its path key, with its parent, its
 * subtree size and how many wrong answers its subtree hides. Pure functions, no DOM.
 */
import type { AnswerView, NodeView, TreeView } from '../../src/protocol/explorer';

/** A path's key: child indices joined by dots; the root's key is ''. */
export const keyOf = (path: readonly number[]): string => path.join('.');
export const pathOf = (key: string): number[] => (key === '' ? [] : key.split('.').map(Number));

export interface INode {
  node: NodeView;
  key: string;
  path: number[];
  parent: INode | null;
  children: INode[];
  depth: number;
  /** Position among its siblings (0-based); the edge label is index + 1. */
  index: number;
  /** Nodes in the subtree below this one (itself excluded). */
  below: number;
  /** Wrong answers in the subtree below this one (itself excluded). */
  wrongBelow: number;
}

export interface IndexedTree {
  tree: TreeView;
  root: INode;
  byKey: Map<string, INode>;
  /** Nodes per depth. */
  levels: number[];
  count: number;
}

/** 'hidden': the truth is hidden (blind mode), so no correctness is shown, not even "unknown". */
export type AnswerState = 'correct' | 'wrong' | 'unknown' | 'hidden';
export const stateOf = (a: AnswerView | undefined, hideTruth = false): AnswerState =>
  hideTruth ? 'hidden' : a === undefined || a.correct === null ? 'unknown' : a.correct ? 'correct' : 'wrong';
export const iconOf = (s: AnswerState): string => (s === 'correct' ? '✓' : s === 'wrong' ? '✗' : s === 'hidden' ? '' : '?');
export const stateWord = (s: AnswerState): string => (s === 'correct' ? 'correct' : s === 'wrong' ? 'wrong' : s === 'hidden' ? 'correctness hidden' : 'unknown');

/** Indexes a (validated) tree. Paths are the positions in the tree (they are what the host sends). */
export function indexTree(tree: TreeView): IndexedTree {
  const byKey = new Map<string, INode>();
  const levels: number[] = [];
  const root: INode = { node: tree.root, key: '', path: [], parent: null, children: [], depth: 0, index: 0, below: 0, wrongBelow: 0 };
  const order: INode[] = [];
  const stack: INode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    byKey.set(n.key, n);
    order.push(n);
    levels[n.depth] = (levels[n.depth] ?? 0) + 1;
    const kids = n.node.children ?? [];
    for (let i = 0; i < kids.length; i++) {
      const path = [...n.path, i];
      const c: INode = { node: kids[i], key: keyOf(path), path, parent: n, children: [], depth: n.depth + 1, index: i, below: 0, wrongBelow: 0 };
      n.children.push(c);
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  for (let i = order.length - 1; i > 0; i--) {
    const n = order[i];
    const p = n.parent!;
    p.below += 1 + n.below;
    p.wrongBelow += n.wrongBelow + (n.node.answer.correct === false ? 1 : 0);
  }
  return { tree, root, byKey, levels, count: order.length };
}

/**
 * Nodes whose question (label or symbols) or one of whose answers (the one used, X's, H's, the one an
 * override replaced, and the truth unless `hideTruth`) matches a search query, in the task's notation
 * (case-insensitive, spaces ignored).
 */
export function searchNodes(ix: IndexedTree, query: string, hideTruth = false): INode[] {
  const q = normalize(query);
  if (!q) return [];
  const out: INode[] = [];
  const walk = (n: INode): void => {
    const { node } = n;
    const texts = [node.label, node.question.join(' '), node.answer.label, node.x?.label, node.h?.label, node.replaced?.label, hideTruth ? undefined : node.truth.label];
    if (texts.some((t) => t !== undefined && normalize(t).includes(q))) out.push(n);
    for (const c of n.children) walk(c);
  };
  walk(ix.root);
  return out;
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '').replace(/sigma|s\^/g, (m) => (m === 'sigma' ? 'σ' : 'σ^'));
}

/** Who answered a node, in words. */
export function sourceWord(source: string): string {
  switch (source) {
    case 'lookup':
      return 'lookup';
    case 'H':
      return 'H';
    case 'X':
      return 'X';
    case 'truth':
      return 'truth';
    case 'override':
      return 'override';
    case 'fault':
      return 'fault';
    default:
      return source;
  }
}

/** Splits the text of an override editor into symbols. */
export const symbolsOf = (text: string): string[] => text.split(/\s+/).filter((s) => s.length > 0);
