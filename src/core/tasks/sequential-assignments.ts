/**
 * Sequential assignments (paper §4.1, task 2; the code's "eval" task).
 * Context: N variables, 8 values `0`…`7` and a random function f: values² → values. The first
 * ⌊√N⌋ variables get constants ("x := c", fact `[x, c]`); each later one gets "x := f(y, z)"
 * (fact `[x, y, z]`) with y, z uniform among the variables assigned before it. The table of f is
 * revealed only for the pairs that occur (fact `[a, b, c]`: f(a, b) = c).
 * Questions: `['val', x]`. Primitives: `['arg1', x]` (the constant, or y), `['arg2', x]` (z; the
 * constant for a constant, as in the code) and `['f', a, b]`.
 * H (k ≤ 5): arg1(x); a value → answer it. Else a variable y: val(y) → a; arg2(x) → z;
 * val(z) → b; f(a, b) → answer.
 */
import { defineTask } from '../task';
import { UNKNOWN_ANSWER, type Answer, type Question } from '../types';
import { NAMES, isName } from './common';

export const VALUES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7']);
const VALUE_SET = new Set(VALUES);

export function isValue(s: string | undefined): s is string {
  return s !== undefined && VALUE_SET.has(s);
}

export interface AssignmentData {
  /** Each variable's assignment: `[c]` for a constant, `[y, z]` for f(y, z), in order of assignment. */
  assignments: Record<string, string[]>;
  /** Each variable's value. */
  values: Record<string, string>;
  /** f on the pairs that occur, keyed `a b`. */
  f: Record<string, string>;
  /** Dependency depth of each variable (0 for constants). */
  depths: Record<string, number>;
}

export const sequentialAssignments = defineTask<AssignmentData>({
  name: 'sequential-assignments',
  description: 'The value of a variable in a program of N assignments x := c or x := f(y, z).',
  maxSubquestions: 5,
  sizes: { min: 8, max: 64, default: 8 },
  vocabulary: ['val', 'arg1', 'arg2', 'f', ...VALUES, ...NAMES, '?'],
  kinds: {
    val: { description: 'value of x' },
    arg1: { description: 'first argument of x: its constant, or y in x := f(y, z)', primitive: true },
    arg2: { description: 'second argument of x: z in x := f(y, z) (the constant for a constant)', primitive: true },
    f: { description: 'f(a, b) for two values', primitive: true },
  },

  context(rng, size) {
    const names = rng.shuffle(NAMES).slice(0, size);
    const constants = Math.floor(Math.sqrt(size));
    const assignments: Record<string, string[]> = {};
    const values: Record<string, string> = {};
    const depths: Record<string, number> = {};
    const f: Record<string, string> = {};
    const facts: string[][] = [];
    const assigned: string[] = [];
    for (const x of names) {
      if (assigned.length < constants) {
        const c = rng.pick(VALUES);
        assignments[x] = [c];
        values[x] = c;
        depths[x] = 0;
        facts.push([x, c]);
      } else {
        const y = rng.pick(assigned);
        const z = rng.pick(assigned);
        assignments[x] = [y, z];
        depths[x] = Math.max(depths[y], depths[z]) + 1;
        facts.push([x, y, z]);
        const key = `${values[y]} ${values[z]}`;
        if (!(key in f)) {
          f[key] = rng.pick(VALUES);
          facts.push([values[y], values[z], f[key]]);
        }
        values[x] = f[key];
      }
      assigned.push(x);
    }
    return { facts: rng.shuffle(facts), data: { assignments, values, f, depths } };
  },

  question(rng, ctx) {
    return ['val', rng.pick(Object.keys(ctx.data.values))];
  },

  isPrimitive(q) {
    return q[0] === 'arg1' || q[0] === 'arg2' || q[0] === 'f';
  },

  answer(ctx, q) {
    const { assignments, values, f } = ctx.data;
    if (q.length === 3 && q[0] === 'f') return f[`${q[1]} ${q[2]}`] !== undefined ? [f[`${q[1]} ${q[2]}`]] : UNKNOWN_ANSWER;
    if (q.length !== 2) return UNKNOWN_ANSWER;
    const x = q[1];
    if (!Object.prototype.hasOwnProperty.call(assignments, x)) return UNKNOWN_ANSWER;
    if (q[0] === 'val') return [values[x]];
    const a = assignments[x];
    if (q[0] === 'arg1') return [a[0]];
    if (q[0] === 'arg2') return [a.length === 1 ? a[0] : a[1]];
    return UNKNOWN_ANSWER;
  },

  *expert(q): Generator<Question, Answer, Answer> {
    if (q.length !== 2 || q[0] !== 'val' || !isName(q[1])) return UNKNOWN_ANSWER;
    const x = q[1];
    const first = (yield ['arg1', x])[0];
    if (isValue(first)) return [first];
    if (!isName(first)) return UNKNOWN_ANSWER;
    const a = (yield ['val', first])[0];
    const z = (yield ['arg2', x])[0];
    if (!isName(z)) return UNKNOWN_ANSWER;
    const b = (yield ['val', z])[0];
    if (!isValue(a) || !isValue(b)) return UNKNOWN_ANSWER;
    const c = (yield ['f', a, b])[0];
    return isValue(c) ? [c] : UNKNOWN_ANSWER;
  },

  classify(ctx, q) {
    const depth = q[0] === 'val' && q.length === 2 ? ctx.data.depths[q[1]] : undefined;
    if (depth === undefined) return q[0] ?? '?';
    return depth === 0 ? 'depth 0' : depth <= 2 ? 'depth 1-2' : depth <= 4 ? 'depth 3-4' : 'depth 5+';
  },

  format: {
    question(q) {
      if (q[0] === 'f' && q.length === 3) return `f(${q[1]}, ${q[2]})`;
      if (q.length === 2) return `${q[0] === 'val' ? 'value' : q[0]}(${q[1]})`;
      return q.join(' ');
    },
    fact(t) {
      if (t.length === 2) return `${t[0]} := ${t[1]}`;
      if (isValue(t[0])) return `f(${t[0]}, ${t[1]}) = ${t[2]}`;
      return `${t[0]} := f(${t[1]}, ${t[2]})`;
    },
    parseQuestion(text) {
      const m = /^\s*(value|val|arg1|arg2)\(\s*([a-h]{2})\s*\)\s*$/.exec(text);
      if (m) return [m[1] === 'value' ? 'val' : m[1], m[2]];
      const g = /^\s*f\(\s*([0-7])\s*,\s*([0-7])\s*\)\s*$/.exec(text);
      return g ? ['f', g[1], g[2]] : undefined;
    },
  },
});
