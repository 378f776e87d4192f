/**
 * The consistency check of a task (the authors' own first test): for random (context, question)
 * pairs, H run with *ground-truth* subanswers must reproduce the ground truth, ask at most k
 * subquestions and answer with string arrays. A second pass feeds H garbage subanswers: H must
 * never throw on them.
 */
import { ExpertRun, amplify, errorText, groundTruth, isPrimitive, truthAnswerer, type Transcript } from './amplify';
import { makeContext, makeQuestion, taskVocabulary, type InstanceId } from './instances';
import { createRng, type Seed } from './rng';
import { questionKey, sameTuple, tupleProblem } from './task';
import { UNKNOWN, type Answer, type AnyContext, type AnyTask, type Question } from './types';

export type CounterexampleKind =
  | 'mismatch' // H with ground-truth subanswers disagrees with the ground truth
  | 'expert-error' // H threw, asked too many or malformed subquestions, or returned a non-answer
  | 'garbage-error' // H misbehaved when given garbage subanswers
  | 'context-error' // context() threw or made malformed facts
  | 'question-error' // question() threw, made a malformed or a primitive question
  | 'answer-error'; // answer() threw or returned a non-answer

export interface Counterexample {
  kind: CounterexampleKind;
  /** The instance, reproducible with makeContext / makeQuestion. */
  instance: InstanceId;
  message: string;
  facts?: readonly (readonly string[])[];
  question?: Question;
  expected?: Answer;
  got?: Answer;
  transcript?: Transcript;
}

export interface CheckOptions {
  sizes?: readonly number[];
  /** Samples per size. Default 200. */
  samples?: number;
  seed?: Seed;
  /** Stop collecting after this many counterexamples (the count goes on). Default 20. */
  maxCounterexamples?: number;
  /** Called after each sample, e.g. for a progress bar. */
  onProgress?(done: number, total: number): void;
}

export interface CheckReport {
  task: string;
  sizes: number[];
  samples: number;
  checked: number;
  /** Total failures (more than `counterexamples.length` when capped). */
  failures: number;
  counterexamples: Counterexample[];
  /** Most subquestions H asked for one question; the distribution of answers by question kind. */
  maxSubquestionsSeen: number;
  questionsByKind: Record<string, number>;
  ok: boolean;
}

export function checkTask(task: AnyTask, options: CheckOptions = {}): CheckReport {
  const sizes = [...(options.sizes ?? [task.sizes.default])];
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < task.sizes.min || s > task.sizes.max) {
      throw new RangeError(`size ${s} is outside ${task.name}'s range ${task.sizes.min}..${task.sizes.max}`);
    }
  }
  const samples = options.samples ?? 200;
  const seed = options.seed ?? 0;
  const cap = options.maxCounterexamples ?? 20;
  const report: CheckReport = {
    task: task.name, sizes, samples, checked: 0, failures: 0, counterexamples: [], maxSubquestionsSeen: 0, questionsByKind: {}, ok: true,
  };
  const fail = (c: Counterexample) => {
    report.failures++;
    report.ok = false;
    if (report.counterexamples.length < cap) report.counterexamples.push(c);
  };
  let vocabulary: readonly string[];
  try {
    vocabulary = taskVocabulary(task);
  } catch {
    vocabulary = [UNKNOWN];
  }
  const total = sizes.length * samples;
  for (const size of sizes) {
    for (let index = 0; index < samples; index++) {
      checkSample(task, { size, seed, index }, vocabulary, report, fail);
      report.checked++;
      options.onProgress?.(report.checked, total);
    }
  }
  return report;
}

function checkSample(
  task: AnyTask, instance: InstanceId, vocabulary: readonly string[], report: CheckReport, fail: (c: Counterexample) => void,
): void {
  let ctx: AnyContext;
  try {
    ctx = makeContext(task, instance);
  } catch (e) {
    fail({ kind: 'context-error', instance, message: `context() threw: ${errorText(e)}` });
    return;
  }
  const factsProblem = !ctx || !Array.isArray(ctx.facts)
    ? 'context() must return { facts: Fact[], data }'
    : ctx.facts.map((f, i) => tupleProblem(f, `facts[${i}]`)).find((p) => p !== undefined);
  if (factsProblem) {
    fail({ kind: 'context-error', instance, message: factsProblem });
    return;
  }
  let q: Question;
  try {
    q = makeQuestion(task, instance, ctx);
  } catch (e) {
    fail({ kind: 'question-error', instance, facts: ctx.facts, message: `question() threw: ${errorText(e)}` });
    return;
  }
  const qProblem = tupleProblem(q, 'the question');
  if (qProblem) {
    fail({ kind: 'question-error', instance, facts: ctx.facts, message: qProblem });
    return;
  }
  if (isPrimitive(task, q)) {
    fail({ kind: 'question-error', instance, facts: ctx.facts, question: q, message: `question() made a primitive question (${questionKey(q)}); training questions are never primitive` });
    return;
  }
  report.questionsByKind[q[0]] = (report.questionsByKind[q[0]] ?? 0) + 1;
  const truth = groundTruth(task, ctx, q);
  if (truth.error !== undefined) {
    fail({ kind: 'answer-error', instance, facts: ctx.facts, question: q, message: truth.error });
    return;
  }
  const t = amplify(task, ctx, q, truthAnswerer(task));
  report.maxSubquestionsSeen = Math.max(report.maxSubquestionsSeen, t.steps.length);
  const base = { instance, facts: ctx.facts, question: q, expected: truth.answer, got: t.answer, transcript: t };
  if (t.error !== undefined) {
    fail({ kind: 'expert-error', message: t.error, ...base });
    return;
  }
  if (!sameTuple(t.answer, truth.answer)) {
    fail({ kind: 'mismatch', message: 'H with ground-truth subanswers disagrees with the ground truth', ...base });
    return;
  }
  // Garbage subanswers: H must answer (any well-formed answer), never throw.
  const rng = createRng([task.name, 'garbage', instance.size, String(instance.seed), instance.index]);
  const run = new ExpertRun(task, q);
  while (!run.done && run.pending) {
    const len = 1 + rng.int(3);
    const junk = rng.int(4) === 0 ? [UNKNOWN] : Array.from({ length: len }, () => rng.pick(vocabulary));
    run.resume(junk, 'garbage');
  }
  if (run.error !== undefined) {
    fail({ kind: 'garbage-error', instance, facts: ctx.facts, question: q, got: run.answer, transcript: run.transcript(), message: run.error });
  }
}
