// Builds the bundles with esbuild: the CLI, the core library (what user task files import), the
// extension host and the webview; then the core's type declarations with tsc.
// Usage: node scripts/build.mjs [--no-types] [--watch]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20', platform: 'node', format: 'cjs' };

// esbuild compiles user task files at run time; TensorFlow.js loads its .wasm files from its own
// package folder: both stay external (installed next to the bundles).
const external = ['esbuild', '@tensorflow/*'];
const builds = [
  { ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', external },
  { ...common, entryPoints: ['src/engine/worker-main.ts'], outfile: 'dist/worker.js', external },
  { ...common, entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', ...external] },
];
if (existsSync('webview/main.ts')) {
  builds.push({ bundle: true, sourcemap: true, logLevel: 'warning', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' });
}

if (args.has('--watch')) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (!args.has('--no-types')) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
  }
}
