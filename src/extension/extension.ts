/**
 * The extension host entry: wires the features (runs, training, the Explorer, task files,
 * annotations), each in its folder, around one shared ExtensionState. Activation loads no
 * TensorFlow.js: training runs in a worker thread started on demand, and a crash of that worker is
 * reported, never fatal to the host.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerAnnotations } from './annotations/index';
import { registerExplorer } from './explorer/index';
import { registerPlay } from './play/index';
import { registerRuns } from './runs/index';
import type { RunSession } from './session';
import { ExtensionState } from './state';
import { registerTasks } from './tasks/index';
import { registerTraining } from './training/index';

export type { NewRunOptions } from './runs/new-run';

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

/** The state of the active extension, for `deactivate`. */
let active: ExtensionState | undefined;

export function activate(context: vscode.ExtensionContext): AmplificationApi {
  const state = (active = new ExtensionState(context));
  context.subscriptions.push(
    state,
    ...registerRuns(state),
    ...registerTraining(state),
    ...registerExplorer(state),
    ...registerTasks(state),
    ...registerAnnotations(state),
    ...registerPlay(state),
  );

  return {
    sessions: state.sessions,
    explorerMessage: async (message) => {
      const controller = state.controller;
      if (!controller) throw new Error('the Explorer is not open');
      await controller.handle(message);
    },
    ...(context.extensionMode === vscode.ExtensionMode.Test
      ? {
          crashWorker: async (folder: string) => {
            const s = state.sessions.get(path.resolve(folder));
            if (!s) throw new Error(`no open run in ${folder}`);
            await s.crashWorkerForTest();
          },
        }
      : {}),
  };
}

/** Stops the workers (each finishes and checkpoints its round under way). */
export async function deactivate(): Promise<void> {
  await active?.stopWorkers();
}
