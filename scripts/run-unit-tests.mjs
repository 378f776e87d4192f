// Bundles each test/unit/**/*.test.ts with esbuild into out/test/ and runs them with Node's test
// runner. Usage: node scripts/run-unit-tests.mjs [filter-substring]
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';

const filter = process.argv[2];
const found = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.test.ts') && (!filter || p.includes(filter))) found.push(p);
  }
};
walk('test/unit');
if (found.length === 0) {
  console.error(`no unit tests match ${filter ?? 'test/unit/**/*.test.ts'}`);
  process.exit(1);
}
// Tests of the worker thread need the bundles (dist/worker.js).
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--no-types'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
rmSync('out/test/unit', { recursive: true, force: true });
const outfiles = found.map((f) => join('out', relative('.', f)).replace(/\.ts$/, '.js'));
await Promise.all(found.map((f, i) => esbuild.build({
  entryPoints: [f], outfile: outfiles[i], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
  sourcemap: 'inline', external: ['esbuild', '@tensorflow/*', 'typescript'], logLevel: 'warning',
})));
const r = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...outfiles], { stdio: 'inherit' });
process.exit(r.status ?? 1);
