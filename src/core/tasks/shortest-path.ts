/**
 * Shortest path (paper §4.1, task 4; the code's "graph" task).
 * Context: a directed graph on N names with 2N edges drawn uniformly with replacement (self-loops
 * and duplicates possible). Facts: `[a, b]` for each edge.
 * Questions (each with probability ½, endpoints uniform, possibly equal):
 *   `['dist', a, b]`: the length of a shortest non-empty path a → b, `1`…`12`, or `inf` when there is
 *   none or it is longer than 12 (the code clips); for a = b this is the shortest cycle through a.
 *   `['step', a, b]`: the first vertex on a shortest path a → b, `inf` when there is none.
 * Primitives: `['edge', a, b]` → `yes`/`no`; `['nbr', a]` → some successor of a (deterministic per
 * context and vertex), `?` when a has none.
 * H for dist(a, b) (k ≤ 9 for the task): edge(a, b)? yes → 1. Else step(a, b) → c; not a vertex → inf;
 * else dist(c, b) → d; answer d + 1.
 * H for step(a, b): edge(a, b)? yes → b. Else twice step(a, b) → x, kept when edge(a, x); once
 * nbr(a). dist(x, b) for each candidate; the smallest finite distance wins, ties to the smaller
 * name; none → inf. (H verifies the model's own proposals, so the HCH tree is not finite.)
 * Ground truth of step: the smallest-named successor of a on a shortest path, so that H with
 * ground-truth subanswers reproduces it exactly.
 */
import { defineTask } from '../task';
import { UNKNOWN_ANSWER, type Answer, type Question } from '../types';
import { NAMES, NO_ANSWER, YES, YES_ANSWER, intSymbol, intSymbols, isName, stablePick } from './common';

export const MAX_DISTANCE = 12;
export const INF = 'inf';

export interface GraphData {
  vertices: string[];
  /** Sorted unique successors of each vertex. */
  successors: Record<string, string[]>;
  /** Shortest non-empty path lengths, unclipped (absent: unreachable), keyed `a b`. */
  distances: Record<string, number>;
  /** Salt of the deterministic "some successor" lookup. */
  salt: number;
}

function parsePair(q: Question, kind: string): [string, string] | undefined {
  return q.length === 3 && q[0] === kind && isName(q[1]) && isName(q[2]) ? [q[1], q[2]] : undefined;
}

/** A distance answer symbol: `1`…`12` or `inf`. */
export function distanceSymbol(d: number | undefined): string {
  return d === undefined || d > MAX_DISTANCE ? INF : String(d);
}

/** The distance a symbol spells: a number, Infinity for `inf`, undefined for anything else. */
export function parseDistance(s: string | undefined): number | undefined {
  if (s === INF) return Infinity;
  return intSymbol(s, 0, MAX_DISTANCE);
}

function clippedDistance(data: GraphData, a: string, b: string): number {
  const d = data.distances[`${a} ${b}`];
  return d === undefined || d > MAX_DISTANCE ? Infinity : d;
}

/** Breadth-first distances of shortest non-empty paths from `source`. */
function bfs(successors: Record<string, string[]>, source: string): Map<string, number> {
  const dist = new Map<string, number>();
  let frontier = [source];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const v of successors[u] ?? []) {
        if (!dist.has(v)) {
          dist.set(v, d);
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  return dist;
}

export const shortestPath = defineTask<GraphData>({
  name: 'shortest-path',
  description: 'Distance and first step of a shortest path in a random directed graph; H verifies proposals.',
  maxSubquestions: 9,
  sizes: { min: 8, max: 64, default: 8 },
  vocabulary: ['dist', 'step', 'edge', 'nbr', ...NAMES, ...intSymbols(1, MAX_DISTANCE), INF, 'yes', 'no', '?'],
  kinds: {
    dist: { description: 'length of a shortest non-empty path a → b (1…12, inf)' },
    step: { description: 'first vertex on a shortest path a → b (inf when none)' },
    edge: { description: 'is there an edge a → b? (yes/no)', primitive: true },
    nbr: { description: 'some successor of a (deterministic per context and vertex)', primitive: true },
  },

  context(rng, size) {
    const vertices = rng.shuffle(NAMES).slice(0, size);
    const facts: string[][] = [];
    const succ: Record<string, Set<string>> = {};
    for (const v of vertices) succ[v] = new Set();
    for (let i = 0; i < 2 * size; i++) {
      const a = rng.pick(vertices);
      const b = rng.pick(vertices);
      facts.push([a, b]);
      succ[a].add(b);
    }
    const successors: Record<string, string[]> = {};
    for (const v of vertices) successors[v] = [...succ[v]].sort();
    const distances: Record<string, number> = {};
    for (const a of vertices) for (const [b, d] of bfs(successors, a)) distances[`${a} ${b}`] = d;
    return { facts, data: { vertices, successors, distances, salt: rng.int(0x7fffffff) } };
  },

  question(rng, ctx) {
    const kind = rng.int(2) === 0 ? 'dist' : 'step';
    return [kind, rng.pick(ctx.data.vertices), rng.pick(ctx.data.vertices)];
  },

  isPrimitive(q) {
    return q[0] === 'edge' || q[0] === 'nbr';
  },

  answer(ctx, q) {
    const data = ctx.data;
    if (q[0] === 'nbr') {
      if (q.length !== 2 || !isName(q[1])) return UNKNOWN_ANSWER;
      const n = stablePick(data.salt, q[1], data.successors[q[1]] ?? []);
      return n === undefined ? UNKNOWN_ANSWER : [n];
    }
    const edge = parsePair(q, 'edge');
    if (edge) return (data.successors[edge[0]] ?? []).includes(edge[1]) ? YES_ANSWER : NO_ANSWER;
    const dist = parsePair(q, 'dist');
    if (dist) {
      if (!(dist[0] in data.successors) || !(dist[1] in data.successors)) return UNKNOWN_ANSWER;
      return [distanceSymbol(data.distances[`${dist[0]} ${dist[1]}`])];
    }
    const step = parsePair(q, 'step');
    if (step) {
      const [a, b] = step;
      if (!(a in data.successors) || !(b in data.successors)) return UNKNOWN_ANSWER;
      if (data.successors[a].includes(b)) return [b];
      let best: string | undefined;
      let bestD = Infinity;
      for (const x of data.successors[a]) {
        const d = clippedDistance(data, x, b);
        if (d < bestD) [best, bestD] = [x, d]; // successors are sorted: ties keep the smaller name
      }
      return [best ?? INF];
    }
    return UNKNOWN_ANSWER;
  },

  *expert(q): Generator<Question, Answer, Answer> {
    const dist = parsePair(q, 'dist');
    if (dist) {
      const [a, b] = dist;
      if ((yield ['edge', a, b])[0] === YES) return ['1'];
      const c = (yield ['step', a, b])[0];
      if (!isName(c)) return [INF];
      const d = parseDistance((yield ['dist', c, b])[0]);
      if (d === undefined) return UNKNOWN_ANSWER;
      return [distanceSymbol(d + 1)];
    }
    const step = parsePair(q, 'step');
    if (!step) return UNKNOWN_ANSWER;
    const [a, b] = step;
    if ((yield ['edge', a, b])[0] === YES) return [b];
    // Candidates as a set: a second step(a, b) is a request for another proposal, but a candidate
    // found twice gets its distance asked once.
    const candidates: string[] = [];
    for (let i = 0; i < 2; i++) {
      const x = (yield ['step', a, b])[0];
      if (isName(x) && !candidates.includes(x) && (yield ['edge', a, x])[0] === YES) candidates.push(x);
    }
    const n = (yield ['nbr', a])[0];
    if (isName(n) && !candidates.includes(n)) candidates.push(n);
    let best: string | undefined;
    let bestD = Infinity;
    for (const x of candidates) {
      const d = parseDistance((yield ['dist', x, b])[0]);
      if (d === undefined || d === Infinity) continue;
      if (d < bestD || (d === bestD && best !== undefined && x < best)) [best, bestD] = [x, d];
    }
    return [best ?? INF];
  },

  classify(ctx, q) {
    const pair = parsePair(q, q[0] ?? '');
    if (!pair || (q[0] !== 'dist' && q[0] !== 'step')) return q[0] ?? '?';
    const d = clippedDistance(ctx.data, pair[0], pair[1]);
    const bucket = d === Infinity ? 'inf' : d <= 2 ? String(d) : d <= 4 ? '3-4' : '5+';
    return `${q[0]} ${bucket}`;
  },

  format: {
    question(q) {
      if (q[0] === 'nbr' && q.length === 2) return `nbr(${q[1]})`;
      if (q.length === 3) return `${q[0]}(${q[1]} → ${q[2]})`;
      return q.join(' ');
    },
    answer(a) {
      return a[0] === INF ? '∞' : a.join(' ');
    },
    fact(f) {
      return `${f[0]} → ${f[1]}`;
    },
    parseQuestion(text) {
      const m = /^\s*(dist|step|edge)\(\s*([a-h]{2})\s*(?:→|->|,)\s*([a-h]{2})\s*\)\s*$/.exec(text);
      if (m) return [m[1], m[2], m[3]];
      const n = /^\s*nbr\(\s*([a-h]{2})\s*\)\s*$/.exec(text);
      return n ? ['nbr', n[1]] : undefined;
    },
  },
});
