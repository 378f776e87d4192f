/** `amplify train`: a run of rounds, headless, with progress, a final table and `--json`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandHCH, makeContext, makeQuestion, renderTree, type AnyTask } from '../core/index';
import { DEFAULT_EXPERT_SOURCE, copyHumanTranscripts, humanDataNotes, humanTranscriptsFile } from '../engine/human-transcripts';
import { DEFAULT_CONFIG, Run, modelAnswerer, newRunId, validateConfig, type LearnerFactory } from '../engine/run';
import { RunFolder } from '../engine/run-folder';
import type { RoundRecord, RunConfig } from '../engine/run-types';
import { RunLock } from '../engine/run-lock';
import { resolveTasks, runTask } from '../engine/task-loader';

export interface TrainIo {
  out(s: string): void;
  err(s: string): void;
  isTTY: boolean;
}

export interface TrainOptions {
  task?: string;
  /** The run's knobs (from the option table); the rest are DEFAULT_CONFIG's and the task's default and largest size. */
  config?: Partial<RunConfig>;
  out?: string;
  resume?: string;
  /** With `resume`: the last checkpoint (default), or the one before it when the last is damaged. */
  fromCheckpoint?: 'last' | 'previous';
  json?: boolean;
  /** Stop once X's held-out accuracy reaches this. */
  until?: number;
  /** Stop after this many minutes (the round under way finishes). */
  minutes?: number;
  /** Print one decomposition tree with the model's answers at the end. */
  showTree?: boolean;
  /** With expert source human or both: a file of a person's transcripts copied into the new run. */
  transcripts?: string;
  /** After each round, given every round of the run (earlier sittings' too): why to stop, or undefined to go on. */
  stop?: (records: readonly RoundRecord[]) => string | undefined;
}

export class TrainUsageError extends Error {}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function bar(fraction: number, width = 24): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `${'█'.repeat(n)}${'░'.repeat(width - n)}`;
}

export function roundLine(r: RoundRecord): string {
  const person = r.humanAgreement === undefined ? '' : `  H′ agrees with the person ${pct(r.humanAgreement)}`;
  return `round ${r.round}  N=${r.size}  X ${pct(r.accuracy)}  targets ${pct(r.targetAccuracy)}  agreement ${pct(r.agreementAverage)}  loss ${r.loss.toFixed(3)}  calls to H ${r.callsToHTotal}${person}  ${r.seconds.total.toFixed(1)}s`;
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
  const d = last.expertData;
  if (d) {
    const agrees = last.humanAgreement === undefined ? '' : `; it reproduces ${pct(last.humanAgreement)} of the person's ${d.heldOut} held-out transcripts`;
    lines.push(`H′ learned from ${d.source === 'H' ? "H's transcripts" : d.source === 'human' ? `a person's ${d.human} transcripts (H never called)` : `H's transcripts and a person's ${d.human}`}${agrees}`);
  }
  lines.push(`time ${last.elapsed.toFixed(0)}s on ${backend}${reached ? `; X reached 90% at round ${reached.round} (${reached.elapsed.toFixed(0)}s, ${reached.questionsTotal} questions)` : ''}`);
  return lines.join('\n');
}

export async function train(o: TrainOptions, io: TrainIo, factory: LearnerFactory): Promise<number> {
  let run: Run;
  let task: AnyTask;
  let lock: RunLock;
  let resumed = false;
  if (o.fromCheckpoint && !o.resume) throw new TrainUsageError('--from-checkpoint goes with --resume DIR');
  if (o.resume) {
    if (o.transcripts) throw new TrainUsageError(`--transcripts applies to a new run; a run reads ${humanTranscriptsFile(o.resume)} every round (amplify play --run ${o.resume} adds to it)`);
    const folder = RunFolder.open(o.resume);
    // The CLI runs what its user asks: task files are trusted (a taskName that is a path is still refused).
    task = await runTask(folder.meta(), true, folder.metaFile);
    lock = RunLock.acquire(folder.dir);
    try {
      folder.clean();
      // The number of rounds and the threads may change on resume (threads compute the same steps, up to the order in which the replicas' gradients are summed).
      const { rounds, threads } = o.config ?? {};
      run = await Run.resume(folder, task, factory, { ...(rounds ? { rounds } : {}), ...(threads !== undefined ? { threads } : {}) }, o.fromCheckpoint ?? 'last');
    } catch (e) {
      lock.release();
      if (e instanceof RangeError) throw new TrainUsageError(e.message);
      throw e;
    }
    resumed = true;
  } else {
    if (!o.task) throw new TrainUsageError('train needs --task (a built-in task name or a .task.ts file), or --resume DIR');
    const loaded = await resolveTasks(o.task);
    task = loaded[0].task;
    const config: RunConfig = { ...DEFAULT_CONFIG, size: task.sizes.default, maxSize: task.sizes.max, ...o.config, task: task.name };
    const dir = o.out ?? path.join('.amplification', 'runs', `${newRunId()}-${task.name}-${config.mode}`);
    try {
      if (o.transcripts) {
        if ((config.expertSource ?? DEFAULT_EXPERT_SOURCE) === 'H') throw new TrainUsageError('--transcripts gives H′ a person\'s transcripts: it needs --expert-source human or both');
        validateConfig(task, config);
        if (fs.existsSync(path.join(dir, 'run.json'))) throw new TrainUsageError(`${dir} already holds a run (use --resume to continue it)`);
        const notes = humanDataNotes(copyHumanTranscripts(task, o.transcripts, dir), o.transcripts);
        if (notes && o.json) io.err(`${notes}\n`);
        else if (notes) io.out(notes);
      }
      run = await Run.create(task, config, factory, dir, loaded[0].file);
    } catch (e) {
      if (e instanceof RangeError) throw new TrainUsageError(e.message);
      throw e;
    }
    lock = RunLock.acquire(run.folder!.dir);
  }
  const folder = run.folder!;
  const meta = folder.meta();
  const log = (s: string) => (o.json ? io.err(`${s}\n`) : io.out(s));
  for (const w of folder.warnings()) io.err(`amplify: warning: ${w}\n`);
  log(`${resumed ? 'resuming' : 'training'} ${task.name} (${run.config.mode}, model ${run.config.model}, backend ${run.model.backend}) in ${folder.dir}`);
  if (run.expert && (run.config.expertSource ?? DEFAULT_EXPERT_SOURCE) !== 'H') log(`H′ learns from ${run.config.expertSource === 'both' ? "H's transcripts and " : ''}the person's transcripts in ${humanTranscriptsFile(folder.dir)}`);
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
      const why = o.stop?.(records);
      if (why) {
        log(why);
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
        ...(run.expert ? { expertSource: run.config.expertSource ?? DEFAULT_EXPERT_SOURCE, expertData: last?.expertData ?? null, humanAgreement: last?.humanAgreement ?? null, expertAgreement: last?.expertAgreement ?? null } : {}),
        reached90: reached ? { round: reached.round, seconds: reached.elapsed, questions: reached.questionsTotal, callsToH: reached.callsToHTotal } : null,
      }));
    }
  } finally {
    run.dispose();
    lock.release();
  }
  return 0;
}
