/**
 * Everything the Explorer and New Run… compute with a run's task, as whole computations over plain
 * data: (task, arguments) → result, no functions or Maps across. The host calls them through its
 * session's task (src/extension/session-task.ts): in-process for a built-in task (our code), in the
 * task's sandbox process (src/engine/task-sandbox.ts; its entry, src/extension/task-sandbox-main.ts,
 * registers TASK_VIEWS) for a user's task file, so that the user's code never runs on the extension
 * host's thread. No vscode here: this runs in the sandbox process too.
 *
 * A tree is built in one call: H re-run over the recorded answers with the overrides in force, the
 * tree without them (for what the overrides did), the previous round's tree under the same
 * overrides (for Δ) and the view the webview shows. Subquestions no round recorded come back in
 * `missing`: the host asks the run's model and calls again with the answers.
 */
import {
  blame, checkAnswer, checkQuestion, counterfactual, createRng, makeContext, makeQuestion, questionKey, resolveSize, sameTuple, taskKinds, tupleProblem,
  type Answer, type AnyContext, type AnyTask, type HCHNode, type HCHTree, type InstanceId, type Question,
} from '../../core/index';
import type { BlameView, TreeView } from '../../protocol/explorer';
import { deepQuestion } from '../../engine/deep-question';
import type { NodeAnswers } from '../../engine/run-types';
import type { ViewTable } from '../../engine/task-sandbox-calls';
import { overrideEffects, recomputeTree, treeOptions, treeView, unrecordedQuestions, type TreeInputs } from './view-model';

/** How a pin's tree is built: the same for the tree shown and for a counterfactual. */
export interface TreeShape {
  instance: InstanceId;
  /** The pinned question (the root). */
  question: Question;
  /** The overrides in force for this context. */
  overrides: { question: Question; answer: Answer }[];
  depth: number;
  /** Node paths ("0.2") opened beyond `depth`. */
  expanded: string[];
  leaves: 'recorded' | 'truth';
}

export interface TreeArgs extends TreeShape {
  pin: string;
  round: number;
  /** X's answers by question key: the round's record, and what the model answered since. */
  answers: Record<string, NodeAnswers>;
  /** The previous round's record of this pin, for Δ. */
  previous?: { tree: HCHTree; answers: Record<string, NodeAnswers> };
  /** Compare mode: the other run's (or round's) record of this question. */
  compared?: { tree: HCHTree; answers: Record<string, NodeAnswers>; label: string };
  /** Annotation counts by node path ("" for the root). */
  annotations: Record<string, number>;
}

export interface TreeResult {
  /** The tree with the overrides in force (what the view shows). */
  tree: HCHTree;
  view: TreeView;
  /** Leaves no answer was given for (H asked them anew): the host may ask the model and call again. */
  missing: Question[];
}

export interface ExplainArgs extends TreeShape {
  /** The node asked about (a subtree of the tree shown) and its path. */
  from: number[];
  node: HCHNode;
  /** The answers the tree shown was built with. */
  answers: Record<string, NodeAnswers>;
  /** Those and the model's answers to the counterfactual's new subquestions so far. */
  filled: Record<string, NodeAnswers>;
}

export interface ExplainResult {
  view: BlameView;
  /** The counterfactual's leaves no answer was given for. */
  missing: Question[];
}

function inputs(task: AnyTask, ctx: AnyContext, shape: TreeShape, answers: Record<string, NodeAnswers>, overrides = true): TreeInputs {
  return {
    task, ctx, question: shape.question, answers, depth: shape.depth, expanded: new Set(shape.expanded), leaves: shape.leaves,
    overrides: new Map(overrides ? shape.overrides.map((o) => [questionKey(o.question), o.answer]) : []),
  };
}

function missingIn(trees: HCHTree[]): Question[] {
  const found = new Map<string, Question>();
  for (const q of trees.flatMap(unrecordedQuestions)) found.set(questionKey(q), q);
  return [...found.values()];
}

/** A pin's tree at a round, its view and the subquestions still without an answer. */
export function tree(task: AnyTask, a: TreeArgs): TreeResult {
  const ctx = makeContext(task, a.instance);
  const withOverrides = recomputeTree(inputs(task, ctx, a, a.answers));
  const baseline = a.overrides.length > 0 ? recomputeTree(inputs(task, ctx, a, a.answers, false)) : undefined;
  // Δ is round to round: with overrides in force, the previous round's tree is rebuilt under the
  // same overrides (its own recorded answers first), so that Δ never shows what an override did.
  const previous = a.previous && baseline ? recomputeTree(inputs(task, ctx, a, { ...a.answers, ...a.previous.answers })) : a.previous?.tree;
  const effects = baseline ? overrideEffects(task, withOverrides, baseline) : undefined;
  const view = treeView(a.pin, a.round, a.instance.size, withOverrides, {
    task, ctx, answers: a.answers, previous, compared: a.compared, annotations: new Map(Object.entries(a.annotations)),
    expanded: new Set(a.expanded), byOverride: effects?.marks,
  });
  if (effects) view.overrideSummary = effects.summary;
  return { tree: withOverrides, view, missing: missingIn(baseline ? [withOverrides, baseline] : [withOverrides]) };
}

/**
 * "Why is this wrong?" about a node: where its error starts (core blame), and the counterfactual —
 * the tree rebuilt with the true answer there (its new subquestions answered from `filled`).
 */
export function explain(task: AnyTask, a: ExplainArgs): ExplainResult {
  const ctx = makeContext(task, a.instance);
  const b = blame(task, ctx, a.node, {
    // X's probability, when the answer the tree used (the teacher's) is also X's.
    probability: (q) => {
      const x = a.answers[questionKey(q)];
      return x && sameTuple(x.x.answer, x.teacher) ? x.x.probability : undefined;
    },
  });
  const path = [...a.from, ...b.path];
  const view: BlameView = { kind: b.kind, from: a.from, path, question: task.format.question(b.question), detail: b.detail };
  if (b.kind === 'none') return { view, missing: [] };
  try {
    const rebuilt = counterfactual(task, ctx, a.question, treeOptions(inputs(task, ctx, a, a.filled)), { path, question: b.question, proposal: b.proposal });
    view.counterfactual = rebuilt.detail;
    return { view, missing: missingIn([rebuilt.tree]) };
  } catch (e) {
    view.counterfactual = `The tree could not be rebuilt with the true answer there: ${(e as Error).message}`;
    return { view, missing: [] };
  }
}

/** Why `answer` cannot override `question` in the context `instance` (null: it can; a null answer clears). */
export function checkOverride(task: AnyTask, a: { instance: InstanceId; question: Question; answer: Answer | null }): string | null {
  if (task.isPrimitive(a.question)) return 'a lookup in the context cannot be overridden: override its parent instead';
  return (a.answer && checkAnswer(task, a.question, a.answer, makeContext(task, a.instance))) || null;
}

/** A question sampled in the context `instance` (Sample Question). */
export function sample(task: AnyTask, a: { instance: InstanceId }): Question {
  const ctx = makeContext(task, a.instance);
  return makeQuestion(task, a.instance, ctx, createRng([a.instance.index]).int(1000));
}

/**
 * Pin a Question: `text` read in the task's notation and checked in the context `instance` (whose
 * size is checked against the task's range): the question and its instance, or why not.
 */
export function parsePin(task: AnyTask, a: { text: string; instance: InstanceId }): { question: Question; instance: InstanceId } | { problem: string } {
  const q = task.format.parseQuestion?.(a.text);
  const instance = { ...a.instance, size: resolveSize(task, a.instance.size) };
  const problem = tupleProblem(q, 'the question');
  if (!q || problem) return { problem: `cannot read '${a.text}' as a question of ${task.name}: ${problem ?? 'not in its notation'}` };
  const kinds = taskKinds(task);
  if (!(q[0] in kinds) || kinds[q[0]].primitive) return { problem: `'${a.text}' is not a question X answers (kinds: ${Object.entries(kinds).filter(([, k]) => !k.primitive).map(([k]) => k).join(', ')})` };
  const bad = checkQuestion(task, q, makeContext(task, instance));
  return bad ? { problem: bad } : { question: q, instance };
}

/** Questions and answers in the task's notation. */
export function labels(task: AnyTask, a: { questions: Question[]; answers: Answer[] }): { questions: string[]; answers: string[] } {
  return { questions: a.questions.map((q) => task.format.question(q)), answers: a.answers.map((x) => task.format.answer(x)) };
}

/** A question asked in a context: its label, its class and whether it is a lookup (primitive). */
export function questionClass(task: AnyTask, a: { instance: InstanceId; question: Question }): { label: string; cls: string; primitive: boolean } {
  return { label: task.format.question(a.question), cls: task.classify(makeContext(task, a.instance), a.question), primitive: task.isPrimitive(a.question) };
}

/** The calls, by name (the sandbox answers them by this table too). */
export const TASK_VIEWS = {
  tree, explain, checkOverride, sample, parsePin, labels, questionClass,
  /** The question a new run pins first. */
  deepQuestion: (task: AnyTask, a: { instance: InstanceId }): Question => deepQuestion(task, a.instance),
} satisfies ViewTable;
export type TaskViews = typeof TASK_VIEWS;
export type ViewName = keyof TaskViews;
export type ViewArgs<K extends ViewName> = Parameters<TaskViews[K]>[1];
export type ViewResult<K extends ViewName> = ReturnType<TaskViews[K]>;

/** Runs one call on a task (in this process). */
export function taskView<K extends ViewName>(task: AnyTask, name: K, args: ViewArgs<K>): ViewResult<K> {
  const fn = TASK_VIEWS[name] as (task: AnyTask, args: ViewArgs<K>) => ViewResult<K>;
  return fn(task, args);
}
