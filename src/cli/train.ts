/** `amplify train`: a run of rounds, headless, with progress, a final table and `--json`. */
import * as path from 'node:path';
import { expandHCH, makeContext, makeQuestion, renderTree, type AnyTask } from '../core/index';
import { DEFAULT_CONFIG, Run, modelAnswerer, newRunId, type LearnerFactory } from '../engine/run';
import { RunFolder } from '../engine/run-folder';
import { MODES } from '../engine/modes/index';
import type { RoundRecord, RunConfig } from '../engine/run-types';
import { resolveTasks } from '../engine/task-loader';
import type { BackendPreference, ModelPreset } from '../learner/types';

export interface TrainIo {
  out(s: string): void;
  err(s: string): void;
  isTTY: boolean;
}

export interface TrainOptions {
  task?: string;
  mode?: string;
  size?: number;
  curriculum?: boolean;
  maxSize?: number;
  rounds?: number;
  stepsPerRound?: number;
  batchSize?: number;
  contextsPerRound?: number;
  bufferSize?: number;
  /** Modes with H′: questions decomposed by H per round (H′'s training data) and H′'s optimiser steps per round. */
  expertCalls?: number;
  expertSteps?: number;
  evalContexts?: number;
  model?: string;
  /** Override the preset's symbol-match attention and null fact (ablations). */
  symbolMatch?: boolean;
  nullFact?: boolean;
  backend?: string;
  learningRate?: number;
  threads?: number;
  seed?: number;
  out?: string;
  resume?: string;
  json?: boolean;
  /** Stop once X's held-out accuracy reaches this. */
  until?: number;
  /** Stop after this many minutes (the round under way finishes). */
  minutes?: number;
  faultRate?: number;
  faultKind?: string;
  /** Print one decomposition tree with the model's answers at the end. */
  showTree?: boolean;
}

export class TrainUsageError extends Error {}

const PRESETS: readonly ModelPreset[] = ['tiny', 'small', 'paper'];
const BACKENDS: readonly BackendPreference[] = ['auto', 'tfjs-node', 'wasm', 'cpu'];

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function bar(fraction: number, width = 24): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `${'█'.repeat(n)}${'░'.repeat(width - n)}`;
}

export function roundLine(r: RoundRecord): string {
  return `round ${r.round}  N=${r.size}  X ${pct(r.accuracy)}  targets ${pct(r.targetAccuracy)}  agreement ${pct(r.agreementAverage)}  loss ${r.loss.toFixed(3)}  calls to H ${r.callsToHTotal}  ${r.seconds.total.toFixed(1)}s`;
}

/** The final table: accuracy per question class (X and targets), calls to H, time. */
export function summaryTable(records: readonly RoundRecord[], backend: string): string {
  const last = records[records.length - 1];
  if (!last) return 'no rounds';
  const classes = [...new Set([...Object.keys(last.accuracyByClass), ...Object.keys(last.targetAccuracyByClass)])].sort();
  const w = Math.max(14, ...classes.map((c) => c.length)) + 2;
  const lines = [`${'class'.padEnd(w)}${'X'.padStart(8)}${'targets'.padStart(10)}`];
  for (const c of classes) {
    const x = last.accuracyByClass[c];
    const t = last.targetAccuracyByClass[c];
    lines.push(`${c.padEnd(w)}${(x === undefined ? '–' : pct(x)).padStart(8)}${(t === undefined ? '–' : pct(t)).padStart(10)}`);
  }
  lines.push(`${'overall'.padEnd(w)}${pct(last.accuracy).padStart(8)}${pct(last.targetAccuracy).padStart(10)}`);
  const reached = records.find((r) => r.accuracy >= 0.9);
  lines.push('');
  lines.push(`rounds ${last.round}, size N=${last.size}, calls to H ${last.callsToHTotal}, training questions ${last.questionsTotal}, examples ${last.examplesTotal}`);
  lines.push(`time ${last.elapsed.toFixed(0)}s on ${backend}${reached ? `; X reached 90% at round ${reached.round} (${reached.elapsed.toFixed(0)}s, ${reached.questionsTotal} questions)` : ''}`);
  return lines.join('\n');
}

function choice<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new TrainUsageError(`--${name} must be one of ${allowed.join(', ')} (got '${value}')`);
  return value as T;
}

export async function train(o: TrainOptions, io: TrainIo, factory: LearnerFactory): Promise<number> {
  let run: Run;
  let task: AnyTask;
  let resumed = false;
  if (o.resume) {
    const folder = RunFolder.open(o.resume);
    const meta = folder.meta();
    const loaded = await resolveTasks(meta.taskFile ?? meta.taskName);
    task = (loaded.find((l) => l.task.name === meta.taskName) ?? loaded[0]).task;
    // The number of rounds and the threads may change on resume (threads compute the same steps).
    run = await Run.resume(folder, task, factory, { ...(o.rounds ? { rounds: o.rounds } : {}), ...(o.threads !== undefined ? { threads: o.threads } : {}) });
    resumed = true;
  } else {
    if (!o.task) throw new TrainUsageError('train needs --task (a built-in task name or a .task.ts file), or --resume DIR');
    const loaded = await resolveTasks(o.task);
    task = loaded[0].task;
    const fault = o.faultRate !== undefined ? { rate: o.faultRate, kind: choice(o.faultKind, ['random', 'systematic'] as const, 'fault-kind') ?? 'random' } : undefined;
    const config: RunConfig = {
      ...DEFAULT_CONFIG,
      task: task.name,
      mode: choice(o.mode, MODES, 'mode') ?? DEFAULT_CONFIG.mode,
      size: o.size ?? task.sizes.default,
      curriculum: o.curriculum ?? false,
      maxSize: o.maxSize ?? task.sizes.max,
      rounds: o.rounds ?? DEFAULT_CONFIG.rounds,
      stepsPerRound: o.stepsPerRound ?? DEFAULT_CONFIG.stepsPerRound,
      batchSize: o.batchSize ?? DEFAULT_CONFIG.batchSize,
      contextsPerRound: o.contextsPerRound ?? DEFAULT_CONFIG.contextsPerRound,
      bufferSize: o.bufferSize ?? DEFAULT_CONFIG.bufferSize,
      ...(o.expertCalls !== undefined ? { expertCallsPerRound: o.expertCalls } : {}),
      ...(o.expertSteps !== undefined ? { expertStepsPerRound: o.expertSteps } : {}),
      evalContexts: o.evalContexts ?? DEFAULT_CONFIG.evalContexts,
      model: choice(o.model, PRESETS, 'model') ?? DEFAULT_CONFIG.model,
      ...(o.symbolMatch !== undefined || o.nullFact !== undefined ? {
        modelSwitches: { ...(o.symbolMatch !== undefined ? { symbolMatch: o.symbolMatch } : {}), ...(o.nullFact !== undefined ? { nullFact: o.nullFact } : {}) },
      } : {}),
      backend: choice(o.backend, BACKENDS, 'backend') ?? DEFAULT_CONFIG.backend,
      seed: o.seed ?? DEFAULT_CONFIG.seed,
      ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      ...(fault ? { fault } : {}),
    };
    const dir = o.out ?? path.join('.amplification', 'runs', `${newRunId()}-${task.name}-${config.mode}`);
    try {
      run = await Run.create(task, config, factory, dir, loaded[0].file);
    } catch (e) {
      if (e instanceof RangeError) throw new TrainUsageError(e.message);
      throw e;
    }
  }
  const folder = run.folder!;
  const meta = folder.meta();
  const log = (s: string) => (o.json ? io.err(`${s}\n`) : io.out(s));
  log(`${resumed ? 'resuming' : 'training'} ${task.name} (${run.config.mode}, model ${run.config.model}, backend ${run.model.backend}) in ${folder.dir}`);
  const started = Date.now();
  const records: RoundRecord[] = folder.rounds().records;
  const target = run.config.rounds;
  try {
    while (run.round < target) {
      const record = await run.runRound((phase) => {
        if (io.isTTY && !o.json) io.err(`\r${bar(run.round / target)} round ${run.round + 1}/${target} ${phase.padEnd(10)}`);
      });
      records.push(record);
      if (io.isTTY && !o.json) io.err(`\r${' '.repeat(70)}\r`);
      log(roundLine(record));
      if (o.until !== undefined && record.accuracy >= o.until) {
        log(`X reached ${pct(record.accuracy)} ≥ ${pct(o.until)}: stopping`);
        break;
      }
      if (o.minutes !== undefined && (Date.now() - started) / 60000 >= o.minutes) {
        log(`time budget of ${o.minutes} minutes used: stopping`);
        break;
      }
    }
    const last = records[records.length - 1];
    if (!o.json) {
      io.out('');
      io.out(summaryTable(records, run.model.backend));
    }
    if (o.showTree && last) {
      const instance = { size: last.size, seed: `${run.config.seed}/demo`, index: 0 };
      const ctx = makeContext(task, instance);
      const q = makeQuestion(task, instance, ctx);
      const tree = expandHCH(task, ctx, q, { answerer: modelAnswerer(run.model, true), depth: 2, truth: true });
      log('\nA held-out question, decomposed by H, with X (the EMA teacher) answering at the leaves:');
      log(renderTree(task, tree));
    }
    if (o.json) {
      const reached = records.find((r) => r.accuracy >= 0.9);
      io.out(JSON.stringify({
        task: task.name, mode: run.config.mode, model: run.config.model, backend: meta.backend, folder: folder.dir,
        accuracy: last?.accuracy ?? 0, targetAccuracy: last?.targetAccuracy ?? 0, accuracyByClass: last?.accuracyByClass ?? {},
        callsToH: last?.callsToHTotal ?? 0, size: last?.size ?? run.state.size, rounds: last?.round ?? 0, seconds: last?.elapsed ?? 0,
        questions: last?.questionsTotal ?? 0,
        reached90: reached ? { round: reached.round, seconds: reached.elapsed, questions: reached.questionsTotal, callsToH: reached.callsToHTotal } : null,
      }));
    }
  } finally {
    run.dispose();
  }
  return 0;
}
