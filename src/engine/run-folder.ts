/**
 * Reading and writing a run folder (format in run-types.ts and docs/run-folder.md).
 *
 * One writer per file. The run (`Run`, in the worker thread or the CLI) writes the records —
 * run.json, rounds.jsonl, state.json, checkpoints/, pinned/round-NNNN.json. The host (the
 * extension's RunSession and controller) writes the edits — pinned.json, overrides.jsonl,
 * annotations.jsonl — and the run only reads them, afresh at each round and each inspect, so an
 * edit reaches training without any message to the worker.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { questionKey, type Answer, type InstanceId } from '../core/index';
import { appendJsonLine, readJson, readJsonLines, writeJsonAtomic } from './files';
import {
  RUN_FORMAT_VERSION, type AnnotationEvent, type OverrideEvent, type OverrideKey, type PinnedQuestion, type PinnedRound,
  type RoundRecord, type RunMeta, type RunState,
} from './run-types';

export class RunFolderError extends Error {}

/**
 * The key of a context instance. Seeds are joined the way `makeContext` joins them, so two ids
 * with the same key name the same context.
 */
export function instanceKey(id: InstanceId): string {
  return `${id.size}/${Array.isArray(id.seed) ? id.seed.join('/') : String(id.seed)}/${id.index}`;
}

/**
 * The one key of a (context instance, question) pair: overrides, pinned questions and notes are
 * matched by it everywhere (engine and host).
 */
export function editKey(key: OverrideKey): string {
  return `${instanceKey(key.instance)}|${questionKey(key.question)}`;
}

/** The overrides in force, by `editKey`. */
export type Overrides = Map<string, { key: OverrideKey; answer: Answer }>;

/** `round-NNNN`: the name of a round's checkpoint folder and pinned-answers file. */
function roundName(round: number): string {
  return `round-${String(round).padStart(4, '0')}`;
}

/** The files of one checkpoint. */
export interface CheckpointFiles {
  /** X's checkpoint (model.json + weights), and the folder of the rest. */
  dir: string;
  /** The replay buffer of X's training examples. */
  buffer: string;
  /** H′'s checkpoint (modes with H′). */
  expert: string;
  /** The replay buffer of H's transcripts that train H′ (modes with H′). */
  expertBuffer: string;
}

export interface RoundsRead {
  records: RoundRecord[];
  /** Lines skipped (a truncated last line, corruption), for the UI to report. */
  skipped: { line: number; reason: string }[];
}

export class RunFolder {
  private constructor(readonly dir: string) {}

  get metaFile() { return path.join(this.dir, 'run.json'); }
  get roundsFile() { return path.join(this.dir, 'rounds.jsonl'); }
  get stateFile() { return path.join(this.dir, 'state.json'); }
  get pinnedFile() { return path.join(this.dir, 'pinned.json'); }
  get overridesFile() { return path.join(this.dir, 'overrides.jsonl'); }
  get annotationsFile() { return path.join(this.dir, 'annotations.jsonl'); }
  pinnedRoundFile(round: number) { return path.join(this.dir, 'pinned', `${roundName(round)}.json`); }

  /** Creates a new run folder; refuses to overwrite an existing run. */
  static create(dir: string, meta: RunMeta): RunFolder {
    if (fs.existsSync(path.join(dir, 'run.json'))) throw new RunFolderError(`${dir} already holds a run (use --resume to continue it)`);
    fs.mkdirSync(dir, { recursive: true });
    const folder = new RunFolder(path.resolve(dir));
    writeJsonAtomic(folder.metaFile, meta);
    return folder;
  }

  /** Opens an existing run folder, checking its format. */
  static open(dir: string): RunFolder {
    const folder = new RunFolder(path.resolve(dir));
    if (!fs.existsSync(folder.metaFile)) throw new RunFolderError(`${dir} is not a run folder (no run.json)`);
    const meta = folder.meta();
    if (meta.formatVersion !== RUN_FORMAT_VERSION) {
      throw new RunFolderError(`${dir}: run format version ${String(meta.formatVersion)} is not supported (this version reads ${RUN_FORMAT_VERSION})`);
    }
    return folder;
  }

  // ------------------------------------------------ records: written by the run only

  meta(): RunMeta {
    const m = readJson<RunMeta>(this.metaFile);
    if (!m || typeof m !== 'object' || !m.config || typeof m.taskName !== 'string') throw new RunFolderError(`${this.metaFile} is not a run description`);
    return m;
  }

  appendRound(record: RoundRecord): void {
    appendJsonLine(this.roundsFile, record);
  }

  /** The rounds, one record per round number (the last written wins: a resumed run may redo rounds). */
  rounds(): RoundsRead {
    const read = readJsonLines<RoundRecord>(this.roundsFile, (x) =>
      typeof x === 'object' && x !== null && Number.isInteger((x as RoundRecord).round) ? undefined : 'not a round record');
    const byRound = new Map<number, RoundRecord>();
    for (const r of read.records) byRound.set(r.round, r);
    return { records: [...byRound.values()].sort((a, b) => a.round - b.round), skipped: read.skipped };
  }

  saveState(state: RunState): void {
    writeJsonAtomic(this.stateFile, state);
  }

  state(): RunState | undefined {
    return fs.existsSync(this.stateFile) ? readJson<RunState>(this.stateFile) : undefined;
  }

  /** A round's checkpoint folder, relative to the run folder (what `RunState.checkpoint` records). */
  static checkpointName(round: number): string {
    return `checkpoints/${roundName(round)}`;
  }

  /** The files of the checkpoint `name` (a `checkpointName`). */
  checkpoint(name: string): CheckpointFiles {
    const dir = path.join(this.dir, name);
    return { dir, buffer: path.join(dir, 'buffer.json'), expert: path.join(dir, 'expert'), expertBuffer: path.join(dir, 'expert-buffer.json') };
  }

  removeCheckpoint(name: string): void {
    fs.rmSync(this.checkpoint(name).dir, { recursive: true, force: true });
  }

  savePinnedRound(p: PinnedRound): void {
    writeJsonAtomic(this.pinnedRoundFile(p.round), p);
  }

  pinnedRound(round: number): PinnedRound | undefined {
    const f = this.pinnedRoundFile(round);
    return fs.existsSync(f) ? readJson<PinnedRound>(f) : undefined;
  }

  // ------------------------------------------------ edits: written by the host only, read by the run

  pinned(): PinnedQuestion[] {
    return fs.existsSync(this.pinnedFile) ? readJson<PinnedQuestion[]>(this.pinnedFile) : [];
  }

  savePinned(pins: readonly PinnedQuestion[]): void {
    writeJsonAtomic(this.pinnedFile, pins);
  }

  setOverride(key: OverrideKey, answer: Answer, note?: string): void {
    appendJsonLine(this.overridesFile, { op: 'set', key, answer, at: new Date().toISOString(), ...(note ? { note } : {}) } satisfies OverrideEvent);
  }

  clearOverride(key: OverrideKey): void {
    appendJsonLine(this.overridesFile, { op: 'clear', key, at: new Date().toISOString() } satisfies OverrideEvent);
  }

  /** The overrides in force: the last event per (instance, question) wins. */
  overrides(): Overrides {
    const map: Overrides = new Map();
    for (const e of readJsonLines<OverrideEvent>(this.overridesFile, validOverrideEvent).records) {
      const k = editKey(e.key);
      if (e.op === 'set') map.set(k, { key: e.key, answer: e.answer });
      else map.delete(k);
    }
    return map;
  }

  appendAnnotation(e: AnnotationEvent): void {
    appendJsonLine(this.annotationsFile, e);
  }

  /** Annotations in force (added and not removed), oldest first. */
  annotations(): AnnotationEvent[] {
    const live = new Map<string, AnnotationEvent>();
    for (const e of readJsonLines<AnnotationEvent>(this.annotationsFile).records) {
      if (e.op === 'add') live.set(e.id, e);
      else live.delete(e.id);
    }
    return [...live.values()];
  }
}

function validOverrideEvent(x: unknown): string | undefined {
  const e = x as OverrideEvent;
  if (!e || (e.op !== 'set' && e.op !== 'clear') || !e.key || !Array.isArray(e.key.question) || !e.key.instance) return 'not an override event';
  if (e.op === 'set' && !Array.isArray(e.answer)) return 'override without an answer';
  return undefined;
}
