/** The Runs view in the activity bar: each run's task, mode, round, X's accuracy and status. */
import * as vscode from 'vscode';
import { discoverRuns, type RunItem } from '../run-discovery';
import { humanTranscriptCount } from '../play/transcripts';
import type { RunSession } from '../session';
import { runItemText } from './run-item';

export class RunsProvider implements vscode.TreeDataProvider<RunItem> {
  private readonly changed = new vscode.EventEmitter<RunItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly roots: () => string[],
    private readonly extra: () => string[],
    private readonly sessionOf: (folder: string) => RunSession | undefined,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(element?: RunItem): RunItem[] {
    return element ? [] : discoverRuns(this.roots(), this.extra());
  }

  getTreeItem(r: RunItem): vscode.TreeItem {
    const session = this.sessionOf(r.folder);
    const status = session?.status.status ?? 'idle';
    const text = runItemText(r, humanTranscriptCount(r.folder), status);
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    item.id = r.folder;
    item.description = text.description;
    item.tooltip = new vscode.MarkdownString(text.tooltip);
    item.iconPath = new vscode.ThemeIcon(status === 'running' ? 'sync~spin' : status === 'crashed' ? 'error' : 'beaker');
    item.contextValue = status === 'running' ? 'run.running' : 'run';
    item.command = { command: 'amplification.openExplorer', title: 'Open in Explorer', arguments: [r] };
    return item;
  }
}
