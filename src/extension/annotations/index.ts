/**
 * Annotations: the Annotations view, the workspace-wide record of every note, Export and Import
 * Annotations, and Reveal (a note opened at its node in the Explorer).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtinTask } from '../../core/index';
import { appendJsonLine } from '../../engine/files';
import { RunFolder } from '../../engine/run-folder';
import type { AnnotationEvent } from '../../engine/run-types';
import { counted } from '../../protocol/explorer';
import { discoverRuns } from '../run-discovery';
import type { ExtensionState } from '../state';
import { runRoots, workspaceRoot } from '../workspace';
import { AnnotationsProvider } from './annotations-view';
import { annotationsText, collectAnnotations } from './export';
import { importAnnotations } from './import';

export function registerAnnotations(state: ExtensionState): vscode.Disposable[] {
  const annotations = new AnnotationsProvider(
    () => discoverRuns(runRoots(), state.extraRuns()),
    (folder, q) => state.sessions.get(path.resolve(folder))?.task.knownLabel(q) ?? builtinTask(RunFolder.open(folder).meta().taskName)?.format.question(q) ?? q.join(' '),
  );
  return [
    state.onAnnotationsChanged(() => annotations.refresh()),
    state.onAnnotationAdded(({ session, annotation }) => {
      // Workspace-wide record of every note (append-only), beside the run's own annotations.
      const root = workspaceRoot();
      if (root) appendJsonLine(path.join(root, '.amplification', 'annotations.jsonl'), { run: session.folder.dir, ...annotation, at: new Date().toISOString() });
      annotations.refresh();
    }),
    vscode.window.registerTreeDataProvider('amplification.annotations', annotations),
    state.command('amplification.exportAnnotations', () => exportAnnotations(state)),
    state.command('amplification.importAnnotations', () => importAnnotationsFile(state)),
    state.command('amplification.revealAnnotation', async (folder: string, a: AnnotationEvent) => {
      const s = await state.openSession(folder);
      const p = await state.showExplorer(s);
      await p.controller.reveal(a);
    }),
  ];
}

async function exportAnnotations(state: ExtensionState): Promise<void> {
  const all = collectAnnotations(discoverRuns(runRoots(), state.extraRuns()));
  if (all.length === 0) {
    void vscode.window.showInformationMessage('There are no annotations to export.');
    return;
  }
  const target = await vscode.window.showSaveDialog({ title: 'Export annotations', filters: { 'JSON Lines': ['jsonl'], CSV: ['csv'] }, defaultUri: workspaceRoot() ? vscode.Uri.file(path.join(workspaceRoot()!, 'annotations.jsonl')) : undefined });
  if (!target) return;
  fs.writeFileSync(target.fsPath, annotationsText(all, target.fsPath.endsWith('.csv')));
  void vscode.window.showInformationMessage(`Exported ${counted(all.length, 'annotation')} to ${path.basename(target.fsPath)}.`);
}

async function importAnnotationsFile(state: ExtensionState): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ title: 'Import annotations', canSelectMany: false, filters: { 'JSON Lines': ['jsonl'] } });
  if (!picked?.[0]) return;
  const r = importAnnotations(fs.readFileSync(picked[0].fsPath, 'utf8'), discoverRuns(runRoots(), state.extraRuns()));
  const added = [...r.added.values()].reduce((a, b) => a + b, 0);
  const skipped = r.skipped.length ? `; skipped ${counted(r.skipped.length, 'line')}: ${r.skipped.slice(0, 3).map((k) => `line ${k.line}: ${k.reason}`).join('; ')}${r.skipped.length > 3 ? ' …' : ''}` : '';
  const message = `Imported ${counted(added, 'annotation')} into ${counted(r.added.size, 'run')}${r.present ? `; ${r.present} ${r.present === 1 ? 'was' : 'were'} there already` : ''}${skipped}.`;
  if (r.skipped.length) void vscode.window.showWarningMessage(message);
  else void vscode.window.showInformationMessage(message);
  state.refreshAnnotations();
}
