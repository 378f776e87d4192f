/**
 * The worker thread of a run: owns the model and runs rounds off the host's thread. It answers
 * commands between rounds; any exception is reported as an `error` event, never thrown at the host.
 * It writes the run's records and never its edits: overrides and pins are read from the run folder,
 * where the host wrote them, at each round and each inspect.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as path from 'node:path';
import { tfjsLearnerFactory, type LearnerFactory } from '../learner/factory';
import { DEFAULT_EXPERT_SOURCE, humanTranscriptsFile, personAgreement } from './human-transcripts';
import { Run } from './run';
import { CorruptCheckpointError, RunFolder } from './run-folder';
import { RunLock } from './run-lock';
import { runTask } from './task-loader';
import { commandProblem, type WorkerCommand, type WorkerEvent, type WorkerStatus } from './worker-protocol';

export interface WorkerOptions {
  /** A CommonJS module exporting `factory: LearnerFactory` (tests use a fake learner). */
  learnerModule?: string;
  /**
   * The host trusts task files (the extension: `vscode.workspace.isTrusted`). Unless it is true the
   * worker refuses to load any task file, whatever a command or a run.json says: built-in tasks only.
   */
  trusted?: boolean;
}

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');
const options = (workerData ?? {}) as WorkerOptions;

function post(e: WorkerEvent): void {
  port!.postMessage(e);
}

function errorEvent(e: unknown, fatal = false): WorkerEvent {
  const err = e instanceof Error ? e : new Error(String(e));
  return { type: 'error', message: err.message, stack: err.stack, fatal };
}

let run: Run | undefined;
let roundsLeft = 0;
let stopping = false;
let pumping = false;

function setStatus(s: WorkerStatus): void {
  post({ type: 'status', status: s, round: run?.round ?? 0 });
}

async function factory(): Promise<LearnerFactory> {
  if (options.learnerModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(options.learnerModule) as { factory: LearnerFactory }).factory;
  }
  return tfjsLearnerFactory;
}

/** The run's lock, held while the run is open here (released by `finish`, or by the host when the thread ends otherwise). */
let lock: RunLock | undefined;

async function open(cmd: Extract<WorkerCommand, { type: 'open' }>): Promise<void> {
  if (run) throw new Error('a run is already open in this worker');
  const f = await factory();
  const trusted = options.trusted === true;
  if (cmd.create) {
    const { config, taskFile } = cmd.create;
    const task = await runTask({ taskName: config.task, ...(taskFile ? { taskFile: path.resolve(taskFile) } : {}) }, trusted, 'open');
    run = await Run.create(task, config, f, cmd.folder, taskFile);
    lock = RunLock.acquire(run.folder!.dir);
  } else {
    const folder = RunFolder.open(cmd.folder);
    const meta = folder.meta();
    const task = await runTask(meta, trusted, folder.metaFile);
    lock = RunLock.acquire(folder.dir);
    try {
      folder.clean();
      run = await Run.resume(folder, task, f, {}, cmd.from ?? 'last');
    } catch (e) {
      releaseLock();
      throw e;
    }
  }
  post({ type: 'ready', meta: run.folder!.meta(), round: run.round, size: run.state.size });
  setStatus('idle');
}

/** Runs rounds while any are asked for; yields to the event loop between rounds to hear commands. */
async function pump(): Promise<void> {
  if (pumping || !run) return;
  pumping = true;
  setStatus('running');
  try {
    while (roundsLeft > 0 && !stopping) {
      roundsLeft--;
      const r = run;
      // The round under way, fixed before it starts: run.round moves on before its last phases (pinned, checkpoint).
      const training = r.round + 1;
      const record = await r.runRound((phase) => post({ type: 'phase', round: training, phase }));
      post({ type: 'round', record });
      await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (e) {
    roundsLeft = 0;
    post(errorEvent(e));
  } finally {
    pumping = false;
  }
  if (stopping) finish();
  else setStatus('idle');
}

function releaseLock(): void {
  lock?.release();
  lock = undefined;
}

function finish(): void {
  // The lock goes before 'stopped' is said: a host that hears it may open the run again at once.
  run?.dispose();
  releaseLock();
  setStatus('stopped');
  run = undefined;
  port!.close();
}

async function handle(msg: unknown): Promise<void> {
  const problem = commandProblem(msg);
  if (problem) {
    post({ type: 'error', message: `rejected command: ${problem}`, fatal: false });
    return;
  }
  const cmd = msg as WorkerCommand;
  if (cmd.type !== 'open' && cmd.type !== 'stop' && !run) {
    post({ type: 'error', message: `no run is open (send 'open' first)`, fatal: false });
    return;
  }
  switch (cmd.type) {
    case 'open':
      try {
        await open(cmd);
      } catch (e) {
        // A run that cannot be opened (damaged, in use, an untrusted task file): say why, and end.
        post({ ...errorEvent(e, true), ...(e instanceof CorruptCheckpointError ? { previousCheckpoint: e.previous } : {}) });
        stopping = true;
        finish();
      }
      return;
    case 'run':
      roundsLeft += cmd.rounds;
      void pump();
      return;
    case 'step':
      roundsLeft += 1;
      void pump();
      return;
    case 'pause':
      roundsLeft = 0;
      if (!pumping) setStatus('idle');
      return;
    case 'stop':
      stopping = true;
      roundsLeft = 0;
      if (!pumping) finish();
      return;
    case 'inspect':
      try {
        const r = run!.inspect(cmd.instance, cmd.question, { depth: cmd.depth, expand: cmd.expand });
        post({ type: 'inspected', id: cmd.id, tree: r.tree, facts: r.facts, answers: r.answers, round: run!.round });
      } catch (e) {
        post({ type: 'inspectFailed', id: cmd.id, message: (e as Error).message });
      }
      return;
    case 'answer':
      try {
        post({ type: 'answered', id: cmd.id, answers: run!.answerQuestions(cmd.instance, cmd.questions), round: run!.round });
      } catch (e) {
        post({ type: 'inspectFailed', id: cmd.id, message: (e as Error).message });
      }
      return;
    case 'comparePerson':
      try {
        const r = run!;
        if (!r.expert || !r.folder) throw new Error(`this run has no learned expert H′ to compare with a person (mode ${r.config.mode})`);
        post({ type: 'personCompared', id: cmd.id, round: r.round, ...personAgreement(r.expert, r.task, r.config.expertSource ?? DEFAULT_EXPERT_SOURCE, humanTranscriptsFile(r.folder.dir), cmd.instance) });
      } catch (e) {
        post({ type: 'inspectFailed', id: cmd.id, message: (e as Error).message });
      }
      return;
  }
}

// One command at a time, in order: a command sent right after 'open' waits until the run is open
// (only 'open' awaits anything; 'run' and 'step' start the pump and return, so 'pause' and 'stop'
// are never held up behind rounds).
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: unknown) => {
  queue = queue.then(() => handle(msg)).catch((e) => post(errorEvent(e)));
});
