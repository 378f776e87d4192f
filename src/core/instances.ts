/**
 * Reproducible instances: every context and question is a function of (task, size, seed, index),
 * so a counterexample, a tree or a run record can name an instance instead of storing it.
 */
import { amplify, truthAnswerer } from './amplify';
import { createRng, type Seed } from './rng';
import { UNKNOWN, type AnyContext, type AnyTask, type Question, type QuestionKind } from './types';

export interface InstanceId {
  size: number;
  seed: Seed;
  index: number;
}

/** The context of an instance id. */
export function makeContext(task: AnyTask, id: InstanceId): AnyContext {
  return task.context(createRng([task.name, id.size, seedParts(id.seed), id.index, 'context']), id.size);
}

/** The j-th training question about an instance's context. */
export function makeQuestion(task: AnyTask, id: InstanceId, ctx: AnyContext, j = 0): Question {
  return task.question(createRng([task.name, id.size, seedParts(id.seed), id.index, 'question', j]), ctx);
}

function seedParts(seed: Seed): string {
  return Array.isArray(seed) ? seed.join('/') : String(seed);
}

/**
 * The task's vocabulary: the declared one, or every symbol seen in facts, questions, subquestions
 * and answers of sampled instances (plus `?`), sorted.
 */
export function taskVocabulary(task: AnyTask, samples = 64): readonly string[] {
  if (task.vocabulary) return task.vocabulary;
  const symbols = new Set<string>([UNKNOWN]);
  const add = (t: readonly string[]) => t.forEach((s) => symbols.add(s));
  forEachSample(task, samples, (ctx, q) => {
    ctx.facts.forEach(add);
    const t = amplify(task, ctx, q, truthAnswerer(task));
    add(q);
    add(t.answer);
    for (const s of t.steps) {
      add(s.question);
      add(s.answer);
    }
  });
  return [...symbols].sort();
}

/** The task's question kinds: the declared ones, or those seen while sampling (H's subquestions too). */
export function taskKinds(task: AnyTask, samples = 64): Readonly<Record<string, QuestionKind>> {
  if (task.kinds) return task.kinds;
  const kinds: Record<string, QuestionKind> = {};
  forEachSample(task, samples, (ctx, q) => {
    kinds[q[0]] ??= { description: 'training question' };
    for (const s of amplify(task, ctx, q, truthAnswerer(task)).steps) {
      kinds[s.question[0]] ??= task.isPrimitive(s.question) ? { description: 'lookup', primitive: true } : { description: 'subquestion' };
    }
  });
  return kinds;
}

function forEachSample(task: AnyTask, samples: number, fn: (ctx: AnyContext, q: Question) => void): void {
  const sizes = [...new Set([task.sizes.min, task.sizes.default, task.sizes.max])];
  for (const size of sizes) {
    for (let i = 0; i < Math.ceil(samples / sizes.length); i++) {
      const id = { size, seed: 'vocabulary', index: i };
      const ctx = makeContext(task, id);
      fn(ctx, makeQuestion(task, id, ctx));
    }
  }
}
