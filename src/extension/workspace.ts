/** The `amplification.*` settings and the workspace's places: its root, the run roots, its task files. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configFromSettings } from '../engine/options';

export function settings() {
  const c = vscode.workspace.getConfiguration('amplification');
  return {
    defaultTask: c.get<string>('defaultTask', 'permutation-powering'),
    defaultSize: c.get<number>('defaultSize', 8),
    rounds: c.get<number>('rounds', 20),
    /** What new runs take from the settings: the option table's setting rows (src/engine/options.ts). */
    runConfig: configFromSettings((key) => c.get(key)),
    runFolder: c.get<string>('runFolder', '.amplification/runs'),
    taskFiles: c.get<string>('taskFiles', '**/*.task.ts'),
  };
}

/** The settings as `settings()` reads them. */
export type Settings = ReturnType<typeof settings>;

export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Where the Runs view looks: the run folder setting, and the experiments `amplify experiment` writes. */
export function runRoots(): string[] {
  const root = workspaceRoot();
  if (!root) return [];
  const f = settings().runFolder;
  return [path.isAbsolute(f) ? f : path.join(root, f), path.join(root, '.amplification', 'experiments')];
}

/** The workspace's task files (none in an untrusted workspace: task files are code). */
export const workspaceTaskFiles = async (): Promise<vscode.Uri[]> => (vscode.workspace.isTrusted ? vscode.workspace.findFiles(settings().taskFiles, '**/node_modules/**', 50) : []);
