/**
 * Tokens of H′ (the learned model of H): a transcript of H as one token sequence.
 *
 *     question symbols,
 *     for each step: ASK, subquestion symbols, SEP, subanswer symbols, SEP,
 *     ANS, answer symbols, END
 *
 * Every token also has a *type* (what part of the transcript it belongs to), an *offset* (its place
 * inside its span) and a *segment* (0 for the question, i for step i, k + 1 for the answer), which
 * the model embeds next to the token and its absolute position. A separator takes the type of the
 * span it closes, so the two SEPs of a step are told apart.
 *
 * The tokens H′ is trained to produce (and the loss scores) are exactly those H produces: the
 * ASK/ANS markers, the subquestion symbols with their closing SEP, the answer symbols and END. The
 * question and the subanswers (and the SEP closing a subanswer) are inputs only.
 *
 * Reserved tokens contain a space, which task symbols never do (see `tupleProblem` in core), so
 * they cannot collide with a task's symbols.
 */
import { amplify, makeContext, makeQuestion, taskVocabulary, truthAnswerer, UNKNOWN, type AnyTask, type Answer, type Question } from '../core/index';
import type { PartialTranscript } from './types';

export const H_PAD = '<pad> ';
export const H_ASK = '<ask> ';
export const H_SEP = '<sep> ';
export const H_ANS = '<ans> ';
export const H_END = '<end> ';
/** Reserved tokens in id order (PAD is id 0). */
export const H_RESERVED: readonly string[] = [H_PAD, H_ASK, H_SEP, H_ANS, H_END];

export const PAD_ID = 0;
export const ASK_ID = 1;
export const SEP_ID = 2;
export const ANS_ID = 3;
export const END_ID = 4;

/** Token types (what part of the transcript a token belongs to). */
export const TokenType = {
  question: 0,
  subquestion: 1,
  subanswer: 2,
  answer: 3,
  marker: 4,
} as const;
export const TOKEN_TYPES = 5;

export interface ExpertLengths {
  /** Symbols of the longest question or subquestion. */
  maxQuestionLength: number;
  /** Symbols of the longest answer or subanswer. */
  maxAnswerLength: number;
  /** k: the most subquestions H asks. */
  maxSubquestions: number;
}

export interface ExpertVocabularyJSON extends ExpertLengths {
  format: 'amplification-explorer/expert-vocabulary';
  version: 1;
  /** Every token by id, reserved ones first. */
  tokens: string[];
}

/** A transcript as parallel id arrays (one entry per token). */
export interface EncodedTranscript {
  ids: number[];
  types: number[];
  offsets: number[];
  segments: number[];
  /** 1 where the token is one H produces (scored by the loss), else 0. */
  scored: number[];
}

export class ExpertTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpertTokenError';
  }
}

export class ExpertVocabulary {
  readonly tokens: readonly string[];
  readonly lengths: Readonly<ExpertLengths>;
  private readonly ids: Map<string, number>;

  constructor(vocabulary: readonly string[], lengths: ExpertLengths) {
    for (const [k, v] of Object.entries(lengths)) {
      if (!Number.isInteger(v) || v < 1) throw new ExpertTokenError(`expert vocabulary: ${k} must be a positive integer (got ${String(v)})`);
    }
    const symbols = [...new Set(vocabulary)];
    for (const s of symbols) {
      if (typeof s !== 'string' || s.length === 0 || /\s/.test(s)) throw new ExpertTokenError(`expert vocabulary: bad symbol ${JSON.stringify(s)}`);
    }
    this.tokens = Object.freeze([...H_RESERVED, ...symbols]);
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
    this.lengths = Object.freeze({ maxQuestionLength: lengths.maxQuestionLength, maxAnswerLength: lengths.maxAnswerLength, maxSubquestions: lengths.maxSubquestions });
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Tokens of a step: ASK, subquestion, SEP, subanswer, SEP. */
  get stepLength(): number {
    return this.lengths.maxQuestionLength + this.lengths.maxAnswerLength + 3;
  }

  /** Tokens of the longest complete transcript. */
  get maxLength(): number {
    const { maxQuestionLength: q, maxAnswerLength: a, maxSubquestions: k } = this.lengths;
    return q + k * this.stepLength + a + 2;
  }

  /** Offsets run from 0 to the longest span (its closing separator included). */
  get maxOffset(): number {
    return Math.max(this.lengths.maxQuestionLength, this.lengths.maxAnswerLength) + 1;
  }

  /** Segments: the question, k steps, the answer. */
  get segments(): number {
    return this.lengths.maxSubquestions + 2;
  }

  isReserved(id: number): boolean {
    return id < H_RESERVED.length;
  }

  has(symbol: string): boolean {
    return this.ids.has(symbol) && !H_RESERVED.includes(symbol);
  }

  id(symbol: string, where: string): number {
    const id = H_RESERVED.includes(symbol) ? undefined : this.ids.get(symbol);
    if (id === undefined) throw new ExpertTokenError(`unknown symbol ${JSON.stringify(symbol)} in ${where}: it is not in H′'s vocabulary`);
    return id;
  }

  symbol(id: number): string {
    const s = this.tokens[id];
    if (s === undefined) throw new ExpertTokenError(`expert vocabulary: no token has id ${id}`);
    return s;
  }

  /** The ids of t's symbols appended to `out` (what: names t in an error; built only for one). */
  private symbols(t: readonly string[], max: number, what: () => string, out: number[] = []): number[] {
    if (t.length === 0) throw new ExpertTokenError(`H′: empty ${what()}`);
    if (t.length > max) throw new ExpertTokenError(`H′: ${what()} [${t.join(' ')}] has ${t.length} symbols; this model allows at most ${max}`);
    for (const s of t) {
      const id = this.ids.get(s);
      out.push(id !== undefined && id >= H_RESERVED.length ? id : this.id(s, `${what()} [${t.join(' ')}]`));
    }
    return out;
  }

  /**
   * A subanswer's ids, appended to `out`. Subanswers come from the model X (or a user), not from H:
   * like H, H′ reads one that does not fit (empty, too long, unknown symbols) as the unknown answer
   * `?` instead of failing the whole batch. Without `?` in the vocabulary that is an error like any other.
   */
  private subanswer(a: Answer, max: number, step: number, out: number[]): number[] {
    const unknown = this.ids.get(UNKNOWN);
    const fits = Array.isArray(a) && a.length > 0 && a.length <= max && a.every((s) => this.has(s));
    if (fits || unknown === undefined) return this.symbols(a, max, () => `subanswer ${step}`, out);
    out.push(unknown);
    return out;
  }

  /**
   * A partial transcript (the question and the steps so far), ready for the next marker; with
   * `answer`, the complete transcript (… ANS answer END).
   */
  encode(t: PartialTranscript, answer?: Answer): EncodedTranscript {
    const { maxQuestionLength: Lq, maxAnswerLength: La, maxSubquestions: k } = this.lengths;
    if (t.steps.length > k) throw new ExpertTokenError(`H′: the transcript of [${t.question.join(' ')}] has ${t.steps.length} steps; this model allows at most ${k}`);
    const out: EncodedTranscript = { ids: [], types: [], offsets: [], segments: [], scored: [] };
    // Ids first, then their types, offsets, segments and scores (one pass per span, no closures per token).
    const ids = out.ids;
    const span = (from: number, type: number, segment: number, scored: number): void => {
      for (let j = from; j < ids.length; j++) {
        out.types.push(type);
        out.offsets.push(j - from);
        out.segments.push(segment);
        out.scored.push(scored);
      }
    };
    this.symbols(t.question, Lq, () => 'question', ids);
    span(0, TokenType.question, 0, 0);
    for (let i = 0; i < t.steps.length; i++) {
      const s = t.steps[i];
      let from = ids.length;
      ids.push(ASK_ID);
      span(from, TokenType.marker, i + 1, 1);
      from = ids.length;
      this.symbols(s.question, Lq, () => `subquestion ${i + 1}`, ids).push(SEP_ID);
      span(from, TokenType.subquestion, i + 1, 1);
      from = ids.length;
      this.subanswer(s.answer, La, i + 1, ids).push(SEP_ID);
      span(from, TokenType.subanswer, i + 1, 0);
    }
    if (answer !== undefined) {
      let from = ids.length;
      ids.push(ANS_ID);
      span(from, TokenType.marker, t.steps.length + 1, 1);
      from = ids.length;
      this.symbols(answer, La, () => 'answer', ids).push(END_ID);
      span(from, TokenType.answer, t.steps.length + 1, 1);
    }
    return out;
  }

  toJSON(): ExpertVocabularyJSON {
    return { format: 'amplification-explorer/expert-vocabulary', version: 1, tokens: [...this.tokens], ...this.lengths };
  }

  static fromJSON(json: unknown): ExpertVocabulary {
    const j = json as Partial<ExpertVocabularyJSON> | null;
    if (!j || j.format !== 'amplification-explorer/expert-vocabulary' || j.version !== 1 || !Array.isArray(j.tokens)) {
      throw new ExpertTokenError('not an expert vocabulary (format amplification-explorer/expert-vocabulary, version 1)');
    }
    for (let i = 0; i < H_RESERVED.length; i++) {
      if (j.tokens[i] !== H_RESERVED[i]) throw new ExpertTokenError(`expert vocabulary JSON: token ${i} should be the reserved ${JSON.stringify(H_RESERVED[i])}`);
    }
    return new ExpertVocabulary(j.tokens.slice(H_RESERVED.length), {
      maxQuestionLength: Number(j.maxQuestionLength),
      maxAnswerLength: Number(j.maxAnswerLength),
      maxSubquestions: Number(j.maxSubquestions),
    });
  }
}

/**
 * H′'s vocabulary for a task: the task's symbols, its k, and the longest question/subquestion and
 * answer/subanswer seen in H's transcripts (ground-truth subanswers) over sampled instances at the
 * task's min, default and max sizes. `lengths` overrides what sampling finds. The instances include
 * those `tokenizerForTask` samples for the model X (same seed, more of them), so X's answers, which
 * become H′'s subanswers, fit.
 */
export function expertVocabularyForTask(task: AnyTask, options: { samples?: number; lengths?: Partial<ExpertLengths> } = {}): ExpertVocabulary {
  const samples = options.samples ?? 64;
  const found: ExpertLengths = { maxQuestionLength: 1, maxAnswerLength: 1, maxSubquestions: task.maxSubquestions };
  const note = (q: Question, a: Answer): void => {
    found.maxQuestionLength = Math.max(found.maxQuestionLength, q.length);
    found.maxAnswerLength = Math.max(found.maxAnswerLength, a.length);
  };
  const truth = truthAnswerer(task);
  for (const size of new Set([task.sizes.min, task.sizes.default, task.sizes.max])) {
    for (let i = 0; i < samples; i++) {
      const id = { size, seed: 'tokenizer', index: i };
      const ctx = makeContext(task, id);
      const q = makeQuestion(task, id, ctx);
      const t = amplify(task, ctx, q, truth);
      note(q, t.answer);
      for (const s of t.steps) note(s.question, s.answer);
    }
  }
  return new ExpertVocabulary(taskVocabulary(task), { ...found, ...options.lengths });
}
