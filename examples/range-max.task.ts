// A user-written task: the largest value in a range of a list, by halving the range.
import { defineTask, type Answer, type Question } from 'amplification-explorer';

const VALUES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const position = (i: number) => `i${i}`;
const index = (s: string | undefined) => (s !== undefined && /^i\d{1,2}$/.test(s) ? Number(s.slice(1)) : undefined);

export default defineTask<{ values: string[] }>({
  name: 'range-max',
  description: 'The largest value among positions i..j of a list; H splits the range in two.',
  maxSubquestions: 2,
  sizes: { min: 4, max: 64, default: 16 },

  // Facts: [position, value] for each position of a list of N values.
  context(rng, size) {
    const values = Array.from({ length: size }, () => rng.pick(VALUES));
    return { facts: values.map((v, i) => [position(i), v]), data: { values } };
  },

  // Training questions: a range of at least two positions.
  question(rng, ctx) {
    const n = ctx.data.values.length;
    const i = rng.int(n - 1);
    const j = i + 1 + rng.int(n - 1 - i);
    return ['max', position(i), position(j)];
  },

  // A range of one position is a lookup in the context.
  isPrimitive: (q) => q[0] === 'max' && q[1] === q[2],

  // Ground truth, for every question (and the lookup for primitives).
  answer(ctx, q) {
    const i = index(q[1]);
    const j = index(q[2]);
    if (q[0] !== 'max' || i === undefined || j === undefined || i > j || j >= ctx.data.values.length) return ['?'];
    return [ctx.data.values.slice(i, j + 1).reduce((a, b) => (a > b ? a : b))];
  },

  // H: ask for the maximum of each half and answer the larger. H never sees the context, and a
  // garbage subanswer (early in training X answers garbage) gives '?' rather than an exception.
  *expert(q: Question): Generator<Question, Answer, Answer> {
    const i = index(q[1]);
    const j = index(q[2]);
    if (q[0] !== 'max' || i === undefined || j === undefined || i >= j) return ['?'];
    const mid = Math.floor((i + j) / 2);
    const left = (yield ['max', position(i), position(mid)])[0];
    const right = (yield ['max', position(mid + 1), position(j)])[0];
    if (!VALUES.includes(left) || !VALUES.includes(right)) return ['?'];
    return [left > right ? left : right];
  },

  format: {
    question: (q) => `max(${q[1]}..${q[2]})`,
    fact: (f) => `${f[0]} = ${f[1]}`,
  },
});
