/**
 * The Explorer webview panel: strict CSP with a nonce, resources limited to the bundle and media,
 * messages routed through the controller, restored after a window reload by a serializer.
 */
import * as vscode from 'vscode';
import { webviewHtml } from './webview-html';
import { parseWebviewMessage, type HostMessage } from '../protocol/explorer';
import type { ExportedTree, ExportFormat } from '../protocol/export';
import { ExplorerController, type ControllerHost, type ControllerState } from './controller';
import type { RunSession } from './session';

export const EXPLORER_VIEW_TYPE = 'amplification.explorer';
const STATE_KEY = 'amplification.explorerState';

export function explorerHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewHtml(webview, extensionUri, { script: 'webview.js', style: 'explorer.css', title: 'Amplification Explorer', images: 'data:' });
}

export interface PanelDeps {
  extensionUri: vscode.Uri;
  workspaceState: vscode.Memento;
  host: Omit<ControllerHost, 'post'>;
  /** Opens a run folder as a session (shared with the rest of the extension). */
  openSession(folder: string): Promise<RunSession>;
  log(message: string): void;
  /** Export Tree: saves what the webview built (a save dialog, then the file). */
  saveExport(m: ExportedTree): Promise<void>;
}

/** The one Explorer panel (created on demand, revealed when it exists). */
export class ExplorerPanel implements vscode.Disposable {
  static current: ExplorerPanel | undefined;
  readonly controller: ExplorerController;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(readonly panel: vscode.WebviewPanel, private readonly deps: PanelDeps) {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'icon.svg');
    panel.webview.html = explorerHtml(panel.webview, deps.extensionUri);
    this.controller = new ExplorerController({ ...deps.host, post: (m) => this.post(m) });
    this.disposables.push(
      panel.webview.onDidReceiveMessage(async (m: unknown) => {
        const parsed = (m as { type?: unknown } | null)?.type === 'exportedTree' ? parseWebviewMessage(m) : undefined;
        if (parsed?.ok && parsed.value.type === 'exportedTree') return this.deps.saveExport(parsed.value);
        await this.controller.handle(m); // a malformed export too: the controller rejects it in one line
        await this.saveState();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Export Tree: asks the webview for the tree it shows, in `format` (it answers with `exportedTree`). */
  requestExport(format: ExportFormat): void {
    this.post({ type: 'exportTree', format });
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m).then(undefined, (e: unknown) => this.deps.log(`posting to the Explorer failed: ${String(e)}`));
  }

  private async saveState(): Promise<void> {
    await this.deps.workspaceState.update(STATE_KEY, this.controller.state());
  }

  /** Shows the Explorer (creating it), optionally on a run. */
  static async show(deps: PanelDeps, session?: RunSession): Promise<ExplorerPanel> {
    let p = ExplorerPanel.current;
    if (p) p.panel.reveal(undefined, false);
    else {
      const panel = vscode.window.createWebviewPanel(EXPLORER_VIEW_TYPE, 'Amplification Explorer', vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist'), vscode.Uri.joinPath(deps.extensionUri, 'media')],
      });
      p = ExplorerPanel.current = new ExplorerPanel(panel, deps);
      if (!session) await p.restoreFromState();
    }
    if (session && p.controller.session !== session) {
      await p.controller.setSession(session);
      await p.saveState();
    }
    p.updateTitle();
    return p;
  }

  /** After a window reload: the serializer hands back the panel; reopen the run it showed. */
  static async revive(panel: vscode.WebviewPanel, deps: PanelDeps): Promise<void> {
    const p = (ExplorerPanel.current = new ExplorerPanel(panel, deps));
    await p.restoreFromState();
  }

  private async restoreFromState(): Promise<void> {
    const state = this.deps.workspaceState.get<Partial<ControllerState>>(STATE_KEY);
    this.controller.restore(state ?? {});
    let session: RunSession | null = null;
    if (state?.runFolder) {
      try {
        session = await this.deps.openSession(state.runFolder);
      } catch (e) {
        this.post({ type: 'error', message: `could not reopen the run in ${state.runFolder}: ${(e as Error).message}` });
      }
    }
    await this.controller.setSession(session);
    this.updateTitle();
  }

  updateTitle(): void {
    const s = this.controller.session;
    this.panel.title = s ? `Explorer: ${s.task.name} · ${s.id}` : 'Amplification Explorer';
  }

  dispose(): void {
    if (ExplorerPanel.current === this) ExplorerPanel.current = undefined;
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
