// `npm run bench`: training throughput of model X per available TensorFlow.js backend (same model,
// same data), and live tensors / RSS over 2,000 training steps. Results: bench-results/latest.json.
// Options: --preset small|tiny|paper (default small), --size N (default 8), --memory-steps N (default 2000).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const { values } = parseArgs({ options: { preset: { type: 'string' }, size: { type: 'string' }, 'memory-steps': { type: 'string' } } });
const preset = values.preset ?? 'small';
const size = values.size ?? '8';
const out = 'out/bench/learner-bench.js';
await esbuild.build({ entryPoints: ['scripts/bench/learner-bench.ts'], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['@tensorflow/*'], logLevel: 'warning' });

const require = createRequire(import.meta.url);
const backends = ['wasm', 'cpu'];
try {
  require.resolve('@tensorflow/tfjs-node');
  backends.unshift('tfjs-node');
} catch {
  console.log('(@tensorflow/tfjs-node is not installed: skipped)');
}

function child(args) {
  const r = spawnSync(process.execPath, [out, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    console.error(`failed: ${args.join(' ')}\n${r.stderr.slice(-2000)}`);
    return undefined;
  }
  return JSON.parse(line);
}

const results = { date: new Date().toISOString(), node: process.version, preset, size: Number(size), throughput: [], memory: undefined };
for (const b of backends) {
  // The cpu backend is 10–20× slower: fewer steps.
  const r = child(['--backend', b, '--preset', preset, '--size', size, '--steps', b === 'cpu' ? '3' : '20']);
  if (r) {
    results.throughput.push(r);
    console.log(`${b.padEnd(10)} ${preset}, N=${size}, batch ${r.batch}: ${r.msPerStep.toFixed(1)} ms/step, ${r.questionsPerSecond.toFixed(0)} questions/s, predict ${r.predictMs.toFixed(0)} ms`);
  }
}
const wasm = results.throughput.find((r) => r.backend === 'wasm');
for (const r of results.throughput) if (wasm && r !== wasm) console.log(`  ${r.backend} / wasm: ${(r.msPerStep / wasm.msPerStep).toFixed(2)}× the time per step`);
const steps = values['memory-steps'] ?? '2000';
const m = child(['--backend', 'wasm', '--preset', preset, '--size', size, '--memory', steps]);
if (m) {
  results.memory = m;
  console.log(`memory over ${m.steps} steps (wasm, ${m.seconds.toFixed(0)} s): ${m.samples.map((s) => `step ${s.step}: ${s.tensors} tensors, ${s.rssMB} MB`).join('; ')}`);
}
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
console.log('wrote bench-results/latest.json');
