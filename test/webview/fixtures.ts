/**
 * Fixtures for the webview tests: a recorded permutation-powering run as host messages. The trees
 * follow the task's H (σ^k(x): m = ⌊k/2⌋; y1 = σ^m(x); y2 = σ^m(y1); if k is odd y3 = σ(y2)),
 * with a deterministic stand-in for X that gets better over the rounds, so the states (wrong X
 * answers, lookups at primitives, an override, changed nodes, nodes opened on request, the facts
 * each question mentions, each node's history over the recorded rounds) are realistic and
 * reproducible.
 */
import type { HostMessage, NodeView, PinView, RoundView, RunView, TaskSummary, TreeView } from '../../src/protocol/explorer';

const LETTERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
export const NAMES = LETTERS.flatMap((x) => LETTERS.map((y) => x + y));

/** A small deterministic hash to [0, 1). */
export function hash01(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const c of parts.join('|')) {
    h ^= c.codePointAt(0)!;
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

export interface Context {
  names: string[];
  sigma: Record<string, string>;
}

/** A permutation of N names, deterministic in the seed. */
export function makeContext(size: number, seed: number): Context {
  const names = [...NAMES].sort((a, b) => hash01(seed, 'n', a) - hash01(seed, 'n', b)).slice(0, size);
  const images = [...names].sort((a, b) => hash01(seed, 'i', a) - hash01(seed, 'i', b));
  const sigma: Record<string, string> = {};
  names.forEach((x, i) => (sigma[x] = images[i]));
  return { names, sigma };
}

export const powQuestion = (k: number, x: string): string[] => ['pow', ...Array.from({ length: 6 }, (_, i) => ((k >> (5 - i)) & 1 ? '1' : '0')), x];
export const powLabel = (k: number, x: string): string => `σ^${k}(${x})`;

function power(ctx: Context, k: number, x: string): string {
  if (!(x in ctx.sigma)) return '?';
  let y = x;
  for (let i = 0; i < k; i++) y = ctx.sigma[y];
  return y;
}

export interface TreeOptions {
  pin: string;
  round: number;
  k: number;
  x: string;
  size?: number;
  seed?: number;
  /** Decompose down to this depth; deeper non-primitive questions are expandable leaves (X answers). */
  depth?: number;
  /** Node keys ("0.1") the user opened into their own decomposition. */
  expanded?: string[];
  /** Overrides by node key. */
  overrides?: Record<string, string[]>;
  /** Notes per node key. */
  notes?: Record<string, number>;
  /** The previous round (to mark `changed`); by default round − 1. */
  previous?: number | null;
  /**
   * The recorded rounds (1..recorded) each node's `history` covers, as the host computes it: the
   * node at the same path asking the same question in that round's tree (with the same overrides
   * and opened nodes), or null where that round's tree has no such node. 0: no history.
   */
  recorded?: number;
}

const ans = (symbols: string[], truth: string[]): NodeView['answer'] => ({
  symbols,
  label: symbols.join(' '),
  correct: symbols.length === 1 && symbols[0] === '?' ? null : symbols.join(' ') === truth.join(' '),
});

/** X's answer: right with a probability that grows with the round and falls with k's bit length. */
function modelX(ctx: Context, round: number, k: number, x: string, key: string, truth: string): { label: string; probability: number; top: { label: string; probability: number }[] } {
  const bits = k.toString(2).length;
  const skill = Math.min(0.97, 0.25 + round * 0.07 - (bits - 2) * 0.06);
  const r = hash01('x', round >> 1, key, k, x);
  const wrong = ctx.names[Math.floor(hash01('w', round >> 2, key, k) * ctx.names.length)];
  const label = r < skill || wrong === truth ? truth : wrong;
  const p = 0.45 + 0.5 * hash01('p', round, key);
  const others = ctx.names.filter((n) => n !== label).sort((a, b) => hash01('o', key, a) - hash01('o', key, b));
  const rest = 1 - p;
  return { label, probability: p, top: [{ label, probability: p }, { label: others[0], probability: rest * 0.6 }, { label: others[1], probability: rest * 0.25 }] };
}

/** Builds the HCH tree of σ^k(x) as the host would send it. */
export function permutationTree(o: TreeOptions): TreeView {
  const size = o.size ?? 12;
  const ctx = makeContext(size, o.seed ?? 1);
  const depth = o.depth ?? 3;
  const expanded = new Set(o.expanded ?? []);
  const overrides = o.overrides ?? {};
  const notes = o.notes ?? {};
  const previous = o.previous === undefined ? o.round - 1 : o.previous;
  let count = 0;

  const build = (k: number, x: string, path: number[], round: number): NodeView => {
    count++;
    const key = path.join('.');
    const truth = [power(ctx, k, x)];
    const question = powQuestion(k, x);
    const label = powLabel(k, x);
    const primitive = k <= 1 && x in ctx.sigma;
    let node: NodeView;
    if (primitive) {
      node = { path, question, label, kind: 'pow', primitive: true, answer: ans(truth, truth), source: 'lookup', truth: ans(truth, truth), changed: false, expandable: false, annotations: 0, opened: false, mentions: [] };
    } else {
      const xm = x in ctx.sigma ? modelX(ctx, round, k, x, key, truth[0]) : { label: '?', probability: 0.4, top: [{ label: '?', probability: 0.4 }] };
      const xv = { ...ans([xm.label], truth), probability: xm.probability, top: xm.top };
      const decompose = path.length < depth || expanded.has(key);
      if (decompose) {
        const m = k >> 1;
        const children: NodeView[] = [];
        const c1 = build(m, x, [...path, 0], round);
        children.push(c1);
        const y1 = c1.answer.symbols[0];
        const c2 = build(m, y1, [...path, 1], round);
        children.push(c2);
        let last = c2.answer.symbols[0];
        if (k % 2 === 1) {
          const c3 = build(1, last, [...path, 2], round);
          children.push(c3);
          last = c3.answer.symbols[0];
        }
        const hAnswer = last in ctx.sigma ? [last] : ['?'];
        const hv = ans(hAnswer, truth);
        // Opened: decomposed beyond the default depth because the user asked (as the host says).
        const opened = expanded.has(key);
        node = { path, question, label, kind: 'pow', primitive: false, answer: hv, source: 'H', x: xv, h: hv, truth: ans(truth, truth), changed: false, expandable: false, annotations: 0, opened, mentions: [], children };
      } else {
        node = { path, question, label, kind: 'pow', primitive: false, answer: ans([xm.label], truth), source: 'X', x: xv, truth: ans(truth, truth), changed: false, expandable: true, annotations: 0, opened: false, mentions: [] };
      }
    }
    if (overrides[key]) {
      node.replaced = node.answer;
      node.answer = ans(overrides[key], truth);
      node.source = 'override';
    }
    node.annotations = notes[key] ?? 0;
    return node;
  };

  const root = build(o.k, o.x, [], o.round);
  if (previous !== null && previous >= 0) {
    const before = permutationTree({ ...o, round: previous, previous: null, recorded: 0 });
    markChanged(root, before.root);
  }
  // The facts σ(x) = y; a question mentions the facts with a symbol of its own (as the host computes).
  const factSymbols = ctx.names.map((x) => [x, ctx.sigma[x]]);
  for (const n of nodesOf(root)) n.mentions = mentionsOf(factSymbols, n.question);
  const facts = factSymbols.map((f, i) => ({ symbols: f, label: `σ(${f[0]}) = ${f[1]}`, mentioned: root.mentions.includes(i) }));
  const recorded = o.recorded ?? RECORDED;
  if (recorded > 0) {
    const byRound = Array.from({ length: recorded }, (_, i) => permutationTree({ ...o, round: i + 1, previous: null, recorded: 0 }).root);
    for (const n of nodesOf(root)) {
      n.history = byRound.map((r) => {
        const then = nodeAt(r, n.path);
        // Right or wrong against the truth (an answer '?' is wrong); null: not asked that round.
        return then && then.question.join(' ') === n.question.join(' ') ? then.answer.label === then.truth.label : null;
      });
    }
  }
  return { pin: o.pin, round: o.round, size, root, facts, nodes: count, truncated: false };
}

/** The recorded rounds of the fixture run. */
export const RECORDED = 12;

/** Indexes of the facts with a symbol of the question (its kind excluded). */
export function mentionsOf(facts: string[][], question: string[]): number[] {
  const symbols = new Set(question.slice(1));
  return facts.flatMap((f, i) => (f.some((s) => symbols.has(s)) ? [i] : []));
}

function markChanged(now: NodeView, before: NodeView | undefined): void {
  if (before && before.label === now.label && before.answer.label !== now.answer.label) now.changed = true;
  (now.children ?? []).forEach((c, i) => markChanged(c, before?.children?.[i]));
}

/** Walks a tree. */
export function* nodesOf(n: NodeView): Generator<NodeView> {
  yield n;
  for (const c of n.children ?? []) yield* nodesOf(c);
}

export function nodeAt(root: NodeView, path: number[]): NodeView | undefined {
  let n: NodeView | undefined = root;
  for (const i of path) n = n?.children?.[i];
  return n;
}

// ---------------------------------------------------------------- runs

export const SIZES = [8, 8, 8, 12, 12, 16, 16, 24, 24, 32, 32, 48];

export function rounds(count = 12, offset = 0, scale = 1): RoundView[] {
  const out: RoundView[] = [];
  let calls = 0;
  for (let r = 1; r <= count; r++) {
    const acc = Math.min(0.98, scale * (0.18 + 0.75 / (1 + Math.exp(-(r - 5 - offset) / 1.6))));
    calls += 400 + r * 55;
    const byClass: Record<string, number> = {};
    for (let b = 2; b <= 6; b++) byClass[`${b}-bit k`] = Math.max(0, Math.min(1, acc + (4 - b) * 0.06 + (hash01('c', r, b) - 0.5) * 0.05));
    out.push({
      round: r,
      size: SIZES[Math.min(r - 1, SIZES.length - 1)],
      accuracy: acc,
      accuracyByClass: byClass,
      targetAccuracy: Math.min(1, acc + 0.12 + 0.03 * hash01('t', r)),
      agreementAverage: Math.min(1, acc + 0.05),
      loss: 2.2 * Math.exp(-r / 4) + 0.1,
      callsToHTotal: calls,
      questionsTotal: r * 512,
      elapsed: r * 31.5,
    });
  }
  return out;
}

export function run(id = '2026-11-27-a', count = RECORDED): RunView {
  return { kind: 'run', id, folder: `/work/runs/${id}`, task: 'permutation-powering', mode: 'amplify', model: 'transformer-s', backend: 'wasm', rounds: rounds(count), skipped: [] };
}

export function compareRun(): RunView {
  return { kind: 'run', id: '2026-11-26-sup', folder: '/work/runs/2026-11-26-sup', task: 'permutation-powering', mode: 'supervised', model: 'transformer-s', backend: 'wasm', rounds: rounds(12, 1.5, 0.92), skipped: [] };
}

export const PINS: PinView[] = [
  { id: 'p1', label: 'σ^29(ab)', question: powQuestion(29, 'ab') },
  { id: 'p2', label: 'σ^14(cd)', question: powQuestion(14, 'cd') },
  { id: 'p3', label: 'σ^45(ef)', question: powQuestion(45, 'ef') },
];

/** The seed whose context contains every pinned name (ab, cd, ef). */
export const SEED = (() => {
  for (let s = 1; s < 1000; s++) {
    const c = makeContext(12, s);
    if (['ab', 'cd', 'ef'].every((x) => x in c.sigma)) return s;
  }
  throw new Error('no seed');
})();

export const PIN_QUESTIONS: Record<string, { k: number; x: string }> = { p1: { k: 29, x: 'ab' }, p2: { k: 14, x: 'cd' }, p3: { k: 45, x: 'ef' } };

export function pinTree(pin: string, round: number, extra: Partial<TreeOptions> = {}): TreeView {
  const q = PIN_QUESTIONS[pin];
  return permutationTree({ pin, round, k: q.k, x: q.x, seed: SEED, size: 12, depth: 3, ...extra });
}

export const TASKS: TaskSummary[] = [
  { name: 'permutation-powering', description: 'σ^k(x) for a permutation σ of N names, k < 64 in binary; H halves k.', example: 'σ^29(ab)' },
  { name: 'sequential-assignments', description: 'value(x) in a program of assignments x := c or x := f(y, z).', example: 'value(ab)' },
  { name: 'wildcard-search', description: 'Σ f(s) over the 6-bit strings s matching a pattern with *.', example: 'Σf(01*1**)' },
  { name: 'shortest-path', description: 'The length of a shortest path in a random digraph.', example: 'dist(ab → cd)' },
  { name: 'union-find', description: 'The label of a vertex’s component in a labelled forest.', example: 'label(ab)' },
];

export function initMessage(over: Partial<Extract<HostMessage, { type: 'init' }>> = {}): Extract<HostMessage, { type: 'init' }> {
  return {
    type: 'init',
    run: run(),
    pins: PINS,
    selectedPin: 'p1',
    selectedRound: 12,
    status: { status: 'idle', round: 12 },
    tasks: TASKS,
    compare: compareRun(),
    ...over,
  };
}

/** A synthetic tree with exactly `count` nodes (3 subquestions each, breadth first). */
export function bigTree(count: number, pin = 'big', round = 12): TreeView {
  const ctx = makeContext(64, 3);
  const facts = ctx.names.map((x) => [x, ctx.sigma[x]]);
  let made = 0;
  const mk = (path: number[], k: number, x: string): NodeView => {
    made++;
    const key = path.join('.');
    const truth = [power(ctx, k, x)];
    const r = hash01('big', key);
    const xLabel = r < 0.8 ? truth[0] : ctx.names[Math.floor(hash01('bw', key) * 64)];
    const primitive = k <= 1;
    const xv = { ...ans([xLabel], truth), probability: 0.5 + r / 2, top: [{ label: xLabel, probability: 0.5 + r / 2 }] };
    return {
      path, question: powQuestion(k, x), label: powLabel(k, x), kind: 'pow', primitive,
      answer: primitive ? ans(truth, truth) : ans([xLabel], truth), source: primitive ? 'lookup' : 'H',
      x: primitive ? undefined : xv, h: primitive ? undefined : ans([xLabel], truth), truth: ans(truth, truth),
      changed: hash01('ch', key) < 0.02, expandable: false, annotations: hash01('an', key) < 0.01 ? 1 : 0,
      opened: false, mentions: mentionsOf(facts, powQuestion(k, x)),
    };
  };
  const root = mk([], 63, 'ab');
  const queue: NodeView[] = [root];
  while (made < count && queue.length) {
    const n = queue.shift()!;
    n.children = [];
    for (let i = 0; i < 3 && made < count; i++) {
      const k = Math.max(2, (hash01('k', n.path.join('.'), i) * 62) | 0);
      const x = ctx.names[Math.floor(hash01('x', n.path.join('.'), i) * 64)];
      const c = mk([...n.path, i], made % 7 === 0 ? 1 : k, x);
      n.children.push(c);
      if (!c.primitive) queue.push(c);
    }
  }
  // No per-node history here: the Explorer falls back to the rounds it has shown.
  return { pin, round, size: 64, root, facts: facts.map((f, i) => ({ symbols: f, label: `σ(${f[0]}) = ${f[1]}`, mentioned: root.mentions.includes(i) })), nodes: made, truncated: false };
}
