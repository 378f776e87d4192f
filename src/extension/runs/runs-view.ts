/** The Runs view in the activity bar: each run's task, mode, round, X's accuracy and status. */
import * as vscode from 'vscode';
import { discoverRuns, type RunItem } from '../run-discovery';
import { humanTranscriptCount } from '../play/transcripts';
import type { RunSession } from '../session';

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
    const item = new vscode.TreeItem(r.meta.id, vscode.TreeItemCollapsibleState.None);
    const acc = r.accuracy === undefined ? '' : ` · X ${(100 * r.accuracy).toFixed(0)}%`;
    const human = humanTranscriptCount(r.folder);
    item.description = `${r.meta.taskName} · ${r.meta.config.mode} · round ${r.round}${acc}${r.size ? ` · N=${r.size}` : ''}${human ? ` · ${human} human` : ''}${r.experiment ? ` · ${r.experiment}` : ''}`;
    item.tooltip = new vscode.MarkdownString(
      `**${r.meta.id}**\n\n- task: ${r.meta.taskName}\n- mode: ${r.meta.config.mode}\n- model: ${r.meta.config.model} on ${r.meta.backend}\n- rounds: ${r.round}\n${human ? `- human transcripts: ${human}\n` : ''}${r.experiment ? `- experiment: ${r.experiment}\n` : ''}- folder: \`${r.folder}\``,
    );
    item.iconPath = new vscode.ThemeIcon(status === 'running' ? 'sync~spin' : status === 'crashed' ? 'error' : 'beaker');
    item.contextValue = status === 'running' ? 'run.running' : 'run';
    item.command = { command: 'amplification.openExplorer', title: 'Open in Explorer', arguments: [r] };
    return item;
  }
}
