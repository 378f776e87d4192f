/// <reference lib="dom" />
/**
 * The Explorer webview's entry (bundled to dist/webview.js as an IIFE). It mounts into `#app` when
 * the host page has one, else into <body>, and posts `ready`; the host answers with `init`.
 */
import { App } from './app';

function boot(): void {
  const mount = document.getElementById('app') ?? document.body;
  try {
    new App(mount);
  } catch (e) {
    // Last resort: never leave a blank panel.
    const p = document.createElement('pre');
    p.className = 'fatal';
    p.textContent = `The Explorer failed to start: ${e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e)}`;
    mount.append(p);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
