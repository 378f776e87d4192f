/**
 * Typed messages between a run's host (extension or test) and its worker thread. Commands drive
 * training and ask questions of the model; none edits the run: the host writes overrides, pins and
 * notes into the run folder itself, and the worker reads them from there (run-folder.ts).
 */
import type { Fact, InstanceId, Question } from '../core/index';
import type { HCHTree } from '../core/hch';
import type { PersonAgreement } from './human-transcripts';
import type { Phase } from './run';
import type { NodeAnswers, RoundRecord, RunConfig, RunMeta } from './run-types';

export type WorkerCommand =
  /**
   * Opens the run in `folder`: creates it from `create`, or resumes it from its last checkpoint (with
   * `from: 'previous'`, from the one before it, when the last is damaged). The worker holds the
   * run's lock while it is open; if the run cannot be opened it reports a fatal error and exits.
   */
  | { type: 'open'; folder: string; create?: { config: RunConfig; taskFile?: string }; from?: 'last' | 'previous' }
  /** Runs `rounds` more rounds, then goes idle. */
  | { type: 'run'; rounds: number }
  /** Runs one round, then goes idle. */
  | { type: 'step' }
  /** Goes idle after the current round. */
  | { type: 'pause' }
  /** Finishes the current round (it is checkpointed) and exits. */
  | { type: 'stop' }
  /** The tree of a question with the current model (answered by an `inspected` event with the same id). */
  | { type: 'inspect'; id: number; instance: InstanceId; question: Question; depth: number; expand: string[] }
  /** X's answers (student and teacher) to questions of one context (answered by an `answered` event with the same id). */
  | { type: 'answer'; id: number; instance: InstanceId; questions: Question[] }
  /** Where H′ agrees with the person's transcripts of the run, with those of one context in full (answered by `personCompared`). */
  | { type: 'comparePerson'; id: number; instance: InstanceId };

export type WorkerStatus = 'starting' | 'idle' | 'running' | 'stopped';

export type WorkerEvent =
  | { type: 'ready'; meta: RunMeta; round: number; size: number }
  | { type: 'status'; status: WorkerStatus; round: number }
  | { type: 'phase'; round: number; phase: Phase }
  | { type: 'round'; record: RoundRecord }
  | { type: 'inspected'; id: number; tree: HCHTree; facts: Fact[]; answers: Record<string, NodeAnswers>; round: number }
  | { type: 'answered'; id: number; answers: Record<string, NodeAnswers>; round: number }
  | ({ type: 'personCompared'; id: number; round: number } & PersonAgreement)
  | { type: 'inspectFailed'; id: number; message: string }
  /**
   * `fatal`: the worker is gone (crashed, exited, or could not open the run); otherwise it is idle and
   * can go on. `previousCheckpoint`: the run's last checkpoint is damaged and this one is intact
   * (open again with `from: 'previous'` to resume from it).
   */
  | { type: 'error'; message: string; stack?: string; fatal: boolean; previousCheckpoint?: string };

/** Why a value is not a valid command, or undefined. */
export function commandProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return 'a command must be an object';
  const c = x as { type?: unknown } & Record<string, unknown>;
  switch (c.type) {
    case 'open':
      if (typeof c.folder !== 'string' || c.folder.length === 0) return 'open needs a folder';
      if (c.create !== undefined && (typeof c.create !== 'object' || c.create === null || typeof (c.create as { config?: unknown }).config !== 'object')) return 'open.create needs a config';
      if (c.from !== undefined && c.from !== 'last' && c.from !== 'previous') return 'open.from must be last or previous';
      return undefined;
    case 'run':
      return Number.isInteger(c.rounds) && (c.rounds as number) > 0 ? undefined : 'run needs a positive integer number of rounds';
    case 'step':
    case 'pause':
    case 'stop':
      return undefined;
    case 'inspect': {
      const i = c.instance as InstanceId | undefined;
      if (!Number.isInteger(c.id)) return 'inspect needs an id';
      if (!i || typeof i !== 'object' || !Number.isInteger(i.size) || !Number.isInteger(i.index)) return 'inspect needs an instance { size, seed, index }';
      if (!Array.isArray(c.question) || !c.question.every((s) => typeof s === 'string')) return 'inspect needs a question';
      if (!Number.isInteger(c.depth) || (c.depth as number) < 0 || (c.depth as number) > 12) return 'inspect needs a depth 0..12';
      if (!Array.isArray(c.expand) || !c.expand.every((s) => typeof s === 'string')) return 'inspect needs expand: string[]';
      return undefined;
    }
    case 'comparePerson': {
      const i = c.instance as InstanceId | undefined;
      if (!Number.isInteger(c.id)) return 'comparePerson needs an id';
      return i && typeof i === 'object' && Number.isInteger(i.size) && Number.isInteger(i.index) ? undefined : 'comparePerson needs an instance { size, seed, index }';
    }
    case 'answer': {
      const i = c.instance as InstanceId | undefined;
      if (!Number.isInteger(c.id)) return 'answer needs an id';
      if (!i || typeof i !== 'object' || !Number.isInteger(i.size) || !Number.isInteger(i.index)) return 'answer needs an instance { size, seed, index }';
      if (!Array.isArray(c.questions) || c.questions.length > 5000 || !c.questions.every((q) => Array.isArray(q) && q.every((s) => typeof s === 'string'))) return 'answer needs questions (at most 5000)';
      return undefined;
    }
    default:
      return `unknown command type ${JSON.stringify(c.type)}`;
  }
}
