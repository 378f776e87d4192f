/**
 * The parts of `amplify experiment figure2` for long runs (issue 17): when a run stops (its budget
 * in training questions or minutes over all sittings, X's accuracy first reaching --until or
 * holding ≥ --hold for --hold-rounds rounds, and for a curriculum run only at its largest N), what a
 * curriculum run reached per N, and the figure's panels of N against training questions.
 */
import type { RoundRecord } from '../engine/run-types';

export interface StopRule {
  /** Stop once X's held-out accuracy first reaches this (ignored with `hold`). */
  until: number;
  /** Stop once X's held-out accuracy has held ≥ accuracy for `rounds` rounds in a row. */
  hold?: { accuracy: number; rounds: number };
  /** A curriculum run meets `until`/`hold` only at this N (its largest). */
  curriculumMaxSize?: number;
  budgetQuestions?: number;
  budgetMinutes?: number;
}

/** The first round from which X's accuracy held ≥ accuracy for `rounds` rounds in a row (at one N), or undefined. */
export function heldFrom(records: readonly RoundRecord[], accuracy: number, rounds: number): RoundRecord | undefined {
  let streak = 0;
  for (let i = 0; i < records.length; i++) {
    if (records[i].accuracy < accuracy) streak = 0;
    else streak = streak > 0 && records[i].size === records[i - 1].size ? streak + 1 : 1;
    if (streak >= rounds) return records[i - rounds + 1];
  }
  return undefined;
}

/** Why a run whose rounds so far are `records` is finished, or undefined when it should go on. */
export function stopReason(records: readonly RoundRecord[], rule: StopRule): string | undefined {
  const last = records[records.length - 1];
  if (!last) return undefined;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const atSize = rule.curriculumMaxSize === undefined ? records : records.filter((r) => r.size === rule.curriculumMaxSize);
  const where = rule.curriculumMaxSize === undefined ? '' : ` at the largest N = ${rule.curriculumMaxSize}`;
  if (rule.hold) {
    const tail = atSize.slice(-rule.hold.rounds);
    if (tail.length === rule.hold.rounds && tail[tail.length - 1] === last && tail.every((r) => r.accuracy >= rule.hold!.accuracy)) {
      return `X held ≥ ${pct(rule.hold.accuracy)} for ${rule.hold.rounds} rounds${where} (rounds ${tail[0].round}–${last.round}): stopping`;
    }
  } else if (atSize[atSize.length - 1] === last && last.accuracy >= rule.until) {
    return `X reached ${pct(last.accuracy)} ≥ ${pct(rule.until)}${where}: stopping`;
  }
  if (rule.budgetQuestions !== undefined && last.questionsTotal >= rule.budgetQuestions) return `budget of ${rule.budgetQuestions} training questions used (${last.questionsTotal}): stopping`;
  if (rule.budgetMinutes !== undefined && last.elapsed / 60 >= rule.budgetMinutes) return `budget of ${rule.budgetMinutes} minutes used: stopping`;
  return undefined;
}

/** What a curriculum run did at one N. */
export interface SizeSummary {
  size: number;
  /** Rounds trained at this N. */
  rounds: number;
  /** Training questions (targets) and calls to H made at this N. */
  questions: number;
  callsToH: number;
  /** Seconds of training at this N (all phases of its rounds): with `questions`, the measured rate at this N. */
  seconds: number;
  /** Training questions made before the first round at this N (the curriculum's cost to reach it). */
  questionsBefore: number;
  /** X's held-out accuracy at this N: in its last round here, and the best. */
  accuracy: number;
  bestAccuracy: number;
  /** Training questions in all (cumulative) when X first reached 90% at this N; null if it did not. */
  questionsTo90: number | null;
}

/** Per N, in order: rounds, questions and calls to H there, X's accuracy there. */
export function sizeSummaries(records: readonly RoundRecord[]): SizeSummary[] {
  const out: SizeSummary[] = [];
  let prev: RoundRecord | undefined;
  for (const r of records) {
    let s = out[out.length - 1];
    if (!s || s.size !== r.size) {
      s = { size: r.size, rounds: 0, questions: 0, callsToH: 0, seconds: 0, questionsBefore: prev?.questionsTotal ?? 0, accuracy: 0, bestAccuracy: 0, questionsTo90: null };
      out.push(s);
    }
    s.rounds++;
    s.questions += r.questionsTotal - (prev?.questionsTotal ?? 0);
    s.callsToH += r.callsToHTotal - (prev?.callsToHTotal ?? 0);
    s.seconds += r.elapsed - (prev?.elapsed ?? 0);
    s.accuracy = r.accuracy;
    s.bestAccuracy = Math.max(s.bestAccuracy, r.accuracy);
    if (s.questionsTo90 === null && r.accuracy >= 0.9) s.questionsTo90 = r.questionsTotal;
    prev = r;
  }
  return out;
}

export function sizesCsv(sizes: readonly SizeSummary[]): string {
  const rows = sizes.map((s) => [s.size, s.rounds, s.questions, s.callsToH, s.seconds.toFixed(1), s.questionsBefore, s.accuracy.toFixed(4), s.bestAccuracy.toFixed(4), s.questionsTo90 ?? ''].join(','));
  return ['size,rounds,questions,calls_to_h,seconds,questions_before,accuracy,best_accuracy,questions_to_90', ...rows].join('\n') + '\n';
}

/** The largest N at which X's held-out accuracy reached 90% in some round (null: none). */
export function largestSizeAt90(sizes: readonly SizeSummary[]): number | null {
  const hit = sizes.filter((s) => s.questionsTo90 !== null);
  return hit.length > 0 ? Math.max(...hit.map((s) => s.size)) : null;
}

/**
 * One panel per task with curriculum runs: N (linear) against training questions (log scale), a
 * step line per mode; `stroke` gives a mode's colour and dash, `x` the questions' axis of the
 * accuracy panels so the two rows line up.
 */
export function sizePanels(
  curves: readonly { task: string; mode: string; records: readonly Pick<RoundRecord, 'questionsTotal' | 'size'>[] }[],
  frame: { W: number; H: number; m: { l: number; r: number; t: number; b: number }; cols: number; oy: number; x: (q: number) => number; ticks: number[] },
  stroke: (mode: string) => string,
  label: (p: number) => string,
  esc: (s: string) => string,
): { svg: string; rows: number } {
  const tasks = [...new Set(curves.map((c) => c.task))];
  const { W, H, m, cols, oy, x } = frame;
  const sizes = curves.flatMap((c) => c.records.map((r) => r.size));
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes, lo + 1);
  const y = (n: number) => m.t + (1 - (n - lo) / (hi - lo)) * (H - m.t - m.b);
  const step = Math.max(1, Math.ceil((hi - lo) / 5));
  const parts = tasks.map((task, i) => {
    const g = [`<g transform="translate(${(i % cols) * W},${oy + Math.floor(i / cols) * H})">`, `<text x="${(W + m.l - m.r) / 2}" y="16" text-anchor="middle" font-weight="600">${esc(task)}: N (curriculum)</text>`];
    for (let n = lo; n <= hi; n += step) g.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(n)}" y2="${y(n)}" stroke="#e5e5e5"/><text x="${m.l - 4}" y="${y(n) + 4}" text-anchor="end" font-size="10">N=${n}</text>`);
    for (const p of frame.ticks) g.push(`<line x1="${x(10 ** p)}" x2="${x(10 ** p)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${x(10 ** p)}" y="${H - m.b + 14}" text-anchor="middle" font-size="10">${label(p)}</text>`);
    g.push(`<text x="${(W + m.l - m.r) / 2}" y="${H - 6}" text-anchor="middle" font-size="10">training questions</text>`);
    for (const c of curves.filter((c) => c.task === task)) {
      const pts: string[] = [];
      for (const r of c.records) {
        if (r.questionsTotal <= 0) continue;
        if (pts.length > 0) pts.push(`${x(r.questionsTotal).toFixed(1)},${pts[pts.length - 1].split(',')[1]}`);
        pts.push(`${x(r.questionsTotal).toFixed(1)},${y(r.size).toFixed(1)}`);
      }
      if (pts.length) g.push(`<polyline class="size-curve" fill="none" ${stroke(c.mode)} points="${pts.join(' ')}"><title>${esc(`${task} · ${c.mode} · curriculum`)}</title></polyline>`);
    }
    g.push('</g>');
    return g.join('');
  });
  return { svg: parts.join(''), rows: Math.ceil(tasks.length / cols) };
}
