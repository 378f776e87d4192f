/** The activity-bar views: Runs (status, round, accuracy) and Annotations (by run and question). */
import * as vscode from 'vscode';
import { RunFolder } from '../engine/run-folder';
import type { AnnotationEvent } from '../engine/run-types';
import { discoverRuns, type RunItem } from './run-discovery';
import type { RunSession } from './session';

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
    item.description = `${r.meta.taskName} · ${r.meta.config.mode} · round ${r.round}${acc}${r.size ? ` · N=${r.size}` : ''}${r.experiment ? ` · ${r.experiment}` : ''}`;
    item.tooltip = new vscode.MarkdownString(
      `**${r.meta.id}**\n\n- task: ${r.meta.taskName}\n- mode: ${r.meta.config.mode}\n- model: ${r.meta.config.model} on ${r.meta.backend}\n- rounds: ${r.round}\n${r.experiment ? `- experiment: ${r.experiment}\n` : ''}- folder: \`${r.folder}\``,
    );
    item.iconPath = new vscode.ThemeIcon(status === 'running' ? 'sync~spin' : status === 'crashed' ? 'error' : 'beaker');
    item.contextValue = status === 'running' ? 'run.running' : 'run';
    item.command = { command: 'amplification.openExplorer', title: 'Open in Explorer', arguments: [r] };
    return item;
  }
}

export type AnnotationNode =
  | { kind: 'group'; folder: string; label: string; annotations: AnnotationEvent[] }
  | { kind: 'note'; folder: string; annotation: AnnotationEvent };

export class AnnotationsProvider implements vscode.TreeDataProvider<AnnotationNode> {
  private readonly changed = new vscode.EventEmitter<AnnotationNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly runs: () => RunItem[], private readonly formatQuestion: (folder: string, q: readonly string[]) => string) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(element?: AnnotationNode): AnnotationNode[] {
    if (!element) {
      const groups: AnnotationNode[] = [];
      for (const r of this.runs()) {
        let annotations: AnnotationEvent[];
        try {
          annotations = RunFolder.open(r.folder).annotations();
        } catch {
          continue;
        }
        const byQuestion = new Map<string, AnnotationEvent[]>();
        for (const a of annotations) {
          const k = a.key ? `${this.formatQuestion(r.folder, a.key.question)}` : '(run)';
          byQuestion.set(k, [...(byQuestion.get(k) ?? []), a]);
        }
        for (const [q, list] of byQuestion) groups.push({ kind: 'group', folder: r.folder, label: `${r.meta.id} · ${q}`, annotations: list });
      }
      return groups;
    }
    return element.kind === 'group' ? element.annotations.map((a) => ({ kind: 'note', folder: element.folder, annotation: a })) : [];
  }

  getTreeItem(n: AnnotationNode): vscode.TreeItem {
    if (n.kind === 'group') {
      const item = new vscode.TreeItem(n.label, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('comment-discussion');
      item.description = `${n.annotations.length}`;
      return item;
    }
    const a = n.annotation;
    const item = new vscode.TreeItem(a.note || (a.tags ?? []).join(', '), vscode.TreeItemCollapsibleState.None);
    item.description = `${(a.tags ?? []).map((t) => `#${t}`).join(' ')}${a.round ? ` · round ${a.round}` : ''}${a.path?.length ? ` · node ${a.path.join('.')}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('note');
    item.tooltip = `${a.note}\n${a.at}`;
    item.contextValue = 'annotation';
    item.command = { command: 'amplification.revealAnnotation', title: 'Show in Explorer', arguments: [n.folder, a] };
    return item;
  }
}
