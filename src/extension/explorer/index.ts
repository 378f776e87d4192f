/** The Explorer: Open Explorer, its restoring after a window reload, Sample Question, Pin Question and Export Tree…. */
import * as vscode from 'vscode';
import type { RunItem } from '../run-discovery';
import { ExplorerPanel, EXPLORER_VIEW_TYPE } from '../panel';
import type { ExtensionState } from '../state';
import { exportTreeCommand } from './save-export';

export function registerExplorer(state: ExtensionState): vscode.Disposable[] {
  return [
    vscode.window.registerWebviewPanelSerializer(EXPLORER_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        await ExplorerPanel.revive(panel, state.panelDeps);
        state.refreshStatus();
      },
    }),
    state.command('amplification.openExplorer', async (item?: RunItem) => {
      await state.showExplorer(item ? await state.openSession(item.folder) : undefined);
    }),
    state.command('amplification.sampleQuestion', async () => {
      if (await state.currentSession()) await state.controller?.handle({ type: 'sampleQuestion' });
    }),
    state.command('amplification.exportTree', (format?: unknown) => exportTreeCommand(format)),
    state.command('amplification.pinQuestion', async () => {
      const s = await state.currentSession();
      if (!s) return;
      const text = await vscode.window.showInputBox({ title: `Pin a question of ${s.task.name}`, placeHolder: 'e.g. σ^29(ab) — or its symbols separated by spaces' });
      if (text) await state.controller?.handle({ type: 'pinQuestion', text });
    }),
  ];
}
