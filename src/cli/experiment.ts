/**
 * `amplify experiment figure2`: the paper's Figure 2 at laptop scale. For each task, trains
 * supervised (ground-truth targets), amplification with H, and amplification with H′ from the same
 * seed and size, each for a time budget (or until X reaches `--until`), one after the other; then
 * writes, in the experiment folder:
 *
 *   <task>-<mode>/          a run folder per curve (open it in the extension: "Open Run…")
 *   <task>-<mode>-curriculum/ with --curriculum: a run that starts at --size and raises N on the agreement gate
 *   curves/<task>-<mode>[-curriculum].csv|json  per round: questions seen, seconds, X's accuracy, the targets', calls to H, N
 *   curves/<task>-<mode>-curriculum-sizes.csv   per N: rounds, questions and calls to H there, X's accuracy there
 *   summary.json, summary.csv per run: final accuracy, questions / calls to H / minutes to 90%, N reached
 *   figure2.svg             one panel per task: X's held-out accuracy against training questions (log scale),
 *                           and one per task with curriculum runs: N against training questions
 *
 * A run stops at its budget (minutes or training questions, counted over all its sittings) or when
 * X first reaches --until — or, with --hold, once X has held ≥ ACC for --hold-rounds rounds; a
 * curriculum run only at its largest N (experiment-curriculum.ts). With --keep a run folder that
 * exists is resumed from its last checkpoint unless it has already stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LearnerFactory } from '../engine/run';
import { RunFolder } from '../engine/run-folder';
import { BASELINE_MODE, MODES, modeSpec, type Mode } from '../engine/modes/index';
import type { GateRule, RoundRecord, RunConfig } from '../engine/run-types';
import { BUILTIN_TASKS, builtinTask } from '../core/index';
import { heldFrom, largestSizeAt90, sizePanels, sizeSummaries, sizesCsv, stopReason, type SizeSummary, type StopRule } from './experiment-curriculum';
import { UsageError } from './options';
import { train, type TrainIo } from './train';

export interface ExperimentOptions {
  tasks?: string[];
  modes?: Mode[];
  budgetMinutes?: number;
  /** Per run: training questions (targets made), over all its sittings. */
  budgetQuestions?: number;
  until?: number;
  /** Stop a run once X's held-out accuracy has held ≥ hold for holdRounds (default 5) rounds in a row. */
  hold?: number;
  holdRounds?: number;
  /** Curriculum runs (<task>-<mode>-curriculum/): from config.size up to config.maxSize (default the task's largest). */
  curriculum?: boolean;
  /** Knobs for every run (from the option table), e.g. size, seed, model, contextsPerRound, modelSwitches. */
  config?: Partial<RunConfig>;
  out?: string;
  /** Keep run folders that already have rounds: resume each from its last checkpoint unless it has stopped. */
  keep?: boolean;
  /** Also merge the summary into this results folder (docs/results/) and copy the curves there: see publish(). */
  publish?: string;
}

export interface CurveSummary {
  task: string;
  mode: Mode;
  folder: string;
  rounds: number;
  accuracy: number;
  targetAccuracy: number;
  /** Training questions (targets made) until X first reached 90% held-out accuracy (a curriculum run: at its last N, `size`); null if it did not. */
  questionsTo90: number | null;
  minutesTo90: number | null;
  callsToHTo90: number | null;
  questions: number;
  callsToH: number;
  /** The largest N trained at (a curriculum run's N reached); `accuracy` is X's at that N. */
  size: number;
  minutes: number;
  /** X held ≥ accuracy for `rounds` rounds in a row from this round on (null: it did not). */
  held: { accuracy: number; rounds: number; round: number; questions: number; callsToH: number } | null;
  /** Modes with H′: H′'s agreement with H on the questions checked each round, in the last round and on average over the rounds. */
  expertAgreement?: { last: number; mean: number };
  /** Curriculum runs: the first N, the largest N at which X reached 90%, and per N what it took. */
  curriculum?: { startSize: number; sizeAt90: number | null; gate?: GateRule; sizes: SizeSummary[] };
}

/** The hold reported in summaries when the command line states none (the issue's ≥ 95% for 5 rounds). */
export const DEFAULT_HOLD = { accuracy: 0.95, rounds: 5 };

/** Every mode, the baseline (ground-truth targets) first. */
const DEFAULT_MODES: readonly Mode[] = [BASELINE_MODE, ...MODES.filter((m) => m !== BASELINE_MODE)];

/** A mode's line in the figure: its colour and dash pattern from the mode table. */
function stroke(mode: Mode, width: number): string {
  const spec = modeSpec(mode);
  return `stroke="${spec.colour}" stroke-width="${width}"${spec.dash ? ` stroke-dasharray="${spec.dash}"` : ''}`;
}

export function summarise(
  task: string, mode: Mode, folder: string, records: readonly RoundRecord[], threshold = 0.9,
  o: { curriculum?: boolean; hold?: { accuracy: number; rounds: number }; gate?: GateRule } = {},
): CurveSummary {
  const last = records[records.length - 1];
  // A curriculum run's 90% is at its last N: reaching it at a smaller N on the way up does not count.
  const hit = records.find((r) => r.accuracy >= threshold && (!o.curriculum || r.size === last.size));
  const hold = o.hold ?? DEFAULT_HOLD;
  const held = heldFrom(records, hold.accuracy, hold.rounds);
  const agreements = records.flatMap((r) => (r.expertAgreement === undefined ? [] : [r.expertAgreement]));
  const sizes = o.curriculum ? sizeSummaries(records) : [];
  return {
    task, mode, folder, rounds: last?.round ?? 0, accuracy: last?.accuracy ?? 0, targetAccuracy: last?.targetAccuracy ?? 0,
    questionsTo90: hit ? hit.questionsTotal : null, minutesTo90: hit ? hit.elapsed / 60 : null, callsToHTo90: hit ? hit.callsToHTotal : null,
    questions: last?.questionsTotal ?? 0, callsToH: last?.callsToHTotal ?? 0, size: last?.size ?? 0, minutes: (last?.elapsed ?? 0) / 60,
    held: held ? { ...hold, round: held.round, questions: held.questionsTotal, callsToH: held.callsToHTotal } : null,
    ...(agreements.length > 0 ? { expertAgreement: { last: agreements[agreements.length - 1], mean: agreements.reduce((a, b) => a + b, 0) / agreements.length } } : {}),
    ...(o.curriculum ? { curriculum: { startSize: records[0]?.size ?? 0, sizeAt90: largestSizeAt90(sizes), ...(o.gate ? { gate: o.gate } : {}), sizes } } : {}),
  };
}

export function curveCsv(records: readonly RoundRecord[]): string {
  const rows = records.map((r) => [r.round, r.questionsTotal, r.elapsed.toFixed(1), r.accuracy.toFixed(4), r.targetAccuracy.toFixed(4), r.callsToHTotal, r.size].join(','));
  return ['round,questions,seconds,accuracy,target_accuracy,calls_to_h,size', ...rows].join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What the figure draws of a round. */
export type Point = Pick<RoundRecord, 'questionsTotal' | 'accuracy' | 'size'>;

export interface Curve {
  task: string;
  mode: Mode;
  records: readonly Point[];
  /** A curriculum run: drawn as N against training questions, not in the accuracy panels. */
  curriculum?: boolean;
}

/**
 * One panel per task: accuracy (0–100%) against training questions on a log axis, a line per mode;
 * below them, one panel per task with curriculum runs: N against training questions.
 */
export function figureSvg(allCurves: readonly Curve[]): string {
  const curves = allCurves.filter((c) => !c.curriculum);
  const grown = allCurves.filter((c) => c.curriculum);
  const tasks = [...new Set(curves.map((c) => c.task))];
  const W = 300;
  const H = 220;
  const m = { l: 44, r: 10, t: 26, b: 36 };
  const cols = Math.min(3, Math.max(1, tasks.length, new Set(grown.map((c) => c.task)).size));
  const rows = Math.ceil(tasks.length / cols);
  const all = allCurves.flatMap((c) => c.records.map((r) => r.questionsTotal)).filter((q) => q > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(1, Math.min(...all, 1e3)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 10 * lo))));
  const x = (q: number) => m.l + ((Math.log10(Math.max(q, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - m.l - m.r);
  const y = (a: number) => m.t + (1 - a) * (H - m.t - m.b);
  const ticks: number[] = [];
  for (let p = Math.log10(lo); p <= Math.log10(hi); p++) ticks.push(p);
  const parts: string[] = [];
  tasks.forEach((task, i) => {
    const ox = (i % cols) * W;
    const oy = Math.floor(i / cols) * H;
    const g: string[] = [`<g transform="translate(${ox},${oy})">`, `<text x="${(W + m.l - m.r) / 2}" y="16" text-anchor="middle" font-weight="600">${esc(task)}</text>`];
    for (const a of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
      g.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(a)}" y2="${y(a)}" stroke="${a === 0.9 ? '#999' : '#e5e5e5'}"${a === 0.9 ? ' stroke-dasharray="3 3"' : ''}/>`);
      g.push(`<text x="${m.l - 4}" y="${y(a) + 4}" text-anchor="end" font-size="10">${Math.round(a * 100)}%</text>`);
    }
    for (const p of ticks) {
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
  const sizes = grown.length > 0
    ? sizePanels(grown, { W, H, m, cols, oy: rows * H, x, ticks }, (mode) => stroke(mode as Mode, 1.6), (p) => `10${superscript(p)}`, esc)
    : { svg: '', rows: 0 };
  parts.push(sizes.svg);
  const legendY = (rows + sizes.rows) * H + 8;
  const legend = [...new Set(allCurves.map((c) => c.mode))].map((mode, i) =>
    `<g transform="translate(${m.l + i * 190},${legendY})"><line x1="0" x2="24" y1="6" y2="6" ${stroke(mode, 2)}/><text x="30" y="10" font-size="11">${esc(modeSpec(mode).label)}</text></g>`,
  );
  const width = Math.max(cols * W, m.l + legend.length * 190);
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
  if (o.holdRounds !== undefined && o.hold === undefined) throw new UsageError('--hold-rounds goes with --hold ACC');
  const tasks = o.tasks?.length ? o.tasks : BUILTIN_TASKS.map((t) => t.name);
  const modes = o.modes?.length ? o.modes : DEFAULT_MODES;
  const budgetMinutes = o.budgetMinutes ?? (o.budgetQuestions === undefined ? 10 : undefined);
  const until = o.until ?? 0.9;
  const hold = o.hold === undefined ? undefined : { accuracy: o.hold, rounds: o.holdRounds ?? DEFAULT_HOLD.rounds };
  const out = path.resolve(o.out ?? path.join('.amplification', 'experiments', `figure2-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}`));
  fs.mkdirSync(path.join(out, 'curves'), { recursive: true });
  const budget = [budgetMinutes === undefined ? '' : `${budgetMinutes} min`, o.budgetQuestions === undefined ? '' : `${o.budgetQuestions} questions`].filter(Boolean).join(' or ');
  const goal = hold ? `X holds ≥ ${Math.round(100 * hold.accuracy)}% for ${hold.rounds} rounds` : `until ${Math.round(100 * until)}%`;
  io.out(`Figure 2 at laptop scale${o.curriculum ? ', curriculum runs' : ''}: ${tasks.length} task(s) × ${modes.join(', ')}, ${budget} each (or ${goal}${o.curriculum ? ' at the largest N' : ''}), in ${out}`);
  let summaries: CurveSummary[] = [];
  const curves: Curve[] = [];
  for (const task of tasks) {
    for (const mode of modes) {
      const name = runName(task, mode, Boolean(o.curriculum));
      const dir = path.join(out, name);
      const existing = fs.existsSync(path.join(dir, 'rounds.jsonl')) ? RunFolder.open(dir).rounds().records : [];
      const kept = o.keep && existing.length > 0;
      // The curriculum never goes past the task's largest size, whatever --max-size says.
      const largest = builtinTask(task)?.sizes.max;
      const asked = kept ? RunFolder.open(dir).meta().config.maxSize : o.config?.maxSize ?? largest;
      const maxSize = asked !== undefined && largest !== undefined ? Math.min(asked, largest) : asked ?? largest;
      const rule: StopRule = { until, hold, budgetQuestions: o.budgetQuestions, budgetMinutes, ...(o.curriculum ? { curriculumMaxSize: maxSize } : {}) };
      const quiet: TrainIo = { out: () => undefined, err: (s) => io.out(s.replace(/\n$/, '')), isTTY: false };
      const stop = (records: readonly RoundRecord[]) => stopReason(records, rule);
      if (kept) {
        const done = stop(existing);
        if (done) io.out(`\n== ${name}: kept (${existing.length} rounds; ${done.replace(/: stopping$/, '')})`);
        else {
          io.out(`\n== ${name}: resumed after ${existing.length} rounds`);
          const threads = o.config?.threads;
          await train({ resume: dir, json: true, stop, ...(threads !== undefined ? { config: { threads } } : {}) }, quiet, factory);
        }
      } else {
        fs.rmSync(dir, { recursive: true, force: true });
        io.out(`\n== ${name}`);
        const switches = { ...FIGURE2_SWITCHES[task], ...o.config?.modelSwitches };
        const config = { ...o.config, ...(Object.keys(switches).length > 0 ? { modelSwitches: switches } : {}), mode, rounds: 100000 };
        await train({ task, config, out: dir, json: true, stop }, quiet, factory);
      }
      // Written after every curve: an interrupted experiment keeps what it measured.
      summaries = collect(out, tasks, curves, hold);
    }
  }
  io.out(`\n${summaryTableText(summaries)}\n\nwrote ${path.join(out, 'summary.json')}, summary.csv, curves/, figure2.svg`);
  if (o.publish) {
    publish(out, path.resolve(o.publish), summaries);
    io.out(`merged the summary into ${path.join(path.resolve(o.publish), 'summary.json')}, copied the curves and redrew figure2.svg there`);
  }
  return 0;
}

/** A run's folder (and curve file) name in the experiment folder. */
function runName(task: string, mode: Mode, curriculum: boolean): string {
  return `${task}-${mode}${curriculum ? '-curriculum' : ''}`;
}

/**
 * Every curve of the experiment folder — this invocation's and earlier ones' (e.g. a mode added
 * later with --modes and --keep, or curriculum runs beside fixed-N ones) — into curves/,
 * summary.json|csv and figure2.svg.
 */
function collect(out: string, tasks: readonly string[], curves: Curve[], hold?: { accuracy: number; rounds: number }): CurveSummary[] {
  curves.length = 0;
  const summaries: CurveSummary[] = [];
  const names = [...new Set([...BUILTIN_TASKS.map((t) => t.name), ...tasks])];
  for (const curriculum of [false, true]) {
    for (const task of names) {
      for (const mode of DEFAULT_MODES) {
        const name = runName(task, mode, curriculum);
        const dir = path.join(out, name);
        if (!fs.existsSync(path.join(dir, 'rounds.jsonl'))) continue;
        const folder = RunFolder.open(dir);
        const records = folder.rounds().records;
        if (records.length === 0) continue;
        // The gate's rule (run-types.ts, GateConfig): a run made before rules were named has none: `questions`.
        const gate = curriculum ? (folder.meta().config.gate.rule ?? 'questions') : undefined;
        const summary = summarise(task, mode, dir, records, 0.9, { curriculum, hold, gate });
        fs.writeFileSync(path.join(out, 'curves', `${name}.csv`), curveCsv(records));
        fs.writeFileSync(path.join(out, 'curves', `${name}.json`), JSON.stringify(records.map((r) => ({
          round: r.round, questions: r.questionsTotal, seconds: r.elapsed, accuracy: r.accuracy, targetAccuracy: r.targetAccuracy, callsToH: r.callsToHTotal, size: r.size,
          ...(r.expertAgreement === undefined ? {} : { expertAgreement: r.expertAgreement }), accuracyByClass: r.accuracyByClass,
        }))) + '\n');
        if (summary.curriculum) fs.writeFileSync(path.join(out, 'curves', `${name}-sizes.csv`), sizesCsv(summary.curriculum.sizes));
        summaries.push(summary);
        curves.push({ task, mode, records, curriculum });
      }
    }
  }
  writeSummary(out, summaries, curves);
  return summaries;
}

function writeSummary(out: string, summaries: readonly CurveSummary[], curves: readonly Curve[]): void {
  fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify({ schemaVersion: 1, curves: summaries, ratios: ratios(summaries), curriculumRatios: curriculumRatios(summaries) }, null, 2) + '\n');
  const head = 'task,mode,accuracy,target_accuracy,questions_to_90,minutes_to_90,calls_to_h_to_90,questions,calls_to_h,size,minutes,rounds,curriculum,size_at_90,held_questions';
  const rows = summaries.map((s) => [
    s.task, s.mode, s.accuracy.toFixed(4), s.targetAccuracy.toFixed(4), s.questionsTo90 ?? '', s.minutesTo90?.toFixed(2) ?? '', s.callsToHTo90 ?? '', s.questions, s.callsToH, s.size, s.minutes.toFixed(2), s.rounds,
    s.curriculum ? 'yes' : 'no', s.curriculum?.sizeAt90 ?? '', s.held?.questions ?? '',
  ].join(','));
  fs.writeFileSync(path.join(out, 'summary.csv'), [head, ...rows].join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'figure2.svg'), figureSvg(curves));
}

/**
 * Copies the experiment's curves into a results folder (docs/results/, in git) and merges its
 * summaries into the folder's summary.json|csv — an entry replaces the one of the same run (its
 * folder's name; entries there name their run folder by its name only: run folders stay out of
 * git), the others are kept — then recomputes the ratios and redraws figure2.svg from the curves
 * there (curves/<run>.json).
 */
export function publish(out: string, dest: string, summaries: readonly CurveSummary[]): void {
  fs.mkdirSync(path.join(dest, 'curves'), { recursive: true });
  const file = path.join(dest, 'summary.json');
  const old = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { curves: CurveSummary[] }).curves : [];
  const fresh = summaries.map((s) => ({ ...s, folder: path.basename(s.folder) }));
  for (const s of fresh) {
    for (const suffix of ['.csv', '.json', '-sizes.csv']) {
      const f = path.join(out, 'curves', `${s.folder}${suffix}`);
      if (fs.existsSync(f)) fs.copyFileSync(f, path.join(dest, 'curves', `${s.folder}${suffix}`));
    }
  }
  const names = new Set(fresh.map((s) => s.folder));
  const order = (s: CurveSummary) => [s.curriculum ? 1 : 0, BUILTIN_TASKS.findIndex((t) => t.name === s.task), DEFAULT_MODES.indexOf(s.mode)];
  const merged = [...old.filter((s) => !names.has(path.basename(s.folder))), ...fresh].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  const curves = merged.flatMap((s): Curve[] => {
    const f = path.join(dest, 'curves', `${path.basename(s.folder)}.json`);
    if (!fs.existsSync(f)) return [];
    const points = JSON.parse(fs.readFileSync(f, 'utf8')) as { questions: number; accuracy: number; size: number }[];
    return [{ task: s.task, mode: s.mode, curriculum: Boolean(s.curriculum), records: points.map((p) => ({ questionsTotal: p.questions, accuracy: p.accuracy, size: p.size })) }];
  });
  writeSummary(dest, merged, curves);
}

const camel = (mode: Mode) => mode.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/**
 * Per task and per mode other than the baseline (keyed by the mode's name in camelCase): questions
 * to 90% divided by the baseline's (null when either did not reach 90%), fixed-N runs only.
 */
export function ratios(summaries: readonly CurveSummary[]): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  const fixed = summaries.filter((s) => !s.curriculum);
  for (const task of new Set(fixed.map((s) => s.task))) {
    const q = (mode: Mode) => fixed.find((s) => s.task === task && s.mode === mode)?.questionsTo90 ?? null;
    const base = q(BASELINE_MODE);
    const r = (v: number | null) => (v !== null && base ? v / base : null);
    out[task] = Object.fromEntries(MODES.filter((m) => m !== BASELINE_MODE).map((m) => [camel(m), r(q(m))]));
  }
  return out;
}

/**
 * Curriculum runs, per task and mode other than the baseline: at the largest N at which both the
 * mode's run and the baseline's reached 90%, the training questions (in all, from the first N)
 * until then, divided by the baseline's; null when there is no such N.
 */
export function curriculumRatios(summaries: readonly CurveSummary[]): Record<string, Record<string, { size: number; ratio: number } | null>> {
  const out: Record<string, Record<string, { size: number; ratio: number } | null>> = {};
  const grown = summaries.filter((s) => s.curriculum);
  for (const task of new Set(grown.map((s) => s.task))) {
    const at90 = (mode: Mode) => new Map((grown.find((s) => s.task === task && s.mode === mode)?.curriculum?.sizes ?? []).flatMap((z) => (z.questionsTo90 === null ? [] : [[z.size, z.questionsTo90] as const])));
    const base = at90(BASELINE_MODE);
    out[task] = Object.fromEntries(MODES.filter((m) => m !== BASELINE_MODE && grown.some((s) => s.task === task && s.mode === m)).map((m) => {
      const mine = at90(m);
      const common = [...mine.keys()].filter((n) => base.has(n));
      if (common.length === 0) return [camel(m), null];
      const size = Math.max(...common);
      return [camel(m), { size, ratio: mine.get(size)! / base.get(size)! }];
    }));
  }
  return out;
}

export function summaryTableText(summaries: readonly CurveSummary[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = ['task                    mode                     X acc   targets  questions→90%  minutes→90%  calls to H   N  N at 90%'];
  for (const s of summaries) {
    const n90 = s.curriculum ? String(s.curriculum.sizeAt90 ?? '—').padStart(10) : '';
    lines.push(`${s.task.padEnd(24)}${`${s.mode}${s.curriculum ? ' (curr.)' : ''}`.padEnd(25)}${pct(s.accuracy).padStart(6)}  ${pct(s.targetAccuracy).padStart(7)}  ${(s.questionsTo90 === null ? '—' : String(s.questionsTo90)).padStart(13)}  ${(s.minutesTo90 === null ? '—' : s.minutesTo90.toFixed(1)).padStart(11)}  ${String(s.callsToH).padStart(10)}  ${String(s.size).padStart(2)}${n90}`);
  }
  return lines.join('\n');
}
