// Builds the bundles with esbuild: the CLI, the core library (what user task files import), the
// extension host and the webview; then the core's type declarations with tsc.
// Usage: node scripts/build.mjs [--no-types] [--watch] [--production (minified, no source maps: the VSIX)]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import { buildNative } from './build-native.mjs';

const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'node20', platform: 'node', format: 'cjs' };

// esbuild compiles user task files at run time: it stays external (the VSIX ships it).
// The CLI loads TensorFlow.js from node_modules (so that @tensorflow/tfjs-node, when installed,
// registers with the same instance). The training worker and the data-parallel replica bundle it
// (the VSIX has no node_modules for it) and find the .wasm binaries in dist/wasm/.
const external = ['esbuild', '@tensorflow/*'];
const bundledTf = ['esbuild', '@tensorflow/tfjs-node'];
const builds = [
  { ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', external },
  { ...common, entryPoints: ['src/engine/worker-main.ts'], outfile: 'dist/worker.js', external: bundledTf },
  { ...common, entryPoints: ['src/learner/replica-main.ts'], outfile: 'dist/learner-replica.js', external: bundledTf },
  { ...common, entryPoints: ['src/learner/decode-worker-main.ts'], outfile: 'dist/learner-decode.js', external: bundledTf },
  { ...common, entryPoints: ['src/core/index.ts'], outfile: 'dist/core.js' },
  // The process that loads and checks a user's task file and computes the Explorer's views with it
  // (src/engine/task-sandbox.ts starts it; its entry registers the views, src/extension/explorer/).
  { ...common, entryPoints: ['src/extension/task-sandbox-main.ts'], outfile: 'dist/task-sandbox.js', external },
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', ...external] },
  // The Explorer panel's webview (webview/explorer/), for the browser sandbox.
  { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', entryPoints: ['webview/explorer/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
  // The play panel's webview (webview/play/): a person plays H.
  { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', entryPoints: ['webview/play/main.ts'], outfile: 'dist/play.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

// Our wasm SIMD kernels (src/learner/native/): rebuilt from C when clang is present, else the
// committed binaries are bundled as they are.
buildNative();

mkdirSync('dist/wasm', { recursive: true });
const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
// Node runs the wasm backend single-threaded: the threaded binary is never loaded.
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copyFileSync(join(wasmDist, f), join('dist/wasm', f));

if (args.has('--watch')) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (!args.has('--no-types')) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
  }
}
