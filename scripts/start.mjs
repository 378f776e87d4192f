// `npm start`: the product in a browser. Packages the VSIX, installs code-server (a real VS Code,
// from npm) into .vscode-test/ on first use, installs the VSIX into an isolated profile, opens a
// demo workspace with a sample user task, and prints the URL. Ctrl+C stops it.
// `npm run start:desktop`: installs the VSIX into a desktop VS Code (`code` on PATH) and opens the
// demo workspace there.
// Usage: node scripts/start.mjs [--port N] [--desktop]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureCodeServer, startCodeServer } from './e2e/code-server.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' }, desktop: { type: 'boolean' } } });
const vsix = resolve('.vscode-test/amplification-explorer.vsix');
const workspace = resolve('.vscode-test/demo-workspace');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The demo workspace: a sample user task and a short guide (kept between starts, with its runs). */
function demoWorkspace() {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  if (!existsSync(join(workspace, 'range-max.task.ts'))) copyFileSync('examples/range-max.task.ts', join(workspace, 'range-max.task.ts'));
  writeFileSync(join(workspace, 'WELCOME.md'), `# Amplification Explorer — demo workspace

1. Open the **Amplification** view in the activity bar, or run **Amplification: New Run…** (F1):
   permutation powering at N = 8 is the default. Step a round, or run a few.
2. In the Explorer, click a node of the decomposition tree: the inspector shows X's answer, H's,
   the ground truth and the transcript. **Override answer…** changes a subanswer and H recomputes
   up to the root; **Add note…** annotates it.
3. \`range-max.task.ts\` is a user-written task: the CodeLens above it runs **Check** (H against
   ground truth) and **Explore** (its trees). Edit its expert to break it and check again.

Runs are kept in \`.amplification/runs/\` of this folder.
`);
  writeFileSync(join(workspace, '.vscode/settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none' }, null, 2) + '\n');
}

function freePort(preferred) {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => {
      const t = createServer();
      t.listen(0, '127.0.0.1', () => {
        const p = t.address().port;
        t.close(() => res(p));
      });
    });
    s.listen(preferred, '127.0.0.1', () => s.close(() => res(preferred)));
  });
}

run(process.execPath, ['scripts/package.mjs', '--out', vsix]);
demoWorkspace();

if (values.desktop) {
  const code = spawnSync('code', ['--version'], { encoding: 'utf8' });
  if (code.status !== 0) {
    console.error('start:desktop: no `code` command on PATH (VS Code: "Shell Command: Install \'code\' command in PATH"). Use `npm start` for the browser version.');
    process.exit(1);
  }
  run('code', ['--install-extension', vsix, '--force']);
  run('code', [workspace, join(workspace, 'WELCOME.md')]);
  console.log(`Installed ${vsix} into VS Code ${code.stdout.split('\n')[0]} and opened ${workspace}.`);
  process.exit(0);
}

ensureCodeServer();
const port = await freePort(Number(values.port ?? process.env.PORT ?? 8080));
const server = await startCodeServer({ workspace, vsix, state: resolve('.vscode-test/start-profile'), port, settings: { 'workbench.startupEditor': 'none' } });
const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
console.log(`\nAmplification Explorer is running in VS Code (code-server):\n\n  ${url}\n\nOpen it in a browser on this machine; Ctrl+C stops it.`);
const stop = () => {
  server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Keep running while code-server does.
setInterval(async () => {
  try {
    await fetch(`${server.url}/healthz`);
  } catch {
    console.error(`code-server stopped:\n${server.log().slice(-2000)}`);
    process.exit(1);
  }
}, 5000);
