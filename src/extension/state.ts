/**
 * What the features share, in one object handed to each: the open runs (sessions), the Explorer
 * and the run it shows, the log, guarded command registration, and the signals by which one
 * feature asks the others' views to refresh (the Runs view, the Annotations view, the status bar).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunWorkerOptions } from '../engine/run-worker';
import { DEFAULT_LIMITS, type TaskSandboxOptions } from '../engine/task-sandbox';
import type { WorkerEvent } from '../engine/worker-protocol';
import type { ControllerHost, ExplorerController } from './controller';
import { saveExport } from './explorer/save-export';
import { ExplorerPanel, type PanelDeps } from './panel';
import { discoverRuns } from './run-discovery';
import { RunSession } from './session';
import { runRoots } from './workspace';

const EXTRA_RUNS_KEY = 'amplification.openedRuns';
/** A context key set once an override is made: the walkthrough's completion event `onContext:amplification.overrideSet`. */
export const OVERRIDE_SET_CONTEXT = 'amplification.overrideSet';

/** A note as the Explorer's controller reports it. */
export type AddedAnnotation = Parameters<NonNullable<ControllerHost['annotationAdded']>>[1];

export class ExtensionState implements vscode.Disposable {
  /** The open runs, by absolute run folder. */
  readonly sessions = new Map<string, RunSession>();
  readonly output = vscode.window.createOutputChannel('Amplification');
  /** The training worker's bundle. */
  readonly workerFile: string;
  private readonly runsChanged = new vscode.EventEmitter<void>();
  private readonly statusChanged = new vscode.EventEmitter<void>();
  private readonly annotationsChanged = new vscode.EventEmitter<void>();
  private readonly annotationAdded = new vscode.EventEmitter<{ session: RunSession; annotation: AddedAnnotation }>();
  /** A run was created, opened, or recorded a round or a status: the Runs view refreshes. */
  readonly onRunsChanged = this.runsChanged.event;
  /** The Explorer's run or its status changed: the status bar follows. */
  readonly onStatusChanged = this.statusChanged.event;
  /** Notes may have changed: the Annotations view refreshes. */
  readonly onAnnotationsChanged = this.annotationsChanged.event;
  /** A note was added in the Explorer. */
  readonly onAnnotationAdded = this.annotationAdded.event;
  readonly panelDeps: PanelDeps;

  constructor(readonly context: vscode.ExtensionContext) {
    this.workerFile = path.join(context.extensionPath, 'dist', 'worker.js');
    this.panelDeps = {
      extensionUri: context.extensionUri,
      workspaceState: context.workspaceState,
      openSession: (folder) => this.openSession(folder),
      log: (s) => this.log(s),
      saveExport: async (m) => {
        try {
          await saveExport(this, m);
        } catch (e) {
          this.log(`Export Tree failed: ${(e as Error).stack ?? String(e)}`);
          void vscode.window.showErrorMessage(`Amplification: ${(e as Error).message}`);
        }
      },
      host: {
        command: (c) => void vscode.commands.executeCommand(`amplification.${c}`),
        openFile: (file, line) => void vscode.window.showTextDocument(vscode.Uri.file(file), { selection: line ? new vscode.Range(line - 1, 0, line - 1, 0) : undefined }),
        workerOptions: () => this.workerOptions(),
        annotationAdded: (session, annotation) => this.annotationAdded.fire({ session, annotation }),
        answerAsExpert: (args) => void vscode.commands.executeCommand('amplification.answerAsExpert', args),
        overrideSet: () => void vscode.commands.executeCommand('setContext', OVERRIDE_SET_CONTEXT, true),
      },
    };
  }

  /** How training workers start: this extension's bundle, and task files only in a trusted workspace. */
  workerOptions(): RunWorkerOptions {
    return { workerFile: this.workerFile, trusted: vscode.workspace.isTrusted };
  }

  /** How task files' sandbox processes run: the check's time limit and memory cap, their output in the log. */
  sandboxOptions(): TaskSandboxOptions {
    const c = vscode.workspace.getConfiguration('amplification');
    return { timeoutSeconds: c.get<number>('checkTimeoutSeconds', DEFAULT_LIMITS.timeoutSeconds), maxMemoryMb: c.get<number>('checkMemoryMb', DEFAULT_LIMITS.maxMemoryMb), onOutput: (t) => this.output.append(t) };
  }

  log(s: string): void {
    this.output.appendLine(`[${new Date().toISOString()}] ${s}`);
  }

  refreshRuns(): void {
    this.runsChanged.fire();
  }

  refreshStatus(): void {
    this.statusChanged.fire();
  }

  refreshAnnotations(): void {
    this.annotationsChanged.fire();
  }

  /** Run or experiment folders opened from outside the run roots (kept per workspace). */
  extraRuns(): string[] {
    return this.context.workspaceState.get<string[]>(EXTRA_RUNS_KEY, []);
  }

  async addExtraRun(folder: string): Promise<void> {
    await this.context.workspaceState.update(EXTRA_RUNS_KEY, [...new Set([...this.extraRuns(), folder])]);
  }

  /** The Explorer's controller, when the Explorer is open. */
  get controller(): ExplorerController | undefined {
    return ExplorerPanel.current?.controller;
  }

  /** The run the Explorer shows. */
  get explorerSession(): RunSession | undefined {
    return this.controller?.session ?? undefined;
  }

  async openSession(folder: string): Promise<RunSession> {
    const key = path.resolve(folder);
    const existing = this.sessions.get(key);
    if (existing) return existing;
    const s = await RunSession.open(key, vscode.workspace.isTrusted, this.sandboxOptions());
    this.sessions.set(key, s);
    this.watchSession(s);
    // Lines of the run's JSON Lines files that were skipped (damaged): said once, when it opens.
    for (const w of s.folder.warnings()) void vscode.window.showWarningMessage(`Amplification: ${w}`);
    return s;
  }

  private watchSession(s: RunSession): void {
    s.onWorkerEvent((e: WorkerEvent) => {
      if (e.type === 'round' || e.type === 'status') {
        this.refreshRuns();
        this.refreshStatus();
      } else if (e.type === 'phase') this.refreshStatus();
      else if (e.type === 'error') {
        this.refreshStatus();
        this.log(`worker error: ${e.message}${e.stack ? `\n${e.stack}` : ''}`);
        const msg = e.fatal ? `Amplification: the training worker stopped: ${e.message}` : `Amplification: ${e.message}`;
        if (e.previousCheckpoint) {
          // The last checkpoint is damaged and the one before it is intact: offer to resume from it.
          const resume = 'Resume from Previous Checkpoint';
          void vscode.window.showErrorMessage(msg, resume, 'Show Log').then((a) => {
            if (a === resume) s.ensureWorker(this.workerOptions(), 'previous');
            else if (a) this.output.show();
          });
        } else void vscode.window.showErrorMessage(msg, 'Show Log').then((a) => a && this.output.show());
      }
    });
  }

  async showExplorer(session?: RunSession): Promise<ExplorerPanel> {
    const p = await ExplorerPanel.show(this.panelDeps, session);
    this.refreshStatus();
    return p;
  }

  /** The run the Explorer shows, or one the user picks. */
  async currentSession(): Promise<RunSession | undefined> {
    const s = this.explorerSession;
    if (s) return s;
    const items = discoverRuns(runRoots(), this.extraRuns());
    if (items.length === 0) {
      const a = await vscode.window.showInformationMessage('There is no run yet.', 'New Run…');
      if (a) await vscode.commands.executeCommand('amplification.newRun');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(items.map((r) => ({ label: r.meta.id, description: `${r.meta.taskName} · round ${r.round}`, r })), { title: 'Which run?' });
    if (!pick) return undefined;
    const s2 = await this.openSession(pick.r.folder);
    await this.showExplorer(s2);
    return s2;
  }

  /** Registers a command whose failures are logged and shown, never thrown at VS Code. */
  command(name: string, fn: (...args: never[]) => unknown): vscode.Disposable {
    return vscode.commands.registerCommand(name, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        this.log(`${name} failed: ${(e as Error).stack ?? String(e)}`);
        void vscode.window.showErrorMessage(`Amplification: ${(e as Error).message}`);
        return undefined;
      }
    });
  }

  /** Stops the workers (each finishes and checkpoints its round under way). */
  async stopWorkers(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.dispose()));
  }

  dispose(): void {
    for (const e of [this.runsChanged, this.statusChanged, this.annotationsChanged, this.annotationAdded]) e.dispose();
    this.output.dispose();
  }
}
