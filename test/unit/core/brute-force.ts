/**
 * Independent reference answers computed from a context's *facts* only (not from the task's own
 * data), by the most direct method, for small sizes.
 */
import type { Answer, Fact, Question } from '../../../src/core/index';

const unknown: Answer = ['?'];

export function permutation(facts: readonly Fact[], q: Question): Answer {
  const sigma = new Map(facts.map((f) => [f[0], f[1]]));
  const k = parseInt(q.slice(1, 7).join(''), 2);
  let y = q[7];
  if (!sigma.has(y)) return unknown;
  for (let i = 0; i < k; i++) y = sigma.get(y)!;
  return [y];
}

export function assignments(facts: readonly Fact[], q: Question): Answer {
  const isValue = (s: string) => /^[0-7]$/.test(s);
  const f = new Map<string, string>();
  const def = new Map<string, readonly string[]>();
  for (const t of facts) {
    if (t.length === 3 && isValue(t[0])) f.set(`${t[0]},${t[1]}`, t[2]);
    else def.set(t[0], t.slice(1));
  }
  const value = (x: string): string => {
    const d = def.get(x)!;
    return d.length === 1 ? d[0] : f.get(`${value(d[0])},${value(d[1])}`)!;
  };
  return def.has(q[1]) ? [value(q[1])] : unknown;
}

export function wildcard(facts: readonly Fact[], q: Question): Answer {
  let sum = 0;
  // Enumerate all 64 strings, keep those matching the pattern, add the facts' values.
  const values = new Map(facts.map((t) => [t.slice(0, 6).join(''), Number(t[6])]));
  for (let i = 0; i < 64; i++) {
    const s = i.toString(2).padStart(6, '0');
    if ([...s].every((c, j) => q[1 + j] === '*' || q[1 + j] === c)) sum += values.get(s) ?? 0;
  }
  return [String(Math.max(-32, Math.min(32, sum)))];
}

/** Shortest non-empty walk a → b by dynamic programming over walk lengths (no BFS). */
function walkDistance(edges: readonly Fact[], a: string, b: string): number {
  let reach = new Set([a]);
  for (let t = 1; t <= 64; t++) {
    const next = new Set<string>();
    for (const [u, v] of edges) if (reach.has(u)) next.add(v);
    if (next.has(b)) return t;
    reach = next;
  }
  return Infinity;
}

export function graph(facts: readonly Fact[], q: Question): Answer {
  const [kind, a, b] = q;
  const clip = (d: number) => (d > 12 ? Infinity : d);
  const sym = (d: number) => (d === Infinity ? 'inf' : String(d));
  if (kind === 'dist') return [sym(clip(walkDistance(facts, a, b)))];
  const succ = [...new Set(facts.filter((e) => e[0] === a).map((e) => e[1]))].sort();
  if (succ.includes(b)) return [b];
  const d = walkDistance(facts, a, b);
  // The smallest-named successor that starts a shortest walk whose rest is within the clip.
  const x = succ.find((s) => walkDistance(facts, s, b) === d - 1 && d - 1 <= 12);
  return [x ?? 'inf'];
}

export function unionFind(facts: readonly Fact[], q: Question): Answer {
  const isLabel = (s: string) => /^[A-H]$/.test(s);
  const roots = new Map(facts.filter((f) => isLabel(f[1])).map((f) => [f[0], f[1]]));
  const edges = facts.filter((f) => !isLabel(f[1]));
  const [kind, x] = q;
  // Path from x to its root by depth-first search over the undirected edges.
  const pathTo = (u: string, from: string | undefined): string[] | undefined => {
    if (roots.has(u)) return [u];
    for (const [p, r] of edges) {
      const v = p === u ? r : r === u ? p : undefined;
      if (v === undefined || v === from) continue;
      const rest = pathTo(v, u);
      if (rest) return [u, ...rest];
    }
    return undefined;
  };
  const path = pathTo(x, undefined)!;
  if (kind === 'label') return [roots.get(path[path.length - 1])!];
  if (kind === 'depth') return [String(path.length - 1)];
  return [path.length > 1 ? path[1] : x];
}
