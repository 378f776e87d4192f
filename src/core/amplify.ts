/**
 * Amplify^H: answer a question by running H once, with primitive subquestions answered by lookup in
 * the context and the others by a pluggable answerer (ground truth, the model X, an override
 * table …). The result is a transcript: plain JSON with a schema version.
 */
import { describeValue, questionKey, sameTuple, tupleProblem } from './task';
import { UNKNOWN_ANSWER, type Answer, type AnyContext, type AnyTask, type Question } from './types';

export const TRANSCRIPT_SCHEMA_VERSION = 1;

/**
 * Who answered: `lookup` (a primitive, read from the context), `truth` (ground truth), `X` (the
 * model), `H` (the expert combining subanswers), `H'` (the learned expert), `override` (the user),
 * `fault` (injected error) — or any name a custom answerer gives itself.
 */
export type AnswerSource = 'lookup' | 'truth' | 'X' | 'H' | "H'" | 'override' | 'fault' | (string & {});

export interface SourcedAnswer {
  answer: Answer;
  source: AnswerSource;
}

export interface AnswerRequest {
  ctx: AnyContext;
  question: Question;
  /**
   * When H asks *its own question* again (shortest path's step(a, b) inside H for step(a, b),
   * union find's next(x)), it wants another *proposal* to verify: this counts the earlier asks of it
   * in the same transcript (absent or 0: the first). An answerer that can rank answers (a model)
   * gives its attempt-th best, so a re-ask is a new candidate rather than a copy of the first.
   * Any other repeated subquestion (σ^m(x) twice when σ^m(x) = x) is a plain question: attempt 0.
   * Answerers without alternatives ignore it.
   */
  attempt?: number;
}

/**
 * The attempt number of subquestion `question` in the transcript of `own` whose earlier
 * subquestions are `asked`: how often H already asked its own question; 0 for any other question.
 */
export function attemptOf(own: Question, asked: readonly { question: Question }[], question: Question): number {
  return sameTuple(question, own) ? asked.filter((s) => sameTuple(s.question, question)).length : 0;
}

/** Answers non-primitive questions, many at a time (a model answers a batch in one pass). */
export interface Answerer {
  answerBatch(requests: readonly AnswerRequest[]): SourcedAnswer[];
}

export interface TranscriptStep {
  question: Question;
  answer: Answer;
  source: AnswerSource;
}

export interface Transcript {
  schemaVersion: typeof TRANSCRIPT_SCHEMA_VERSION;
  task: string;
  question: Question;
  /** Each subquestion H asked, in order, with its answer and who answered it. */
  steps: TranscriptStep[];
  /** H's answer (for a primitive question: the lookup). */
  answer: Answer;
  source: AnswerSource;
  /** Set when H misbehaved (threw, asked too many or malformed subquestions, returned a non-answer). */
  error?: string;
}

/** A safe call of the task's ground truth / lookup: never throws, always a well-formed answer. */
export function groundTruth(task: AnyTask, ctx: AnyContext, q: Question): { answer: Answer; error?: string } {
  try {
    const a: unknown = task.answer(ctx, q);
    const problem = tupleProblem(a, 'the answer');
    return problem ? { answer: UNKNOWN_ANSWER, error: `answer(${questionKey(q)}): ${problem}` } : { answer: a as Answer };
  } catch (e) {
    return { answer: UNKNOWN_ANSWER, error: `answer(${questionKey(q)}) threw: ${errorText(e)}` };
  }
}

/** The lookup of a primitive question. */
export function lookup(task: AnyTask, ctx: AnyContext, q: Question): SourcedAnswer {
  return { answer: groundTruth(task, ctx, q).answer, source: 'lookup' };
}

/** Safe `isPrimitive`: a throwing predicate counts as "not primitive". */
export function isPrimitive(task: AnyTask, q: Question): boolean {
  try {
    return task.isPrimitive(q) === true;
  } catch {
    return false;
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return describeValue(e);
}

/** Ground truth as the answerer: the consistency check and HCH trees with exact leaves. */
export function truthAnswerer(task: AnyTask): Answerer {
  return { answerBatch: (rs) => rs.map((r) => ({ answer: groundTruth(task, r.ctx, r.question).answer, source: 'truth' })) };
}

/** An answerer from a function of one request. */
export function functionAnswerer(source: AnswerSource, fn: (ctx: AnyContext, q: Question) => Answer): Answerer {
  return { answerBatch: (rs) => rs.map((r) => ({ answer: fn(r.ctx, r.question), source })) };
}

/** Overrides (the user's answers for some (context, question) pairs) ahead of a fallback answerer. */
export function overrideAnswerer(find: (ctx: AnyContext, q: Question) => Answer | undefined, fallback: Answerer): Answerer {
  return {
    answerBatch(rs) {
      const out: (SourcedAnswer | undefined)[] = rs.map((r) => {
        const a = find(r.ctx, r.question);
        return a === undefined ? undefined : { answer: a, source: 'override' };
      });
      const rest = rs.filter((_, i) => out[i] === undefined);
      const answered = rest.length > 0 ? fallback.answerBatch(rest) : [];
      let j = 0;
      return out.map((a) => a ?? answered[j++]);
    },
  };
}

/**
 * One run of H on one question, stepped from outside: `pending` is the subquestion H waits on;
 * `resume(answer)` gives it the answer. Never throws: misbehaviour of H ends the run with answer
 * `?` and an `error`.
 */
export class ExpertRun {
  readonly steps: TranscriptStep[] = [];
  pending: Question | undefined;
  answer: Answer = UNKNOWN_ANSWER;
  error: string | undefined;
  done = false;
  private readonly gen: Generator<Question, Answer, Answer> | undefined;

  constructor(
    readonly task: AnyTask,
    readonly question: Question,
  ) {
    try {
      const gen: unknown = task.expert(question);
      if (!gen || typeof (gen as Generator).next !== 'function') {
        this.fail(`expert(${questionKey(question)}) did not return a generator (write it as function*)`);
        return;
      }
      this.gen = gen as Generator<Question, Answer, Answer>;
    } catch (e) {
      this.fail(`expert(${questionKey(question)}) threw: ${errorText(e)}`);
      return;
    }
    this.advance(() => this.gen!.next());
  }

  /** Gives H the answer to its pending subquestion. */
  resume(answer: Answer, source: AnswerSource): void {
    if (this.done || this.pending === undefined) throw new Error('ExpertRun.resume: H is not waiting for an answer');
    const problem = tupleProblem(answer, 'subanswer');
    const a = problem ? UNKNOWN_ANSWER : answer;
    this.steps.push({ question: this.pending, answer: a, source });
    this.pending = undefined;
    this.advance(() => this.gen!.next(a));
  }

  private advance(step: () => IteratorResult<Question, Answer>): void {
    let r: IteratorResult<Question, Answer>;
    try {
      r = step();
    } catch (e) {
      this.fail(`H threw on ${questionKey(this.question)}: ${errorText(e)}`);
      return;
    }
    if (r.done) {
      const problem = tupleProblem(r.value, 'H’s answer');
      if (problem) this.fail(`H returned a malformed answer for ${questionKey(this.question)}: ${problem}`);
      else {
        this.answer = r.value;
        this.done = true;
      }
      return;
    }
    const problem = tupleProblem(r.value, 'subquestion');
    if (problem) {
      this.fail(`H asked a malformed subquestion for ${questionKey(this.question)}: ${problem}`);
      return;
    }
    if (this.steps.length >= this.task.maxSubquestions) {
      this.fail(`H asked more than maxSubquestions = ${this.task.maxSubquestions} subquestions for ${questionKey(this.question)} (the next was ${questionKey(r.value)})`);
      return;
    }
    this.pending = r.value;
  }

  private fail(message: string): void {
    this.error = message;
    this.answer = UNKNOWN_ANSWER;
    this.pending = undefined;
    this.done = true;
    try {
      this.gen?.return(UNKNOWN_ANSWER);
    } catch {
      // H's own finally block threw: nothing more to do.
    }
  }

  transcript(): Transcript {
    const t: Transcript = {
      schemaVersion: TRANSCRIPT_SCHEMA_VERSION,
      task: this.task.name,
      question: this.question,
      steps: this.steps,
      answer: this.answer,
      source: 'H',
    };
    if (this.error !== undefined) t.error = this.error;
    return t;
  }
}

/** Amplify^H once: H asks, lookup answers primitives, `answerer` answers the rest, H combines. */
export function amplify(task: AnyTask, ctx: AnyContext, question: Question, answerer: Answerer): Transcript {
  return amplifyMany(task, [{ ctx, question }], answerer)[0];
}

/**
 * Amplify^H for many questions at once, stepping all runs of H in lockstep so that the answerer
 * sees one batch per step (one model call for all pending subquestions).
 */
export function amplifyMany(task: AnyTask, requests: readonly AnswerRequest[], answerer: Answerer): Transcript[] {
  const results: (Transcript | undefined)[] = [];
  const runs: (ExpertRun | undefined)[] = [];
  requests.forEach((r, i) => {
    if (isPrimitive(task, r.question)) {
      const a = lookup(task, r.ctx, r.question);
      results[i] = { schemaVersion: TRANSCRIPT_SCHEMA_VERSION, task: task.name, question: r.question, steps: [], answer: a.answer, source: 'lookup' };
    } else runs[i] = new ExpertRun(task, r.question);
  });
  for (;;) {
    const waiting: number[] = [];
    runs.forEach((run, i) => {
      // Primitive subquestions are answered at once; H may ask several in a row.
      while (run && !run.done && run.pending && isPrimitive(task, run.pending)) {
        const a = lookup(task, requests[i].ctx, run.pending);
        run.resume(a.answer, a.source);
      }
      if (run && !run.done && run.pending) waiting.push(i);
    });
    if (waiting.length === 0) break;
    const answers = answerer.answerBatch(waiting.map((i) => {
      const run = runs[i]!;
      const attempt = attemptOf(run.question, run.steps, run.pending!);
      return attempt > 0 ? { ctx: requests[i].ctx, question: run.pending!, attempt } : { ctx: requests[i].ctx, question: run.pending! };
    }));
    waiting.forEach((i, j) => {
      const a = answers[j];
      runs[i]!.resume(a ? a.answer : UNKNOWN_ANSWER, a ? a.source : 'none');
    });
  }
  return requests.map((_, i) => results[i] ?? runs[i]!.transcript());
}
