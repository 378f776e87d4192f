/**
 * New Run…: asks for what its argument does not give (task or task file, mode, what H′ learns from
 * when the mode has H′ — and then a file of a person's transcripts when it is not H alone —, size),
 * creates the run in a worker thread, pins a first question and opens the run in the Explorer.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BUILTIN_TASKS, builtinTask } from '../../core/index';
import { DEFAULT_CONFIG, newRunId } from '../../engine/run-config';
import { DEFAULT_EXPERT_SOURCE, EXPERT_SOURCES, copyHumanTranscripts, requireHumanData } from '../../engine/human-transcripts';
import { MODE_TABLE, isMode, modeSpec } from '../../engine/modes/index';
import type { ExpertSource, Mode, RunConfig } from '../../engine/run-types';
import { RunWorker } from '../../engine/run-worker';
import type { TaskMeta } from '../../engine/task-sandbox-calls';
import type { WorkerEvent } from '../../engine/worker-protocol';
import type { ModelPreset } from '../../learner/types';
import { BuiltinSessionTask, SandboxSessionTask, type SessionTask } from '../session-task';
import type { ExtensionState } from '../state';
import { runRoots, settings, workspaceRoot, workspaceTaskFiles, type Settings } from '../workspace';

/** `amplification.newRun`'s argument: what is given is not asked for (the CodeLens passes `taskFile`). */
export interface NewRunOptions {
  taskFile?: string;
  task?: string;
  mode?: Mode;
  size?: number;
  model?: ModelPreset;
  rounds?: number;
  /** Default: the `amplification.stepsPerRound` setting. */
  stepsPerRound?: number;
  /** Threads that train X (default: one per core, at most 2). */
  threads?: number;
  seed?: number;
  /** Modes with H′: what H′ learns from (default: asked, the `amplification.expertSource` setting first). */
  expertSource?: ExpertSource;
  /** With expertSource human or both: the file of a person's transcripts copied into the run (default: asked). */
  transcripts?: string;
}

const SOURCE_DETAIL: Record<ExpertSource, string> = {
  H: "H's decompositions, a few each round (the paper)",
  human: "a person's recorded transcripts only (Answer as the Expert, amplify play): H is never called",
  both: "a person's transcripts and H's, half of each batch from each",
};

/** What H′ learns from in a new run (undefined when cancelled); the setting's choice is listed first. */
export async function pickExpertSource(task: TaskMeta, setting: ExpertSource): Promise<ExpertSource | undefined> {
  const order = [setting, ...EXPERT_SOURCES.filter((s) => s !== setting)];
  return (await vscode.window.showQuickPick(
    order.map((s) => ({ label: s, description: s === setting ? 'setting' : '', detail: SOURCE_DETAIL[s], source: s })),
    { title: `New Run (${task.name}): H′ learns from` },
  ))?.source;
}

/** The training mode of a new run of `task`, picked by the user (undefined when cancelled). */
export async function pickMode(task: TaskMeta): Promise<Mode | undefined> {
  return (await vscode.window.showQuickPick(
    MODE_TABLE.map((m) => ({ label: m.name, description: m.label, detail: m.help })),
    { title: `New Run (${task.name}): mode` },
  ))?.label;
}

/** The new run's RunConfig: what `preset` gives, else the `amplification.*` settings `cfg`, else the defaults. */
export function newRunConfig(task: TaskMeta, mode: Mode, size: number, preset: NewRunOptions | undefined, cfg: Settings): RunConfig {
  const { expertSource, ...runConfig } = cfg.runConfig;
  const source = preset?.expertSource ?? expertSource;
  return {
    ...DEFAULT_CONFIG, ...runConfig, ...(modeSpec(mode).needs.learnedH && source ? { expertSource: source } : {}), task: task.name, mode, size, maxSize: task.sizes.max, seed: preset?.seed ?? Math.floor(Math.random() * 1e6),
    ...(preset?.rounds !== undefined ? { rounds: preset.rounds } : {}), ...(preset?.stepsPerRound !== undefined ? { stepsPerRound: preset.stepsPerRound } : {}),
    ...(preset?.model !== undefined ? { model: preset.model } : {}), ...(preset?.threads !== undefined ? { threads: preset.threads } : {}),
  };
}

/** Creates a run and opens it in the Explorer; resolves with its folder (undefined when cancelled). */
export async function newRun(state: ExtensionState, preset?: NewRunOptions): Promise<string | undefined> {
  const root = workspaceRoot();
  if (!root) throw new Error('open a folder first: runs live in the workspace (.amplification/runs)');
  const cfg = settings();
  let taskName = preset?.task;
  let taskFile = preset?.taskFile;
  if (!taskName && !taskFile) {
    const files = await workspaceTaskFiles();
    const items = [
      ...BUILTIN_TASKS.map((t) => ({ label: t.name, description: t.name === cfg.defaultTask ? 'default' : '', detail: t.description, file: undefined as string | undefined })),
      ...files.map((u) => ({ label: path.basename(u.fsPath), description: vscode.workspace.asRelativePath(u), detail: 'task file in this workspace', file: u.fsPath })),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'New Run: task', placeHolder: cfg.defaultTask });
    if (!pick) return;
    if (pick.file) taskFile = pick.file;
    else taskName = pick.label;
  }
  if (taskFile && !vscode.workspace.isTrusted) throw new Error('task files are code: they are compiled and run only in a trusted workspace');
  // A task file is loaded in its sandbox process (its code never runs on this thread): its first task.
  const builtin = taskFile ? undefined : builtinTask(taskName!);
  if (!taskFile && !builtin) throw new Error(`unknown task '${taskName}'`);
  const sessionTask: SessionTask = builtin ? new BuiltinSessionTask(builtin) : await SandboxSessionTask.open(taskFile!, '', state.sandboxOptions());
  try {
    return await newRunOf(state, root, cfg, sessionTask, taskFile, preset);
  } finally {
    sessionTask.dispose();
  }
}

async function newRunOf(state: ExtensionState, root: string, cfg: Settings, sessionTask: SessionTask, taskFile: string | undefined, preset: NewRunOptions | undefined): Promise<string | undefined> {
  const task = sessionTask.meta;
  const mode = preset?.mode ?? (await pickMode(task));
  if (!isMode(mode)) return;
  let source = preset?.expertSource;
  let transcripts = preset?.transcripts;
  if (modeSpec(mode).needs.learnedH) {
    source ??= await pickExpertSource(task, cfg.runConfig.expertSource ?? DEFAULT_EXPERT_SOURCE);
    if (!source) return;
    if (source !== 'H' && !transcripts) {
      const picked = await vscode.window.showOpenDialog({
        title: `New Run (${task.name}): a person's transcripts for H′`, openLabel: 'Learn from these', canSelectMany: false,
        defaultUri: vscode.Uri.file(path.join(root, '.amplification', 'human')), filters: { 'Transcripts (JSON Lines)': ['jsonl'] },
      });
      if (!picked?.[0]) return;
      transcripts = picked[0].fsPath;
    }
  }
  let size = preset?.size;
  if (size === undefined) {
    const text = await vscode.window.showInputBox({
      title: `New Run (${task.name}): size N`, value: String(Math.min(Math.max(cfg.defaultSize, task.sizes.min), task.sizes.max)),
      validateInput: (v) => (/^\d+$/.test(v) && +v >= task.sizes.min && +v <= task.sizes.max ? undefined : `an integer in ${task.sizes.min}..${task.sizes.max}`),
    });
    if (text === undefined) return;
    size = Number(text);
  }
  const config = newRunConfig(task, mode, size, { ...preset, ...(source ? { expertSource: source } : {}) }, cfg);
  const folder = path.join(runRoots()[0], `${newRunId()}-${task.name}-${mode}`);
  if (source && source !== 'H' && transcripts) {
    // Checking a person's transcripts runs the task's code (its notation and vocabulary): done here for built-ins only.
    const builtin = builtinTask(task.name);
    if (taskFile || !builtin) throw new Error(`a run of a task file that learns from a person's transcripts is made in a terminal (its code does not run on the extension host): amplify train ${taskFile ?? task.name} --mode ${mode} --expert-source ${source} --transcripts ${transcripts}`);
    // The run reads <run>/human/transcripts.jsonl: copy the person's transcripts there, and say now when none can teach H′.
    copyHumanTranscripts(builtin, transcripts, folder);
    requireHumanData(builtin, source, folder);
  }
  const session = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting a run of ${task.name}…` }, async () => {
    const w = new RunWorker(state.workerOptions());
    w.send({ type: 'open', folder, create: { config, ...(taskFile ? { taskFile } : {}) } });
    await w.waitFor((e): e is Extract<WorkerEvent, { type: 'ready' }> => e.type === 'ready', 120_000);
    const s = await state.openSession(folder);
    s.attachWorker(w);
    // Pin a first question with a deep decomposition, so the Explorer has a tree worth showing.
    // The same question for every run of a task at a size, so that Compare Runs can diff their trees.
    const instance = { size: config.size, seed: 'explorer/pinned', index: 0 };
    s.savePins([{ id: 'p1', instance, question: await sessionTask.view('deepQuestion', { instance }) }]);
    return s;
  });
  state.refreshRuns();
  await state.showExplorer(session);
  return session.folder.dir;
}
