// `npm run test:e2e`: the main UI flow (ui.mjs), then every flow in scripts/e2e/flows/ (one file
// per flow, each its own code-server and profile), one after the other. Exits 1 if any failed.
// Usage: node scripts/e2e/flows.mjs [name …]   (names of flows to run; default: all)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'scripts/e2e/flows';
const all = ['scripts/e2e/ui.mjs', ...(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort().map((f) => join(dir, f)) : [])];
const wanted = process.argv.slice(2);
const files = wanted.length ? all.filter((f) => wanted.some((w) => f.includes(w))) : all;
const failed = [];
for (const file of files) {
  console.log(`\n== ${file}`);
  if (spawnSync(process.execPath, [file], { stdio: 'inherit' }).status !== 0) failed.push(file);
}
console.log(failed.length ? `\ne2e: ${failed.length} of ${files.length} flows failed: ${failed.join(', ')}` : `\ne2e: ${files.length} flows passed`);
process.exit(failed.length ? 1 : 0);
