/**
 * Permutation powering (paper §4.1, task 1).
 * Context: a permutation σ of N names, facts "x σ(x)". Question: σ^k(x), k < 64 written in binary
 * over 6 bits, most significant first: `['pow', b5, b4, b3, b2, b1, b0, x]`.
 * Primitives: σ^0(x) and σ^1(x). H (k ≤ 3): m = ⌊k/2⌋; y1 = σ^m(x); y2 = σ^m(y1); if k is odd
 * y3 = σ(y2); answer the last. Any non-name subanswer → "?".
 */
import { defineTask } from '../task';
import { UNKNOWN_ANSWER, type Answer, type Question } from '../types';
import { NAMES, isName } from './common';

export const BITS = 6;
const KIND = 'pow';

export interface PermutationData {
  /** σ as a map from name to name. */
  sigma: Record<string, string>;
}

/** `['pow', …bits of k…, x]`. */
export function powQuestion(k: number, x: string): Question {
  const bits: string[] = [];
  for (let i = BITS - 1; i >= 0; i--) bits.push((k >> i) & 1 ? '1' : '0');
  return [KIND, ...bits, x];
}

/** k and x of a well-formed power question, else undefined. */
export function parsePow(q: Question): { k: number; x: string } | undefined {
  if (q.length !== BITS + 2 || q[0] !== KIND) return undefined;
  let k = 0;
  for (let i = 1; i <= BITS; i++) {
    if (q[i] !== '0' && q[i] !== '1') return undefined;
    k = 2 * k + (q[i] === '1' ? 1 : 0);
  }
  const x = q[BITS + 1];
  return isName(x) ? { k, x } : undefined;
}

export const permutationPowering = defineTask<PermutationData>({
  name: 'permutation-powering',
  description: 'σ^k(x) for a permutation σ of N names, k < 64 in binary; H halves k.',
  maxSubquestions: 3,
  sizes: { min: 8, max: 64, default: 8 },
  vocabulary: [KIND, '0', '1', ...NAMES, '?'],
  kinds: {
    pow: { description: 'σ^k(x): the k-th power of σ applied to x (k in 6 bits); k ≤ 1 is a lookup' },
  },

  context(rng, size) {
    const names = rng.shuffle(NAMES).slice(0, size);
    const images = rng.shuffle(names);
    const sigma: Record<string, string> = {};
    names.forEach((x, i) => (sigma[x] = images[i]));
    return { facts: names.map((x) => [x, sigma[x]]), data: { sigma } };
  },

  question(rng, ctx) {
    // The leading 1 is uniform among the top five bit positions: k ∈ [2, 63], uniform bit length.
    const top = 1 + rng.int(BITS - 1);
    const k = (1 << top) | rng.int(1 << top);
    return powQuestion(k, rng.pick(Object.keys(ctx.data.sigma)));
  },

  isPrimitive(q) {
    const p = parsePow(q);
    return p !== undefined && p.k <= 1;
  },

  answer(ctx, q) {
    const p = parsePow(q);
    if (!p || !(p.x in ctx.data.sigma)) return UNKNOWN_ANSWER;
    let y = p.x;
    for (let i = 0; i < p.k; i++) y = ctx.data.sigma[y];
    return [y];
  },

  *expert(q): Generator<Question, Answer, Answer> {
    const p = parsePow(q);
    if (!p) return UNKNOWN_ANSWER;
    const m = p.k >> 1;
    const y1 = (yield powQuestion(m, p.x))[0];
    if (!isName(y1)) return UNKNOWN_ANSWER;
    const y2 = (yield powQuestion(m, y1))[0];
    if (!isName(y2)) return UNKNOWN_ANSWER;
    if (p.k % 2 === 0) return [y2];
    const y3 = (yield powQuestion(1, y2))[0];
    return isName(y3) ? [y3] : UNKNOWN_ANSWER;
  },

  classify(_ctx, q) {
    const p = parsePow(q);
    if (!p) return 'malformed';
    return `${p.k.toString(2).length}-bit k`;
  },

  format: {
    question(q) {
      const p = parsePow(q);
      return p ? `σ^${p.k}(${p.x})` : q.join(' ');
    },
    fact(f) {
      return `σ(${f[0]}) = ${f[1]}`;
    },
    parseQuestion(text) {
      const m = /^\s*(?:σ|s|sigma)\^(\d+)\(\s*([a-h]{2})\s*\)\s*$/.exec(text);
      if (!m || Number(m[1]) >= 1 << BITS) return undefined;
      return powQuestion(Number(m[1]), m[2]);
    },
  },
});
