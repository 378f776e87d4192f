import type { Answer, AnyTask, Fact, Question, Task, TaskSpec } from './types';

/** Marks objects made by `defineTask`; a global symbol, so it survives separate copies of this module. */
export const TASK_BRAND = Symbol.for('amplification-explorer.task');

/** The most symbols a question or answer may have. */
export const MAX_SYMBOLS = 64;

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** A clear error in a task definition. */
export class TaskDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskDefinitionError';
  }
}

/** Why `x` is not a valid symbol tuple (question, answer or fact), or `undefined` when it is. */
export function tupleProblem(x: unknown, what = 'value'): string | undefined {
  if (!Array.isArray(x)) return `${what} is not an array of strings (got ${describeValue(x)})`;
  if (x.length === 0) return `${what} is empty`;
  if (x.length > MAX_SYMBOLS) return `${what} has ${x.length} symbols (at most ${MAX_SYMBOLS})`;
  for (let i = 0; i < x.length; i++) {
    const s: unknown = x[i];
    if (typeof s !== 'string') return `${what}[${i}] is not a string (got ${describeValue(s)})`;
    if (s.length === 0) return `${what}[${i}] is an empty string`;
    if (/\s/.test(s)) return `${what}[${i}] (${JSON.stringify(s)}) contains white space`;
  }
  return undefined;
}

/** True for a non-empty array of non-empty symbols without white space. */
export function isTuple(x: unknown): x is readonly string[] {
  return tupleProblem(x) === undefined;
}

export function describeValue(x: unknown): string {
  if (x === undefined) return 'undefined';
  if (x === null) return 'null';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (Array.isArray(x)) return `array of length ${x.length}`;
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}

/** A stable key for a question (or answer), for maps and override tables. */
export function questionKey(q: readonly string[]): string {
  return q.join(' ');
}

/** Equality of two symbol tuples. */
export function sameTuple(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function defaultFormatTuple(t: readonly string[]): string {
  return t.join(' ');
}

function defaultParseQuestion(text: string): Question | undefined {
  const symbols = text.trim().split(/[\s,]+/).filter((s) => s.length > 0);
  return symbols.length > 0 ? symbols : undefined;
}

/**
 * Defines a task. Checks the shape of the definition (a clear `TaskDefinitionError` for each
 * problem) and fills in defaults; what the functions *do* is checked by `checkTask`.
 */
export function defineTask<D>(spec: TaskSpec<D>): Task<D> {
  if (spec === null || typeof spec !== 'object') throw new TaskDefinitionError('defineTask needs an object');
  const name = spec.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TaskDefinitionError(`task name must be lower-case letters, digits and dashes (got ${describeValue(name)})`);
  }
  const where = `task '${name}'`;
  if (!Number.isInteger(spec.maxSubquestions) || spec.maxSubquestions < 1) {
    throw new TaskDefinitionError(`${where}: maxSubquestions must be a positive integer (got ${describeValue(spec.maxSubquestions)})`);
  }
  for (const fn of ['context', 'question', 'isPrimitive', 'answer', 'expert'] as const) {
    if (typeof spec[fn] !== 'function') throw new TaskDefinitionError(`${where}: '${fn}' must be a function`);
  }
  const sizes = spec.sizes ?? { min: 8, max: 64, default: 8 };
  if (
    !Number.isInteger(sizes.min) || !Number.isInteger(sizes.max) || !Number.isInteger(sizes.default) ||
    sizes.min < 1 || sizes.min > sizes.max || sizes.default < sizes.min || sizes.default > sizes.max
  ) {
    throw new TaskDefinitionError(`${where}: sizes must be integers with 1 ≤ min ≤ default ≤ max (got ${JSON.stringify(sizes)})`);
  }
  if (spec.vocabulary !== undefined) {
    const v: unknown = spec.vocabulary;
    if (!Array.isArray(v) || v.length === 0) throw new TaskDefinitionError(`${where}: vocabulary must be a non-empty array of symbols`);
    const bad = v.findIndex((s) => typeof s !== 'string' || s.length === 0 || /\s/.test(s));
    if (bad >= 0) throw new TaskDefinitionError(`${where}: vocabulary[${bad}] (${describeValue(v[bad])}) is not a symbol (a non-empty string without white space)`);
    if (new Set(spec.vocabulary).size !== spec.vocabulary.length) throw new TaskDefinitionError(`${where}: vocabulary has duplicates`);
  }
  const format = spec.format ?? {};
  const task: Task<D> = {
    name,
    description: spec.description ?? '',
    maxSubquestions: spec.maxSubquestions,
    sizes: Object.freeze({ ...sizes }),
    vocabulary: spec.vocabulary ? Object.freeze([...spec.vocabulary]) : undefined,
    kinds: spec.kinds,
    context: spec.context.bind(spec),
    question: spec.question.bind(spec),
    isPrimitive: spec.isPrimitive.bind(spec),
    answer: spec.answer.bind(spec),
    expert: spec.expert.bind(spec),
    classify: spec.classify ? spec.classify.bind(spec) : (_ctx, q) => q[0] ?? '?',
    format: {
      question: format.question ? safeFormat(format.question.bind(format)) : defaultFormatTuple,
      answer: format.answer ? safeFormat(format.answer.bind(format)) : defaultFormatTuple,
      fact: format.fact ? safeFormat(format.fact.bind(format)) : defaultFormatTuple,
      parseQuestion: (text: string) => {
        const parsed = format.parseQuestion ? format.parseQuestion(text) : undefined;
        return parsed ?? defaultParseQuestion(text);
      },
    },
  };
  Object.defineProperty(task, TASK_BRAND, { value: true, enumerable: false });
  return Object.freeze(task);
}

/** A formatter never throws: on a malformed tuple it falls back to the plain symbols. */
function safeFormat(fn: (t: readonly string[]) => string): (t: readonly string[]) => string {
  return (t) => {
    try {
      const s = fn(t);
      return typeof s === 'string' ? s : defaultFormatTuple(t);
    } catch {
      return defaultFormatTuple(t);
    }
  };
}

/** True for objects made by `defineTask` (from any copy of this module). */
export function isTask(x: unknown): x is AnyTask {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[TASK_BRAND] === true;
}

/** The size to use: the given one (checked against the task's range) or the task's default. */
export function resolveSize(task: AnyTask, size?: number): number {
  const n = size ?? task.sizes.default;
  if (!Number.isInteger(n) || n < task.sizes.min || n > task.sizes.max) {
    throw new RangeError(`size ${n} is outside ${task.name}'s range ${task.sizes.min}..${task.sizes.max}`);
  }
  return n;
}

export type { Answer, Fact, Question };
