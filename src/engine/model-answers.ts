/** X as an answerer of questions: for Amplify (with re-asked proposals) and in chunks for evaluation. */
import type { AnswerRequest, Answerer, SourcedAnswer } from '../core/index';
import type { ModelX, QueryItem } from '../learner/types';

/**
 * X (student or EMA teacher) as an answerer for Amplify: its greedy answer; a re-asked question
 * (attempt k > 0) gets X's (k+1)-th best answer by beam search — a new proposal — or its best when
 * X has no k+1 distinct answers.
 */
export function modelAnswerer(model: ModelX, teacher: boolean): Answerer {
  return {
    answerBatch(requests) {
      if (requests.length === 0) return [];
      const out: SourcedAnswer[] = new Array(requests.length);
      const item = (r: AnswerRequest) => ({ facts: r.ctx.facts, question: r.question });
      const first = requests.map((_, i) => i).filter((i) => !requests[i].attempt);
      if (first.length > 0) model.predict(first.map((i) => item(requests[i])), { teacher }).forEach((p, n) => (out[first[n]] = { answer: p.answer, source: 'X' }));
      const again = requests.map((_, i) => i).filter((i) => (requests[i].attempt ?? 0) > 0);
      if (again.length > 0) {
        const topK = 1 + Math.max(...again.map((i) => requests[i].attempt!));
        model.predict(again.map((i) => item(requests[i])), { teacher, topK }).forEach((p, n) => {
          out[again[n]] = { answer: (p.top[requests[again[n]].attempt!] ?? p.top[0])?.answer ?? p.answer, source: 'X' };
        });
      }
      return out;
    },
  };
}

/** Predicts in chunks (bounded memory for large evaluation sets). */
export function predictInBatches(model: ModelX, items: readonly QueryItem[], teacher: boolean, chunk: number) {
  const out = [];
  for (let i = 0; i < items.length; i += chunk) out.push(...model.predict(items.slice(i, i + chunk), { teacher }));
  return out;
}
