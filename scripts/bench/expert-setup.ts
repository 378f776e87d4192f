/**
 * What the H′ benchmarks (expert.ts, expert-profile.ts, expert-presets.ts) set up the same way: a
 * round's questions (contexts of 8 questions), H's transcripts with true subanswers (what H′
 * imitates), and H′ trained on them in steps of 32.
 */
import { amplify, makeContext, makeQuestion, truthAnswerer, type AnswerRequest, type AnyTask } from '../../src/core/index';
import { expertTranscript } from '../../src/engine/learned-expert';
import { createModelH } from '../../src/learner/factory';
import type { ExpertTranscript, TransformerModelH } from '../../src/learner/model-h';
import type { BackendPreference, ExpertStepResult, ModelPreset } from '../../src/learner/types';

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** n questions at size N: contexts `seed`/0, 1, … with 8 questions each (as a round makes them). */
export function requests(task: AnyTask, size: number, seed: string, n: number): AnswerRequest[] {
  const out: AnswerRequest[] = [];
  for (let i = 0; out.length < n; i++) {
    const id = { size, seed, index: i };
    const ctx = makeContext(task, id);
    for (let j = 0; j < 8 && out.length < n; j++) out.push({ ctx, question: makeQuestion(task, id, ctx, j) });
  }
  return out;
}

/** H's transcripts of these questions, subquestions answered by the ground truth, as H′ trains on them. */
export function transcriptsOfH(task: AnyTask, rs: readonly AnswerRequest[]): ExpertTranscript[] {
  const truth = truthAnswerer(task);
  return rs.map((r) => expertTranscript(amplify(task, r.ctx, r.question, truth)));
}

/** H′ (seed 1) trained `steps` steps of 32 of H's transcripts of 2,048 questions (`expert-bench/train`), taken in order. */
export async function trainedExpert(task: AnyTask, options: { backend: BackendPreference; size: number; preset: ModelPreset; steps: number }): Promise<{ h: TransformerModelH; examples: ExpertTranscript[]; last: ExpertStepResult }> {
  const h = await createModelH({ task, backend: options.backend, preset: options.preset, seed: 1 });
  const examples = transcriptsOfH(task, requests(task, options.size, 'expert-bench/train', 2048));
  let last: ExpertStepResult = { loss: 0, tokenAccuracy: 0 };
  for (let s = 0; s < options.steps; s++) last = h.trainStep(Array.from({ length: 32 }, (_, i) => examples[(s * 32 + i) % examples.length]), { tokenAccuracy: s === options.steps - 1 });
  return { h, examples, last };
}
