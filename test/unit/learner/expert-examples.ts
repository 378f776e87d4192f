// Shared by the H′ tests (model-h.test.ts, model-h-threads.test.ts): questions of permutation
// powering at size 8 with H's transcripts, subquestions answered by the ground truth.
import { amplify, builtinTask, makeContext, makeQuestion, truthAnswerer, type AnyContext } from '../../../src/core/index';
import type { ExpertTranscript } from '../../../src/learner/model-h';

export const task = builtinTask('permutation-powering')!;
export const truth = truthAnswerer(task);

export interface Example {
  ctx: AnyContext;
  /** H's transcript with ground-truth subanswers. */
  transcript: ExpertTranscript;
}

/** n questions of size-8 instances `seed`/0, 1, … (one per context) with H's transcripts. */
export function examples(seed: string, n: number): Example[] {
  return Array.from({ length: n }, (_, index) => {
    const id = { size: 8, seed, index };
    const ctx = makeContext(task, id);
    const question = makeQuestion(task, id, ctx);
    const t = amplify(task, ctx, question, truth);
    return { ctx, transcript: { question, steps: t.steps.map((s) => ({ question: s.question, answer: s.answer })), answer: t.answer } };
  });
}
