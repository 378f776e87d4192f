// `npm run package`: the VSIX. A production build (minified bundles, no source maps), esbuild's
// runtime (it compiles users' task files) staged under dist/node_modules/ for this platform, then
// `vsce package --no-dependencies --target <this platform>`. Prints the VSIX's path and size.
// Usage: node scripts/package.mjs [--out FILE]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ?? 'dist/amplification-explorer.vsix';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

mkdirSync(dirname(out), { recursive: true });
run(process.execPath, ['scripts/build.mjs', '--production']);

// esbuild's JS API and its native binary (the package of this platform).
const platform = `${process.platform}-${process.arch}`;
const staged = 'dist/node_modules';
rmSync(staged, { recursive: true, force: true });
const esbuildDir = dirname(require.resolve('esbuild/package.json'));
mkdirSync(join(staged, 'esbuild/lib'), { recursive: true });
for (const f of ['package.json', 'LICENSE.md', 'lib/main.js']) cpSync(join(esbuildDir, f), join(staged, 'esbuild', f));
const binaryPkg = `@esbuild/${platform}`;
const binaryDir = dirname(createRequire(join(esbuildDir, 'package.json')).resolve(`${binaryPkg}/package.json`));
cpSync(binaryDir, join(staged, binaryPkg), { recursive: true });

// VS Code's platform names (https://code.visualstudio.com/api/working-with-extensions/publishing-extension#platformspecific-extensions).
const target = { 'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'darwin-x64': 'darwin-x64', 'darwin-arm64': 'darwin-arm64', 'win32-x64': 'win32-x64', 'win32-arm64': 'win32-arm64' }[platform];
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
// The README's relative links (docs/, images) point into the repository.
const repo = String(pkg.repository?.url ?? pkg.repository ?? '').replace(/\.git$/, '');
const base = repo ? ['--baseContentUrl', `${repo}/blob/HEAD`, '--baseImagesUrl', `${repo}/raw/HEAD`] : [];
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
run(process.execPath, [vsce, 'package', '--no-dependencies', ...(target ? ['--target', target] : []), ...base, '--out', out]);
console.log(`${out}: ${(statSync(out).size / 1048576).toFixed(1)} MB (${pkg.name} ${pkg.version}, ${target ?? 'any platform'})`);
