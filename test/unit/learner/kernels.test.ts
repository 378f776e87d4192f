// The wasm kernel fixes (src/learner/kernels.ts) against the stock cpu backend, forward and backward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learner/backend';
import { values } from './random-values';
import { copySlice, scatterAdd } from '../../../src/learner/kernels';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

function ints(n: number, max: number, seed: number): Int32Array {
  return Int32Array.from(values(n, seed), (v) => Math.floor(((v + 1) / 2) * max) % max);
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs `fn` on a backend and returns its outputs as arrays. */
async function on(backend: 'cpu' | 'wasm', fn: (tf: TF) => Tensor | Tensor[]): Promise<Float32Array[]> {
  const { tf } = await initBackend(backend);
  assert.equal(tf.getBackend(), backend);
  const out = tf.tidy(() => {
    const r = fn(tf);
    return Array.isArray(r) ? r : [r];
  });
  const arrays = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  return arrays;
}

function assertClose(actual: ArrayLike<number>[], expected: ArrayLike<number>[], what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: number of outputs`);
  actual.forEach((a, k) => {
    const e = expected[k];
    assert.equal(a.length, e.length, `${what}[${k}]: length`);
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i] - e[i]);
      if (!(err <= tol * Math.max(1, Math.abs(e[i])))) assert.fail(`${what}[${k}][${i}]: ${a[i]} vs ${e[i]}`);
    }
  });
}

async function sameOnBoth(what: string, fn: (tf: TF) => Tensor | Tensor[]): Promise<void> {
  const expected = await on('cpu', fn);
  const actual = await on('wasm', fn);
  assertClose(actual, expected, what);
}

test('UnsortedSegmentSum: wasm and cpu kernels agree with a plain reference', async () => {
  for (const [rows, width, segments, idShape] of [
    [50, 7, 10, [50]],
    [20, 1, 3, [20]],
    [12, 5, 40, [3, 4]],
  ] as const) {
    const x = values(rows * width, rows + width);
    const ids = ints(rows, segments, segments);
    const ref = new Float32Array(segments * width);
    scatterAdd(x, ids, width, segments, ref);
    const xShape = [...idShape, width];
    const f = (tf: TF) => {
      const idT: Tensor = tf.tensor(ids, Array.from(idShape), 'int32');
      return tf.unsortedSegmentSum(tf.tensor(x, xShape), idT as tfjs.Tensor1D, segments);
    };
    assertClose(await on('wasm', f), [ref], `segment sum ${rows}x${width}`);
    assertClose(await on('cpu', f), [ref], `segment sum ${rows}x${width} (cpu)`);
  }
  // Out-of-range ids are dropped, as in TensorFlow.
  const out = new Float32Array(4);
  scatterAdd([1, 2, 3, 4], [0, -1, 3, 9], 1, 4, out);
  assert.deepEqual([...out], [1, 0, 0, 3]);
});

test('gradients of gather (embeddings) agree with cpu and with a one-hot product', async () => {
  const V = 23;
  const e = 6;
  const idx = ints(41, V, 7);
  const table = values(V * e, 3);
  const w = values(41 * e, 4);
  const viaGather = (tf: TF) => tf.grad((p: Tensor) => tf.gather(p, tf.tensor1d(idx, 'int32')).mul(tf.tensor2d(w, [41, e])).sum())(tf.tensor2d(table, [V, e]));
  const viaOneHot = (tf: TF) => tf.grad((p: Tensor) => tf.matMul(tf.oneHot(tf.tensor1d(idx, 'int32'), V), p).mul(tf.tensor2d(w, [41, e])).sum())(tf.tensor2d(table, [V, e]));
  const reference = await on('cpu', viaOneHot);
  assertClose(await on('wasm', viaGather), reference, 'embedding gradient (wasm)');
  assertClose(await on('cpu', viaGather), reference, 'embedding gradient (cpu)');
  // Gather along other axes and with batch dimensions (forward and backward).
  const x = values(4 * 5 * 6, 9);
  await sameOnBoth('gather axis 1', (tf) => tf.gather(tf.tensor3d(x, [4, 5, 6]), tf.tensor1d([4, 0, 0, 2], 'int32'), 1));
  await sameOnBoth('gather axis 2', (tf) => tf.gather(tf.tensor3d(x, [4, 5, 6]), tf.tensor2d([5, 1, 0, 3], [2, 2], 'int32'), 2));
  await sameOnBoth('gather batchDims 1', (tf) => tf.gather(tf.tensor3d(x, [4, 5, 6]), tf.tensor2d([1, 2, 0, 0, 4, 4, 3, 1], [4, 2], 'int32'), 1, 1));
  await sameOnBoth('gather axis 1 gradient', (tf) =>
    tf.grad((p: Tensor) => tf.gather(p, tf.tensor1d([4, 0, 0, 2], 'int32'), 1).square().sum())(tf.tensor3d(x, [4, 5, 6])),
  );
  const { tf } = await initBackend('wasm');
  assert.throws(() => tf.gather(tf.tensor2d(x.slice(0, 30), [5, 6]), tf.tensor1d([5], 'int32')), /index value 5 is not in \[0, 4\]/);
});

test('slice and split agree with cpu', async () => {
  const x = values(3 * 4 * 5 * 2 * 3, 11);
  const shape = [3, 4, 5, 2, 3];
  for (const [begin, sz] of [
    [[0, 0, 0, 0, 0], [3, 4, 5, 2, 3]],
    [[1, 0, 0, 0, 0], [2, 4, 5, 2, 3]],
    [[0, 1, 2, 0, 1], [3, 2, 3, 2, 2]],
    [[2, 3, 4, 1, 2], [1, 1, 1, 1, 1]],
    [[0, 0, 1, 0, 0], [3, 4, 3, 2, 3]],
  ]) {
    await sameOnBoth(`slice ${begin.join(',')}`, (tf) => tf.slice(tf.tensor(x, shape), begin, sz));
    const out = new Float32Array(size(sz));
    const ref = await on('cpu', (tf) => tf.slice(tf.tensor(x, shape), begin, sz));
    copySlice(x, shape, begin, sz, out);
    assertClose([out], ref, 'copySlice');
  }
  await sameOnBoth('slice 1-d', (tf) => tf.slice(tf.tensor1d(x), [17], [40]));
  await sameOnBoth('split', (tf) => tf.split(tf.tensor(x, shape), [1, 3, 1], 2));
  await sameOnBoth('split 1-d', (tf) => tf.split(tf.tensor1d(x), [100, 0, 200, 60]));
  await sameOnBoth('split gradient', (tf) =>
    tf.grad((p: Tensor) => {
      const [a, b] = tf.split(p, [2, 3], 2);
      return a.square().sum().add(b.mul(3).sum());
    })(tf.tensor3d(x.slice(0, 60), [3, 4, 5])),
  );
});

test('matMul and fused matMul with transposes agree with cpu (forward and gradients)', async () => {
  const cases: [number[], number[], boolean, boolean][] = [];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const m = 5;
      const k = 7;
      const n = 3;
      cases.push([ta ? [k, m] : [m, k], tb ? [n, k] : [k, n], ta, tb]);
      cases.push([ta ? [1, k, m] : [1, m, k], tb ? [1, n, k] : [1, k, n], ta, tb]);
      cases.push([ta ? [3, k, m] : [3, m, k], tb ? [3, n, k] : [3, k, n], ta, tb]);
      cases.push([ta ? [2, 1, k, m] : [2, 1, m, k], tb ? [1, 4, n, k] : [1, 4, k, n], ta, tb]);
    }
  }
  for (const [sa, sb, ta, tb] of cases) {
    const a = values(size(sa), sa.length * 31 + size(sb));
    const b = values(size(sb), sb.length * 17 + size(sa));
    const what = `matMul [${sa}]${ta ? 'ᵀ' : ''} × [${sb}]${tb ? 'ᵀ' : ''}`;
    await sameOnBoth(what, (tf) => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), ta, tb));
    // (tfjs's own BatchMatMul gradient does not support broadcast batches, on any backend.)
    if (sa.length === 4) continue;
    await sameOnBoth(`${what} gradients`, (tf) => {
      const g = tf.grads((x: Tensor, y: Tensor) => tf.matMul(x, y, ta, tb).square().sum());
      return g([tf.tensor(a, sa), tf.tensor(b, sb)]);
    });
  }
  // Fused product with bias and ReLU, as a dense layer uses it, with and without transposes.
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const a = values(6 * 5, 1);
    const w = values(5 * 4, 2);
    const bias = values(4, 3);
    const r = values(6 * 4, 4);
    const what = `fused matMul ${ta} ${tb}`;
    const f = (tf: TF) => {
      const A = ta ? tf.tensor2d(a, [6, 5]).transpose() : tf.tensor2d(a, [6, 5]);
      const W = tb ? tf.tensor2d(w, [5, 4]).transpose() : tf.tensor2d(w, [5, 4]);
      return { A, W };
    };
    await sameOnBoth(what, (tf) => {
      const { A, W } = f(tf);
      return tf.fused.matMul({ a: A, b: W, transposeA: ta, transposeB: tb, bias: tf.tensor1d(bias), activation: 'relu' });
    });
    await sameOnBoth(`${what} gradients`, (tf) => {
      const { A, W } = f(tf);
      const g = tf.grads((x: Tensor, y: Tensor, z: Tensor) =>
        tf.fused.matMul({ a: x, b: y, transposeA: ta, transposeB: tb, bias: z, activation: 'relu' }).mul(tf.tensor2d(r, [6, 4])).sum(),
      );
      return g([A, W, tf.tensor1d(bias)]);
    });
  }
});

test('a two-layer network with attention: loss gradients agree with cpu', async () => {
  const B = 4;
  const L = 5;
  const d = 8;
  const x = values(B * L * d, 5);
  const w1 = values(d * 3 * d, 6);
  const w2 = values(d * d, 7);
  const net = (tf: TF) =>
    tf.grads((X: Tensor, W1: Tensor, W2: Tensor) => {
      const qkv = tf.matMul(X.reshape([B * L, d]), W1).reshape([B, L, 3 * d]);
      const [q, k, v] = tf.split(qkv, 3, 2);
      const att = tf.softmax(tf.matMul(q, k, false, true).div(Math.sqrt(d)));
      const h = tf.relu(tf.matMul(tf.matMul(att, v).reshape([B * L, d]), W2));
      return tf.gather(h, tf.tensor1d([0, 3, 3, 7, 19], 'int32')).square().sum();
    })([tf.tensor3d(x, [B, L, d]), tf.tensor2d(w1, [d, 3 * d]), tf.tensor2d(w2, [d, d])]);
  await sameOnBoth('attention network gradients', net);
});
