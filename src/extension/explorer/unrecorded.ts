/**
 * The Explorer's answers to subquestions no round recorded (an override or a deeper tree makes H ask
 * anew): the run's model answers them, through its worker. No vscode here.
 */
import type { Question } from '../../core/index';
import type { NodeAnswers, PinnedQuestion } from '../../engine/run-types';
import type { RunWorker, RunWorkerOptions } from '../../engine/run-worker';
import type { RunSession } from '../session';

/** At most this many times the model is asked for subquestions H asks anew (each answer may make H ask deeper ones). */
const ANSWER_PASSES = 24;

/**
 * Answers the subquestions no round recorded, the way the run answers questions: X at the leaves
 * (primitives are lookups, H runs within the depth limit — `build` rebuilds with the answers so
 * far and says which leaves are still unanswered, until none is left). X is the run's worker's
 * model, started on demand: the latest checkpoint, the only model a run folder keeps
 * (docs/run-folder.md) — for an earlier round that is said in `answeredBy`. Without a model
 * (nothing trained yet) leaves stay `?` and `answeredBy` says why.
 */
export async function answerUnrecorded<R extends { missing: Question[] }>(
  s: RunSession, options: RunWorkerOptions, pin: PinnedQuestion, round: number, recorded: Record<string, NodeAnswers>, build: (answers: Record<string, NodeAnswers>) => Promise<R>,
): Promise<{ result: R; answers: Record<string, NodeAnswers>; answeredBy?: string }> {
  let answers = recorded;
  let result = await build(answers);
  let answeredBy: string | undefined;
  for (let pass = 0; pass < ANSWER_PASSES; pass++) {
    const missing = result.missing;
    if (missing.length === 0) break;
    // Round 0 (nothing trained): X has no answers, live worker or not (the same before and after reopening).
    const worker = round === 0 ? undefined : modelWorker(s, options);
    if (!worker) {
      const why = round === 0 ? 'X is not trained at round 0'
        : s.status.status === 'crashed' ? 'the run\'s training worker crashed; Step Round or Run Rounds… restarts it from the last checkpoint'
        : 'the run has no trained model yet to answer them';
      answeredBy = `${missing.length} new subquestion(s) stay ? : ${why}`;
      break;
    }
    try {
      const got = await worker.answer({ instance: pin.instance, questions: missing });
      answers = { ...answers, ...got.answers };
      answeredBy = got.round === round
        ? `new subquestions answered by X of round ${round}`
        : `new subquestions answered by X of round ${got.round}: the run keeps only its latest checkpoint, not round ${round}'s`;
    } catch (e) {
      answeredBy = `new subquestions stay ? : the run's model could not answer them (${(e as Error).message})`;
      break;
    }
    result = await build(answers);
  }
  return { result, answers, answeredBy };
}

/**
 * The worker whose model answers new subquestions: the live one, or one started on the run's
 * checkpoint — but never for a run whose worker crashed: looking at a tree does not restart it
 * behind the user's back (its status would stop saying 'crashed'); Step Round and Run Rounds… do.
 */
export function modelWorker(s: RunSession, options: RunWorkerOptions): RunWorker | undefined {
  if (s.worker?.alive) return s.worker;
  if (s.meta.kind === 'check' || s.status.status === 'crashed' || !s.folder.state()?.hasModel) return undefined;
  return s.ensureWorker(options);
}
