/**
 * "Targets for this question": what the Explorer's host sends about a node's training targets
 * (the run's targets.jsonl, docs/run-folder.md) — the recorded targets of the node's question, and
 * for its class a summary per round — and its check. The messages that carry it are in explorer.ts.
 * Pure TypeScript (no vscode, no Node APIs): the webview bundles it.
 */
import type { AnswerView } from './explorer';
import { isIndex, isNum, isObj, isStr, isStrArray, need, needList, needObj } from './validate';

/** One recorded target of the node's question. */
export interface TargetView {
  round: number;
  /** The target; `correct`: against ground truth (the webview hides it in blind mode). */
  answer: AnswerView;
  /** Who made it: H, H′, ground truth, override or fault. */
  maker: string;
  /** Made in the node's own context; else the same question text in another context. */
  sameContext: boolean;
}

/** The targets of the node's class in one round. */
export interface ClassRoundView {
  round: number;
  /** Targets the round made of this class, and how many of them the record kept. */
  made: number;
  sampled: number;
  /** Sampled targets equal to the ground truth. */
  right: number;
  /** Sampled targets per maker. */
  makers: Record<string, number>;
}

export interface TargetsView {
  /** The node's question in the task's notation, and its class. */
  question: string;
  cls: string;
  /** Targets kept per class per round (0: nothing recorded). */
  perClass: number;
  /** Targets of this question, newest first (at most a screenful; `more` counts the rest). */
  targets: TargetView[];
  more: number;
  /** The class's rounds, newest first, up to the round shown. */
  classRounds: ClassRoundView[];
  /** Why nothing is recorded, e.g. a run trained before rounds recorded their targets. */
  note?: string;
}

function checkAnswerView(x: unknown, where: string): void {
  const a = needObj(x, where);
  need(isStrArray(a.symbols), `${where}.symbols is not a list of strings`);
  need(isStr(a.label), `${where}.label is not a string`);
  need(a.correct === null || typeof a.correct === 'boolean', `${where}.correct is not true, false or null`);
}

/** Checks a TargetsView (throws `Invalid` naming the field). */
export function checkTargetsView(x: unknown, where: string): void {
  const v = needObj(x, where);
  need(isStr(v.question), `${where}.question is not a string`);
  need(isStr(v.cls), `${where}.cls is not a string`);
  need(isIndex(v.perClass), `${where}.perClass is not a count`);
  need(isIndex(v.more), `${where}.more is not a count`);
  need(v.note === undefined || isStr(v.note), `${where}.note is not a string`);
  needList(v.targets, `${where}.targets`, (t, w) => {
    const target = needObj(t, w);
    need(isIndex(target.round), `${w}.round is not a round number`);
    checkAnswerView(target.answer, `${w}.answer`);
    need(isStr(target.maker), `${w}.maker is not a string`);
    need(typeof target.sameContext === 'boolean', `${w}.sameContext is not true or false`);
  });
  needList(v.classRounds, `${where}.classRounds`, (r, w) => {
    const round = needObj(r, w);
    for (const k of ['round', 'made', 'sampled', 'right'] as const) need(isIndex(round[k]), `${w}.${k} is not a count`);
    need(isObj(round.makers) && Object.values(round.makers).every((n) => isNum(n) && n >= 0), `${w}.makers is not a table of counts`);
  });
}
