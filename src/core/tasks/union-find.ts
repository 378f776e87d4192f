/**
 * Union find (paper §4.1, task 5; the code calls it "equals").
 * Context: N names split into about √N components (each name draws one of ⌊√N⌋ labels
 * `A`…`H`); each component is a random undirected tree with one labelled root. Facts: `[x, ℓ]` for
 * each root and `[x, y]` for each tree edge (N facts in all).
 * Questions, uniform: `['label', x]`, `['next', x]` (next vertex toward the labelled root; the root
 * itself for the root), `['depth', x]` (distance to the labelled root).
 * Primitives: `['given', x]` (the label of a root, `?` otherwise), `['nbr', x]` (some neighbour,
 * deterministic per context and vertex) and `['adj', x, y]` → `yes`/`no`.
 * H for label(x) (k ≤ 9 for the task): given(x) a label → it. Else next(x) → y; label(y) → answer.
 * H for depth(x): given(x) labelled → 0. Else next(x) → y; depth(y) → d; answer d + 1.
 * H for next(x): given(x) labelled → x. Else twice next(x) → y, kept when adj(x, y); once nbr(x).
 * depth(y) for each candidate; the smallest depth wins, ties to the smaller name; none → `?`.
 */
import { defineTask } from '../task';
import { UNKNOWN_ANSWER, type Answer, type Question } from '../types';
import { NAMES, NO_ANSWER, YES, YES_ANSWER, intSymbol, intSymbols, isName, stablePick } from './common';

export const LABELS: readonly string[] = Object.freeze(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
const LABEL_SET = new Set(LABELS);
const MAX_DEPTH = 63;

export function isLabel(s: string | undefined): s is string {
  return s !== undefined && LABEL_SET.has(s);
}

export interface UnionFindData {
  vertices: string[];
  /** Sorted neighbours of each vertex in its tree. */
  neighbours: Record<string, string[]>;
  /** The label of each labelled root. */
  given: Record<string, string>;
  /** Each vertex's component label, parent toward the root (the root: itself) and depth. */
  label: Record<string, string>;
  parent: Record<string, string>;
  depth: Record<string, number>;
  salt: number;
}

function single(q: Question, kind: string): string | undefined {
  return q.length === 2 && q[0] === kind && isName(q[1]) ? q[1] : undefined;
}

/** Edges of a random tree on items[lo..hi) (the code's recursive split). */
function randomTreeEdges(rng: { int(n: number): number }, items: readonly string[], lo: number, hi: number, out: [string, string][]): void {
  if (hi - lo < 2) return;
  const split = lo + 1 + rng.int(hi - lo - 1);
  const l = lo + rng.int(split - lo);
  const r = split + rng.int(hi - split);
  out.push(rng.int(2) === 0 ? [items[l], items[r]] : [items[r], items[l]]);
  randomTreeEdges(rng, items, lo, split, out);
  randomTreeEdges(rng, items, split, hi, out);
}

export const unionFind = defineTask<UnionFindData>({
  name: 'union-find',
  description: 'Label, next vertex and distance toward the labelled root in a forest given as edges.',
  maxSubquestions: 9,
  sizes: { min: 8, max: 64, default: 10 },
  vocabulary: ['label', 'next', 'depth', 'given', 'nbr', 'adj', ...NAMES, ...LABELS, ...intSymbols(0, MAX_DEPTH), 'yes', 'no', '?'],
  kinds: {
    label: { description: "label of x's component" },
    next: { description: 'next vertex from x toward its labelled root (the root itself for the root)' },
    depth: { description: 'distance from x to its labelled root' },
    given: { description: 'the label given to x (roots only; ? otherwise)', primitive: true },
    nbr: { description: 'some neighbour of x (deterministic per context and vertex)', primitive: true },
    adj: { description: 'are x and y adjacent? (yes/no)', primitive: true },
  },

  context(rng, size) {
    const vertices = rng.shuffle(NAMES).slice(0, size);
    const labels = rng.shuffle(LABELS).slice(0, Math.min(LABELS.length, Math.floor(Math.sqrt(size))));
    const members = new Map<string, string[]>();
    for (const v of vertices) {
      const l = rng.pick(labels);
      if (!members.has(l)) members.set(l, []);
      members.get(l)!.push(v);
    }
    const facts: string[][] = [];
    const given: Record<string, string> = {};
    const nb: Record<string, string[]> = {};
    for (const v of vertices) nb[v] = [];
    for (const [l, vs] of members) {
      const root = rng.pick(vs);
      given[root] = l;
      facts.push([root, l]);
      const edges: [string, string][] = [];
      randomTreeEdges(rng, vs, 0, vs.length, edges);
      for (const [x, y] of edges) {
        facts.push([x, y]);
        nb[x].push(y);
        nb[y].push(x);
      }
    }
    const neighbours: Record<string, string[]> = {};
    for (const v of vertices) neighbours[v] = [...nb[v]].sort();
    const label: Record<string, string> = {};
    const parent: Record<string, string> = {};
    const depth: Record<string, number> = {};
    for (const [root, l] of Object.entries(given)) {
      label[root] = l;
      parent[root] = root;
      depth[root] = 0;
      const queue = [root];
      for (let i = 0; i < queue.length; i++) {
        const u = queue[i];
        for (const v of neighbours[u]) {
          if (!(v in depth)) {
            label[v] = l;
            parent[v] = u;
            depth[v] = depth[u] + 1;
            queue.push(v);
          }
        }
      }
    }
    return { facts: rng.shuffle(facts), data: { vertices, neighbours, given, label, parent, depth, salt: rng.int(0x7fffffff) } };
  },

  question(rng, ctx) {
    return [rng.pick(['label', 'next', 'depth']), rng.pick(ctx.data.vertices)];
  },

  isPrimitive(q) {
    return q[0] === 'given' || q[0] === 'nbr' || q[0] === 'adj';
  },

  answer(ctx, q) {
    const d = ctx.data;
    if (q[0] === 'adj') {
      if (q.length !== 3 || !isName(q[1]) || !isName(q[2])) return UNKNOWN_ANSWER;
      return (d.neighbours[q[1]] ?? []).includes(q[2]) ? YES_ANSWER : NO_ANSWER;
    }
    const x = q.length === 2 && isName(q[1]) && q[1] in d.neighbours ? q[1] : undefined;
    if (x === undefined) return UNKNOWN_ANSWER;
    switch (q[0]) {
      case 'given':
        return d.given[x] !== undefined ? [d.given[x]] : UNKNOWN_ANSWER;
      case 'nbr': {
        const n = stablePick(d.salt, x, d.neighbours[x]);
        return n === undefined ? UNKNOWN_ANSWER : [n];
      }
      case 'label':
        return [d.label[x]];
      case 'next':
        return [d.parent[x]];
      case 'depth':
        return [String(d.depth[x])];
      default:
        return UNKNOWN_ANSWER;
    }
  },

  *expert(q): Generator<Question, Answer, Answer> {
    const kind = q[0];
    const x = kind === 'label' || kind === 'depth' || kind === 'next' ? single(q, kind) : undefined;
    if (x === undefined) return UNKNOWN_ANSWER;
    const given = (yield ['given', x])[0];
    if (isLabel(given)) return kind === 'label' ? [given] : kind === 'depth' ? ['0'] : [x];
    if (kind === 'label' || kind === 'depth') {
      const y = (yield ['next', x])[0];
      if (!isName(y)) return UNKNOWN_ANSWER;
      const a = (yield [kind, y])[0];
      if (kind === 'label') return isLabel(a) ? [a] : UNKNOWN_ANSWER;
      const d = intSymbol(a, 0, MAX_DEPTH - 1);
      return d === undefined ? UNKNOWN_ANSWER : [String(d + 1)];
    }
    // Candidates as a set: a second next(x) is a request for another proposal, but a candidate
    // found twice gets its depth asked once.
    const candidates: string[] = [];
    for (let i = 0; i < 2; i++) {
      const y = (yield ['next', x])[0];
      if (isName(y) && !candidates.includes(y) && (yield ['adj', x, y])[0] === YES) candidates.push(y);
    }
    const n = (yield ['nbr', x])[0];
    if (isName(n) && !candidates.includes(n)) candidates.push(n);
    let best: string | undefined;
    let bestD = Infinity;
    for (const y of candidates) {
      const d = intSymbol((yield ['depth', y])[0], 0, MAX_DEPTH);
      if (d === undefined) continue;
      if (d < bestD || (d === bestD && best !== undefined && y < best)) [best, bestD] = [y, d];
    }
    return best === undefined ? UNKNOWN_ANSWER : [best];
  },

  classify(ctx, q) {
    const x = q.length === 2 ? q[1] : undefined;
    const depth = x !== undefined ? ctx.data.depth[x] : undefined;
    if (depth === undefined || !['label', 'next', 'depth'].includes(q[0])) return q[0] ?? '?';
    return `${q[0]} ${depth === 0 ? '0' : depth <= 2 ? '1-2' : depth <= 4 ? '3-4' : '5+'}`;
  },

  format: {
    question(q) {
      if (q.length === 3) return `${q[0]}(${q[1]}, ${q[2]})`;
      if (q.length === 2) return `${q[0]}(${q[1]})`;
      return q.join(' ');
    },
    fact(f) {
      return isLabel(f[1]) ? `${f[0]} is labelled ${f[1]}` : `${f[0]} — ${f[1]}`;
    },
    parseQuestion(text) {
      const m = /^\s*(label|next|depth|given|nbr)\(\s*([a-h]{2})\s*\)\s*$/.exec(text);
      if (m) return [m[1], m[2]];
      const a = /^\s*adj\(\s*([a-h]{2})\s*,\s*([a-h]{2})\s*\)\s*$/.exec(text);
      return a ? ['adj', a[1], a[2]] : undefined;
    },
  },
});
