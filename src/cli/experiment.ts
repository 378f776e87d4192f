/**
 * `amplify experiment figure2`: the paper's Figure 2 at laptop scale. For each task, trains
 * supervised (ground-truth targets), amplification with H, and amplification with H′ from the same
 * seed and size, each for a time budget (or until X reaches `--until`), one after the other; then
 * writes, in the experiment folder:
 *
 *   <task>-<mode>/          a run folder per curve (open it in the extension: "Open Run…")
 *   curves/<task>-<mode>.csv  per round: questions seen, seconds, X's accuracy, the targets', calls to H, N
 *   summary.json, summary.csv per (task, mode): final accuracy, questions / calls to H / minutes to 90%, N reached
 *   figure2.svg             one panel per task: X's held-out accuracy against training questions (log scale)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LearnerFactory } from '../engine/run';
import { RunFolder } from '../engine/run-folder';
import { BASELINE_MODE, MODES, modeSpec, type Mode } from '../engine/modes/index';
import type { RoundRecord, RunConfig } from '../engine/run-types';
import { BUILTIN_TASKS } from '../core/index';
import { train, type TrainIo } from './train';

export interface ExperimentOptions {
  tasks?: string[];
  modes?: Mode[];
  budgetMinutes?: number;
  until?: number;
  /** Knobs for every run (from the option table), e.g. size, seed, model, contextsPerRound, modelSwitches. */
  config?: Partial<RunConfig>;
  out?: string;
  /** Skip (task, mode) pairs whose run folder already has rounds (resume an interrupted experiment). */
  keep?: boolean;
}

export interface CurveSummary {
  task: string;
  mode: Mode;
  folder: string;
  rounds: number;
  accuracy: number;
  targetAccuracy: number;
  /** Training questions (targets made) until X first reached 90% held-out accuracy; null if it did not. */
  questionsTo90: number | null;
  minutesTo90: number | null;
  callsToHTo90: number | null;
  questions: number;
  callsToH: number;
  size: number;
  minutes: number;
}

/** Every mode, the baseline (ground-truth targets) first. */
const DEFAULT_MODES: readonly Mode[] = [BASELINE_MODE, ...MODES.filter((m) => m !== BASELINE_MODE)];

/** A mode's line in the figure: its colour and dash pattern from the mode table. */
function stroke(mode: Mode, width: number): string {
  const spec = modeSpec(mode);
  return `stroke="${spec.colour}" stroke-width="${width}"${spec.dash ? ` stroke-dasharray="${spec.dash}"` : ''}`;
}

export function summarise(task: string, mode: Mode, folder: string, records: readonly RoundRecord[], threshold = 0.9): CurveSummary {
  const last = records[records.length - 1];
  const hit = records.find((r) => r.accuracy >= threshold);
  return {
    task, mode, folder, rounds: last?.round ?? 0, accuracy: last?.accuracy ?? 0, targetAccuracy: last?.targetAccuracy ?? 0,
    questionsTo90: hit ? hit.questionsTotal : null, minutesTo90: hit ? hit.elapsed / 60 : null, callsToHTo90: hit ? hit.callsToHTotal : null,
    questions: last?.questionsTotal ?? 0, callsToH: last?.callsToHTotal ?? 0, size: last?.size ?? 0, minutes: (last?.elapsed ?? 0) / 60,
  };
}

export function curveCsv(records: readonly RoundRecord[]): string {
  const rows = records.map((r) => [r.round, r.questionsTotal, r.elapsed.toFixed(1), r.accuracy.toFixed(4), r.targetAccuracy.toFixed(4), r.callsToHTotal, r.size].join(','));
  return ['round,questions,seconds,accuracy,target_accuracy,calls_to_h,size', ...rows].join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One panel per task: accuracy (0–100%) against training questions on a log axis, a line per mode. */
export function figureSvg(curves: readonly { task: string; mode: Mode; records: readonly RoundRecord[] }[]): string {
  const tasks = [...new Set(curves.map((c) => c.task))];
  const W = 300;
  const H = 220;
  const m = { l: 44, r: 10, t: 26, b: 36 };
  const cols = Math.min(3, Math.max(1, tasks.length));
  const rows = Math.ceil(tasks.length / cols);
  const all = curves.flatMap((c) => c.records.map((r) => r.questionsTotal)).filter((q) => q > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(1, Math.min(...all, 1e3)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 10 * lo))));
  const x = (q: number) => m.l + ((Math.log10(Math.max(q, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - m.l - m.r);
  const y = (a: number) => m.t + (1 - a) * (H - m.t - m.b);
  const parts: string[] = [];
  tasks.forEach((task, i) => {
    const ox = (i % cols) * W;
    const oy = Math.floor(i / cols) * H;
    const g: string[] = [`<g transform="translate(${ox},${oy})">`, `<text x="${(W + m.l - m.r) / 2}" y="16" text-anchor="middle" font-weight="600">${esc(task)}</text>`];
    for (const a of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
      g.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(a)}" y2="${y(a)}" stroke="${a === 0.9 ? '#999' : '#e5e5e5'}"${a === 0.9 ? ' stroke-dasharray="3 3"' : ''}/>`);
      g.push(`<text x="${m.l - 4}" y="${y(a) + 4}" text-anchor="end" font-size="10">${Math.round(a * 100)}%</text>`);
    }
    for (let p = Math.log10(lo); p <= Math.log10(hi); p++) {
      const q = Math.pow(10, p);
      g.push(`<line x1="${x(q)}" x2="${x(q)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/><text x="${x(q)}" y="${H - m.b + 14}" text-anchor="middle" font-size="10">10${superscript(p)}</text>`);
    }
    g.push(`<text x="${(W + m.l - m.r) / 2}" y="${H - 6}" text-anchor="middle" font-size="10">training questions</text>`);
    for (const c of curves.filter((c) => c.task === task)) {
      const pts = c.records.filter((r) => r.questionsTotal > 0).map((r) => `${x(r.questionsTotal).toFixed(1)},${y(r.accuracy).toFixed(1)}`);
      if (pts.length) g.push(`<polyline fill="none" ${stroke(c.mode, 1.6)} points="${pts.join(' ')}"><title>${esc(`${task} · ${c.mode}`)}</title></polyline>`);
    }
    g.push('</g>');
    parts.push(g.join(''));
  });
  const legendY = rows * H + 8;
  const legend = [...new Set(curves.map((c) => c.mode))].map((mode, i) =>
    `<g transform="translate(${m.l + i * 190},${legendY})"><line x1="0" x2="24" y1="6" y2="6" ${stroke(mode, 2)}/><text x="30" y="10" font-size="11">${esc(modeSpec(mode).label)}</text></g>`,
  );
  const width = cols * W;
  const height = legendY + 22;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}${legend.join('')}</svg>\n`;
}

function superscript(n: number): string {
  const map: Record<string, string> = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
  return String(n).split('').map((c) => map[c] ?? c).join('');
}

/**
 * Per-task settings of the measured figure (docs/results.md), applied unless the command line sets
 * them: wildcard search's lookups can miss (an absent string is worth 0), which X only learns fast
 * with the null fact — without it amplification sat at 44% (every target for 4+ wildcards was 0).
 */
export const FIGURE2_SWITCHES: Readonly<Record<string, { symbolMatch?: boolean; nullFact?: boolean }>> = {
  'wildcard-search': { nullFact: true },
};

export async function experimentFigure2(o: ExperimentOptions, io: TrainIo, factory: LearnerFactory): Promise<number> {
  const tasks = o.tasks?.length ? o.tasks : BUILTIN_TASKS.map((t) => t.name);
  const modes = o.modes?.length ? o.modes : DEFAULT_MODES;
  const budget = o.budgetMinutes ?? 10;
  const out = path.resolve(o.out ?? path.join('.amplification', 'experiments', `figure2-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}`));
  fs.mkdirSync(path.join(out, 'curves'), { recursive: true });
  io.out(`Figure 2 at laptop scale: ${tasks.length} task(s) × ${modes.join(', ')}, ${budget} min each (or until ${Math.round(100 * (o.until ?? 0.9))}%), in ${out}`);
  let summaries: CurveSummary[] = [];
  const curves: { task: string; mode: Mode; records: RoundRecord[] }[] = [];
  for (const task of tasks) {
    for (const mode of modes) {
      const dir = path.join(out, `${task}-${mode}`);
      const existing = fs.existsSync(path.join(dir, 'rounds.jsonl')) ? RunFolder.open(dir).rounds().records : [];
      if (!(o.keep && existing.length > 0)) {
        fs.rmSync(dir, { recursive: true, force: true });
        io.out(`\n== ${task} · ${mode}`);
        const quiet: TrainIo = { out: () => undefined, err: (s) => io.out(s.replace(/\n$/, '')), isTTY: false };
        const switches = { ...FIGURE2_SWITCHES[task], ...o.config?.modelSwitches };
        const config = { ...o.config, ...(Object.keys(switches).length > 0 ? { modelSwitches: switches } : {}), mode, rounds: 100000 };
        await train({ task, config, minutes: budget, until: o.until ?? 0.9, out: dir, json: true }, quiet, factory);
      } else io.out(`\n== ${task} · ${mode}: kept (${existing.length} rounds)`);
      // Written after every curve: an interrupted experiment keeps what it measured.
      summaries = collect(out, tasks, curves);
    }
  }
  io.out(`\n${summaryTableText(summaries)}\n\nwrote ${path.join(out, 'summary.json')}, summary.csv, curves/, figure2.svg`);
  return 0;
}

/**
 * Every curve of the experiment folder — this invocation's and earlier ones' (e.g. a mode added
 * later with --modes and --keep) — into curves/, summary.json|csv and figure2.svg.
 */
function collect(out: string, tasks: readonly string[], curves: { task: string; mode: Mode; records: RoundRecord[] }[]): CurveSummary[] {
  curves.length = 0;
  const summaries: CurveSummary[] = [];
  const names = [...new Set([...BUILTIN_TASKS.map((t) => t.name), ...tasks])];
  for (const task of names) {
    for (const mode of DEFAULT_MODES) {
      const dir = path.join(out, `${task}-${mode}`);
      if (!fs.existsSync(path.join(dir, 'rounds.jsonl'))) continue;
      const records = RunFolder.open(dir).rounds().records;
      if (records.length === 0) continue;
      fs.writeFileSync(path.join(out, 'curves', `${task}-${mode}.csv`), curveCsv(records));
      fs.writeFileSync(path.join(out, 'curves', `${task}-${mode}.json`), JSON.stringify(records.map((r) => ({ round: r.round, questions: r.questionsTotal, seconds: r.elapsed, accuracy: r.accuracy, targetAccuracy: r.targetAccuracy, callsToH: r.callsToHTotal, size: r.size, accuracyByClass: r.accuracyByClass }))) + '\n');
      summaries.push(summarise(task, mode, dir, records));
      curves.push({ task, mode, records });
    }
  }
  writeSummary(out, summaries, curves);
  return summaries;
}

function writeSummary(out: string, summaries: readonly CurveSummary[], curves: readonly { task: string; mode: Mode; records: RoundRecord[] }[]): void {
  fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify({ schemaVersion: 1, curves: summaries, ratios: ratios(summaries) }, null, 2) + '\n');
  const head = 'task,mode,accuracy,target_accuracy,questions_to_90,minutes_to_90,calls_to_h_to_90,questions,calls_to_h,size,minutes,rounds';
  const rows = summaries.map((s) => [s.task, s.mode, s.accuracy.toFixed(4), s.targetAccuracy.toFixed(4), s.questionsTo90 ?? '', s.minutesTo90?.toFixed(2) ?? '', s.callsToHTo90 ?? '', s.questions, s.callsToH, s.size, s.minutes.toFixed(2), s.rounds].join(','));
  fs.writeFileSync(path.join(out, 'summary.csv'), [head, ...rows].join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'figure2.svg'), figureSvg(curves));
}

/**
 * Per task and per mode other than the baseline (keyed by the mode's name in camelCase): questions
 * to 90% divided by the baseline's (null when either did not reach 90%).
 */
export function ratios(summaries: readonly CurveSummary[]): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  const camel = (mode: Mode) => mode.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  for (const task of new Set(summaries.map((s) => s.task))) {
    const q = (mode: Mode) => summaries.find((s) => s.task === task && s.mode === mode)?.questionsTo90 ?? null;
    const base = q(BASELINE_MODE);
    const r = (v: number | null) => (v !== null && base ? v / base : null);
    out[task] = Object.fromEntries(MODES.filter((m) => m !== BASELINE_MODE).map((m) => [camel(m), r(q(m))]));
  }
  return out;
}

export function summaryTableText(summaries: readonly CurveSummary[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = ['task                    mode                 X acc   targets  questions→90%  minutes→90%  calls to H   N'];
  for (const s of summaries) {
    lines.push(`${s.task.padEnd(24)}${s.mode.padEnd(21)}${pct(s.accuracy).padStart(6)}  ${pct(s.targetAccuracy).padStart(7)}  ${(s.questionsTo90 === null ? '—' : String(s.questionsTo90)).padStart(13)}  ${(s.minutesTo90 === null ? '—' : s.minutesTo90.toFixed(1)).padStart(11)}  ${String(s.callsToH).padStart(10)}  ${String(s.size).padStart(2)}`);
  }
  return lines.join('\n');
}
