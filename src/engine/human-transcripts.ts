/**
 * The transcripts of people who played H (`amplify play`, the Explorer): JSON Lines, one
 * `PlayRecord` per finished question, by default `<run>/human/transcripts.jsonl`.
 *
 * They are also what H′ learns from when a run's `expertSource` is `human` (only them: the real H
 * is never called) or `both` (mixed with H's transcripts). A run reads its own
 * `<run>/human/transcripts.jsonl` at the start of every round, so a person playing with
 * `amplify play --run DIR` while it trains adds to H′'s data; `amplify train --transcripts FILE`
 * and New Run… copy a file's records into it when the run is created. Each record is checked
 * against the task before it is used; one in five (by a hash of its context and question) is
 * held out to measure how often H′ agrees with the person. The Explorer marks the questions a person
 * decomposed and shows, action by action, whether H′ does what they did (personAgreement).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  checkAnswer, checkQuestion, hash32, isPrimitive, makeContext, playRecordProblem, questionKey, sameTuple, type Answer, type AnyContext, type AnyTask, type InstanceId, type PlayRecord,
} from '../core/index';
import type { ExpertAction, ModelH, PartialTranscript } from '../learner/types';
import { appendJsonLine, readJsonLines, type JsonLines } from './files';
import { expertTranscript } from './learned-expert';
import { instanceKey } from './run-folder';
import type { ExpertSource } from './run-types';

/** Where H′'s training data comes from: H's transcripts (the paper), a person's, or both. */
export const EXPERT_SOURCES: readonly ExpertSource[] = ['H', 'human', 'both'];
export const DEFAULT_EXPERT_SOURCE: ExpertSource = 'H';

/** The share of a person's transcripts held out from H′'s training to measure agreement with them. */
export const HELD_OUT_SHARE = 0.2;

/** A complete transcript as H′ learns it: the question, the subquestions with their answers, the answer. */
export type LearnedTranscript = PartialTranscript & { answer: Answer };

/** The transcripts file of a run folder. */
export function humanTranscriptsFile(runDir: string): string {
  return path.join(runDir, 'human', 'transcripts.jsonl');
}

/** Appends one finished question (fsynced; a torn last line of an earlier writer is left behind on its own line). */
export function appendPlayRecord(file: string, record: PlayRecord): void {
  appendJsonLine(file, record);
}

/** The records of a transcripts file; lines that do not parse or are not records are skipped and reported (1-based). */
export function readPlayRecords(file: string): JsonLines<PlayRecord> {
  return readJsonLines<PlayRecord>(file, playRecordProblem);
}

/**
 * Why a record of this task cannot teach H′ (one line), or undefined: its size must be the task's,
 * its question a non-primitive question of the task, each subquestion a question of the task about
 * the record's context with an answer of the right shape, at most `maxSubquestions` of them, and
 * its answer one the question can have.
 */
export function humanRecordProblem(task: AnyTask, r: PlayRecord): string | undefined {
  if (r.size < task.sizes.min || r.size > task.sizes.max || r.instance.size !== r.size) return `size ${r.size} is outside ${task.name}'s range ${task.sizes.min}..${task.sizes.max}`;
  let ctx: AnyContext;
  try {
    ctx = makeContext(task, r.instance);
  } catch (e) {
    return `its context cannot be made: ${(e as Error).message}`;
  }
  const t = r.transcript;
  const q = checkQuestion(task, t.question, ctx);
  if (q) return q;
  if (isPrimitive(task, t.question)) return `${task.format.question(t.question)} is a lookup: there is no decomposition to learn`;
  if (t.steps.length > task.maxSubquestions) return `${t.steps.length} subquestions, more than H may ask (${task.maxSubquestions})`;
  for (const [n, s] of t.steps.entries()) {
    const problem = checkQuestion(task, s.question, ctx) ?? checkAnswer(task, s.question, s.answer, ctx);
    if (problem) return `subquestion ${n + 1}: ${problem}`;
  }
  return checkAnswer(task, t.question, t.answer, ctx);
}

/** A person's transcripts of one task, ready for H′: the part it trains on, the part held out, and what was left out. */
export interface HumanData {
  train: LearnedTranscript[];
  heldOut: LearnedTranscript[];
  /** Records of other tasks (a shared file holds every task's). */
  otherTasks: number;
  /** Lines left out, 1-based: unreadable, or not valid for this task. */
  problems: { line: number; reason: string }[];
}

/** Whether a record is in the held-out part (a fixed choice per context and question, however the file grows). */
function heldOut(r: PlayRecord): boolean {
  return hash32(['human-held-out', instanceKey(r.instance), questionKey(r.question)]) / 0x100000000 < HELD_OUT_SHARE;
}

/** The records of `task` in a transcripts file that can teach H′, each with its transcript as H′ learns it and its part. */
interface TaskRecords {
  records: { record: PlayRecord; transcript: LearnedTranscript; heldOut: boolean }[];
  otherTasks: number;
  problems: { line: number; reason: string }[];
}

function readTaskRecords(task: AnyTask, file: string): TaskRecords {
  const data: TaskRecords = { records: [], otherTasks: 0, problems: [] };
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      data.problems.push({ line: i + 1, reason: 'not JSON (a line cut short?)' });
      return;
    }
    const problem = playRecordProblem(value);
    const r = value as PlayRecord;
    if (!problem && r.task !== task.name) {
      data.otherTasks++;
      return;
    }
    const invalid = problem ?? humanRecordProblem(task, r);
    if (invalid) {
      data.problems.push({ line: i + 1, reason: invalid });
      return;
    }
    const transcript = expertTranscript(r.transcript);
    data.records.push({ record: r, transcript, heldOut: heldOut(r) });
  });
  return data;
}

/** Reads and checks a transcripts file for `task` (a missing file has no records). */
export function readHumanData(task: AnyTask, file: string): HumanData {
  const { records, otherTasks, problems } = readTaskRecords(task, file);
  return { train: records.filter((r) => !r.heldOut).map((r) => r.transcript), heldOut: records.filter((r) => r.heldOut).map((r) => r.transcript), otherTasks, problems };
}

/** What was left out of a transcripts file, in one line (empty when nothing was). */
export function humanDataNotes(data: HumanData, file: string): string {
  const notes = [
    ...(data.otherTasks > 0 ? [`${data.otherTasks} of other tasks`] : []),
    ...(data.problems.length > 0 ? [`${data.problems.length} invalid (line ${data.problems[0].line}: ${data.problems[0].reason}${data.problems.length > 1 ? '; …' : ''})`] : []),
  ];
  return notes.length === 0 ? '' : `${file}: left out ${notes.join(', ')}`;
}

/**
 * Copies the records of `task` that can teach H′ from `from` into a run folder's transcripts file
 * (before the run is created: `amplify train --transcripts FILE`, New Run…). Returns what was read.
 */
export function copyHumanTranscripts(task: AnyTask, from: string, runDir: string): HumanData {
  if (!fs.existsSync(from)) throw new RangeError(`no transcripts file ${from}`);
  const data = readHumanData(task, from);
  const lines = fs.readFileSync(from, 'utf8').split('\n');
  const bad = new Set(data.problems.map((p) => p.line));
  const to = humanTranscriptsFile(runDir);
  lines.forEach((line, i) => {
    if (line.trim() === '' || bad.has(i + 1)) return;
    const r = JSON.parse(line) as PlayRecord;
    if (r.task === task.name) appendPlayRecord(to, r);
  });
  return data;
}

/**
 * The person's transcripts a run with `source` (not `H`) trains H′ on, read from its folder; a
 * clear error when there is no folder or no usable transcript for training.
 */
export function requireHumanData(task: AnyTask, source: ExpertSource, runDir: string | undefined): HumanData {
  if (!runDir) throw new RangeError(`expert source ${source}: H′ learns from a person's transcripts in a run folder (<run>/human/transcripts.jsonl), and this run has none`);
  const file = humanTranscriptsFile(runDir);
  const data = readHumanData(task, file);
  if (data.train.length === 0) {
    const usable = data.heldOut.length;
    throw new RangeError(
      `expert source ${source}: no transcript of a person to train H′ on in ${file}` +
        `${usable > 0 ? ` (${usable} usable, all held out to measure agreement: one in five is)` : ''}` +
        `${humanDataNotes(data, file) ? `; ${humanDataNotes(data, file)}` : ''}` +
        `. Record some with 'amplify play ${task.name} --run ${runDir}', or give a file of them (amplify train --transcripts FILE)`,
    );
  }
  return data;
}

function sameAction(a: ExpertAction, b: ExpertAction): boolean {
  if ('ask' in a) return 'ask' in b && sameTuple(a.ask, b.ask);
  return 'answer' in b && sameTuple(a.answer, b.answer);
}

/** One of a person's actions (a subquestion or the answer) and what H′ does in its place, given the person's steps before it. */
export interface ActionComparison {
  person: ExpertAction;
  expert: ExpertAction;
  agrees: boolean;
}

/** A person's transcript action by action against H′; `agrees` when H′ does what the person did at every action. */
export interface PersonComparison {
  actions: ActionComparison[];
  agrees: boolean;
}

/**
 * H′ at each action of a person's transcripts: given the person's question and subanswers so far,
 * does it ask the person's next subquestion (in their order), and at the end give their answer?
 * (After `maxSubquestions` subquestions H′ must answer.) Two batched calls of H′ in all.
 */
export function compareWithPerson(model: ModelH, task: AnyTask, transcripts: readonly LearnedTranscript[]): PersonComparison[] {
  const points = transcripts.flatMap((t, i) => [
    ...t.steps.map((s, n) => ({ i, n, state: { question: t.question, steps: t.steps.slice(0, n) }, want: { ask: s.question } as ExpertAction })),
    { i, n: t.steps.length, state: { question: t.question, steps: t.steps }, want: { answer: t.answer } as ExpertAction },
  ]);
  const out: PersonComparison[] = transcripts.map((t) => ({ actions: new Array<ActionComparison>(t.steps.length + 1), agrees: true }));
  for (const forceAnswer of [false, true]) {
    const which = points.filter((p) => (p.state.steps.length >= task.maxSubquestions) === forceAnswer);
    if (which.length === 0) continue;
    const got = model.next(which.map((p) => p.state), { forceAnswer });
    which.forEach((p, n) => {
      const agrees = sameAction(got[n], p.want);
      out[p.i].actions[p.n] = { person: p.want, expert: got[n], agrees };
      if (!agrees) out[p.i].agrees = false;
    });
  }
  return out;
}

/** How often H′ reproduces a person's transcripts exactly (every action, see compareWithPerson). 0..1; 0 for no transcripts. */
export function agreementWithPerson(model: ModelH, task: AnyTask, transcripts: readonly LearnedTranscript[]): number {
  if (transcripts.length === 0) return 0;
  return compareWithPerson(model, task, transcripts).filter((c) => c.agrees).length / transcripts.length;
}

/** A recorded question compared with H′: the record, whether H′ trained on it, and both in the task's notation. */
export interface PersonRecordComparison extends PersonComparison {
  record: PlayRecord;
  trainedOn: boolean;
  /** The person's subquestions with their subanswers and their answer; H′'s action in place of each of theirs. */
  written: { steps: { question: string; answer: string }[]; answer: string; expert: { kind: 'ask' | 'answer'; label: string }[] };
}

/** A question or answer in the task's notation; H′ may produce a tuple the notation cannot write (then its symbols). */
function write(format: (t: readonly string[]) => string, t: readonly string[]): string {
  try {
    return format(t);
  } catch {
    return t.join(' ');
  }
}

function written(task: AnyTask, t: LearnedTranscript, c: PersonComparison): PersonRecordComparison['written'] {
  const q = (x: readonly string[]) => write((y) => task.format.question(y), x);
  const a = (x: readonly string[]) => write((y) => task.format.answer(y), x);
  return {
    steps: t.steps.map((s) => ({ question: q(s.question), answer: a(s.answer) })),
    answer: a(t.answer),
    expert: c.actions.map((x) => ('ask' in x.expert ? { kind: 'ask' as const, label: q(x.expert.ask) } : { kind: 'answer' as const, label: a(x.expert.answer) })),
  };
}

/**
 * Where H′ agrees with the person (the Explorer's person marks): over every usable record of the
 * task in a run's transcripts file, how many H′ reproduces exactly — and of those it never trained
 * on (held out, or all of them when it learns from H alone) — and the comparisons of the records
 * asked in the context `instance` — in the task's notation too, so that the host calls no task code.
 */
export interface PersonAgreement {
  agrees: number;
  recorded: number;
  unseen: { agrees: number; recorded: number };
  records: PersonRecordComparison[];
}

export function personAgreement(model: ModelH, task: AnyTask, source: ExpertSource, file: string, instance: InstanceId): PersonAgreement {
  const { records } = readTaskRecords(task, file);
  const compared = compareWithPerson(model, task, records.map((r) => r.transcript));
  const trainedOn = records.map((r) => source !== 'H' && !r.heldOut);
  const unseen = compared.filter((_, i) => !trainedOn[i]);
  const here = instanceKey(instance);
  return {
    agrees: compared.filter((c) => c.agrees).length,
    recorded: records.length,
    unseen: { agrees: unseen.filter((c) => c.agrees).length, recorded: unseen.length },
    records: records.flatMap((r, i) => (instanceKey(r.record.instance) === here ? [{ ...compared[i], record: r.record, trainedOn: trainedOn[i], written: written(task, r.transcript, compared[i]) }] : [])),
  };
}
