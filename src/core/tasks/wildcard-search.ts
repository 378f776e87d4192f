/**
 * Wildcard search (paper §4.1, task 3; the code's "sum" task).
 * Context: N distinct 6-bit strings, each with value +1 or −1; f(s) = 0 for every other string.
 * Facts: `[b1, …, b6, v]` with v `1` or `-1`.
 * Question: `['sum', p1, …, p6]` over `0`, `1`, `*`: Σ f(s) over the strings s matching the pattern,
 * clipped to [−32, 32]. The number of wildcards is uniform in 1..6 at random positions.
 * Primitive: a pattern with no wildcard (f of one string; 0 when absent).
 * H (k ≤ 2): replace the first `*` with 0, ask; with 1, ask; answer the sum. A subanswer that is not
 * an integer → "?".
 */
import { defineTask } from '../task';
import { UNKNOWN_ANSWER, type Answer, type Question } from '../types';
import { clamp, intSymbol, intSymbols } from './common';

export const WIDTH = 6;
export const CLIP = 32;
const KIND = 'sum';

export interface WildcardData {
  /** f(s) for the N strings of the context, keyed by the 6-bit string. */
  values: Record<string, number>;
}

function pattern(q: Question): string[] | undefined {
  if (q.length !== WIDTH + 1 || q[0] !== KIND) return undefined;
  const p = q.slice(1);
  return p.every((c) => c === '0' || c === '1' || c === '*') ? p : undefined;
}

function allStrings(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 1 << WIDTH; i++) out.push(i.toString(2).padStart(WIDTH, '0'));
  return out;
}
const ALL_STRINGS = Object.freeze(allStrings());

export const wildcardSearch = defineTask<WildcardData>({
  name: 'wildcard-search',
  description: 'Σ f(s) over the 6-bit strings s matching a pattern with wildcards; H splits on the first *.',
  maxSubquestions: 2,
  sizes: { min: 8, max: 64, default: 8 },
  vocabulary: [KIND, '0', '1', '*', ...intSymbols(-CLIP, CLIP).filter((s) => s !== '0' && s !== '1'), '?'],
  kinds: {
    sum: { description: 'Σ f(s) over strings matching a pattern over {0, 1, *}; no * is a lookup' },
  },

  context(rng, size) {
    const strings = rng.shuffle(ALL_STRINGS).slice(0, size);
    const values: Record<string, number> = {};
    for (const s of strings) values[s] = rng.int(2) === 0 ? 1 : -1;
    return { facts: strings.map((s) => [...s, String(values[s])]), data: { values } };
  },

  question(rng) {
    const wildcards = 1 + rng.int(WIDTH);
    const positions = new Set(rng.shuffle([...Array(WIDTH).keys()]).slice(0, wildcards));
    const p: string[] = [];
    for (let i = 0; i < WIDTH; i++) p.push(positions.has(i) ? '*' : String(rng.int(2)));
    return [KIND, ...p];
  },

  isPrimitive(q) {
    const p = pattern(q);
    return p !== undefined && !p.includes('*');
  },

  answer(ctx, q) {
    const p = pattern(q);
    if (!p) return UNKNOWN_ANSWER;
    let sum = 0;
    for (const [s, v] of Object.entries(ctx.data.values)) {
      if (p.every((c, i) => c === '*' || c === s[i])) sum += v;
    }
    return [String(clamp(sum, -CLIP, CLIP))];
  },

  *expert(q): Generator<Question, Answer, Answer> {
    const p = pattern(q);
    if (!p) return UNKNOWN_ANSWER;
    const i = p.indexOf('*');
    if (i < 0) return UNKNOWN_ANSWER; // a lookup, not H's to answer
    const zero = [KIND, ...p.slice(0, i), '0', ...p.slice(i + 1)];
    const one = [KIND, ...p.slice(0, i), '1', ...p.slice(i + 1)];
    const a = intSymbol((yield zero)[0], -CLIP, CLIP);
    if (a === undefined) return UNKNOWN_ANSWER;
    const b = intSymbol((yield one)[0], -CLIP, CLIP);
    if (b === undefined) return UNKNOWN_ANSWER;
    return [String(clamp(a + b, -CLIP, CLIP))];
  },

  classify(_ctx, q) {
    const p = pattern(q);
    return p ? `${p.filter((c) => c === '*').length} wildcards` : 'malformed';
  },

  format: {
    question(q) {
      const p = pattern(q);
      return p ? `Σf(${p.join('')})` : q.join(' ');
    },
    fact(f) {
      return `f(${f.slice(0, WIDTH).join('')}) = ${f[WIDTH]}`;
    },
    parseQuestion(text) {
      const m = /^\s*(?:Σ\s*f|sum|Σ)?\s*\(?\s*([01*]{6})\s*\)?\s*$/.exec(text);
      return m ? [KIND, ...m[1]] : undefined;
    },
  },
});
