/**
 * Symbols ↔ ids for the model X. A tokenizer is fixed per task: the task's vocabulary plus reserved
 * tokens, and the fixed lengths facts, questions and answers are padded to. Reserved tokens contain
 * a space, which task symbols never do (see `tupleProblem` in core), so they cannot collide.
 */
import { amplify, makeContext, makeQuestion, taskVocabulary, truthAnswerer, type AnyTask, type Answer, type Fact, type Question } from '../core/index';

export const PAD = '<pad> ';
export const END = '<end> ';
export const START = '<start> ';
/** Reserved tokens, in id order (PAD is id 0). */
export const RESERVED: readonly string[] = [PAD, END, START];

export interface TokenizerLengths {
  /** Symbols per fact (shorter facts are padded). */
  maxFactLength: number;
  /** Symbols per question (shorter questions are padded). */
  maxQuestionLength: number;
  /** Symbols per answer, not counting END. */
  maxAnswerLength: number;
}

export interface TokenizerJSON extends TokenizerLengths {
  format: 'amplification-explorer/tokenizer';
  version: 1;
  /** Every token by id, reserved ones first. */
  tokens: string[];
}

export class UnknownSymbolError extends Error {
  constructor(
    readonly symbol: string,
    where: string,
  ) {
    super(`unknown symbol ${JSON.stringify(symbol)} in ${where}: it is not in the task's vocabulary`);
    this.name = 'UnknownSymbolError';
  }
}

export class Tokenizer {
  readonly tokens: readonly string[];
  readonly lengths: Readonly<TokenizerLengths>;
  private readonly ids: Map<string, number>;

  constructor(vocabulary: readonly string[], lengths: TokenizerLengths) {
    for (const [k, v] of Object.entries(lengths)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`tokenizer: ${k} must be a positive integer (got ${String(v)})`);
    }
    const symbols = [...new Set(vocabulary)];
    for (const s of symbols) {
      if (typeof s !== 'string' || s.length === 0 || /\s/.test(s)) throw new Error(`tokenizer: bad vocabulary symbol ${JSON.stringify(s)}`);
    }
    this.tokens = Object.freeze([...RESERVED, ...symbols]);
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
    this.lengths = Object.freeze({ ...lengths });
  }

  /** Number of ids. */
  get size(): number {
    return this.tokens.length;
  }
  get padId(): number {
    return 0;
  }
  get endId(): number {
    return 1;
  }
  get startId(): number {
    return 2;
  }
  /** Decoder steps: answer symbols plus END. */
  get answerSteps(): number {
    return this.lengths.maxAnswerLength + 1;
  }

  isReserved(id: number): boolean {
    return id < RESERVED.length;
  }

  has(symbol: string): boolean {
    return this.ids.has(symbol) && !RESERVED.includes(symbol);
  }

  /** The id of a task symbol; an `UnknownSymbolError` naming it otherwise. */
  id(symbol: string, where = 'input'): number {
    const id = RESERVED.includes(symbol) ? undefined : this.ids.get(symbol);
    if (id === undefined) throw new UnknownSymbolError(symbol, where);
    return id;
  }

  symbol(id: number): string {
    const s = this.tokens[id];
    if (s === undefined) throw new Error(`tokenizer: no token has id ${id}`);
    return s;
  }

  private encodeTuple(t: readonly string[], length: number, what: string): number[] {
    if (t.length === 0) throw new Error(`tokenizer: empty ${what}`);
    if (t.length > length) throw new Error(`tokenizer: ${what} [${t.join(' ')}] has ${t.length} symbols; this tokenizer allows at most ${length}`);
    const out = t.map((s) => this.id(s, `${what} [${t.join(' ')}]`));
    while (out.length < length) out.push(this.padId);
    return out;
  }

  /** `maxFactLength` ids, PAD-padded. */
  encodeFact(f: Fact): number[] {
    return this.encodeTuple(f, this.lengths.maxFactLength, 'fact');
  }

  /** `maxQuestionLength` ids, PAD-padded. */
  encodeQuestion(q: Question): number[] {
    return this.encodeTuple(q, this.lengths.maxQuestionLength, 'question');
  }

  /** `answerSteps` ids: the symbols, END, then PAD. */
  encodeAnswer(a: Answer): number[] {
    const ids = this.encodeTuple(a, this.lengths.maxAnswerLength, 'answer').slice(0, a.length);
    ids.push(this.endId);
    while (ids.length < this.answerSteps) ids.push(this.padId);
    return ids;
  }

  /** The symbols up to the first reserved id. */
  decodeAnswer(ids: readonly number[]): string[] {
    const out: string[] = [];
    for (const id of ids) {
      if (this.isReserved(id)) break;
      out.push(this.symbol(id));
    }
    return out;
  }

  toJSON(): TokenizerJSON {
    return {
      format: 'amplification-explorer/tokenizer',
      version: 1,
      tokens: [...this.tokens],
      ...this.lengths,
    };
  }

  static fromJSON(json: unknown): Tokenizer {
    const j = json as Partial<TokenizerJSON> | null;
    if (!j || j.format !== 'amplification-explorer/tokenizer' || j.version !== 1 || !Array.isArray(j.tokens)) {
      throw new Error('not a tokenizer (format amplification-explorer/tokenizer, version 1)');
    }
    for (let i = 0; i < RESERVED.length; i++) {
      if (j.tokens[i] !== RESERVED[i]) throw new Error(`tokenizer JSON: token ${i} should be the reserved ${JSON.stringify(RESERVED[i])}`);
    }
    return new Tokenizer(j.tokens.slice(RESERVED.length), {
      maxFactLength: Number(j.maxFactLength),
      maxQuestionLength: Number(j.maxQuestionLength),
      maxAnswerLength: Number(j.maxAnswerLength),
    });
  }
}

/**
 * The tokenizer of a task: its vocabulary and the longest fact, question (training questions and
 * H's subquestions) and answer seen over sampled instances at the task's min, default and max sizes.
 * `lengths` overrides what sampling finds.
 */
export function tokenizerForTask(task: AnyTask, options: { samples?: number; lengths?: Partial<TokenizerLengths> } = {}): Tokenizer {
  const samples = options.samples ?? 32;
  const found: TokenizerLengths = { maxFactLength: 1, maxQuestionLength: 1, maxAnswerLength: 1 };
  const sizes = [...new Set([task.sizes.min, task.sizes.default, task.sizes.max])];
  const truth = truthAnswerer(task);
  for (const size of sizes) {
    for (let i = 0; i < samples; i++) {
      const id = { size, seed: 'tokenizer', index: i };
      const ctx = makeContext(task, id);
      for (const f of ctx.facts) found.maxFactLength = Math.max(found.maxFactLength, f.length);
      const q = makeQuestion(task, id, ctx);
      const t = amplify(task, ctx, q, truth);
      found.maxQuestionLength = Math.max(found.maxQuestionLength, q.length);
      found.maxAnswerLength = Math.max(found.maxAnswerLength, t.answer.length);
      for (const s of t.steps) {
        found.maxQuestionLength = Math.max(found.maxQuestionLength, s.question.length);
        found.maxAnswerLength = Math.max(found.maxAnswerLength, s.answer.length);
      }
    }
  }
  return new Tokenizer(taskVocabulary(task), { ...found, ...options.lengths });
}
