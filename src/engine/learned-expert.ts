/**
 * Amplify^{H′}(X): the paper's full method, with the learned expert H′ in place of H. H′ asks
 * subquestions (lookup answers primitives, the answerer — X — the rest) and gives the final answer;
 * runs advance in lockstep so that H′ and X each see one batch per step. H′ is bounded like H: at
 * most k subquestions, then it must answer. H′ decodes through one decoder per call, so that a
 * transcript's keys/values are kept from one of its actions to the next (a ModelH without a
 * decoder is asked with `next`).
 */
import {
  TRANSCRIPT_SCHEMA_VERSION, UNKNOWN_ANSWER, attemptOf, isPrimitive, lookup, tupleProblem,
  type AnswerRequest, type Answerer, type AnyTask, type Transcript, type TranscriptStep,
} from '../core/index';
import type { ExpertDecoder, ExpertTranscript, ModelH, PartialTranscript } from '../learner/types';

/** What H′ learns of a transcript of H (or of a person): the question, its subquestions with their answers, the answer (a copy without the rest). */
export function expertTranscript(t: ExpertTranscript): ExpertTranscript {
  return { question: t.question, steps: t.steps.map((s) => ({ question: s.question, answer: s.answer })), answer: t.answer };
}

export function amplifyLearnedMany(task: AnyTask, requests: readonly AnswerRequest[], answerer: Answerer, expert: ModelH): Transcript[] {
  const out: Transcript[] = requests.map((r) => ({
    schemaVersion: TRANSCRIPT_SCHEMA_VERSION, task: task.name, question: r.question, steps: [] as TranscriptStep[], answer: UNKNOWN_ANSWER, source: "H'",
  }));
  const decoder: ExpertDecoder = expert.decoder?.() ?? { next: (_ids, states, options) => expert.next(states, options), forget: () => undefined };
  try {
    amplifySteps(task, requests, answerer, decoder, out);
  } finally {
    decoder.close?.();
  }
  return out;
}

/** amplifyLearnedMany's steps: every open transcript's next action, until each has its answer. */
function amplifySteps(task: AnyTask, requests: readonly AnswerRequest[], answerer: Answerer, decoder: ExpertDecoder, out: Transcript[]): void {
  const open = new Set<number>();
  requests.forEach((r, i) => {
    if (isPrimitive(task, r.question)) {
      out[i].answer = lookup(task, r.ctx, r.question).answer;
      out[i].source = 'lookup';
    } else open.add(i);
  });
  while (open.size > 0) {
    const ids = [...open];
    const force = ids.map((i) => out[i].steps.length >= task.maxSubquestions);
    const states: PartialTranscript[] = ids.map((i) => ({ question: out[i].question, steps: out[i].steps }));
    // Two calls at most per step: runs that may still ask, and runs that must answer now.
    const actions = new Array<ReturnType<ModelH['next']>[number]>(ids.length);
    for (const forceAnswer of [false, true]) {
      const which = ids.map((_, j) => j).filter((j) => force[j] === forceAnswer);
      if (which.length === 0) continue;
      const got = decoder.next(which.map((j) => ids[j]), which.map((j) => states[j]), { forceAnswer });
      which.forEach((j, n) => (actions[j] = got[n]));
    }
    const toAnswerer: { i: number; question: readonly string[] }[] = [];
    ids.forEach((i, j) => {
      const a = actions[j];
      if ('answer' in a) {
        out[i].answer = tupleProblem(a.answer) ? UNKNOWN_ANSWER : a.answer;
        open.delete(i);
        decoder.forget(i);
        return;
      }
      if (tupleProblem(a.ask) || force[j]) {
        out[i].error = `H′ asked a malformed subquestion${force[j] ? ' after k subquestions' : ''}`;
        open.delete(i);
        decoder.forget(i);
        return;
      }
      if (isPrimitive(task, a.ask)) {
        const l = lookup(task, requests[i].ctx, a.ask);
        out[i].steps.push({ question: a.ask, answer: l.answer, source: l.source });
      } else toAnswerer.push({ i, question: a.ask });
    });
    if (toAnswerer.length > 0) {
      const answers = answerer.answerBatch(toAnswerer.map((t) => {
        const attempt = attemptOf(out[t.i].question, out[t.i].steps, t.question);
        return attempt > 0 ? { ctx: requests[t.i].ctx, question: t.question, attempt } : { ctx: requests[t.i].ctx, question: t.question };
      }));
      toAnswerer.forEach((t, n) => out[t.i].steps.push({ question: t.question, answer: answers[n]?.answer ?? UNKNOWN_ANSWER, source: answers[n]?.source ?? 'none' }));
    }
  }
}
