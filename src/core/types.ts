/**
 * The vocabulary of the whole project, in the paper's words.
 *
 * A *context* is a set of facts; a *question* and an *answer* are short tuples of symbols.
 * H, the expert, is a coroutine: it yields subquestions, is resumed with their answers and
 * finally returns its own answer. H never sees the context.
 */

/** A fact of a context, e.g. `['ab', 'cd']` for σ(ab) = cd. */
export type Fact = readonly string[];
/** A question; its first symbol names the question kind, e.g. `['pow', '0', '1', '1', '1', '0', '1', 'ab']`. */
export type Question = readonly string[];
/** An answer; `['?']` means unknown. */
export type Answer = readonly string[];

/** The reserved "unknown / malformed" symbol. */
export const UNKNOWN = '?';
/** The answer H gives when a subanswer is of the wrong kind. */
export const UNKNOWN_ANSWER: Answer = Object.freeze([UNKNOWN]);

/** A seeded source of randomness; every random choice of a task goes through one. */
export interface Rng {
  /** A uniform integer in [0, n). */
  int(n: number): number;
  /** A uniform float in [0, 1). */
  float(): number;
  /** A uniform element of a non-empty array. */
  pick<T>(xs: readonly T[]): T;
  /** A shuffled copy. */
  shuffle<T>(xs: readonly T[]): T[];
}

/** An instance of a task: the facts a model sees, and whatever the task needs to answer questions. */
export interface Context<D = unknown> {
  facts: Fact[];
  data: D;
}

/** H: yields subquestions, is resumed with their answers, returns its answer. */
export type Expert = (question: Question) => Generator<Question, Answer, Answer>;

/** A question kind, for listings and documentation. */
export interface QuestionKind {
  description: string;
  /** Answered by lookup in the context. */
  primitive?: boolean;
}

export interface TaskFormat {
  /** How a question reads, e.g. `σ^29(ab)`. */
  question?(q: Question): string;
  /** How an answer reads. */
  answer?(a: Answer): string;
  /** How a fact reads, e.g. `ab → cd`. */
  fact?(f: Fact): string;
  /** Parses what `question` prints (or anything else convenient); `undefined` when it cannot. */
  parseQuestion?(text: string): Question | undefined;
}

/** What a task file gives to `defineTask`. */
export interface TaskSpec<D = unknown> {
  name: string;
  description?: string;
  /** k: the most subquestions H may ask for one question. */
  maxSubquestions: number;
  sizes?: { min: number; max: number; default: number };
  /** Every symbol facts, questions and answers may use; inferred by sampling when absent. */
  vocabulary?: readonly string[];
  /** Question kinds by their first symbol; inferred by sampling when absent. */
  kinds?: Readonly<Record<string, QuestionKind>>;
  /** A random instance of the given size. */
  context(rng: Rng, size: number): Context<D>;
  /** A training question: never primitive. */
  question(rng: Rng, ctx: Context<D>): Question;
  /** Primitive questions are answered by lookup in the context, never by a model. */
  isPrimitive(q: Question): boolean;
  /** Ground truth for every question kind (and the lookup for primitives). */
  answer(ctx: Context<D>, q: Question): Answer;
  /** H. Must never throw on garbage subanswers: it answers `['?']`. */
  expert: Expert;
  /** A class name for per-class evaluation (default: the question kind). */
  classify?(ctx: Context<D>, q: Question): string;
  format?: TaskFormat;
}

/** A task after `defineTask`: defaults filled in, shape checked. */
export interface Task<D = unknown> {
  readonly name: string;
  readonly description: string;
  readonly maxSubquestions: number;
  readonly sizes: { readonly min: number; readonly max: number; readonly default: number };
  readonly vocabulary: readonly string[] | undefined;
  readonly kinds: Readonly<Record<string, QuestionKind>> | undefined;
  context(rng: Rng, size: number): Context<D>;
  question(rng: Rng, ctx: Context<D>): Question;
  isPrimitive(q: Question): boolean;
  answer(ctx: Context<D>, q: Question): Answer;
  expert: Expert;
  classify(ctx: Context<D>, q: Question): string;
  readonly format: Required<Omit<TaskFormat, 'parseQuestion'>> & Pick<TaskFormat, 'parseQuestion'>;
}

/** Any task, whatever its context data. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any>;
/** Any context. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyContext = Context<any>;
