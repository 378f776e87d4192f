/**
 * The play panel's messages between the extension host and its webview (a person plays H; the
 * session itself, src/core/play.ts's PlaySession, runs in the host). One module, used by both
 * sides; every message is validated on receipt with src/protocol/validate.ts, and a malformed one is
 * rejected with a one-line reason, never acted on. Pure TypeScript: the webview bundles it.
 *
 * The webview never sees the context: only the question being answered, its subquestions and
 * subanswers so far, and the tree of the session (the question, never the facts).
 */
import { isCount, isId, isIndex, isStr, checkWith, need, needList, needObj, parseWith, type Checks, type Parsers, type Result } from './validate';

/** One node of the person's tree (or of H's, in Compare with H), labels in the task's notation. */
export interface PlayNodeView {
  question: string;
  /** `…` for a question still open. */
  answer: string;
  /** Who answered: `human`, `open`, `lookup`, `truth`, `X`, `skipped`, `H`. */
  source: string;
  /** Compare with H: this node differs from the node at the same position in the other tree (or has none there). */
  differs?: boolean;
  children?: PlayNodeView[];
}

/** One subquestion of the question being answered: `$n` is the n-th. */
export interface PlayStepView {
  question: string;
  answer: string;
  source: string;
}

export interface PlayView {
  task: string;
  /** Who answers non-primitive subquestions, in words (`ground truth`, `X of round 12`, `you (nested questions)`). */
  answerer: string;
  /** The session's root question. */
  root: string;
  /** The question answered now (the root, or a nested one with answerer `me`), and its depth. */
  question: string;
  depth: number;
  steps: PlayStepView[];
  calls: number;
  /** With answerer `me`: nested questions left. */
  budget?: number;
  maxSubquestions: number;
  /** The root was answered (or skipped). */
  done: boolean;
  skipped: boolean;
  /** The root's answer, once answered. */
  answer?: string;
  /** Where the finished questions were saved. */
  savedTo?: string;
  tree: PlayNodeView;
}

/** Compare with H: H's own tree for the same (instance, question) beside the person's. */
export interface PlayCompareView {
  mine: PlayNodeView;
  h: PlayNodeView;
  /** Nodes marked `differs`, in both trees together. */
  differing: number;
}

export type PlayHostMessage =
  | { type: 'state'; view: PlayView }
  /** A command was refused: the one-line reason, shown inline under the input. */
  | { type: 'problem'; message: string }
  | { type: 'completions'; id: number; items: string[] }
  | { type: 'compare'; compare: PlayCompareView };

export type PlayWebviewMessage =
  | { type: 'ready' }
  | { type: 'ask'; text: string }
  | { type: 'answer'; text: string }
  | { type: 'undo' }
  | { type: 'skip' }
  | { type: 'complete'; id: number; line: string }
  | { type: 'compareWithH' }
  | { type: 'next' };

const MAX_TEXT = 2000;
const MAX_NODES = 5000;
const MAX_STEPS = 256;


const webviewParsers: Parsers<PlayWebviewMessage> = {
  ready: () => ({ type: 'ready' }),
  ask: (m) => {
    need(isId(m.text, MAX_TEXT), 'text is not a string of 1 to 2000 characters');
    return { type: 'ask', text: m.text };
  },
  answer: (m) => {
    need(isId(m.text, MAX_TEXT), 'text is not a string of 1 to 2000 characters');
    return { type: 'answer', text: m.text };
  },
  undo: () => ({ type: 'undo' }),
  skip: () => ({ type: 'skip' }),
  complete: (m) => {
    need(isIndex(m.id), 'id is not an index');
    need(isStr(m.line) && m.line.length <= MAX_TEXT, 'line is not a string of at most 2000 characters');
    return { type: 'complete', id: m.id, line: m.line };
  },
  compareWithH: () => ({ type: 'compareWithH' }),
  next: () => ({ type: 'next' }),
};

/** Validates a message from the play webview. */
export function parsePlayWebviewMessage(x: unknown): Result<PlayWebviewMessage> {
  return parseWith(x, webviewParsers);
}

function checkNode(x: unknown, where: string, count: { n: number }): void {
  const n = needObj(x, where);
  need(++count.n <= MAX_NODES, `${where}: more than ${MAX_NODES} nodes`);
  for (const k of ['question', 'answer', 'source'] as const) need(isStr(n[k]), `${where}.${k} is not a string`);
  need(n.differs === undefined || typeof n.differs === 'boolean', `${where}.differs is not a boolean`);
  if (n.children !== undefined) needList(n.children, `${where}.children`, (c, w) => checkNode(c, w, count));
}

function checkView(x: unknown, where: string): void {
  const v = needObj(x, where);
  for (const k of ['task', 'answerer', 'root', 'question'] as const) need(isStr(v[k]), `${where}.${k} is not a string`);
  need(isIndex(v.depth), `${where}.depth is not an index`);
  need(isIndex(v.calls), `${where}.calls is not an index`);
  need(isIndex(v.maxSubquestions), `${where}.maxSubquestions is not an index`);
  need(v.budget === undefined || isIndex(v.budget), `${where}.budget is not an index`);
  need(typeof v.done === 'boolean' && typeof v.skipped === 'boolean', `${where}.done or .skipped is not a boolean`);
  need(v.answer === undefined || isStr(v.answer), `${where}.answer is not a string`);
  need(v.savedTo === undefined || isStr(v.savedTo), `${where}.savedTo is not a string`);
  need(Array.isArray(v.steps) && v.steps.length <= MAX_STEPS, `${where}.steps is not a list of at most ${MAX_STEPS}`);
  needList(v.steps, `${where}.steps`, (s, w) => {
    const o = needObj(s, w);
    for (const k of ['question', 'answer', 'source'] as const) need(isStr(o[k]), `${w}.${k} is not a string`);
  });
  checkNode(v.tree, `${where}.tree`, { n: 0 });
}


const hostChecks: Checks<PlayHostMessage> = {
  state: (m) => checkView(m.view, 'view'),
  problem: (m) => need(isId(m.message, MAX_TEXT), 'message is not a string of 1 to 2000 characters'),
  completions: (m) => {
    need(isIndex(m.id), 'id is not an index');
    need(Array.isArray(m.items) && m.items.length <= 500 && m.items.every((s) => isStr(s)), 'items is not a list of at most 500 strings');
  },
  compare: (m) => {
    const c = needObj(m.compare, 'compare');
    checkNode(c.mine, 'compare.mine', { n: 0 });
    checkNode(c.h, 'compare.h', { n: 0 });
    need(isCount(c.differing, 2 * MAX_NODES), 'compare.differing is not a count');
  },
};

/** Validates a message from the host to the play webview (deeply: the trees are walked). */
export function parsePlayHostMessage(x: unknown): Result<PlayHostMessage> {
  return checkWith(x, hostChecks);
}

