/**
 * The inputs of the model X as ids (JS arrays; tensors are made inside tidy scopes): the contexts
 * of a batch, each encoded once however many of its questions the batch holds, padded to the
 * batch's largest context; the questions; and, with symbol match, the indicators of equal symbols.
 */
import { NEG } from './layers';
import type { Tokenizer } from './tokenizer';
import type { QueryItem } from './types';

/** A batch turned into ids (JS arrays; tensors are made inside tidy scopes). */
export interface EncodedBatch {
  /** Unique contexts. */
  contexts: number;
  /** Facts per context after padding (≥ 1). */
  maxFacts: number;
  /** [contexts, maxFacts, factLength] symbol ids. */
  factIds: Int32Array;
  /** [contexts, maxFacts]: 0 for real facts, −1e9 for padding. */
  factBias: Float32Array;
  /** [contexts, maxFacts × factLength]: 0 for real symbols, −1e9 for padding (the copy mask). */
  symbolBias: Float32Array;
  /** [examples]: the context of each example. */
  contextOf: Int32Array;
  /** [examples, questionLength]. */
  questionIds: Int32Array;
  examples: number;
  /** Symbol match (config.symbolMatch): [contexts, maxFacts, maxFacts, F·F], 1 where slot s of fact i = slot t of fact j. */
  factMatch?: Float32Array;
  /** Symbol match: [examples, maxFacts, Q·F], 1 where question slot s = slot t of fact j. */
  questionMatch?: Float32Array;
}

/** Encodes a batch of questions about contexts; `symbolMatch` adds the symbol-match indicators. */
export function encodeBatch(tok: Tokenizer, items: readonly QueryItem[], symbolMatch: boolean): EncodedBatch {
  const F = tok.lengths.maxFactLength;
  const Q = tok.lengths.maxQuestionLength;
  const keys = new Map<string, number>();
  const unique: (readonly (readonly string[])[])[] = [];
  const contextOf = new Int32Array(items.length);
  const questionIds = new Int32Array(items.length * Q);
  items.forEach((item, i) => {
    const key = item.facts.map((f) => f.join('\u0001')).join('\u0002');
    let c = keys.get(key);
    if (c === undefined) {
      c = unique.length;
      keys.set(key, c);
      unique.push(item.facts);
    }
    contextOf[i] = c;
    questionIds.set(tok.encodeQuestion(item.question), i * Q);
  });
  const maxFacts = Math.max(1, ...unique.map((f) => f.length));
  const U = unique.length;
  const factIds = new Int32Array(U * maxFacts * F);
  const factBias = new Float32Array(U * maxFacts).fill(NEG);
  const symbolBias = new Float32Array(U * maxFacts * F).fill(NEG);
  unique.forEach((facts, c) => {
    facts.forEach((f, j) => {
      const ids = tok.encodeFact(f);
      const at = (c * maxFacts + j) * F;
      factIds.set(ids, at);
      factBias[c * maxFacts + j] = 0;
      for (let s = 0; s < f.length; s++) symbolBias[at + s] = 0;
    });
  });
  const batch: EncodedBatch = { contexts: U, maxFacts, factIds, factBias, symbolBias, contextOf, questionIds, examples: items.length };
  if (symbolMatch) symbolMatches(tok, batch);
  return batch;
}

/** Fills the symbol-match indicators of a batch (padding never matches). */
function symbolMatches(tok: Tokenizer, b: EncodedBatch): void {
  const F = tok.lengths.maxFactLength;
  const Q = tok.lengths.maxQuestionLength;
  const pad = tok.padId;
  const N = b.maxFacts;
  const real = (c: number, j: number, t: number) => b.symbolBias[(c * N + j) * F + t] === 0;
  const factMatch = new Float32Array(b.contexts * N * N * F * F);
  for (let c = 0; c < b.contexts; c++) {
    for (let i = 0; i < N; i++) {
      for (let s = 0; s < F; s++) {
        if (!real(c, i, s)) continue;
        const id = b.factIds[(c * N + i) * F + s];
        for (let j = 0; j < N; j++) {
          for (let t = 0; t < F; t++) {
            if (real(c, j, t) && b.factIds[(c * N + j) * F + t] === id) factMatch[(((c * N + i) * N + j) * F + s) * F + t] = 1;
          }
        }
      }
    }
  }
  const questionMatch = new Float32Array(b.examples * N * Q * F);
  for (let e = 0; e < b.examples; e++) {
    const c = b.contextOf[e];
    for (let s = 0; s < Q; s++) {
      const id = b.questionIds[e * Q + s];
      if (id === pad) continue;
      for (let j = 0; j < N; j++) {
        for (let t = 0; t < F; t++) {
          if (real(c, j, t) && b.factIds[(c * N + j) * F + t] === id) questionMatch[((e * N + j) * Q + s) * F + t] = 1;
        }
      }
    }
  }
  b.factMatch = factMatch;
  b.questionMatch = questionMatch;
}
