/** The `amplification.*` settings and the workspace's places: its root, the run roots, its task files. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_CONFIG } from '../engine/run';
import type { BackendPreference, ModelPreset } from '../learner/types';

export function settings() {
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
