/**
 * Reading and writing a run folder (format in run-types.ts and docs/run-folder.md).
 *
 * One writer per file. The run (`Run`, in the worker thread or the CLI) writes the records —
 * run.json, rounds.jsonl, targets.jsonl, state.json, checkpoints/, pinned/round-NNNN.json. The host (the
 * extension's RunSession and controller) writes the edits — pinned.json, overrides.jsonl,
 * annotations.jsonl — and the run only reads them, afresh at each round and each inspect, so an
 * edit reaches training without any message to the worker.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { questionKey, type Answer, type InstanceId } from '../core/index';
import { appendJsonLine, readJsonLines, writeJsonAtomic, type JsonLines } from './files';
import { CHECKPOINT_NAME, schemaProblem, type SchemaName } from './run-schema';
import type { AnnotationEvent, OverrideEvent, OverrideKey, PinnedQuestion, PinnedRound, RoundRecord, RunMeta, RunState, TargetsRecord } from './run-types';

/**
 * A run folder that cannot be used as it is: one line naming the file (and line) and what is wrong.
 * The CLI prints it without a stack and exits 2; the extension shows it as an error notification.
 */
export class RunFolderError extends Error {
  constructor(message: string, readonly file?: string, readonly line?: number) {
    super(message);
    this.name = 'RunFolderError';
  }
}

/** The run's last checkpoint is damaged and the one before it is intact: resuming from it is offered. */
export class CorruptCheckpointError extends RunFolderError {
  constructor(message: string, file: string, readonly previous: string) {
    super(message, file);
    this.name = 'CorruptCheckpointError';
  }
}

/** Reads a JSON file and checks it against its schema; any problem is a RunFolderError naming the file. */
export function readChecked<T>(file: string, schema: SchemaName): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RunFolderError(`${file}: ${code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? (e as Error).message})`}`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // JSON.parse quotes the text around the fault: kept on one line, and short.
    const why = (e as Error).message.replace(/\s+/g, ' ').slice(0, 160);
    throw new RunFolderError(`${file}: ${text.trim() === '' ? 'empty' : `truncated or not JSON (${why})`}`, file);
  }
  const problem = schemaProblem(schema, value);
  if (problem) throw new RunFolderError(`${file}: ${problem}`, file);
  return value as T;
}

/** The JSON Lines files of a run whose bad lines are skipped: each line is checked against its schema. */
function readLines<T>(file: string, schema: SchemaName): JsonLines<T> {
  return readJsonLines<T>(file, (x) => schemaProblem(schema, x));
}

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

/** `round-NNNN`: the name of a round's checkpoint folder and pinned-answers file (never from anything but a round number). */
function roundName(round: number): string {
  if (!Number.isSafeInteger(round) || round < 0) throw new RunFolderError(`round ${JSON.stringify(round)} is not a non-negative integer`);
  return `round-${String(round).padStart(4, '0')}`;
}

/** A file of a checkpoint, with its size and sha256 (manifest.json lists every other file). */
export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}
export interface CheckpointManifest {
  round: number;
  files: ManifestEntry[];
}

const MANIFEST = 'manifest.json';
const CHECKPOINT_STATE = 'state.json';

/** Orphan temp files of `writeFileAtomic` (`.<name>.<pid>.<tag>.tmp`). */
const TEMP_FILE = /^\..+\.\d+\.[0-9a-f]+\.tmp$/;

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every file under `dir`, as paths relative to it with '/' separators, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(path.join(dir, e.name), rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Skipped lines of a JSON Lines file, as one warning: "skipped N lines of FILE: line L: reason; …". */
export function skippedWarning(file: string, skipped: readonly { line: number; reason: string }[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const shown = skipped.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ');
  return `skipped ${skipped.length} line${skipped.length === 1 ? '' : 's'} of ${file}: ${shown}${skipped.length > 3 ? '; …' : ''}`;
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
  get targetsFile() { return path.join(this.dir, 'targets.jsonl'); }
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

  /** Opens an existing run folder, checking run.json and state.json against their schemas. */
  static open(dir: string): RunFolder {
    const folder = new RunFolder(path.resolve(dir));
    if (!fs.existsSync(folder.metaFile)) throw new RunFolderError(`${dir} is not a run folder (no run.json)`, folder.metaFile);
    folder.meta();
    folder.state();
    return folder;
  }

  // ------------------------------------------------ records: written by the run only

  meta(): RunMeta {
    return readChecked<RunMeta>(this.metaFile, 'meta');
  }

  appendRound(record: RoundRecord): void {
    appendJsonLine(this.roundsFile, record);
  }

  /** The rounds, one record per round number (the last written wins: a resumed run may redo rounds). */
  rounds(): RoundsRead {
    const read = readLines<RoundRecord>(this.roundsFile, 'round');
    const byRound = new Map<number, RoundRecord>();
    for (const r of read.records) byRound.set(r.round, r);
    return { records: [...byRound.values()].sort((a, b) => a.round - b.round), skipped: read.skipped };
  }

  appendTargets(record: TargetsRecord): void {
    appendJsonLine(this.targetsFile, record);
  }

  /** The rounds' sampled targets, one record per round number (the last written wins), oldest first; none before targets were recorded. */
  targets(): { records: TargetsRecord[]; skipped: { line: number; reason: string }[] } {
    const read = readLines<TargetsRecord>(this.targetsFile, 'targets');
    const byRound = new Map<number, TargetsRecord>();
    for (const r of read.records) byRound.set(r.round, r);
    return { records: [...byRound.values()].sort((a, b) => a.round - b.round), skipped: read.skipped };
  }

  saveState(state: RunState): void {
    writeJsonAtomic(this.stateFile, state);
  }

  /**
   * The state at the last checkpoint; undefined before the first one. A missing state.json while
   * checkpoints exist is an error, never a fresh start.
   */
  state(): RunState | undefined {
    if (!fs.existsSync(this.stateFile)) {
      const found = this.checkpointNames();
      if (found.length > 0) throw new RunFolderError(`${this.stateFile}: state.json is missing; ${found.join(', ')} exist: the run cannot tell which is its last (restore state.json, or remove the checkpoints to start over)`, this.stateFile);
      return undefined;
    }
    return readChecked<RunState>(this.stateFile, 'state');
  }

  /** A round's checkpoint folder, relative to the run folder (what `RunState.checkpoint` records). */
  static checkpointName(round: number): string {
    return `checkpoints/${roundName(round)}`;
  }

  /** The checkpoint folders present (committed or not), oldest first. */
  checkpointNames(): string[] {
    const root = path.join(this.dir, 'checkpoints');
    if (!fs.existsSync(root)) return [];
    return fs.readdirSync(root).map((n) => `checkpoints/${n}`).filter((n) => CHECKPOINT_NAME.test(n)).sort();
  }

  /** The files of the checkpoint `name` (a `checkpointName`): refused unless it is one, inside this folder. */
  checkpoint(name: string): CheckpointFiles {
    const dir = path.resolve(this.dir, name);
    if (!CHECKPOINT_NAME.test(name) || path.dirname(path.dirname(dir)) !== this.dir) {
      throw new RunFolderError(`${this.stateFile}: ${JSON.stringify(name)} is not a checkpoint of this run (checkpoints/round-NNNN)`, this.stateFile);
    }
    return { dir, buffer: path.join(dir, 'buffer.json'), expert: path.join(dir, 'expert'), expertBuffer: path.join(dir, 'expert-buffer.json') };
  }

  removeCheckpoint(name: string): void {
    fs.rmSync(this.checkpoint(name).dir, { recursive: true, force: true });
  }

  /**
   * Seals a checkpoint once all its files are written: a copy of the state it holds (so that it can
   * be resumed from when it is the previous one) and manifest.json with every file's size and sha256.
   */
  sealCheckpoint(name: string, state: RunState): void {
    const dir = this.checkpoint(name).dir;
    writeJsonAtomic(path.join(dir, CHECKPOINT_STATE), state);
    const files = filesUnder(dir).filter((f) => f !== MANIFEST && !TEMP_FILE.test(path.basename(f)));
    const manifest: CheckpointManifest = { round: state.round, files: files.map((f) => ({ path: f, size: fs.statSync(path.join(dir, f)).size, sha256: sha256(path.join(dir, f)) })) };
    writeJsonAtomic(path.join(dir, MANIFEST), manifest);
  }

  /**
   * Checks a checkpoint against its manifest: every file present, of its size and sha256. Returns what
   * is wrong. A checkpoint from before manifests (neither manifest.json nor its state copy) is taken
   * as it is, unverified, so that older runs still resume.
   */
  checkpointProblem(name: string): string | undefined {
    const dir = this.checkpoint(name).dir;
    const file = path.join(dir, MANIFEST);
    // Written before checkpoints were sealed (no manifest and no state copy): nothing to verify it by.
    if (!fs.existsSync(file) && !fs.existsSync(path.join(dir, CHECKPOINT_STATE)) && fs.existsSync(dir)) return undefined;
    let manifest: CheckpointManifest;
    try {
      manifest = readChecked<CheckpointManifest>(file, 'manifest');
    } catch (e) {
      return (e as Error).message;
    }
    for (const f of manifest.files) {
      const p = path.join(dir, ...f.path.split('/'));
      if (!fs.existsSync(p)) return `${p}: missing`;
      if (fs.statSync(p).size !== f.size) return `${p}: ${fs.statSync(p).size} bytes, the manifest says ${f.size}`;
      if (sha256(p) !== f.sha256) return `${p}: its sha256 does not match the manifest (the file is damaged)`;
    }
    return undefined;
  }

  /** The state a checkpoint holds (its copy, written when it was sealed). */
  checkpointState(name: string): RunState {
    return readChecked<RunState>(path.join(this.checkpoint(name).dir, CHECKPOINT_STATE), 'state');
  }

  /**
   * Removes what a killed write leaves behind: orphan temp files, and checkpoint folders that state.json
   * names neither as the last nor as the previous checkpoint. Call only while holding the run's lock.
   */
  clean(): string[] {
    const state = this.state();
    const keep = new Set([state?.checkpoint, state?.previousCheckpoint].filter((n): n is string => n !== undefined));
    const removed: string[] = [];
    for (const name of this.checkpointNames()) {
      if (keep.has(name)) continue;
      this.removeCheckpoint(name);
      removed.push(name);
    }
    const sweep = (dir: string, deep: boolean) => {
      if (!fs.existsSync(dir)) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isFile() && TEMP_FILE.test(e.name)) {
          fs.rmSync(p, { force: true });
          removed.push(path.relative(this.dir, p));
        } else if (deep && e.isDirectory()) sweep(p, deep);
      }
    };
    sweep(this.dir, false);
    sweep(path.join(this.dir, 'pinned'), false);
    sweep(path.join(this.dir, 'checkpoints'), true);
    return removed;
  }

  savePinnedRound(p: PinnedRound): void {
    writeJsonAtomic(this.pinnedRoundFile(p.round), p);
  }

  pinnedRound(round: number): PinnedRound | undefined {
    const f = this.pinnedRoundFile(round);
    return fs.existsSync(f) ? readChecked<PinnedRound>(f, 'pinnedRound') : undefined;
  }

  // ------------------------------------------------ edits: written by the host only, read by the run

  pinned(): PinnedQuestion[] {
    return fs.existsSync(this.pinnedFile) ? readChecked<PinnedQuestion[]>(this.pinnedFile, 'pinned') : [];
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
    for (const e of readLines<OverrideEvent>(this.overridesFile, 'override').records) {
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
    for (const e of readLines<AnnotationEvent>(this.annotationsFile, 'annotation').records) {
      if (e.op === 'add') live.set(e.id, e);
      else live.delete(e.id);
    }
    return [...live.values()];
  }

  /** The lines skipped in each JSON Lines file (rounds, targets, overrides, annotations). */
  skippedLines(): { file: string; skipped: { line: number; reason: string }[] }[] {
    return [
      { file: this.roundsFile, skipped: this.rounds().skipped },
      { file: this.targetsFile, skipped: this.targets().skipped },
      { file: this.overridesFile, skipped: readLines(this.overridesFile, 'override').skipped },
      { file: this.annotationsFile, skipped: readLines(this.annotationsFile, 'annotation').skipped },
    ];
  }

  /** One warning per JSON Lines file with skipped lines (rounds, targets, overrides, annotations), for the CLI and the extension. */
  warnings(): string[] {
    return this.skippedLines().map((f) => skippedWarning(f.file, f.skipped)).filter((w): w is string => w !== undefined);
  }
}
