/**
 * The play panel (a person plays H): a webview with a strict CSP and a nonce, its bundle
 * dist/play.js and media/play.css, messages routed to a PlayController. One panel per session;
 * a window reload closes it (a play session is short, and its finished questions are saved).
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { PlayHostMessage } from '../../protocol/play';
import { PlayController, type PlayControllerHost, type PlaySetup } from './play-controller';

export const PLAY_VIEW_TYPE = 'amplification.play';

function playHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'play.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'play.css'));
  const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `font-src ${webview.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Answer as the Expert</title>
</head>
<body>
<div id="app" role="application" aria-label="Answer as the Expert"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
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
