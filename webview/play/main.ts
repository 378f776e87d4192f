/// <reference lib="dom" />
/**
 * The play panel's webview entry (bundled to dist/play.js as an IIFE): mounts into `#app` (else
 * <body>) and posts `ready`; the host answers with the session's `state`.
 */
import { PlayApp } from './app';

function boot(): void {
  const mount = document.getElementById('app') ?? document.body;
  try {
    new PlayApp(mount);
  } catch (e) {
    // Last resort: never leave a blank panel.
    const p = document.createElement('pre');
    p.className = 'fatal';
    p.textContent = `The play panel failed to start: ${e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e)}`;
    mount.append(p);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
