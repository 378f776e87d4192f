/** Symbols and helpers shared by the paper's tasks. */
import { hash32 } from '../rng';
import type { Answer } from '../types';

/** The 8-letter alphabet names are written in. */
export const LETTERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;

/** The 64 element names (`aa` … `hh`); a context of size N uses N of them. */
export const NAMES: readonly string[] = Object.freeze(LETTERS.flatMap((x) => LETTERS.map((y) => x + y)));

const NAME_SET = new Set(NAMES);

export function isName(s: string | undefined): s is string {
  return s !== undefined && NAME_SET.has(s);
}

/** The integer a symbol spells, when it spells one in [min, max]. */
export function intSymbol(s: string | undefined, min: number, max: number): number | undefined {
  if (s === undefined || !/^-?\d{1,3}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= max && String(n) === s ? n : undefined;
}

/** `['0', '1', …]` for the integers lo..hi. */
export function intSymbols(lo: number, hi: number): string[] {
  const out: string[] = [];
  for (let i = lo; i <= hi; i++) out.push(String(i));
  return out;
}

export const YES = 'yes';
export const NO = 'no';
export const YES_ANSWER: Answer = Object.freeze([YES]);
export const NO_ANSWER: Answer = Object.freeze([NO]);

/**
 * A deterministic "random" element of `xs` for a (context, key): the same question about the same
 * context always gets the same answer, different contexts get independent choices.
 */
export function stablePick<T>(salt: number, key: string, xs: readonly T[]): T | undefined {
  if (xs.length === 0) return undefined;
  return xs[hash32([salt, key]) % xs.length];
}

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
