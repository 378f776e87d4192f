/**
 * Where H′ agrees with the person, host side: for a run with H′ (a mode that needs learnedH) and a
 * person's transcripts (`<run>/human/transcripts.jsonl`), the run's worker — where H′ lives — says
 * how often H′ does what the person did, and gives the comparisons of the records of the pinned
 * question's context. The tree view gets the run-level figure and, on each node whose question a
 * person decomposed there, their transcript beside H′'s action in place of each of theirs.
 * The worker writes the transcripts in the task's notation: no task code runs here. No vscode here
 * (the Explorer's controller calls it; `addPersonMarks` is unit-tested).
 */
import * as fs from 'node:fs';
import { sameTuple, type InstanceId } from '../../core/index';
import { humanTranscriptsFile, type PersonAgreement, type PersonRecordComparison } from '../../engine/human-transcripts';
import { modeSpec } from '../../engine/modes/index';
import { instanceKey } from '../../engine/run-folder';
import type { RunWorker } from '../../engine/run-worker';
import type { NodeView, TreeView } from '../../protocol/explorer';
import type { PersonView } from '../../protocol/person';
import type { RunSession } from '../session';

/** The view of the latest of a question's records (`records`: all of them, one context). */
function personView(records: PersonRecordComparison[]): PersonView {
  const latest = records.reduce((a, b) => (b.record.at >= a.record.at ? b : a));
  const w = latest.written;
  return {
    who: latest.record.who,
    at: latest.record.at,
    recorded: records.length,
    steps: w.steps,
    answer: w.answer,
    expert: w.expert.map((e, i) => ({ ...e, agrees: latest.actions[i].agrees })),
    agrees: latest.agrees,
    trainedOn: latest.trainedOn,
  };
}

/**
 * Puts the person's marks on a tree view: the run-level figure, and `person` on every node (not a
 * lookup) whose question has records in the compared context. Returns how many nodes were marked.
 */
export function addPersonMarks(view: TreeView, compared: PersonAgreement & { round: number }): number {
  if (compared.recorded === 0) return 0;
  view.person = { agrees: compared.agrees, recorded: compared.recorded, unseen: compared.unseen, round: compared.round };
  let marked = 0;
  const visit = (n: NodeView): void => {
    if (!n.primitive) {
      const records = compared.records.filter((r) => sameTuple(r.record.transcript.question, n.question));
      if (records.length > 0) {
        n.person = personView(records);
        marked++;
      }
    }
    n.children?.forEach(visit);
  };
  visit(view.root);
  return marked;
}

/** The last comparison per run: asked again when the transcripts file, the worker or its round changes. */
const cache = new WeakMap<RunSession, { stamp: string; worker: RunWorker; round: number; got: PersonAgreement & { round: number } }>();

/**
 * Marks `view` (the tree of a question of context `instance`) when the run has H′ and a person's
 * transcripts; `worker` gives the run's worker (started on its checkpoint), or undefined when the
 * run has no model yet. A comparison the worker cannot make leaves the view unmarked and is
 * returned as a one-line reason.
 */
export async function personMarks(s: RunSession, instance: InstanceId, view: TreeView, worker: () => RunWorker | undefined): Promise<string | undefined> {
  if (!modeSpec(s.meta.config.mode)?.needs.learnedH) return undefined;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(humanTranscriptsFile(s.folder.dir));
  } catch {
    return undefined; // no transcripts: nothing to mark
  }
  const w = worker();
  if (!w) return undefined;
  const stamp = `${stat.size}:${stat.mtimeMs}:${instanceKey(instance)}`;
  let hit = cache.get(s);
  if (!hit || hit.stamp !== stamp || hit.worker !== w || hit.round !== w.round) {
    try {
      const got = await w.comparePerson({ instance });
      hit = { stamp, worker: w, round: w.round, got };
      cache.set(s, hit);
    } catch (e) {
      return `H′ could not be compared with the person's transcripts: ${(e as Error).message}`;
    }
  }
  addPersonMarks(view, hit.got);
  return undefined;
}
