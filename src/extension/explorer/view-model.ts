/**
 * Turns the engine's records (HCH trees, X's answers, overrides, annotations) into the Explorer's
 * views (src/protocol/explorer.ts). Pure: no vscode, no tfjs — H, lookups and ground truth are
 * recomputed here from the core, so an override re-runs H up the path at once, for any recorded
 * round. It runs the task's code: for a user's task file it runs in the task's sandbox process,
 * called through task-views.ts, never on the extension host's thread. No vscode here: it is bundled
 * into the sandbox process too (src/extension/task-sandbox-main.ts).
 */
import {
  expandHCH, functionAnswerer, groundTruth, isPrimitive, questionKey, sameTuple, truthAnswerer, UNKNOWN_ANSWER,
  type Answer, type Answerer, type AnyContext, type AnyTask, type HCHNode, type HCHOptions, type HCHTree, type Question,
} from '../../core/index';
import type { NodeAnswers, RoundRecord, RunMeta } from '../../engine/run-types';
import type { AnswerView, FactView, NodeView, OverrideSummaryView, RoundView, RunView, SkippedLineView, TreeView } from '../../protocol/explorer';

export function answerView(task: AnyTask, a: Answer, truth: Answer | undefined): AnswerView {
  return { symbols: [...a], label: task.format.answer(a), correct: truth === undefined ? null : sameTuple(a, truth) };
}

export function roundView(r: RoundRecord): RoundView {
  return {
    round: r.round, size: r.size, accuracy: r.accuracy, accuracyByClass: r.accuracyByClass, targetAccuracy: r.targetAccuracy,
    agreementAverage: r.agreementAverage, loss: r.loss, callsToHTotal: r.callsToHTotal, questionsTotal: r.questionsTotal, elapsed: r.elapsed,
  };
}

export function runView(meta: RunMeta, folder: string, rounds: readonly RoundRecord[], skipped: SkippedLineView[]): RunView {
  return {
    kind: meta.kind ?? 'run', id: meta.id, folder, task: meta.taskName, mode: meta.config.mode, model: meta.config.model, backend: meta.backend,
    rounds: rounds.map(roundView), skipped,
  };
}

export interface TreeInputs {
  task: AnyTask;
  ctx: AnyContext;
  question: Question;
  /** X's answers by question key (recorded for the round, or from the live model). */
  answers: Record<string, NodeAnswers>;
  /** Overrides for this context, by question key. */
  overrides: Map<string, Answer>;
  depth: number;
  /** Node paths ("0.2") opened beyond `depth`. */
  expanded: ReadonlySet<string>;
  /** Who answers at the leaves: X's recorded answers (default), or ground truth (consistency-check views). */
  leaves?: 'recorded' | 'truth';
}

/** The source name of answers that no recorded or live model gave (H asked something new). */
export const UNRECORDED = 'unrecorded';

/**
 * Re-runs H over the tree with X's recorded (teacher) answers at the leaves and the overrides in
 * force. Questions X was never asked answer '?' with source `unrecorded` (the caller may then ask the
 * live model).
 */
export function recomputeTree(inp: TreeInputs): HCHTree {
  return expandHCH(inp.task, inp.ctx, inp.question, treeOptions(inp));
}

/** The options `recomputeTree` builds with (for rebuilding the same tree otherwise, e.g. a counterfactual). */
export function treeOptions(inp: TreeInputs): HCHOptions {
  const leaf = functionAnswerer('X', (_ctx, q) => inp.answers[questionKey(q)]?.teacher ?? UNKNOWN_ANSWER);
  const recorded: Answerer = {
    answerBatch: (rs) => rs.map((r) => (inp.answers[questionKey(r.question)] ? leaf.answerBatch([r])[0] : { answer: UNKNOWN_ANSWER, source: UNRECORDED })),
  };
  return {
    answerer: inp.leaves === 'truth' ? truthAnswerer(inp.task) : recorded,
    expand: (path) => path.length < inp.depth || inp.expanded.has(path.join('.')),
    override: (q) => inp.overrides.get(questionKey(q)),
    truth: true,
    maxNodes: 5000,
  };
}

/** The questions of the leaves that had no recorded answer (H asked them anew), without repeats. */
export function unrecordedQuestions(tree: HCHTree): Question[] {
  const found = new Map<string, Question>();
  const visit = (n: HCHNode) => {
    if (n.source === UNRECORDED) found.set(questionKey(n.question), n.question);
    n.children?.forEach(visit);
  };
  visit(tree.root);
  return [...found.values()];
}

export interface NodeViewInputs {
  task: AnyTask;
  ctx: AnyContext;
  answers: Record<string, NodeAnswers>;
  /** The previous round's tree, to mark changed answers. */
  previous?: HCHTree;
  /** Compare mode: the tree to compare with (another run's or round's record of the same question) and its X answers. */
  compared?: { tree: HCHTree; answers: Record<string, NodeAnswers>; label: string };
  /** Annotation counts by node path ("" for the root). */
  annotations: Map<string, number>;
  /** Paths ("0.2") the user opened (collapsible again). */
  expanded: ReadonlySet<string>;
  /** What the overrides did to each node, by path ("" for the root): see NodeView.byOverride. */
  byOverride?: ReadonlyMap<string, 'changed' | 'new'>;
}

/** Indexes of the facts that mention a symbol of the question (other than its kind). */
export function mentions(ctx: AnyContext, question: Question): number[] {
  const symbols = new Set(question.slice(1));
  const out: number[] = [];
  ctx.facts.forEach((f, i) => {
    if (f.some((s) => symbols.has(s))) out.push(i);
  });
  return out;
}

export function nodeView(n: HCHNode, path: number[], inp: NodeViewInputs, previous: HCHNode | undefined, compared?: HCHNode): NodeView {
  const truth = n.truth ?? groundTruth(inp.task, inp.ctx, n.question).answer;
  const key = questionKey(n.question);
  const xa = inp.answers[key];
  const primitive = n.primitive === true || isPrimitive(inp.task, n.question);
  const view: NodeView = {
    path,
    question: [...n.question],
    label: inp.task.format.question(n.question),
    kind: n.question[0] ?? '?',
    primitive,
    answer: answerView(inp.task, n.answer, truth),
    source: n.source,
    truth: answerView(inp.task, truth, truth),
    changed: previous !== undefined && sameTuple(previous.question, n.question) && !sameTuple(previous.answer, n.answer),
    expandable: n.expandable === true,
    annotations: inp.annotations.get(path.join('.')) ?? 0,
    opened: n.children !== undefined && inp.expanded.has(path.join('.')),
    mentions: mentions(inp.ctx, n.question),
  };
  const marked = inp.byOverride?.get(path.join('.'));
  if (marked) view.byOverride = marked;
  if (xa && !primitive) {
    view.x = {
      ...answerView(inp.task, xa.x.answer, truth),
      probability: xa.x.probability,
      top: xa.x.top.map((t) => ({ label: inp.task.format.answer(t.answer), probability: t.probability })),
    };
  }
  if (compared) {
    // By position: the node at the same path, whatever it asks (another subquestion is a difference).
    const sameQuestion = sameTuple(compared.question, n.question);
    const cTruth = sameQuestion ? truth : compared.truth;
    const cPrimitive = sameQuestion ? primitive : compared.primitive === true || isPrimitive(inp.task, compared.question);
    const cx = cPrimitive ? undefined : inp.compared?.answers[questionKey(compared.question)]?.x.answer;
    view.compared = {
      answer: answerView(inp.task, compared.answer, cTruth),
      ...(cx ? { x: answerView(inp.task, cx, cTruth) } : {}),
      differs: !sameQuestion || !sameTuple(compared.answer, n.answer) || (cx !== undefined && xa !== undefined && !sameTuple(cx, xa.x.answer)),
      ...(sameQuestion ? {} : { question: [...compared.question], label: inp.task.format.question(compared.question) }),
    };
  }
  if (n.children) {
    // H's own combination (before any override of this node).
    view.h = answerView(inp.task, n.replaced ?? n.answer, truth);
    view.children = n.children.map((c, i) => nodeView(c, [...path, i], inp, previous?.children?.[i], compared?.children?.[i]));
  }
  if (n.replaced) view.replaced = answerView(inp.task, n.replaced, truth);
  if (n.error) view.error = n.error;
  return view;
}

export function factViews(task: AnyTask, ctx: AnyContext, question: Question): FactView[] {
  const mentioned = new Set(question.slice(1));
  return ctx.facts.map((f) => ({ symbols: [...f], label: task.format.fact(f), mentioned: f.some((s) => mentioned.has(s)) }));
}

export function treeView(pin: string, round: number, size: number, tree: HCHTree, inp: NodeViewInputs): TreeView {
  const view: TreeView = {
    pin, round, size,
    root: nodeView(tree.root, [], inp, inp.previous?.root, inp.compared?.tree.root),
    facts: factViews(inp.task, inp.ctx, tree.root.question),
    nodes: tree.nodes,
    truncated: tree.truncated,
  };
  if (inp.compared) view.compare = { label: inp.compared.label, found: true, differing: countDiffering(view.root) };
  return view;
}

function countDiffering(n: NodeView): number {
  return (n.compared?.differs ? 1 : 0) + (n.children ?? []).reduce((s, c) => s + countDiffering(c), 0);
}

/**
 * Adds to every node of a view tree whether its answer was right in each recorded round (null: not
 * recorded). The host does this after the tree is built: it reads the rounds' records, no task code.
 */
export function addHistory(n: NodeView, history: (path: readonly number[], question: Question) => (boolean | null)[]): void {
  n.history = history(n.path, n.question);
  n.children?.forEach((c) => addHistory(c, history));
}

/** The node at a path of a view tree. */
export function viewNodeAt(root: NodeView, path: readonly number[]): NodeView | undefined {
  let n: NodeView | undefined = root;
  for (const i of path) n = n?.children?.[i];
  return n;
}

/** What the overrides did to a tree (see `overrideEffects`). */
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
