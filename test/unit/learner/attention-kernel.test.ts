// Fused attention on wasm (src/learner/attention-kernel.ts, native/attention.c): the committed
// binary is the one its C source and matmul-blocks.h build; attend() through the fused kernels
// equals the composite (forward and the gradients of q, k, v and the bias, for every broadcast of
// the bias), and so does attention read from the projections' layout (attentionOutput: self-
// attention's qkv, queries and a memory through row indices); neither leaks a tensor, and X's and
// H′'s training give the same losses with them on and off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { builtinTask } from '../../../src/core/index';
import { initBackend } from '../../../src/learner/backend';
import { attentionFromProjectionsEnabled, biasStrides, FUSED_ATTENTION, FUSED_ATTENTION_GRAD, fusedAttend, fusedAttendProjections, fusedAttentionEnabled, setAttentionFromProjections, setFusedAttention } from '../../../src/learner/attention-kernel';
import { createModelH } from '../../../src/learner/factory';
import { attend, attentionOutput, NEG, splitHeads } from '../../../src/learner/layers';
import { ATTENTION_WASM } from '../../../src/learner/native/attention-wasm';
import { assertNativeModule, sourceSha256 } from './native-module';
import { examples } from './expert-examples';
import { assertClose, assertSameXLosses, size, valuesWith, withSwitch, xBatch, type KernelSwitch } from './kernel-checks';
import { values } from './random-values';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

const FUSED: KernelSwitch = { set: setFusedAttention, enabled: fusedAttentionEnabled };
const FROM_PROJECTIONS: KernelSwitch = { set: setAttentionFromProjections, enabled: attentionFromProjectionsEnabled };
const withFused = (tf: TF, on: boolean, fn: () => Tensor[]) => valuesWith(tf, FUSED, on, fn);

test('the committed attention binary is built from the C source as it is now, and touches only the memory it imports', () => {
  assertNativeModule('attention', ATTENTION_WASM, ['attention_forward', 'attention_backward']);
  // The recorded hash covers the shared header too: it is not the hash of attention.c alone.
  assert.notEqual(ATTENTION_WASM.sourceSha256, createHash('sha256').update(readFileSync('src/learner/native/attention.c')).digest('hex'));
  assert.equal(ATTENTION_WASM.sourceSha256, sourceSha256('attention'));
});

// [B, H, Lq, Lk, dk, bias shape, which bias entries are NEG]: the broadcasts the models use (X's
// facts [U,H,N,N] with the symbol-match bonus and [U,1,1,N] without; its questions and decoder
// [B,1,1,N+1], [B,H,1,N+1], [1,1,T,T]; H′'s [1,1,L,L], [A,1,L,C], [A,1,1,C]), lower ranks, Lq = 1,
// Lk and dk off the blocks of 4, and fully masked rows.
type Mask = (b: number, h: number, i: number, j: number) => boolean;
const none: Mask = () => false;
const causal: Mask = (_b, _h, i, j) => j > i;
const CASES: [number, number, number, number, number, number[], Mask][] = [
  [3, 2, 5, 7, 16, [3, 2, 5, 7], (b, _h, _i, j) => b === 1 && j % 3 === 0],
  [2, 4, 8, 8, 16, [2, 4, 8, 8], (b, _h, _i, j) => j >= 6 - b],
  [2, 4, 8, 8, 16, [2, 1, 1, 8], (b, _h, _i, j) => j >= 6 - b],
  [5, 4, 1, 9, 16, [5, 1, 1, 9], (b, _h, _i, j) => b === 2 || (b === 3 && j > 4)],
  [5, 4, 1, 9, 16, [5, 4, 1, 9], (b, h, _i, j) => (b === 0 && h === 1) || j === 8],
  [1, 2, 6, 6, 32, [1, 1, 6, 6], causal],
  [4, 2, 3, 11, 32, [4, 1, 3, 11], (b, _h, i, j) => (b === 1 && i === 2) || j === 10 - b],
  [4, 2, 1, 13, 32, [4, 1, 1, 13], (b, _h, _i, j) => j < b],
  [3, 3, 2, 1, 5, [3, 1, 1, 1], none],
  [2, 3, 4, 6, 7, [4, 6], causal],
  [2, 3, 4, 6, 8, [6], (_b, _h, _i, j) => j === 0],
  [2, 3, 4, 6, 8, [1, 3, 1, 1], none],
  [2, 3, 4, 6, 8, [2, 1, 4, 1], (b, _h, i) => b === 1 && i === 3],
];

test('forward and gradients (q, k, v, bias of every broadcast, NEG masks, fully masked rows) equal the composite attend() within 1e-5', async () => {
  const { tf } = await initBackend('wasm');
  for (const [c, [B, H, Lq, Lk, dk, biasShape, masked]] of CASES.entries()) {
    const q = values(B * H * Lq * dk, 10 * c + 1);
    const k = values(B * H * Lk * dk, 10 * c + 2);
    const v = values(B * H * Lk * dk, 10 * c + 3);
    // A learned-looking bias (up to ±3) with NEG where masked, laid out as its own shape.
    const bias = values(size(biasShape), 10 * c + 4).map((x) => 3 * x);
    const padded = [...new Array<number>(4 - biasShape.length).fill(1), ...biasShape];
    for (let b = 0; b < padded[0]; b++) for (let h = 0; h < padded[1]; h++) for (let i = 0; i < padded[2]; i++) for (let j = 0; j < padded[3]; j++) {
      if (masked(b, h, i, j)) bias[((b * padded[1] + h) * padded[2] + i) * padded[3] + j] += NEG;
    }
    const w = values(B * Lq * H * dk, 10 * c + 5);
    const run = () => {
      const inputs = [tf.tensor4d(q, [B, H, Lq, dk]), tf.tensor4d(k, [B, H, Lk, dk]), tf.tensor4d(v, [B, H, Lk, dk]), tf.tensor(bias, biasShape)];
      const f = (...t: Tensor[]) => attend(tf, t[0], t[1], t[2], t[3]);
      const out = f(...inputs);
      assert.deepEqual(out.shape, [B, Lq, H * dk]);
      return [out, ...tf.grads((...t: Tensor[]) => tf.sum(tf.mul(f(...t), tf.tensor3d(w, [B, Lq, H * dk]))))(inputs)];
    };
    const fused = withFused(tf, true, run);
    const composite = withFused(tf, false, run);
    const what = `[${B},${H},${Lq},${Lk},${dk}] bias [${biasShape}]`;
    ['out', 'dq', 'dk', 'dv', 'dbias'].forEach((part, i) => assertClose(fused[i], composite[i], `${part} ${what}`));
  }
});

test('attend() on wasm runs the two fused kernels, without leaking tensors; on cpu, or switched off, the composite', async () => {
  const { tf } = await initBackend('wasm');
  const inputs = () => [tf.randomNormal([2, 4, 3, 5]), tf.randomNormal([2, 4, 6, 5]), tf.randomNormal([2, 4, 6, 5]), tf.zeros([2, 1, 1, 6])] as Tensor[];
  const step = () => tf.grads((...t: Tensor[]) => attend(tf, t[0], t[1], t[2], t[3]).sum())(inputs());
  const kernels = async () => (await tf.profile(() => tf.tidy(() => step()))).kernelNames;
  const names = await kernels();
  assert.ok(names.includes(FUSED_ATTENTION) && names.includes(FUSED_ATTENTION_GRAD), names.join(' '));
  assert.ok(!names.includes('Softmax') && !names.includes('BatchMatMul'), names.join(' '));
  setFusedAttention(false);
  try {
    const off = await kernels();
    assert.ok(!off.includes(FUSED_ATTENTION) && off.includes('Softmax'), off.join(' '));
  } finally {
    setFusedAttention(true);
  }
  // No leak: the forward alone, and the forward with its gradients.
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const t = inputs();
    attend(tf, t[0], t[1], t[2], t[3]);
  });
  tf.dispose(tf.tidy(() => step()));
  assert.equal(tf.memory().numTensors, before);
  // Biases that do not broadcast dimension by dimension are left to the composite.
  assert.deepEqual(biasStrides([1, 6], [2, 4, 3, 6]), [0, 0, 0, 1]);
  assert.deepEqual(biasStrides([2, 4, 3, 6], [2, 4, 3, 6]), [72, 18, 6, 1]);
  assert.equal(biasStrides([2, 6], [2, 4, 3, 6]), undefined);
  assert.equal(biasStrides([1, 1, 1, 1, 6], [2, 4, 3, 6]), undefined);
  const cpu = await initBackend('cpu');
  assert.equal(cpu.tf.tidy(() => fusedAttend(cpu.tf, cpu.tf.ones([1, 1, 2, 4]), cpu.tf.ones([1, 1, 3, 4]), cpu.tf.ones([1, 1, 3, 4]), cpu.tf.zeros([1, 1, 1, 3]))), undefined);
  await initBackend('wasm');
});

const task = builtinTask('permutation-powering')!;

test('X: the same training losses (within 1e-4) with fused attention on and off, and no tensors leak', async () => {
  await assertSameXLosses(FUSED, xBatch('fused'));
});

test('H′: the same training losses (within 1e-4) with fused attention on and off', async () => {
  const transcripts = examples('fused-h', 16).map((e) => e.transcript);
  const losses = (on: boolean) => withSwitch(FUSED, on, async () => {
    const model = await createModelH({ task, preset: 'tiny', seed: 3, backend: 'wasm' });
    const out = [1, 2, 3, 4].map(() => model.trainStep(transcripts).loss);
    model.dispose();
    return out;
  });
  const on = await losses(true);
  const off = await losses(false);
  assertClose(on, off, 'losses', 1e-4);
  assert.ok(on[3] < on[0], `the loss falls: ${on.join(', ')}`);
});

/** A bias of `shape` (up to ±3) with NEG where `masked` (its indices padded to [B, H, Lq, Lk]). */
function biasValues(shape: number[], seed: number, masked: Mask): Float32Array {
  const bias = values(size(shape), seed).map((x) => 3 * x);
  const padded = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  for (let b = 0; b < padded[0]; b++) for (let h = 0; h < padded[1]; h++) for (let i = 0; i < padded[2]; i++) for (let j = 0; j < padded[3]; j++) {
    if (masked(b, h, i, j)) bias[((b * padded[1] + h) * padded[2] + i) * padded[3] + j] += NEG;
  }
  return bias;
}

// Self-attention from qkv [B, L, 3·H·dk]: [B, L, H, dk, bias shape, mask] (X's facts with the
// symbol-match bonus and without, its decoder's causal self-attention, dk and L off the blocks).
const SELF: [number, number, number, number, number[], Mask][] = [
  [8, 8, 4, 16, [8, 4, 8, 8], (b, _h, _i, j) => j >= 8 - (b % 3)],
  [8, 8, 4, 16, [8, 1, 1, 8], (b, _h, _i, j) => j >= 7 - b],
  [5, 2, 4, 16, [1, 1, 2, 2], causal],
  [3, 5, 2, 7, [1, 1, 5, 5], causal],
  [2, 6, 3, 5, [2, 3, 1, 6], (b, h, _i, j) => b === 1 && h === 2 && j > 0],
];
// Queries [B, Lq, H·dk] to a memory [M, Lk, 2·H·dk] through rows (undefined: M = B, row b):
// [B, Lq, M, Lk, H, dk, rows, bias shape, mask] (X's questions and decoder, repeated and unused rows).
const MEMORY: [number, number, number, number, number, number, number[] | undefined, number[], Mask][] = [
  [6, 1, 3, 9, 4, 16, [2, 0, 2, 1, 0, 2], [6, 4, 1, 9], (b, _h, _i, j) => j >= 7 + (b % 2)],
  [5, 2, 2, 9, 4, 16, [1, 1, 0, 1, 0], [5, 1, 1, 9], (b, _h, _i, j) => j === 8 - b],
  [3, 3, 3, 7, 2, 5, undefined, [3, 1, 3, 7], (b, _h, i, j) => b === 1 && (i === 2 || j === 0)],
  [4, 1, 1, 1, 1, 3, [0, 0, 0, 0], [4, 1, 1, 1], none],
  [3, 2, 4, 5, 2, 8, [3, 3, 1], [1, 1, 1, 5], (_b, _h, _i, j) => j === 4],
];

test('attention from the projections\' layout equals the head split + composite attend(), forward and gradients within 1e-5', async () => {
  const { tf } = await initBackend('wasm');
  // The fused values (asserting that the fused path ran), then the composite's with fused attention off.
  const compare = (what: string, fused: () => Tensor[], composite: () => Tensor[]) => {
    const a = withFused(tf, true, fused);
    const b = withFused(tf, false, composite);
    assert.equal(a.length, b.length);
    a.forEach((x, i) => assertClose(x, b[i], `${what} #${i}`));
  };
  for (const [c, [B, L, H, dk, biasShape, masked]] of SELF.entries()) {
    const d = H * dk;
    const qkv = () => tf.tensor3d(values(B * L * 3 * d, 100 + c), [B, L, 3 * d]);
    const bias = () => tf.tensor(biasValues(biasShape, 200 + c, masked), biasShape);
    const w = () => tf.tensor3d(values(B * L * d, 300 + c), [B, L, d]);
    const check = (f: (x: Tensor, b: Tensor) => Tensor) => () => [f(qkv(), bias()), ...tf.grads((x: Tensor, b: Tensor) => f(x, b).mul(w()).sum())([qkv(), bias()])];
    const fused = (x: Tensor, b: Tensor) => {
      const out = fusedAttendProjections(tf, x, H, b);
      assert.ok(out, 'the fused kernels apply');
      return out;
    };
    const composite = (x: Tensor, b: Tensor) => {
      const [q, k, v] = tf.split(x, 3, 2).map((t) => splitHeads(t, H));
      return attend(tf, q, k, v, b);
    };
    compare(`self [${B},${L},${H},${dk}] bias [${biasShape}]`, check(fused), check(composite));
  }
  for (const [c, [B, Lq, M, Lk, H, dk, rows, biasShape, masked]] of MEMORY.entries()) {
    const d = H * dk;
    const q = () => tf.tensor3d(values(B * Lq * d, 400 + c), [B, Lq, d]);
    const kv = () => tf.tensor3d(values(M * Lk * 2 * d, 500 + c), [M, Lk, 2 * d]);
    const bias = () => tf.tensor(biasValues(biasShape, 600 + c, masked), biasShape);
    const rowsT = () => (rows ? tf.tensor1d(rows, 'int32') : undefined);
    const w = () => tf.tensor3d(values(B * Lq * d, 700 + c), [B, Lq, d]);
    const check = (f: (x: Tensor, m: Tensor, b: Tensor) => Tensor) => () => [f(q(), kv(), bias()), ...tf.grads((x: Tensor, m: Tensor, b: Tensor) => f(x, m, b).mul(w()).sum())([q(), kv(), bias()])];
    const fused = (x: Tensor, m: Tensor, b: Tensor) => {
      const out = fusedAttendProjections(tf, x, H, b, m, rowsT());
      assert.ok(out, 'the fused kernels apply');
      return out;
    };
    const composite = (x: Tensor, m: Tensor, b: Tensor) => {
      const r = rowsT();
      const [k, v] = tf.split(r ? tf.gather(m, r) : m, 2, 2).map((t) => splitHeads(t, H));
      return attend(tf, splitHeads(x, H), k, v, b);
    };
    compare(`memory [${B},${Lq}] to [${M},${Lk}] rows ${rows ? `[${rows}]` : '-'} H ${H} dk ${dk} bias [${biasShape}]`, check(fused), check(composite));
  }
});

test('attentionOutput() on wasm runs the fused kernels and no head split, merge or gather; it does not leak; a memory row out of range is an error', async () => {
  const { tf } = await initBackend('wasm');
  const d = 8;
  const weights = new Map<string, Tensor>();
  const P = () => {
    weights.clear();
    let seed = 900;
    const add = (name: string, shape: number[]) => weights.set(name, tf.tensor(values(size(shape), seed++), shape));
    for (const [name, width] of [['self/qkv', 3 * d], ['mem/q', d], ['mem/kv', 2 * d], ['self/out', d], ['mem/out', d]] as const) {
      add(`${name}/w`, [d, width]);
      add(`${name}/b`, [width]);
    }
    return weights;
  };
  const x = () => tf.tensor3d(values(4 * 3 * d, 1), [4, 3, d]);
  const memory = () => tf.tensor3d(values(2 * 5 * d, 2), [2, 5, d]);
  const rows = () => tf.tensor1d([1, 0, 1, 1], 'int32');
  const layer = (W: Map<string, Tensor>, xi: Tensor, m: Tensor) => {
    const self = attentionOutput(tf, W, 'self', xi, { heads: 2, bias: tf.zeros([1, 1, 3, 3]) });
    return attentionOutput(tf, W, 'mem', self, { heads: 2, bias: tf.zeros([4, 1, 1, 5]), memory: m, memoryRows: rows() });
  };
  const step = () => {
    const W = P();
    return tf.grads((xi: Tensor, m: Tensor) => layer(W, xi, m).sum())([x(), memory()]);
  };
  const kernels = async () => (await tf.profile(() => tf.dispose(tf.tidy(() => step())))).kernels.map((k) => k.name);
  const names = await kernels();
  assert.equal(names.filter((n) => n === FUSED_ATTENTION).length, 2, names.join(' '));
  assert.equal(names.filter((n) => n === FUSED_ATTENTION_GRAD).length, 2, names.join(' '));
  for (const absent of ['SplitV', 'Transpose', 'GatherV2', 'UnsortedSegmentSum', 'Concat']) assert.ok(!names.includes(absent), `${absent} in ${names.join(' ')}`);
  // Switched off: the heads are split (and the memory gathered) as in attention(), and the values are the same.
  const off = await withSwitch(FROM_PROJECTIONS, false, kernels);
  assert.ok(off.includes('SplitV') && off.includes('Transpose') && off.includes('GatherV2'), off.join(' '));
  const grads = (on: boolean) => withSwitch(FROM_PROJECTIONS, on, () => withFused(tf, true, step));
  const [a, b] = [await grads(true), await grads(false)];
  a.forEach((v, i) => assertClose(v, b[i], `gradient #${i}`));
  // No leak: the forward alone, and the forward with its gradients.
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    layer(P(), x(), memory());
  });
  tf.dispose(tf.tidy(() => step()));
  tf.dispose([...weights.values()]);
  assert.equal(tf.memory().numTensors, before);
  // Row indices address the memory in the kernel: one out of range is refused, not read.
  assert.throws(() => tf.tidy(() => fusedAttendProjections(tf, tf.zeros([2, 1, 4]), 2, tf.zeros([1, 1, 1, 3]), tf.zeros([2, 3, 8]), tf.tensor1d([0, 2], 'int32'))), /outside \[0, 2\)/);
});

test('X: the same training losses (within 1e-4) with attention from the projections on and off, and no tensors leak', async () => {
  await assertSameXLosses(FROM_PROJECTIONS, xBatch('projections'));
});
