/**
 * Where X's belief about a question comes from, for the Explorer's "Targets for this question"
 * (no vscode, no worker; the task's code only through SessionTask): the training targets the run recorded for the question
 * (targets.jsonl: a bounded sample per round, docs/run-folder.md) — in the node's own context, or
 * the same question text in another — and per round a summary of its class's targets.
 */
import * as fs from 'node:fs';
import { questionKey, type Answer, type InstanceId, type Question } from '../core/index';
import { instanceKey, type RunFolder } from '../engine/run-folder';
import type { TargetsRecord } from '../engine/run-types';
import type { ClassRoundView, TargetView, TargetsView } from '../protocol/targets';
import type { SessionTask } from './session-task';

/** Targets of the question listed at most (newest first); the rest are counted. */
const MAX_TARGETS = 40;
/** Rounds of the class summary at most (newest first). */
const MAX_ROUNDS = 60;

/** The last read of a targets.jsonl, by file: read again only when the file has changed. */
const cache = new Map<string, { size: number; mtime: number; records: TargetsRecord[]; skipped: number }>();

function records(folder: RunFolder): { records: TargetsRecord[]; skipped: number } {
  const file = folder.targetsFile;
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return { records: [], skipped: 0 };
  const hit = cache.get(file);
  if (hit && hit.size === stat.size && hit.mtime === stat.mtimeMs) return hit;
  const read = folder.targets();
  const entry = { size: stat.size, mtime: stat.mtimeMs, records: read.records, skipped: read.skipped.length };
  cache.set(file, entry);
  return entry;
}

/**
 * The recorded targets of `question` asked in the context `instance`, up to `round`: those of the
 * same question (same context first in each round, newest round first) and its class's rounds.
 */
export async function targetsView(task: SessionTask, folder: RunFolder, instance: InstanceId, question: Question, round: number): Promise<TargetsView> {
  const { label, cls, primitive } = await task.view('questionClass', { instance, question });
  const view: TargetsView = { question: label, cls, perClass: 0, targets: [], more: 0, classRounds: [] };
  if (primitive) {
    view.note = 'a lookup in the facts: X is never trained on it';
    return view;
  }
  const read = records(folder);
  const recs = read.records.filter((r) => r.round <= round).reverse();
  if (recs.length === 0) {
    view.note = read.records.length > 0 || read.skipped > 0
      ? `no round up to ${round} recorded its targets${read.skipped ? ` (${read.skipped} line(s) of targets.jsonl could not be read)` : ''}`
      : 'this run has recorded no targets (rounds record a sample of their targets since targets.jsonl was added)';
    return view;
  }
  view.perClass = recs[0].perClass;
  const key = questionKey(question);
  const here = instanceKey(instance);
  const found: TargetView[] = [];
  const answers: Answer[] = [];
  for (const r of recs) {
    const inRound: TargetView[] = [];
    for (const t of r.targets) {
      if (questionKey(t.question) !== key) continue;
      const sameContext = instanceKey(t.instance) === here;
      inRound.push({ round: r.round, answer: { symbols: [...t.answer], label: '', correct: t.ok }, maker: t.maker, sameContext });
    }
    found.push(...inRound.sort((a, b) => Number(b.sameContext) - Number(a.sameContext)));
    const ofClass = r.targets.filter((t) => t.cls === cls);
    if (view.classRounds.length < MAX_ROUNDS && (r.made[cls] ?? 0) > 0) {
      const makers: Record<string, number> = {};
      for (const t of ofClass) makers[t.maker] = (makers[t.maker] ?? 0) + 1;
      const summary: ClassRoundView = { round: r.round, made: r.made[cls], sampled: ofClass.length, right: ofClass.filter((t) => t.ok).length, makers };
      view.classRounds.push(summary);
    }
  }
  view.targets = found.slice(0, MAX_TARGETS);
  view.more = found.length - view.targets.length;
  // The answers' labels in the task's notation, in one call.
  for (const t of view.targets) answers.push(t.answer.symbols);
  const labelled = await task.view('labels', { questions: [], answers });
  view.targets.forEach((t, i) => (t.answer.label = labelled.answers[i]));
  return view;
}
