/**
 * The play panel (a person plays H): a webview with a strict CSP and a nonce, its bundle
 * dist/play.js and media/play.css, messages routed to a PlayController. One panel per session;
 * a window reload closes it (a play session is short, and its finished questions are saved).
 */
import * as vscode from 'vscode';
import { webviewHtml } from '../webview-html';
import type { PlayHostMessage } from '../../protocol/play';
import { PlayController, type PlayControllerHost, type PlaySetup } from './play-controller';

export const PLAY_VIEW_TYPE = 'amplification.play';

function playHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return webviewHtml(webview, extensionUri, { script: 'play.js', style: 'play.css', title: 'Answer as the Expert' });
}

/** Opens a play panel on `setup`; `host` saves the finished questions and offers the next one. */
export function openPlayPanel(extensionUri: vscode.Uri, setup: PlaySetup, host: Omit<PlayControllerHost, 'post'>, title: string): vscode.Disposable {
  const panel = vscode.window.createWebviewPanel(PLAY_VIEW_TYPE, title, vscode.ViewColumn.Active, {
    enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  });
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
  panel.webview.html = playHtml(panel.webview, extensionUri);
  const post = (m: PlayHostMessage) => void panel.webview.postMessage(m).then(undefined, (e: unknown) => host.log?.(`posting to the play panel failed: ${String(e)}`));
  const controller = new PlayController({ ...host, post }, setup);
  const sub = panel.webview.onDidReceiveMessage((m: unknown) => controller.handle(m));
  panel.onDidDispose(() => sub.dispose());
  return panel;
}
