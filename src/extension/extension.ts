/**
 * The extension host entry: commands, the Runs and Annotations views, settings, the status bar, the
 * Explorer panel and user task files. Activation loads no TensorFlow.js: training runs in a worker
 * thread started on demand, and a crash of that worker is reported, never fatal to the host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BUILTIN_TASKS, builtinTask, expandHCH, makeContext, makeQuestion, questionKey, truthAnswerer, type AnyTask, type InstanceId, type Question } from '../core/index';
import { appendJsonLine } from '../engine/files';
import { DEFAULT_CONFIG, newRunId } from '../engine/run';
import { RunFolder } from '../engine/run-folder';
import { MODES, RUN_FORMAT_VERSION, type AnnotationEvent, type Mode, type RunConfig, type RunMeta } from '../engine/run-types';
import { RunWorker } from '../engine/run-worker';
import { loadTaskFile } from '../engine/task-loader';
import type { WorkerEvent } from '../engine/worker-protocol';
import type { BackendPreference, ModelPreset } from '../learner/types';
import { ExplorerPanel, EXPLORER_VIEW_TYPE, type PanelDeps } from './panel';
import { RunSession } from './session';
import { TASK_TEMPLATE, UserTasks } from './user-tasks';
import { AnnotationsProvider, RunsProvider } from './views';
import { discoverRuns, isExperiment, type RunItem } from './run-discovery';

const EXTRA_RUNS_KEY = 'amplification.openedRuns';

function settings() {
  const c = vscode.workspace.getConfiguration('amplification');
  return {
    backend: c.get<BackendPreference>('backend', 'auto'),
    defaultTask: c.get<string>('defaultTask', 'permutation-powering'),
    defaultSize: c.get<number>('defaultSize', 8),
    modelPreset: c.get<ModelPreset>('modelPreset', 'small'),
    rounds: c.get<number>('rounds', 20),
    stepsPerRound: c.get<number>('stepsPerRound', DEFAULT_CONFIG.stepsPerRound),
    trainingThreads: c.get<number>('trainingThreads', 0),
    overridesFeedTraining: c.get<boolean>('overridesFeedTraining', true),
    faultRate: c.get<number>('faultRate', 0),
    faultKind: c.get<'random' | 'systematic'>('faultKind', 'random'),
    runFolder: c.get<string>('runFolder', '.amplification/runs'),
    taskFiles: c.get<string>('taskFiles', '**/*.task.ts'),
  };
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Where the Runs view looks: the run folder setting, and the experiments `amplify experiment` writes. */
function runRoots(): string[] {
  const root = workspaceRoot();
  if (!root) return [];
  const f = settings().runFolder;
  return [path.isAbsolute(f) ? f : path.join(root, f), path.join(root, '.amplification', 'experiments')];
}

/**
 * What `activate` returns (`vscode.extensions.getExtension('amplification-explorer.amplification-explorer').exports`):
 * a narrow seam for the host integration tests (test/host). Acting goes through the commands
 * (`amplification.newRun` takes `NewRunOptions` when called programmatically, `runRounds` a
 * number); this lets the tests observe runs and speak to the Explorer as its webview does.
 */
export interface AmplificationApi {
  /** The open runs, by absolute run folder. */
  readonly sessions: ReadonlyMap<string, RunSession>;
  /** Hands a message to the Explorer's controller as its webview would (validated the same way). */
  explorerMessage(message: unknown): Promise<void>;
  /**
   * Only in `ExtensionMode.Test` (never in a user's VS Code): ends the worker thread of the run in
   * `folder` abruptly, as a crash does, so that the crash path can be tested for real.
   */
  crashWorker?(folder: string): Promise<void>;
}

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
}

export function activate(context: vscode.ExtensionContext): AmplificationApi {
  const output = vscode.window.createOutputChannel('Amplification');
  const log = (s: string) => output.appendLine(`[${new Date().toISOString()}] ${s}`);
  const sessions = new Map<string, RunSession>();
  liveSessions = sessions;
  const userTasks = new UserTasks(output);
  const workerFile = path.join(context.extensionPath, 'dist', 'worker.js');
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = 'amplification.openExplorer';

  const extraRuns = () => context.workspaceState.get<string[]>(EXTRA_RUNS_KEY, []);
  const runs = new RunsProvider(runRoots, extraRuns, (f) => sessions.get(path.resolve(f)));
  const annotations = new AnnotationsProvider(
    () => discoverRuns(runRoots(), extraRuns()),
    (folder, q) => sessions.get(path.resolve(folder))?.task.format.question(q) ?? builtinTask(RunFolder.open(folder).meta().taskName)?.format.question(q) ?? q.join(' '),
  );

  const updateStatus = () => {
    const s = ExplorerPanel.current?.controller.session;
    if (!s || s.status.status === 'none') {
      status.hide();
      return;
    }
    const last = s.rounds().records.at(-1);
    const icon = s.status.status === 'running' ? '$(sync~spin)' : s.status.status === 'crashed' ? '$(error)' : '$(beaker)';
    status.text = `${icon} ${s.task.name} · round ${s.status.round}${last ? ` · X ${(100 * last.accuracy).toFixed(0)}%` : ''}`;
    status.tooltip = `Amplification run ${s.id} (${s.meta.config.mode}): ${s.status.status}${s.status.phase ? ` — ${s.status.phase}` : ''}`;
    status.show();
  };

  const watchSession = (s: RunSession) => {
    s.onWorkerEvent((e: WorkerEvent) => {
      if (e.type === 'round' || e.type === 'status') {
        runs.refresh();
        updateStatus();
      } else if (e.type === 'phase') updateStatus();
      else if (e.type === 'error') {
        updateStatus();
        log(`worker error: ${e.message}${e.stack ? `\n${e.stack}` : ''}`);
        const msg = e.fatal ? `Amplification: the training worker stopped: ${e.message}` : `Amplification: ${e.message}`;
        void vscode.window.showErrorMessage(msg, 'Show Log').then((a) => a && output.show());
      }
    });
  };

  const openSession = async (folder: string): Promise<RunSession> => {
    const key = path.resolve(folder);
    const existing = sessions.get(key);
    if (existing) return existing;
    const meta = RunFolder.open(key).meta();
    if (meta.taskFile && !vscode.workspace.isTrusted) {
      throw new Error(`this run uses the task file ${meta.taskFile}: task files are code and run only in a trusted workspace`);
    }
    const s = await RunSession.open(key);
    sessions.set(key, s);
    watchSession(s);
    return s;
  };

  const panelDeps: PanelDeps = {
    extensionUri: context.extensionUri,
    workspaceState: context.workspaceState,
    openSession,
    log,
    host: {
      command: (c) => void vscode.commands.executeCommand(`amplification.${c}`),
      openFile: (file, line) => void vscode.window.showTextDocument(vscode.Uri.file(file), { selection: line ? new vscode.Range(line - 1, 0, line - 1, 0) : undefined }),
      workerOptions: () => ({ workerFile }),
      annotationAdded: (s, a) => {
        // Workspace-wide record of every note (append-only), beside the run's own annotations.
        const root = workspaceRoot();
        if (root) appendJsonLine(path.join(root, '.amplification', 'annotations.jsonl'), { run: s.folder.dir, ...a, at: new Date().toISOString() });
        annotations.refresh();
      },
    },
  };

  const showExplorer = async (session?: RunSession) => {
    const p = await ExplorerPanel.show(panelDeps, session);
    updateStatus();
    return p;
  };

  /** The run the Explorer shows, or one the user picks. */
  const currentSession = async (): Promise<RunSession | undefined> => {
    const s = ExplorerPanel.current?.controller.session;
    if (s) return s;
    const items = discoverRuns(runRoots(), extraRuns());
    if (items.length === 0) {
      const a = await vscode.window.showInformationMessage('There is no run yet.', 'New Run…');
      if (a) await vscode.commands.executeCommand('amplification.newRun');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items.map((r) => ({ label: r.meta.id, description: `${r.meta.taskName} · round ${r.round}`, r })), { title: 'Which run?' });
    if (!pick) return undefined;
    const s2 = await openSession(pick.r.folder);
    await showExplorer(s2);
    return s2;
  };

  const guard = (name: string, fn: (...args: never[]) => unknown) =>
    vscode.commands.registerCommand(name, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        log(`${name} failed: ${(e as Error).stack ?? String(e)}`);
        void vscode.window.showErrorMessage(`Amplification: ${(e as Error).message}`);
        return undefined;
      }
    });

  const workspaceTaskFiles = async (): Promise<vscode.Uri[]> => (vscode.workspace.isTrusted ? vscode.workspace.findFiles(settings().taskFiles, '**/node_modules/**', 50) : []);

  /** Creates a run and opens it in the Explorer; resolves with its folder (undefined when cancelled). */
  const newRun = async (preset?: NewRunOptions): Promise<string | undefined> => {
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
    if (taskFile) {
      if (!vscode.workspace.isTrusted) throw new Error('task files are code: they are compiled and run only in a trusted workspace');
      taskName = (await loadTaskFile(taskFile))[0].task.name;
    }
    const task = builtinTask(taskName!) ?? (taskFile ? (await loadTaskFile(taskFile))[0].task : undefined);
    if (!task) throw new Error(`unknown task '${taskName}'`);
    const mode = preset?.mode ?? (await vscode.window.showQuickPick(
      [
        { label: 'amplify' as Mode, detail: 'X learns from Amplify^H(X): H decomposes, X answers the subquestions — no ground truth' },
        { label: 'supervised' as Mode, detail: 'the baseline: X learns from ground truth' },
      ],
      { title: `New Run (${task.name}): mode` },
    ))?.label;
    if (!mode || !MODES.includes(mode)) return;
    let size = preset?.size;
    if (size === undefined) {
      const text = await vscode.window.showInputBox({
        title: `New Run (${task.name}): size N`, value: String(Math.min(Math.max(cfg.defaultSize, task.sizes.min), task.sizes.max)),
        validateInput: (v) => (/^\d+$/.test(v) && +v >= task.sizes.min && +v <= task.sizes.max ? undefined : `an integer in ${task.sizes.min}..${task.sizes.max}`),
      });
      if (text === undefined) return;
      size = Number(text);
    }
    const config: RunConfig = {
      ...DEFAULT_CONFIG, task: task.name, mode, size, maxSize: task.sizes.max, rounds: preset?.rounds ?? cfg.rounds,
      stepsPerRound: preset?.stepsPerRound ?? cfg.stepsPerRound, model: preset?.model ?? cfg.modelPreset, backend: cfg.backend,
      seed: preset?.seed ?? Math.floor(Math.random() * 1e6), threads: preset?.threads ?? cfg.trainingThreads,
      overridesFeedTraining: cfg.overridesFeedTraining, ...(cfg.faultRate > 0 ? { fault: { rate: cfg.faultRate, kind: cfg.faultKind } } : {}),
    };
    const folder = path.join(runRoots()[0], `${newRunId()}-${task.name}-${mode}`);
    const session = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting a run of ${task.name}…` }, async () => {
      const w = new RunWorker({ workerFile });
      w.send({ type: 'open', folder, create: { config, ...(taskFile ? { taskFile } : {}) } });
      await w.waitFor((e): e is Extract<WorkerEvent, { type: 'ready' }> => e.type === 'ready', 120_000);
      const s = await openSession(folder);
      s.attachWorker(w);
      // Pin a first question with a deep decomposition, so the Explorer has a tree worth showing.
      // The same question for every run of a task at a size, so that Compare Runs can diff their trees.
      const instance = { size: config.size, seed: 'explorer/pinned', index: 0 };
      s.savePins([{ id: 'p1', instance, question: deepQuestion(task, instance) }]);
      return s;
    });
    runs.refresh();
    await showExplorer(session);
    return session.folder.dir;
  };

  const runRounds = async (n?: number) => {
    const s = await currentSession();
    if (!s) return;
    let rounds = n;
    if (rounds === undefined) {
      const text = await vscode.window.showInputBox({ title: 'Run rounds', value: String(settings().rounds), validateInput: (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 10000 ? undefined : 'an integer in 1..10000') });
      if (text === undefined) return;
      rounds = Number(text);
    }
    const w = s.ensureWorker({ workerFile });
    const target = s.latestRound() + rounds;
    w.send({ type: 'run', rounds });
    updateStatus();
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${s.task.name}: training`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => w.send({ type: 'pause' }));
          const off = w.on((e) => {
            if (e.type === 'round') progress.report({ message: `round ${e.record.round} of ${target} · X ${(100 * e.record.accuracy).toFixed(1)}%`, increment: 100 / rounds! });
            if ((e.type === 'status' && e.status !== 'running') || (e.type === 'error' && e.fatal)) {
              off();
              resolve();
            }
          });
        }),
    );
  };

  const exploreCounterexample = async (arg: { file?: string; task: string; instance: InstanceId; question?: Question }) => {
    const root = workspaceRoot();
    if (!root || !arg?.question) throw new Error('this counterexample has no question to show');
    const folder = path.join(root, '.amplification', 'checks', `${newRunId()}-${arg.task}`);
    const meta: RunMeta = {
      formatVersion: RUN_FORMAT_VERSION, id: path.basename(folder), kind: 'check', createdAt: new Date().toISOString(), taskName: arg.task,
      ...(arg.file ? { taskFile: arg.file } : {}), config: { ...DEFAULT_CONFIG, task: arg.task, size: arg.instance.size, mode: 'supervised' }, backend: 'fake', versions: {},
    };
    const f = RunFolder.create(folder, meta);
    f.savePinned([{ id: 'counterexample', instance: arg.instance, question: arg.question, label: 'counterexample' }]);
    await showExplorer(await openSession(folder));
  };

  context.subscriptions.push(
    output, status, userTasks,
    vscode.window.registerTreeDataProvider('amplification.runs', runs),
    vscode.window.registerTreeDataProvider('amplification.annotations', annotations),
    vscode.window.registerWebviewPanelSerializer(EXPLORER_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        await ExplorerPanel.revive(panel, panelDeps);
        updateStatus();
      },
    }),
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.task.ts' }, userTasks.codeLensProvider()),
    guard('amplification.newRun', newRun),
    guard('amplification.refreshRuns', async () => {
      runs.refresh();
      annotations.refresh();
    }),
    guard('amplification.openRun', async () => {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Open a run folder (with run.json) or an experiment folder', defaultUri: runRoots()[0] ? vscode.Uri.file(runRoots()[0]) : undefined });
      if (!picked?.[0]) return;
      let folder = picked[0].fsPath;
      if (isExperiment(folder)) {
        // An experiment (amplify experiment figure2): all its runs join the Runs view; the user picks one to open.
        await context.workspaceState.update(EXTRA_RUNS_KEY, [...new Set([...extraRuns(), path.resolve(folder)])]);
        runs.refresh();
        const items = discoverRuns([], [folder]);
        const choice = await vscode.window.showQuickPick(
          items.map((r) => ({ label: r.meta.id, description: `${r.meta.config.mode} · round ${r.round}${r.accuracy === undefined ? '' : ` · X ${(100 * r.accuracy).toFixed(0)}%`}`, folder: r.folder })),
          { title: `Experiment ${path.basename(folder)}: ${items.length} runs (all now in the Runs view)`, placeHolder: 'Open which run in the Explorer?' },
        );
        if (!choice) return;
        folder = choice.folder;
      }
      const s = await openSession(folder);
      await context.workspaceState.update(EXTRA_RUNS_KEY, [...new Set([...extraRuns(), s.folder.dir])]);
      runs.refresh();
      await showExplorer(s);
    }),
    guard('amplification.openExplorer', async (item?: RunItem) => {
      await showExplorer(item ? await openSession(item.folder) : undefined);
    }),
    guard('amplification.stepRound', async () => {
      const s = await currentSession();
      if (s) s.ensureWorker({ workerFile }).send({ type: 'step' });
    }),
    guard('amplification.runRounds', (n?: number) => runRounds(typeof n === 'number' ? n : undefined)),
    guard('amplification.pause', async () => {
      const s = ExplorerPanel.current?.controller.session;
      if (s?.worker?.alive) s.worker.send({ type: 'pause' });
    }),
    guard('amplification.sampleQuestion', async () => {
      if (await currentSession()) await ExplorerPanel.current?.controller.handle({ type: 'sampleQuestion' });
    }),
    guard('amplification.pinQuestion', async () => {
      const s = await currentSession();
      if (!s) return;
      const text = await vscode.window.showInputBox({ title: `Pin a question of ${s.task.name}`, placeHolder: 'e.g. σ^29(ab) — or its symbols separated by spaces' });
      if (text) await ExplorerPanel.current?.controller.handle({ type: 'pinQuestion', text });
    }),
    guard('amplification.checkDecomposition', async (uri?: vscode.Uri) => {
      const target = uri ?? (vscode.window.activeTextEditor?.document.fileName.endsWith('.task.ts') ? vscode.window.activeTextEditor.document.uri : undefined);
      let file = target;
      if (!file) {
        const files = await workspaceTaskFiles();
        const pick = await vscode.window.showQuickPick(files.map((u) => ({ label: vscode.workspace.asRelativePath(u), u })), { title: 'Check Decomposition: which task file?' });
        file = pick?.u;
      }
      if (!file) return;
      const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${path.basename(file.fsPath)}…` }, () => userTasks.check(file!, 500));
      if (outcome.loadError) void vscode.window.showErrorMessage(`Amplification: ${outcome.loadError.message}`);
      else if (outcome.failures === 0) void vscode.window.showInformationMessage(`${outcome.task?.name}: H agrees with ground truth on ${outcome.checked} samples.`);
      else void vscode.window.showWarningMessage(`${outcome.task?.name}: ${outcome.failures} of ${outcome.checked} samples fail — see Problems.`, 'Show Problems').then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
    }),
    guard('amplification.exploreCounterexample', exploreCounterexample),
    guard('amplification.newTaskFromTemplate', async () => {
      const root = workspaceRoot();
      if (!root) throw new Error('open a folder first');
      const name = await vscode.window.showInputBox({ title: 'New task file', value: 'my-task', validateInput: (v) => (/^[a-z0-9][a-z0-9-]*$/.test(v) ? undefined : 'lower-case letters, digits and dashes') });
      if (!name) return;
      const file = path.join(root, `${name}.task.ts`);
      if (fs.existsSync(file)) throw new Error(`${file} exists already`);
      fs.writeFileSync(file, TASK_TEMPLATE.replace("name: 'range-sum-mod-10'", `name: '${name}'`));
      await vscode.window.showTextDocument(vscode.Uri.file(file));
    }),
    guard('amplification.exportAnnotations', async () => {
      const all: (AnnotationEvent & { run: string; task: string; question?: string })[] = [];
      for (const r of discoverRuns(runRoots(), extraRuns())) {
        const task = builtinTask(r.meta.taskName);
        for (const a of RunFolder.open(r.folder).annotations()) all.push({ ...a, run: r.meta.id, task: r.meta.taskName, question: a.key ? (task?.format.question(a.key.question) ?? questionKey(a.key.question)) : undefined });
      }
      if (all.length === 0) {
        void vscode.window.showInformationMessage('There are no annotations to export.');
        return;
      }
      const target = await vscode.window.showSaveDialog({ title: 'Export annotations', filters: { 'JSON Lines': ['jsonl'], CSV: ['csv'] }, defaultUri: workspaceRoot() ? vscode.Uri.file(path.join(workspaceRoot()!, 'annotations.jsonl')) : undefined });
      if (!target) return;
      const csv = target.fsPath.endsWith('.csv');
      const cell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
      const text = csv
        ? ['run,task,question,path,round,note,tags,at', ...all.map((a) => [a.run, a.task, a.question, (a.path ?? []).join('.'), a.round, a.note, (a.tags ?? []).join(' '), a.at].map(cell).join(','))].join('\n') + '\n'
        : all.map((a) => JSON.stringify(a)).join('\n') + '\n';
      fs.writeFileSync(target.fsPath, text);
      void vscode.window.showInformationMessage(`Exported ${all.length} annotations to ${path.basename(target.fsPath)}.`);
    }),
    guard('amplification.compareRuns', async () => {
      const items = discoverRuns(runRoots(), extraRuns());
      if (items.length === 0) throw new Error('there is no run to compare: start one with "Amplification: New Run…"');
      const picks = await vscode.window.showQuickPick(items.map((r) => ({ label: r.meta.id, description: `${r.meta.taskName} · ${r.meta.config.mode} · round ${r.round}`, r })), {
        canPickMany: true, title: 'Compare two runs — or pick one run to compare two of its rounds',
      });
      if (!picks || picks.length === 0) return;
      if (picks.length > 2) throw new Error('pick two runs (or one run, to compare two of its rounds)');
      const a = await openSession(picks[0].r.folder);
      if (picks.length === 2) {
        const p = await showExplorer(a);
        await p.controller.setCompare(await openSession(picks[1].r.folder));
        return;
      }
      const latest = a.latestRound();
      if (latest < 2) throw new Error(`${a.meta.id} has ${latest} recorded round(s): comparing two rounds needs two`);
      const text = await vscode.window.showInputBox({
        title: `Compare ${a.meta.id} with which of its rounds?`, prompt: `The tree shows the round selected in the Explorer; the compared round stays fixed (1–${latest}).`,
        value: '1', validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= latest ? undefined : `a round from 1 to ${latest}`),
      });
      if (!text) return;
      const p = await showExplorer(a);
      await p.controller.setCompare(a, Number(text));
    }),
    guard('amplification.revealAnnotation', async (folder: string, a: AnnotationEvent) => {
      const s = await openSession(folder);
      const p = await showExplorer(s);
      await p.controller.reveal(a);
    }),
  );
  updateStatus();

  return {
    sessions,
    explorerMessage: async (message) => {
      const panel = ExplorerPanel.current;
      if (!panel) throw new Error('the Explorer is not open');
      await panel.controller.handle(message);
    },
    ...(context.extensionMode === vscode.ExtensionMode.Test
      ? {
          crashWorker: async (folder: string) => {
            const s = sessions.get(path.resolve(folder));
            if (!s) throw new Error(`no open run in ${folder}`);
            await s.crashWorkerForTest();
          },
        }
      : {}),
  };
}

/** Among a few sampled questions, the one whose HCH tree (ground truth at the leaves) is largest. */
function deepQuestion(task: AnyTask, instance: InstanceId): Question {
  const ctx = makeContext(task, instance);
  let best: Question = makeQuestion(task, instance, ctx, 0);
  let bestNodes = -1;
  for (let j = 0; j < 16; j++) {
    const q = makeQuestion(task, instance, ctx, j);
    const nodes = expandHCH(task, ctx, q, { answerer: truthAnswerer(task), depth: 3, maxNodes: 400 }).nodes;
    if (nodes > bestNodes) [best, bestNodes] = [q, nodes];
  }
  return best;
}

let liveSessions: Map<string, RunSession> | undefined;

/** Stops the workers (each finishes and checkpoints its round under way). */
export async function deactivate(): Promise<void> {
  await Promise.all([...(liveSessions?.values() ?? [])].map((s) => s.dispose()));
}
