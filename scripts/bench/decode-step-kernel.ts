/**
 * H′'s fused token step alone (src/learner/native/decode-step.c, docs/performance.md §7c): one call
 * over a synthetic cache of R = 1,024 rows (W 48, the token at column C = 30, every row's
 * distribution wanted, some hidden columns), H′ `tiny` untrained, timed by process CPU per call
 * (medians of 10 × 20 calls, the binaries interleaved). Without arguments the committed module;
 * with paths of .wasm files, each of them (e.g. variants of decode-step.c compiled with
 * scripts/build-native.mjs's clang flags, to see where the kernel's time goes).
 * Usage: npx esbuild scripts/bench/decode-step-kernel.ts --bundle --platform=node --format=cjs
 *   --external:@tensorflow/* --outfile=out/bench/decode-step-kernel.js && node out/bench/decode-step-kernel.js [a.wasm b.wasm …]
 */
import fs from 'node:fs';
import { builtinTask } from '../../src/core/index';
import { createModelH } from '../../src/learner/factory';
import { NEG } from '../../src/learner/layers';
import type { Weights } from '../../src/learner/layers';
import type { WasmBackend } from '../../src/learner/native/loader';
import { DECODE_STEP_WASM } from '../../src/learner/native/decode-step-wasm';
import type * as tfjs from '@tensorflow/tfjs';

type Kernel = (...args: number[]) => void;

async function main() {
  const task = builtinTask('permutation-powering')!;
  const h = await createModelH({ task, preset: 'tiny', seed: 1, backend: 'wasm' });
  const tf = h.tf;
  const wasm = tf.backend() as unknown as WasmBackend;
  const cfg = h.config;
  const V = h.vocabulary.size;
  const R = 1024, W = 48, C = 30, d = cfg.dModel, H = cfg.heads, dk = d / H;
  const kv = Array.from({ length: cfg.layers }, () => ({ k: tf.randomNormal([R, H, W, dk]), v: tf.randomNormal([R, H, W, dk]) }));
  const keys = tf.randomNormal([R, 1, W, d]);
  const bias = new Float32Array(R * W).fill(NEG);
  for (let r = 0; r < R; r++) for (let j = 0; j <= C; j++) if (!(j > 10 && j < 10 + (r % 8))) bias[r * W + j] = 0;
  const ids = new Int32Array(R * W).map((_, i) => i % V);
  const tokens = new Int32Array(5 * R).map((_, i) => (i < R ? 7 + (i % 20) : i < 2 * R ? 1 : i < 3 * R ? 0 : i < 4 * R ? 1 : C));
  const want = new Int32Array(R).fill(2);
  const P = (h as unknown as { weights: { byName: Weights } }).weights.byName;
  const mem = wasm.wasm.asm?.memory as WebAssembly.Memory;
  const given = process.argv.slice(2);
  const files = given.length > 0 ? given : ['(committed)'];
  const binary = (f: string) => (given.length > 0 ? fs.readFileSync(f) : Buffer.from(DECODE_STEP_WASM.base64, 'base64'));
  const fns = files.map((f) => new WebAssembly.Instance(new WebAssembly.Module(binary(f)), { env: { memory: mem } }).exports.decode_step as Kernel);
  const mk = (shape: number[], dtype: 'float32' | 'int32') => wasm.makeOutput(shape, dtype);
  const names = ['embed/token', 'embed/type', 'embed/position', 'embed/offset', 'embed/segment'];
  for (let l = 0; l < cfg.layers; l++) names.push(...['attnorm/g', 'attnorm/b', 'qkv/w', 'qkv/b', 'out/w', 'out/b', 'ffnorm/g', 'ffnorm/b', 'ff1/w', 'ff1/b', 'ff2/w', 'ff2/b'].map((n) => `l${l}/${n}`), '', '');
  names.push('final/g', 'final/b', 'vocab/w', 'vocab/b', 'copy/query/w', 'copy/query/b', 'copy/key/w', 'copy/key/b', 'gate/w', 'gate/b', '');
  const tptrs = mk([names.length], 'int32'), ttok = mk([5 * R], 'int32'), tb = mk([R * W], 'float32'), tid = mk([R * W], 'int32'), tw = mk([R], 'int32'), tout = mk([R * V], 'float32'), tlive = mk([R], 'int32'), tscr = mk([R * (8 * d + cfg.dFF + V + 1) + 2 * W + V], 'float32');
  const addr = (t: tfjs.TensorInfo) => wasm.typedArrayFromHeap(t).byteOffset;
  const table = new Int32Array(names.length);
  names.forEach((n, i) => { if (n) table[i] = addr(P.get(n)!); });
  kv.forEach((x, l) => { table[5 + 14 * l + 12] = addr(x.k); table[5 + 14 * l + 13] = addr(x.v); });
  table[names.length - 1] = addr(keys);
  wasm.typedArrayFromHeap(tptrs).set(table); wasm.typedArrayFromHeap(ttok).set(tokens); wasm.typedArrayFromHeap(tb).set(bias); wasm.typedArrayFromHeap(tid).set(ids); wasm.typedArrayFromHeap(tw).set(want);
  const call = (f: Kernel) => f(addr(tptrs), addr(ttok), addr(tb), addr(tid), addr(tw), addr(tout), addr(tlive), addr(tscr), R, W, C, d, H, cfg.dFF, V, cfg.layers);
  const res = fns.map(() => [] as number[]);
  for (let rep = 0; rep < 10; rep++) fns.forEach((f, k) => {
    const c = process.cpuUsage();
    for (let i = 0; i < 20; i++) call(f);
    const u = process.cpuUsage(c);
    res[k].push((u.user + u.system) / 1000 / 20);
  });
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  files.forEach((f, k) => console.log(`${f}: ${med(res[k]).toFixed(2)} ms per call (R ${R}, C ${C}), ${(1000 * med(res[k]) / R).toFixed(2)} µs per row`));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
