// Shared by the H′ tests (model-h.test.ts, model-h-threads.test.ts, model-h-dedup.test.ts):
// questions of permutation powering at size 8 with H's transcripts, subquestions answered by the
// ground truth; a trained H′, and a round of its decoding driven in lockstep.
import { amplify, builtinTask, groundTruth, makeContext, makeQuestion, truthAnswerer, type AnyContext, type Answer, type Question } from '../../../src/core/index';
import { expertTranscript } from '../../../src/engine/learned-expert';
import { createModelH } from '../../../src/learner/factory';
import type { ExpertTranscript, TransformerModelH } from '../../../src/learner/model-h';
import type { ExpertAction, PartialTranscript } from '../../../src/learner/types';

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
    return { ctx, transcript: expertTranscript(amplify(task, ctx, question, truth)) };
  });
}

/** H′ `tiny` trained 100 steps of 32 of H's transcripts (on wasm): good enough that its rounds ask subquestions. */
export async function trainedExpert(): Promise<TransformerModelH> {
  const model = await createModelH({ task, preset: 'tiny', seed: 1, backend: 'wasm' });
  const train = examples('train', 100 * 32).map((e) => e.transcript);
  for (let s = 0; s < 100; s++) model.trainStep(train.slice(s * 32, (s + 1) * 32));
  return model;
}

/**
 * Every action of a round over `data` in lockstep, as a run drives H′: `next` gets the open
 * transcripts' ids and states and returns their actions; an answer closes a transcript (`forget`),
 * a subquestion gets the ground truth's answer, or a wrong one where `wrong(id, step)` says so (step:
 * the subquestion's index). Returns how many subquestions were asked.
 */
export function decodeRound(
  data: readonly Example[],
  next: (ids: number[], states: PartialTranscript[], forceAnswer: boolean) => ExpertAction[],
  forget: (id: number) => void,
  wrong: (id: number, step: number) => boolean,
): number {
  const states = data.map((d) => ({ question: d.transcript.question, steps: [] as { question: Question; answer: Answer }[] }));
  const open = new Set(states.map((_, i) => i));
  let asked = 0;
  for (let r = 0; r <= task.maxSubquestions && open.size > 0; r++) {
    const ids = [...open];
    const got = next(ids, ids.map((i) => states[i]), r === task.maxSubquestions);
    ids.forEach((i, j) => {
      const action = got[j];
      if ('answer' in action) {
        open.delete(i);
        forget(i);
      } else {
        asked++;
        const answer = wrong(i, states[i].steps.length) ? [data[i].transcript.question[0]] : groundTruth(task, data[i].ctx, action.ask).answer;
        states[i].steps.push({ question: action.ask, answer });
      }
    });
  }
  return asked;
}
