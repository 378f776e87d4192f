/**
 * The Explorer's view of where H′ agrees with a person who played H (Answer as the Expert…,
 * `amplify play`): per node whose question a person decomposed in this context, their transcript
 * and H′'s action in place of each of theirs; per tree, the run-level figure. Pure TypeScript,
 * used by both sides (explorer.ts checks these fields of a tree with `checkPersonNode` and
 * `checkPersonSummary`).
 */
import { isCount, isStr, need, needList, needObj } from './validate';

/** A subquestion asked, or an answer given, in the task's notation. */
export interface PersonActionView {
  kind: 'ask' | 'answer';
  label: string;
}

/** A node's question as a person decomposed it, beside H′. */
export interface PersonView {
  who: string;
  /** When the person answered (ISO 8601). */
  at: string;
  /** How many times this question was recorded in this context (the latest is shown). */
  recorded: number;
  /** The person's subquestions with the subanswers they got, then their answer. */
  steps: { question: string; answer: string }[];
  answer: string;
  /**
   * H′ in place of each of the person's actions (their subquestions, then their answer), given the
   * person's question and subanswers so far; `agrees`: H′ does what the person did there.
   */
  expert: (PersonActionView & { agrees: boolean })[];
  /** H′ does what the person did at every action. */
  agrees: boolean;
  /** H′ trained on this transcript (a person's transcript not held out, expert source human or both). */
  trainedOn: boolean;
}

/** The run-level figure: "H′ agrees with the person on k of n recorded questions". */
export interface PersonSummaryView {
  agrees: number;
  recorded: number;
  /** Of those H′ never trained on. */
  unseen: { agrees: number; recorded: number };
  /** The round of the H′ compared (the run keeps only its latest). */
  round: number;
}

/** One line: "H′ agrees with the person on 3 of 4 recorded questions (2 of 2 it never trained on) — H′ of round 5". */
export function personSummaryText(p: PersonSummaryView): string {
  const unseen = p.unseen.recorded === p.recorded ? ', none of which it trained on' : p.unseen.recorded > 0 ? ` (${p.unseen.agrees} of ${p.unseen.recorded} it never trained on)` : '';
  return `H′ agrees with the person on ${p.agrees} of ${p.recorded} recorded question${p.recorded === 1 ? '' : 's'}${unseen} — H′ of round ${p.round}`;
}

const needStr = (x: unknown, where: string): void => need(isStr(x), `${where} is not a string`);

export function checkPersonNode(x: unknown, where: string): void {
  const p = needObj(x, where);
  needStr(p.who, `${where}.who`);
  needStr(p.at, `${where}.at`);
  needStr(p.answer, `${where}.answer`);
  need(isCount(p.recorded, 1e6), `${where}.recorded is not a count`);
  need(typeof p.agrees === 'boolean', `${where}.agrees is not true or false`);
  need(typeof p.trainedOn === 'boolean', `${where}.trainedOn is not true or false`);
  needList(p.steps, `${where}.steps`, (s, w) => {
    const step = needObj(s, w);
    needStr(step.question, `${w}.question`);
    needStr(step.answer, `${w}.answer`);
  });
  const actions = needList(p.expert, `${where}.expert`, (a, w) => {
    const act = needObj(a, w);
    need(act.kind === 'ask' || act.kind === 'answer', `${w}.kind is not ask or answer`);
    needStr(act.label, `${w}.label`);
    need(typeof act.agrees === 'boolean', `${w}.agrees is not true or false`);
  });
  need(actions.length === (p.steps as unknown[]).length + 1, `${where}.expert is not one action per step of the person, and one for the answer`);
}

export function checkPersonSummary(x: unknown, where: string): void {
  const p = needObj(x, where);
  need(isCount(p.agrees, 1e7) && isCount(p.recorded, 1e7) && p.agrees <= p.recorded, `${where}: agrees and recorded are not counts with agrees ≤ recorded`);
  const u = needObj(p.unseen, `${where}.unseen`);
  need(isCount(u.agrees, 1e7) && isCount(u.recorded, 1e7) && u.agrees <= u.recorded && u.recorded <= p.recorded, `${where}.unseen: not counts within the recorded`);
  need(isCount(p.round, 1e7), `${where}.round is not a round number`);
}
