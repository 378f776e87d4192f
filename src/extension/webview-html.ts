/** The HTML shell of a webview panel: strict CSP with a nonce, one script and one stylesheet of the extension. */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewPage {
  /** The bundle in dist/, e.g. `webview.js`. */
  script: string;
  /** The stylesheet in media/, e.g. `explorer.css`. */
  style: string;
  title: string;
  /** Extra CSP sources for images (the Explorer draws PNG exports as data: URLs). */
  images?: string;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', page.script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', page.style));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    ...(page.images ? [`img-src ${page.images}`] : []),
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${page.title}</title>
</head>
<body>
<div id="app" role="application" aria-label="${page.title}"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
