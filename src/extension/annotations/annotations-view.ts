/** The Annotations view in the activity bar: the notes of every run, by run and question. */
import * as vscode from 'vscode';
import { RunFolder } from '../../engine/run-folder';
import type { AnnotationEvent } from '../../engine/run-types';
import type { RunItem } from '../run-discovery';

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
