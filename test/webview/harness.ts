/**
 * The harness page for the webview tests: a page like the one the extension host serves (a strict
 * CSP with a nonce, dist/webview.js and media/explorer.css), with a mocked `acquireVsCodeApi`
 * that records posted messages in `window.__posted` and keeps the state in sessionStorage (so a
 * reload can be simulated), and VS Code's theme variables for light, dark and high contrast.
 * Served over http://127.0.0.1 on an ephemeral port.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

export type Theme = 'light' | 'dark' | 'hc' | 'hc-light';

const BASE: Record<Exclude<Theme, 'hc-light'>, Record<string, string>> = {
  light: {
    'font-family': "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'DejaVu Sans', sans-serif",
    'font-size': '13px',
    'editor-font-family': "'DejaVu Sans Mono', Menlo, Consolas, monospace",
    foreground: '#3b3b3b',
    descriptionForeground: '#717171',
    errorForeground: '#a1260d',
    'editor-background': '#ffffff',
    'sideBar-background': '#f8f8f8',
    'editorWidget-background': '#f8f8f8',
    'widget-border': '#d4d4d4',
    'panel-border': '#e5e5e5',
    focusBorder: '#005fb8',
    'button-background': '#005fb8',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#0258a8',
    'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b',
    'button-secondaryHoverBackground': '#cccccc',
    'input-background': '#ffffff',
    'input-foreground': '#3b3b3b',
    'input-border': '#cecece',
    'input-placeholderForeground': '#767676',
    'dropdown-background': '#ffffff',
    'dropdown-border': '#cecece',
    'badge-background': '#cccccc',
    'badge-foreground': '#3b3b3b',
    'textLink-foreground': '#005fb8',
    'list-hoverBackground': '#f2f2f2',
    'toolbar-hoverBackground': 'rgba(184, 184, 184, 0.31)',
    'testing-iconPassed': '#388a34',
    'testing-iconFailed': '#e51400',
    'editorWarning-foreground': '#bf8803',
    'inputValidation-errorBackground': '#f2dede',
    'inputValidation-errorBorder': '#be1100',
    'inputValidation-warningBackground': '#f6f5d2',
    'inputValidation-infoBackground': '#d6ecf2',
    'editor-findMatchHighlightBackground': 'rgba(234, 92, 0, 0.33)',
    'editorIndentGuide-activeBackground1': '#939393',
    'progressBar-background': '#005fb8',
    'charts-foreground': '#616161',
    'charts-lines': 'rgba(97, 97, 97, 0.5)',
    'charts-red': '#e51400',
    'charts-blue': '#1a85ff',
    'charts-yellow': '#bf8803',
    'charts-orange': '#d18616',
    'charts-green': '#388a34',
    'charts-purple': '#652d90',
    'keybindingLabel-background': 'rgba(221, 221, 221, 0.4)',
    'keybindingLabel-border': 'rgba(204, 204, 204, 0.4)',
    'textCodeBlock-background': 'rgba(220, 220, 220, 0.4)',
    'widget-shadow': 'rgba(0, 0, 0, 0.16)',
  },
  dark: {
    'font-family': "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'DejaVu Sans', sans-serif",
    'font-size': '13px',
    'editor-font-family': "'DejaVu Sans Mono', Menlo, Consolas, monospace",
    foreground: '#cccccc',
    descriptionForeground: '#9d9d9d',
    errorForeground: '#f85149',
    'editor-background': '#1f1f1f',
    'sideBar-background': '#181818',
    'editorWidget-background': '#202020',
    'widget-border': '#313131',
    'panel-border': '#2b2b2b',
    focusBorder: '#0078d4',
    'button-background': '#0078d4',
    'button-foreground': '#ffffff',
    'button-hoverBackground': '#026ec1',
    'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc',
    'button-secondaryHoverBackground': '#3c3c3c',
    'input-background': '#313131',
    'input-foreground': '#cccccc',
    'input-border': '#3c3c3c',
    'input-placeholderForeground': '#989898',
    'dropdown-background': '#313131',
    'dropdown-border': '#3c3c3c',
    'badge-background': '#616161',
    'badge-foreground': '#f8f8f8',
    'textLink-foreground': '#4daafc',
    'list-hoverBackground': '#2a2d2e',
    'toolbar-hoverBackground': 'rgba(90, 93, 94, 0.31)',
    'testing-iconPassed': '#73c991',
    'testing-iconFailed': '#f14c4c',
    'editorWarning-foreground': '#cca700',
    'inputValidation-errorBackground': '#5a1d1d',
    'inputValidation-errorBorder': '#be1100',
    'inputValidation-warningBackground': '#352a05',
    'inputValidation-infoBackground': '#063b49',
    'editor-findMatchHighlightBackground': 'rgba(234, 92, 0, 0.33)',
    'editorIndentGuide-activeBackground1': '#707070',
    'progressBar-background': '#0078d4',
    'charts-foreground': '#cccccc',
    'charts-lines': 'rgba(204, 204, 204, 0.5)',
    'charts-red': '#f14c4c',
    'charts-blue': '#3794ff',
    'charts-yellow': '#cca700',
    'charts-orange': '#d18616',
    'charts-green': '#89d185',
    'charts-purple': '#b180d7',
    'keybindingLabel-background': 'rgba(128, 128, 128, 0.17)',
    'keybindingLabel-border': 'rgba(51, 51, 51, 0.6)',
    'textCodeBlock-background': 'rgba(10, 10, 10, 0.4)',
    'widget-shadow': 'rgba(0, 0, 0, 0.36)',
  },
  hc: {
    'font-family': "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'DejaVu Sans', sans-serif",
    'font-size': '13px',
    'editor-font-family': "'DejaVu Sans Mono', Menlo, Consolas, monospace",
    foreground: '#ffffff',
    descriptionForeground: 'rgba(255, 255, 255, 0.7)',
    errorForeground: '#f48771',
    'editor-background': '#000000',
    'sideBar-background': '#000000',
    'editorWidget-background': '#0c141f',
    'widget-border': '#6fc3df',
    'panel-border': '#6fc3df',
    contrastBorder: '#6fc3df',
    contrastActiveBorder: '#f38518',
    focusBorder: '#f38518',
    'button-background': '#000000',
    'button-foreground': '#ffffff',
    'button-border': '#6fc3df',
    'button-secondaryBackground': '#000000',
    'button-secondaryForeground': '#ffffff',
    'input-background': '#000000',
    'input-foreground': '#ffffff',
    'input-border': '#6fc3df',
    'badge-background': '#000000',
    'badge-foreground': '#ffffff',
    'textLink-foreground': '#21a6ff',
    'testing-iconPassed': '#73c991',
    'testing-iconFailed': '#f14c4c',
    'editorWarning-foreground': '#ffd370',
    'inputValidation-errorBackground': '#000000',
    'inputValidation-errorBorder': '#f38518',
    'charts-blue': '#3794ff',
    // VS Code's charts.orange in high contrast dark (the minimap's find-match colour).
    'charts-orange': '#ab5a00',
    'charts-purple': '#b180d7',
    'charts-green': '#89d185',
    'charts-yellow': '#ffd370',
    'charts-lines': 'rgba(255, 255, 255, 0.5)',
  },
};
// High contrast light: the light theme with VS Code's high contrast light colours.
const THEMES: Record<Theme, Record<string, string>> = {
  ...BASE,
  'hc-light': {
    ...BASE.light,
    foreground: '#292929',
    descriptionForeground: '#292929',
    'editor-background': '#ffffff',
    'sideBar-background': '#ffffff',
    'editorWidget-background': '#ffffff',
    'widget-border': '#0f4a85',
    'panel-border': '#0f4a85',
    contrastBorder: '#0f4a85',
    contrastActiveBorder: '#006bbd',
    focusBorder: '#006bbd',
    'editorWarning-foreground': '#895503',
    'testing-iconPassed': '#007100',
    'testing-iconFailed': '#b5200d',
    'charts-foreground': '#292929',
    'charts-lines': 'rgba(41, 41, 41, 0.5)',
    'charts-red': '#b5200d',
    'charts-blue': '#0f4a85',
    'charts-yellow': '#895503',
    'charts-orange': '#0f4a85',
    'charts-green': '#374e06',
    'charts-purple': '#652d90',
  },
};


export function themeCss(theme: Theme): string {
  const vars = Object.entries(THEMES[theme]).map(([k, v]) => `  --vscode-${k}: ${v};`).join('\n');
  return `html {\n${vars}\n}\n`;
}

/** The mocked VS Code webview API (an inline script allowed by the nonce). */
const MOCK = `
(function () {
  window.__posted = [];
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
  });
  var acquired = false;
  window.acquireVsCodeApi = function () {
    if (acquired) throw new Error('acquireVsCodeApi can only be invoked once');
    acquired = true;
    return Object.freeze({
      postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState: function () { var s = sessionStorage.getItem('vscode-state'); return s === null ? undefined : JSON.parse(s); },
      setState: function (s) { sessionStorage.setItem('vscode-state', JSON.stringify(s)); return s; },
    });
  };
})();
`;

export function harnessHtml(origin: string, theme: Theme): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = `default-src 'none'; style-src ${origin}; script-src 'nonce-${nonce}'; img-src data:; font-src ${origin};`;
  const bodyClass = theme === 'hc' ? 'vscode-high-contrast' : theme === 'hc-light' ? 'vscode-high-contrast vscode-high-contrast-light' : `vscode-${theme}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${origin}/theme-${theme}.css">
<link rel="stylesheet" href="${origin}/media/explorer.css">
<script nonce="${nonce}">${MOCK}</script>
<title>Amplification Explorer (test harness)</title>
</head>
<body class="${bodyClass}" data-vscode-theme-kind="${theme === 'hc-light' ? 'vscode-high-contrast-light' : bodyClass}">
<script nonce="${nonce}" src="${origin}/dist/webview.js"></script>
</body>
</html>
`;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };

export interface HarnessServer {
  origin: string;
  url(theme?: Theme): string;
  close(): Promise<void>;
}

/** Serves the harness page, dist/ and media/ from the repository root. */
export async function startServer(root: string): Promise<HarnessServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', origin);
      try {
        if (u.pathname === '/harness.html') {
          const theme = (u.searchParams.get('theme') ?? 'light') as Theme;
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
          res.end(harnessHtml(origin, theme in THEMES ? theme : 'light'));
          return;
        }
        const m = /^\/theme-(light|dark|hc|hc-light)\.css$/.exec(u.pathname);
        if (m) {
          res.writeHead(200, { 'content-type': 'text/css', 'cache-control': 'no-store' });
          res.end(themeCss(m[1] as Theme));
          return;
        }
        if (!/^\/(dist|media)\//.test(u.pathname)) throw new Error('not found');
        const file = normalize(join(root, decodeURIComponent(u.pathname)));
        if (!file.startsWith(root + sep)) throw new Error('not found');
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (theme: Theme = 'light') => `${origin}/harness.html?theme=${theme}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
