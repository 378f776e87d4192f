// `npm run bench`: training throughput of model X per available TensorFlow.js backend (same model,
// same data) at N = 8 and 32, the same model trained with PyTorch on CPU as a reference
// (scripts/bench/torch_x.py, 1 and 2 threads; tfjs-wasm ÷ torch time per step), X's data-parallel
// step on 2 threads, H′'s decoding (transcripts per second) and an H round vs an H′ round
// (scripts/bench/expert.ts), and live tensors / RSS over 2,000 training steps (`npm run bench:soak`:
// 10,000). Wall times are medians; process CPU times are given beside them (on a shared machine
// compare those, or ratios within one run). Results: bench-results/latest.json.
// Options: --preset small|tiny|paper (default small), --sizes 8,32, --memory-steps N (default 2000; 0: skip),
// --torch-steps N (default 30), --no-torch, --no-expert, --only-memory. PyTorch runs under Debian's python3 (or $BENCH_PYTHON);
// when torch is missing and we are root with apt-get, `python3-torch libopenblas0-openmp` are installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const { values } = parseArgs({
  options: {
    preset: { type: 'string' }, sizes: { type: 'string' }, 'memory-steps': { type: 'string' }, 'torch-steps': { type: 'string' },
    'no-torch': { type: 'boolean' }, 'no-expert': { type: 'boolean' }, 'only-memory': { type: 'boolean' },
  },
});
const preset = values.preset ?? 'small';
const sizes = (values.sizes ?? '8,32').split(',');
const out = 'out/bench/learner-bench.js';
const expertOut = 'out/bench/expert.js';
for (const [entry, outfile] of [['scripts/bench/learner-bench.ts', out], ['scripts/bench/expert.ts', expertOut]]) {
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['@tensorflow/*', 'esbuild'], logLevel: 'warning' });
}
// The data-parallel replica runs dist/learner-replica.js.
if (!existsSync('dist/learner-replica.js')) spawnSync(process.execPath, ['scripts/build.mjs', '--no-types'], { stdio: 'inherit' });

const require = createRequire(import.meta.url);
const backends = ['wasm', 'cpu'];
try {
  require.resolve('@tensorflow/tfjs-node');
  backends.unshift('tfjs-node');
} catch {
  console.log('(@tensorflow/tfjs-node is not installed: skipped)');
}

function child(args, file = out) {
  const r = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.stderr && file === expertOut) process.stderr.write(r.stderr.split('\n').filter((l) => /^(H′|targets|round)/.test(l)).map((l) => `  ${l}\n`).join(''));
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    console.error(`failed: ${args.join(' ')}\n${r.stderr.slice(-2000)}`);
    return undefined;
  }
  return JSON.parse(line);
}

const results = { date: new Date().toISOString(), node: process.version, preset, sizes: sizes.map(Number), throughput: [], torch: [], ratio: {}, parallel: [], expert: undefined, memory: undefined };
const specs = {};
const fmt = (r) => `${r.msPerStep.toFixed(1)} ms/step (CPU ${r.cpuMsPerStep.toFixed(1)} ms), ${r.questionsPerSecond.toFixed(0)} questions/s`;
for (const size of values['only-memory'] ? [] : sizes) {
  for (const b of backends) {
    // The cpu backend is 10–20× slower: fewer steps.
    // After 40 warm-up steps (the first ~20 run up to 2× slower while V8 optimises; a run trains thousands).
    const r = child(['--backend', b, '--preset', preset, '--size', size, ...(b === 'cpu' ? ['--steps', '3', '--warmup', '2'] : ['--steps', '30'])]);
    if (r) {
      specs[size] ??= r.model;
      delete r.model;
      results.throughput.push(r);
      console.log(`${b.padEnd(10)} ${preset}, N=${size}, batch ${r.batch}: ${fmt(r)}, predict ${r.predictMs.toFixed(0)} ms`);
    }
  }
  const wasm = results.throughput.find((r) => r.backend === 'wasm' && r.size === Number(size));
  for (const r of results.throughput) if (wasm && r !== wasm && r.size === Number(size)) console.log(`  ${r.backend} / wasm: ${(r.msPerStep / wasm.msPerStep).toFixed(2)}× the time per step`);
  // X's data-parallel step: the same batch on 2 threads.
  const p = child(['--backend', 'wasm', '--preset', preset, '--size', size, '--steps', '30', '--threads', '2']);
  if (p) {
    delete p.model;
    results.parallel.push(p);
    console.log(`wasm 2thr   ${preset}, N=${size}, batch ${p.batch} on ${p.threads} threads: ${fmt(p)}${wasm ? `; ${(wasm.msPerStep / p.msPerStep).toFixed(2)}× the questions/s of one thread` : ''}`);
  }
}

// ---------------------------------------------------------------- PyTorch on CPU, the reference
// Fair settings (shared/notes/ml-backends.md): OpenBLAS (OpenMP build) instead of Debian's default
// netlib BLAS, glibc malloc that keeps freed tensor memory, torch.set_num_threads.
const MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '1073741824', MALLOC_TOP_PAD_: '67108864' };

function python() {
  return process.env.BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

function hasTorch() {
  const r = spawnSync(python(), ['-c', 'import torch'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** The folder of Debian's OpenMP OpenBLAS (libblas.so.3 inside), if installed. */
function openblasDir() {
  let arches;
  try {
    arches = readdirSync('/usr/lib');
  } catch {
    return undefined;
  }
  return arches.map((a) => `/usr/lib/${a}/openblas-openmp`).find((d) => existsSync(`${d}/libblas.so.3`));
}

/** Installs the missing Debian packages; a reason string when it cannot. */
function aptInstall(packages) {
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no apt-get';
  console.log(`installing ${packages.join(' ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 20 * 60_000 });
    if (r.error || r.status !== 0) return `apt-get ${args[0]} failed: ${(r.stderr || String(r.error ?? '')).trim().split('\n').slice(-3).join(' / ')}`;
  }
  return undefined;
}

function torchBench() {
  if (Object.keys(specs).length === 0) return 'skipped: no TensorFlow.js result to mirror';
  if (values['no-torch']) return 'skipped: --no-torch';
  const missing = [...(hasTorch() ? [] : ['python3-torch']), ...(openblasDir() ? [] : ['libopenblas0-openmp'])];
  if (missing.length > 0) {
    const why = aptInstall(missing);
    if (why && missing.includes('python3-torch')) return `skipped: PyTorch is not installed for ${python()} and could not be installed (${why}); on Debian/Ubuntu: apt-get install python3-torch libopenblas0-openmp`;
    if (why) console.log(`(libopenblas0-openmp could not be installed: ${why}; PyTorch uses the system BLAS, which may be far slower)`);
    if (!hasTorch()) return `skipped: ${python()} still cannot import torch after installing ${missing.join(' ')}`;
  }
  const blas = openblasDir();
  const env = { ...process.env, ...MALLOC_ENV, ...(blas && { LD_LIBRARY_PATH: [blas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }) };
  for (const [size, spec] of Object.entries(specs)) for (const threads of [1, 2]) {
    const args = ['scripts/bench/torch_x.py', '--spec', JSON.stringify(spec), '--threads', String(threads), '--steps', values['torch-steps'] ?? '30', '--warmup', '20'];
    const r = spawnSync(python(), args, { env: { ...env, OMP_NUM_THREADS: String(threads) }, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 10 * 60_000 });
    const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (r.error || !line) {
      console.error(`torch (${threads} thread${threads > 1 ? 's' : ''}) failed:\n${(r.stderr ?? String(r.error)).slice(-2000)}`);
      continue;
    }
    const t = { ...JSON.parse(line), size: Number(size) };
    results.torch.push(t);
    console.log(`${`torch ${threads}thr`.padEnd(10)} ${preset}, N=${size}, batch ${t.batch}: ${t.msPerStep.toFixed(1)} ms/step, ${t.questionsPerSecond.toFixed(0)} questions/s (torch ${t.package ?? t.torch}, ${t.blas})`);
    if (!t.parametersMatch) console.error(`  PARAMETER COUNT MISMATCH: torch ${t.parameterCount}, tfjs ${t.tfjsParameterCount}: torch_x.py is not the same model`);
  }
  if (results.torch.length === 0) return 'failed: no PyTorch measurement';
  const t0 = results.torch[0];
  console.log(`  parameters: tfjs ${specs[t0.size].parameterCount}, torch ${t0.parameterCount}${t0.parametersMatch ? ' (same)' : ' (DIFFERENT)'}`);
  for (const t of results.torch) {
    const wasm = results.throughput.find((r) => r.backend === 'wasm' && r.size === t.size);
    if (!wasm || wasm.batch !== t.batch) continue;
    const ratio = wasm.msPerStep / t.msPerStep;
    results.ratio[`N${t.size}/wasmOverTorch${t.threads}Threads`] = ratio;
    console.log(`  N=${t.size}: wasm / torch ${t.threads} thread${t.threads > 1 ? 's' : ''}: ${ratio.toFixed(2)}× the time per step`);
  }
  return undefined;
}

const torchStatus = values['only-memory'] ? 'skipped: --only-memory' : torchBench();
if (torchStatus) {
  results.torchSkipped = torchStatus;
  console.log(`torch      ${torchStatus}`);
}
results.models = Object.fromEntries(Object.entries(specs).map(([size, spec]) => [size, { parameterCount: spec.parameterCount, config: spec.config, contexts: spec.contexts, questionsPerContext: spec.questionsPerContext, factsPerContext: spec.factsPerContext }]));

// ---------------------------------------------------------------- H′ against H (N = 8)
if (!values['no-expert'] && !values['only-memory']) {
  console.log('H′ against H: training H′ to imitate H, then building a round\'s targets with each…');
  const e = child(['--backend', 'wasm', '--size', '8'], expertOut);
  if (e) results.expert = e;
}

const steps = values['memory-steps'] ?? '2000';
const m = steps === '0' ? undefined : child(['--backend', 'wasm', '--preset', preset, '--size', sizes[0], '--memory', steps]);
if (m) {
  results.memory = m;
  console.log(`memory over ${m.steps} steps (wasm, ${m.seconds.toFixed(0)} s): ${m.samples.map((s) => `step ${s.step}: ${s.tensors} tensors, ${s.rssMB} MB`).join('; ')}`);
}
mkdirSync('bench-results', { recursive: true });
writeFileSync(values['only-memory'] ? 'bench-results/soak.json' : 'bench-results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote bench-results/${values['only-memory'] ? 'soak' : 'latest'}.json`);
