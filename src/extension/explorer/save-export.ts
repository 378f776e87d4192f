/**
 * Export Tree in VS Code: the command (palette, and the Explorer's header button) asks for a
 * format, the webview builds the content, and here the host asks where to save it, checks the
 * path (export.ts) and writes the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXPORT_FORMAT_INFO, EXPORT_FORMATS, isExportFormat, type ExportedTree, type ExportFormat } from '../../protocol/export';
import { ExplorerPanel } from '../panel';
import type { ExtensionState } from '../state';
import { workspaceRoot } from '../workspace';
import { checkSavePath, exportBytes, suggestedFileName } from './export';

/** Amplification: Export Tree… — `format` when called with one, else picked. */
export async function exportTreeCommand(format?: unknown): Promise<void> {
  const panel = ExplorerPanel.current;
  if (!panel?.controller.session) throw new Error('open the Explorer on a run first (Amplification: Open Explorer)');
  let f: ExportFormat | undefined = isExportFormat(format) ? format : undefined;
  if (!f) {
    const pick = await vscode.window.showQuickPick(EXPORT_FORMATS.map((id) => ({ label: id.toUpperCase(), description: EXPORT_FORMAT_INFO[id].label, id })), { title: 'Export the tree as' });
    if (!pick) return;
    f = pick.id;
  }
  panel.requestExport(f);
}

/** Saves the webview's export where the user chooses. */
export async function saveExport(state: ExtensionState, m: ExportedTree): Promise<void> {
  const bytes = exportBytes(m);
  const info = EXPORT_FORMAT_INFO[m.format];
  const root = workspaceRoot();
  const name = suggestedFileName(m.name, m.format);
  const uri = await vscode.window.showSaveDialog({
    title: `Export the tree (${m.format.toUpperCase()})`,
    defaultUri: root ? vscode.Uri.file(path.join(root, name)) : undefined,
    filters: { [info.label]: m.format === 'md' ? ['md', 'markdown'] : [info.extension] },
  });
  if (!uri) return;
  if (uri.scheme !== 'file') throw new Error(`the tree can be saved to a local file only, not ${uri.scheme}:`);
  const checked = checkSavePath(uri.fsPath, m.format);
  if (!checked.ok) throw new Error(`the tree was not saved: ${checked.error}`);
  await fs.promises.writeFile(checked.path, bytes);
  state.log(`exported the tree to ${checked.path} (${bytes.length} bytes)`);
  const open = m.format === 'png' || m.format === 'svg' ? 'Open' : 'Open in Editor';
  void vscode.window.showInformationMessage(`Amplification: the tree was saved to ${path.basename(checked.path)}.`, open).then((a) => {
    if (a) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(checked.path));
  });
}
