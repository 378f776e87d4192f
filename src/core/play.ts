/**
 * A person plays H. A play session shows the person one question — never the context — and lets
 * them decompose it as H does: ask subquestions one at a time (typed in the task's notation or as
 * plain symbols), see each subanswer, and end with an answer. Primitive subquestions are answered
 * by lookup; the others by the chosen answerer — ground truth (for practice), X of a round, or the
 * person again (`'me'`: each non-primitive subquestion becomes a nested question the person
 * answers in turn, within a budget: pure HCH with a person at every node).
 *
 * Pointers (as in Patchwork): `$1`, `$2` … in a typed question or answer stand for the subanswers
 * of the question being answered, so a policy can be written without reading them. Before the
 * line is parsed, `$n` is replaced by the symbols of the n-th subanswer joined by single spaces
 * (`$1` = `cd` makes `σ^2($1)` read `σ^2(cd)`; a two-symbol subanswer `3 cd` makes
 * `pow 0 0 0 0 1 0 $1` read `pow 0 0 0 0 1 0 3 cd`, which the arity check refuses). A pointer to a
 * `?` subanswer is refused in a question (nothing can be asked about an unknown: answer `?` or ask
 * again) and gives `?` in an answer. Transcripts hold the substituted symbols, as H's do.
 *
 * Every finished question (the root and each nested one) gives a `PlayRecord`: its transcript in
 * H's schema (source `human`) plus who, when and which answerer helped.
 */
import { TRANSCRIPT_SCHEMA_VERSION, amplify, attemptOf, isPrimitive, lookup, truthAnswerer, type Answerer, type AnswerSource, type Transcript, type TranscriptStep } from './amplify';
import type { HCHNode } from './hch';
import { makeContext, makeQuestion, taskKinds, taskVocabulary, type InstanceId } from './instances';
import { questionKey, tupleProblem } from './task';
import { UNKNOWN, UNKNOWN_ANSWER, type Answer, type AnyContext, type AnyTask, type Question } from './types';

export const PLAY_RECORD_VERSION = 1;
/** The source of an answer the person gave (their transcripts' `source`, and subanswers from nested questions). */
export const HUMAN_SOURCE: AnswerSource = 'human';
/** The source of the `?` a skipped nested question gives its asker. */
export const SKIPPED_SOURCE: AnswerSource = 'skipped';
/** The source of a question still open in `PlaySession.tree()` (its answer there is `?`). */
export const OPEN_SOURCE: AnswerSource = 'open';
/** Nested questions the person may be asked with answerer `'me'`, when the caller does not say. */
export const DEFAULT_PLAY_BUDGET = 10;

/** One finished question of a play session: a line of `human/transcripts.jsonl`. */
export interface PlayRecord {
  formatVersion: typeof PLAY_RECORD_VERSION;
  task: string;
  size: number;
  /** The context's instance id (the context itself is never stored). */
  instance: InstanceId;
  question: Question;
  /** Child indices from the session's root question (`[]` for the root; `[1]` for the nested question that became `$2`). */
  path: number[];
  /** For a nested question: the session's root question. */
  root?: Question;
  /** In H's transcript schema, with source `human`. */
  transcript: Transcript;
  who: string;
  /** When the question was answered (ISO 8601). */
  at: string;
  /** Seconds from showing the question to the answer. */
  seconds: number;
  /** Who answered non-primitive subquestions: `truth`, `X` or `me`. */
  answerer: string;
  /** With answerer `X`: the round of the checkpoint. */
  round?: number;
}

export interface PlayOptions {
  /** Non-primitive subquestions go to this answerer, or (`'me'`) back to the person as nested questions. */
  answerer: Answerer | 'me';
  /** The answerer's name for the records: `truth`, `X`, `me`. */
  answererName: string;
  /** With answerer `X`: the round of its checkpoint. */
  round?: number;
  /** With `'me'`: how many nested questions the person may be asked (default `DEFAULT_PLAY_BUDGET`). */
  budget?: number;
  who: string;
  instance: InstanceId;
  now?: () => Date;
}

export type PlayOutcome = { ok: true; record?: PlayRecord } | { ok: false; error: string };

/** A question the session cannot start with. */
export class PlayError extends Error {}

interface Step extends TranscriptStep {
  /** The nested question's tree, when the person answered this subquestion. */
  node?: HCHNode;
}

interface Frame {
  question: Question;
  steps: Step[];
  path: number[];
  started: number;
}

/** What the person's input is checked against: the task's question kinds, their arities, its symbols. */
export interface PlayVocabulary {
  kinds: readonly string[];
  /** Question lengths seen per kind while sampling (kinds never sampled have none). */
  arities: ReadonlyMap<string, { min: number; max: number }>;
  symbols: ReadonlySet<string>;
}

const vocabularies = new WeakMap<AnyTask, PlayVocabulary>();

/** The task's play vocabulary (sampled once per task). */
export function playVocabulary(task: AnyTask): PlayVocabulary {
  let v = vocabularies.get(task);
  if (!v) {
    const arities = new Map<string, { min: number; max: number }>();
    const see = (q: Question) => {
      const a = arities.get(q[0]);
      arities.set(q[0], a ? { min: Math.min(a.min, q.length), max: Math.max(a.max, q.length) } : { min: q.length, max: q.length });
    };
    for (const size of new Set([task.sizes.min, task.sizes.default, task.sizes.max])) {
      for (let index = 0; index < 24; index++) {
        const id = { size, seed: 'play-arity', index };
        const ctx = makeContext(task, id);
        const q = makeQuestion(task, id, ctx);
        see(q);
        amplify(task, ctx, q, truthAnswerer(task)).steps.forEach((s) => see(s.question));
      }
    }
    v = { kinds: Object.keys(taskKinds(task)), arities, symbols: new Set(taskVocabulary(task)) };
    vocabularies.set(task, v);
  }
  return v;
}

/**
 * Why `q` is not a question the person may ask (one line), or undefined: a symbol tuple of a known
 * kind, with a length seen for that kind, of the task's symbols, without `?`.
 * (The one check of play input; src/core/validate-input.ts's checkQuestion may take its place.)
 */
export function questionProblem(v: PlayVocabulary, q: Question): string | undefined {
  const problem = tupleProblem(q, 'the question');
  if (problem) return problem;
  if (!v.kinds.includes(q[0])) return `'${q[0]}' is not a question kind (kinds: ${v.kinds.join(', ')})`;
  const arity = v.arities.get(q[0]);
  if (arity && (q.length < arity.min || q.length > arity.max)) {
    const want = arity.min === arity.max ? `${arity.min}` : `${arity.min} to ${arity.max}`;
    return `a '${q[0]}' question has ${want} symbols (got ${q.length}: ${questionKey(q)})`;
  }
  if (q.includes(UNKNOWN)) return `a question cannot contain '?'`;
  const unknown = q.find((s) => !v.symbols.has(s));
  return unknown === undefined ? undefined : `'${unknown}' is not a symbol of this task`;
}

/** Why `a` is not an answer the person may give, or undefined. */
export function answerProblem(v: PlayVocabulary, a: Answer): string | undefined {
  const problem = tupleProblem(a, 'the answer');
  if (problem) return problem;
  const unknown = a.find((s) => !v.symbols.has(s));
  return unknown === undefined ? undefined : `'${unknown}' is not a symbol of this task`;
}

/**
 * Replaces `$n` in `text` by the symbols of the n-th subanswer (1-based) joined by spaces. In a
 * question a pointer to `?` is refused.
 */
export function substitutePointers(text: string, subanswers: readonly Answer[], use: 'question' | 'answer'): { text: string } | { error: string } {
  let error: string | undefined;
  const out = text.replace(/\$(\d+)/g, (whole, digits: string) => {
    const n = Number(digits);
    const a = subanswers[n - 1];
    if (n < 1 || a === undefined) {
      error ??= `${whole} points at no subanswer (${subanswers.length === 0 ? 'none yet' : `there are $1..$${subanswers.length}`})`;
      return whole;
    }
    if (use === 'question' && a.includes(UNKNOWN)) error ??= `${whole} is ? (unknown): nothing can be asked about it; answer ? or ask again`;
    return a.join(' ');
  });
  return error === undefined ? { text: out } : { error };
}

/** What the person typed, with what the pointers made of it when they changed it. */
function shown(typed: string, substituted: string): string {
  return typed.trim() === substituted.trim() ? typed.trim() : `${typed.trim()}' = '${substituted.trim()}`;
}

function parseSymbols(text: string): string[] {
  return text.trim().split(/[\s,]+/).filter((s) => s.length > 0);
}

function transcriptOf(task: AnyTask, question: Question, steps: readonly Step[], answer: Answer): Transcript {
  return {
    schemaVersion: TRANSCRIPT_SCHEMA_VERSION, task: task.name, question,
    steps: steps.map((s) => ({ question: s.question, answer: s.answer, source: s.source })), answer, source: HUMAN_SOURCE,
  };
}

/**
 * One question answered by a person acting as H. The person's commands (`ask`, `answer`, `undo`,
 * `skip`) apply to the question they are answering now (`question`): the root, or with answerer
 * `'me'` the innermost open nested question. A command that cannot apply returns a one-line error
 * and changes nothing.
 */
export class PlaySession {
  private readonly frames: Frame[];
  private readonly vocabulary: PlayVocabulary;
  private readonly now: () => Date;
  private budgetLeft: number;
  private finishedAnswer: Answer | undefined;
  /** Every question finished so far, in order (nested ones before the root). */
  readonly records: PlayRecord[] = [];
  /** The root was answered or skipped. */
  done = false;
  /** The root was skipped. */
  skipped = false;

  constructor(
    readonly task: AnyTask,
    private readonly ctx: AnyContext,
    readonly rootQuestion: Question,
    private readonly options: PlayOptions,
  ) {
    this.vocabulary = playVocabulary(task);
    const problem = questionProblem(this.vocabulary, rootQuestion);
    if (problem) throw new PlayError(`cannot play ${questionKey(rootQuestion)}: ${problem}`);
    if (isPrimitive(task, rootQuestion)) throw new PlayError(`${task.format.question(rootQuestion)} is a lookup (primitive): there is nothing to decompose`);
    this.now = options.now ?? (() => new Date());
    this.budgetLeft = options.answerer === 'me' ? (options.budget ?? DEFAULT_PLAY_BUDGET) : 0;
    this.frames = [{ question: rootQuestion, steps: [], path: [], started: this.now().getTime() }];
  }

  private get frame(): Frame {
    return this.frames[this.frames.length - 1];
  }

  /** The question the person answers now. */
  get question(): Question {
    return this.frame.question;
  }

  /** Its subquestions so far with their answers (`$n` is `steps[n - 1].answer`). */
  get steps(): readonly TranscriptStep[] {
    return this.frame.steps.map((s) => ({ question: s.question, answer: s.answer, source: s.source }));
  }

  /** Its child indices from the root (`[]` for the root). */
  get path(): readonly number[] {
    return this.frame.path;
  }

  /** Subquestions in the tree so far, nested ones included (each lookup, answerer call or nested question counts one). */
  get calls(): number {
    let n = -1;
    const count = (node: HCHNode) => {
      n++;
      node.children?.forEach(count);
    };
    count(this.tree());
    return n;
  }

  /** With answerer `'me'`: nested questions the person may still be asked; else undefined. */
  get budget(): number | undefined {
    return this.options.answerer === 'me' ? this.budgetLeft : undefined;
  }

  /** Asks a subquestion of the current question; it is answered at once, or (answerer `'me'`) becomes the current question. */
  ask(text: string): PlayOutcome {
    if (this.done) return { ok: false, error: 'the question is finished' };
    const frame = this.frame;
    if (frame.steps.length >= this.task.maxSubquestions) {
      return { ok: false, error: `H asks at most ${this.task.maxSubquestions} subquestions here (maxSubquestions): answer now (undo to ask differently)` };
    }
    const sub = substitutePointers(text, frame.steps.map((s) => s.answer), 'question');
    if ('error' in sub) return { ok: false, error: sub.error };
    let q: Question;
    try {
      q = this.task.format.parseQuestion?.(sub.text) ?? parseSymbols(sub.text);
    } catch {
      q = parseSymbols(sub.text);
    }
    const problem = questionProblem(this.vocabulary, q);
    if (problem) return { ok: false, error: `cannot ask '${shown(text, sub.text)}': ${problem}` };
    if (isPrimitive(this.task, q)) {
      const a = lookup(this.task, this.ctx, q);
      frame.steps.push({ question: q, answer: a.answer, source: a.source });
      return { ok: true };
    }
    const answerer = this.options.answerer;
    if (answerer === 'me') {
      if (this.budgetLeft <= 0) return { ok: false, error: `the budget of ${this.options.budget ?? DEFAULT_PLAY_BUDGET} nested questions is spent: answer with what you have` };
      this.budgetLeft--;
      this.frames.push({ question: q, steps: [], path: [...frame.path, frame.steps.length], started: this.now().getTime() });
      return { ok: true };
    }
    const attempt = attemptOf(frame.question, frame.steps, q);
    const a = answerer.answerBatch([attempt > 0 ? { ctx: this.ctx, question: q, attempt } : { ctx: this.ctx, question: q }])[0];
    frame.steps.push({ question: q, answer: a && !tupleProblem(a.answer) ? a.answer : UNKNOWN_ANSWER, source: a?.source ?? 'none' });
    return { ok: true };
  }

  /** Answers the current question; a nested question's answer becomes its asker's next subanswer. */
  answer(text: string): PlayOutcome {
    if (this.done) return { ok: false, error: 'the question is finished' };
    const frame = this.frame;
    const sub = substitutePointers(text, frame.steps.map((s) => s.answer), 'answer');
    if ('error' in sub) return { ok: false, error: sub.error };
    const a = parseSymbols(sub.text);
    const problem = answerProblem(this.vocabulary, a);
    if (problem) return { ok: false, error: `cannot answer '${shown(text, sub.text)}': ${problem}` };
    const at = this.now();
    const record: PlayRecord = {
      formatVersion: PLAY_RECORD_VERSION, task: this.task.name, size: this.options.instance.size, instance: this.options.instance,
      question: frame.question, path: frame.path, ...(frame.path.length > 0 ? { root: this.rootQuestion } : {}),
      transcript: transcriptOf(this.task, frame.question, frame.steps, a), who: this.options.who, at: at.toISOString(),
      seconds: Math.max(0, (at.getTime() - frame.started) / 1000), answerer: this.options.answererName,
      ...(this.options.round !== undefined ? { round: this.options.round } : {}),
    };
    this.records.push(record);
    if (this.frames.length > 1) {
      this.frames.pop();
      this.frame.steps.push({ question: frame.question, answer: a, source: HUMAN_SOURCE, node: this.nodeOf(frame, a, HUMAN_SOURCE) });
    } else {
      this.finishedAnswer = a;
      this.done = true;
    }
    return { ok: true, record };
  }

  /**
   * Removes the last step of the current question; when it has none, withdraws the nested question
   * itself (its budget is given back). A nested question already answered stays recorded.
   */
  undo(): PlayOutcome {
    if (this.done) return { ok: false, error: 'the question is finished' };
    const frame = this.frame;
    if (frame.steps.length > 0) frame.steps.pop();
    else if (this.frames.length > 1) {
      this.frames.pop();
      this.budgetLeft++;
    } else return { ok: false, error: 'nothing to undo' };
    return { ok: true };
  }

  /** Leaves the current question unanswered, without a transcript: a nested one gives its asker `?`; the root ends the session. */
  skip(): PlayOutcome {
    if (this.done) return { ok: false, error: 'the question is finished' };
    if (this.frames.length > 1) {
      const frame = this.frames.pop()!;
      this.frame.steps.push({ question: frame.question, answer: UNKNOWN_ANSWER, source: SKIPPED_SOURCE });
    } else {
      this.done = true;
      this.skipped = true;
    }
    return { ok: true };
  }

  /**
   * Completions of a line being typed (whole lines): its last word completed by the task's question
   * kinds (first word only), the pointers `$1..$n` and the names seen so far — the symbols of the
   * current question and of its subquestions and subanswers.
   */
  complete(line: string): string[] {
    const m = /^([\s\S]*?)([^\s(),→]*)$/.exec(line)!;
    const [head, word] = [m[1], m[2]];
    const frame = this.frame;
    const pool = new Set<string>();
    if (head.trim() === '') this.vocabulary.kinds.forEach((k) => pool.add(k));
    frame.steps.forEach((_, i) => pool.add(`$${i + 1}`));
    const kinds = new Set(this.vocabulary.kinds);
    const seen = [frame.question.slice(1), ...frame.steps.flatMap((s) => [s.question.slice(1), s.answer])];
    for (const t of seen) for (const s of t) if (s !== UNKNOWN && !kinds.has(s)) pool.add(s);
    return [...pool].filter((c) => c.startsWith(word)).sort().map((c) => head + c);
  }

  /**
   * The tree so far as an HCH tree (the Explorer's and `renderTree`'s shape): the person's
   * questions have source `human`, open ones source `open` and answer `?`; subquestions answered
   * by lookup, the answerer or a skip are leaves.
   */
  tree(): HCHNode {
    const build = (depth: number): HCHNode => {
      const frame = this.frames[depth];
      const open = !(depth === 0 && this.done && !this.skipped);
      const node = this.nodeOf(frame, open ? UNKNOWN_ANSWER : this.finishedAnswer!, open ? OPEN_SOURCE : HUMAN_SOURCE);
      if (depth + 1 < this.frames.length) node.children!.push(build(depth + 1));
      return node;
    };
    return build(0);
  }

  private nodeOf(frame: Frame, answer: Answer, source: AnswerSource): HCHNode {
    const children = frame.steps.map((s): HCHNode => s.node ?? { question: s.question, answer: s.answer, source: s.source, ...(s.source === 'lookup' ? { primitive: true as const } : {}) });
    return { question: frame.question, answer, source, children };
  }
}

/** Why a parsed line of a transcripts file is not a `PlayRecord` (one line), or undefined. */
export function playRecordProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'not a JSON object';
  const r = x as Record<string, unknown>;
  if (r.formatVersion !== PLAY_RECORD_VERSION) return `formatVersion is not ${PLAY_RECORD_VERSION}`;
  for (const k of ['task', 'who', 'at', 'answerer'] as const) if (typeof r[k] !== 'string') return `${k} is not a string`;
  if (Number.isNaN(Date.parse(r.at as string))) return 'at is not a date';
  if (!Number.isInteger(r.size)) return 'size is not an integer';
  const i = r.instance as Record<string, unknown> | undefined;
  if (typeof i !== 'object' || i === null || !Number.isInteger(i.size) || !Number.isInteger(i.index) || !['string', 'number', 'object'].includes(typeof i.seed) || i.seed === null) {
    return 'instance is not { size, seed, index }';
  }
  const q = tupleProblem(r.question, 'question');
  if (q) return q;
  if (!Array.isArray(r.path) || !r.path.every((n) => Number.isInteger(n) && n >= 0)) return 'path is not a list of child indices';
  if (r.path.length > 0 && tupleProblem(r.root)) return 'a nested question has no root question';
  if (typeof r.seconds !== 'number' || !(r.seconds >= 0)) return 'seconds is not a number ≥ 0';
  if (r.round !== undefined && !Number.isInteger(r.round)) return 'round is not an integer';
  const t = r.transcript as Record<string, unknown> | undefined;
  if (typeof t !== 'object' || t === null) return 'transcript is missing';
  if (t.schemaVersion !== TRANSCRIPT_SCHEMA_VERSION) return `transcript.schemaVersion is not ${TRANSCRIPT_SCHEMA_VERSION}`;
  if (t.task !== r.task) return 'transcript.task differs from task';
  const tq = tupleProblem(t.question, 'transcript.question') ?? tupleProblem(t.answer, 'transcript.answer');
  if (tq) return tq;
  if (questionKey(t.question as Question) !== questionKey(r.question as Question)) return 'transcript.question differs from question';
  if (typeof t.source !== 'string') return 'transcript.source is not a string';
  if (!Array.isArray(t.steps)) return 'transcript.steps is not a list';
  for (let n = 0; n < t.steps.length; n++) {
    const s = t.steps[n] as Record<string, unknown> | null;
    const problem = typeof s !== 'object' || s === null ? 'is not an object' : (tupleProblem(s.question, 'its question') ?? tupleProblem(s.answer, 'its answer') ?? (typeof s.source === 'string' ? undefined : 'has no source'));
    if (problem) return `transcript.steps[${n}] ${problem}`;
  }
  return undefined;
}
