// The wasm SIMD batched matmul (src/learner/batch-matmul.ts, native/batch-matmul.c): the committed
// binary is the one its C source builds, and its products, gradients and a training step agree
// with tfjs's own kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learner/backend';
import { values } from './random-values';
import { assertNativeModule } from './native-module';
import { assertClose, assertSameXLosses, size, valuesWith, xBatch, type KernelSwitch } from './kernel-checks';
import { setSimdBatchMatMul, simdBatchMatMul, simdBatchMatMulEnabled, simdFusedMatMul } from '../../../src/learner/batch-matmul';
import { BATCH_MATMUL_WASM } from '../../../src/learner/native/batch-matmul-wasm';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

const SIMD: KernelSwitch = { set: setSimdBatchMatMul, enabled: simdBatchMatMulEnabled };
const withKernel = (tf: TF, on: boolean, fn: () => Tensor[]) => valuesWith(tf, SIMD, on, fn);

test('the committed wasm binary is built from the C source as it is now, and touches only the memory it imports', () => {
  assertNativeModule('batch-matmul', BATCH_MATMUL_WASM, ['batch_matmul', 'bias_relu']);
});

// [a shape, b shape, transposeA, transposeB]: every flag combination, sizes off the kernel's
// blocks of 4 and 8 (remainder rows, columns and inner lengths), and batches that broadcast.
const CASES: [number[], number[], boolean, boolean][] = [
  [[6, 9, 13], [6, 13, 11], false, false],
  [[6, 9, 13], [6, 11, 13], false, true],
  [[6, 13, 9], [6, 13, 11], true, false],
  [[6, 13, 9], [6, 11, 13], true, true],
  [[2, 3, 17, 16], [2, 3, 17, 16], false, true],
  [[2, 3, 17, 17], [2, 3, 17, 16], false, false],
  [[2, 3, 17, 17], [2, 3, 17, 16], true, false],
  [[4, 8, 8], [4, 8, 24], false, false],
  [[1, 5, 7], [3, 7, 4], false, false],
  [[5, 7, 12], [12, 3], false, false],
  [[7, 12], [5, 3, 12], false, true],
  [[3, 1, 5], [3, 5, 1], false, false],
  [[3, 4, 0], [3, 0, 5], false, false],
  [[37, 21], [21, 19], false, false],
  [[21, 37], [19, 21], true, true],
  [[1, 64, 64], [1, 256, 64], false, true],
  [[300, 64], [300, 71], true, false],
];

test('products: the SIMD kernel equals tfjs\'s own within 1e-5 (all transposes, broadcast batches, remainders)', async () => {
  const { tf } = await initBackend('wasm');
  for (const [i, [sa, sb, tA, tB]] of CASES.entries()) {
    const a = values(size(sa), 3 * i + 1);
    const b = values(size(sb), 3 * i + 2);
    const product = () => [tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), tA, tB)];
    const [ours] = withKernel(tf, true, product);
    const [theirs] = withKernel(tf, false, product);
    assertClose(ours, theirs, `[${sa}]·[${sb}] tA=${tA} tB=${tB}`);
    // The product really is ours.
    const direct = tf.tidy(() => {
      const info = simdBatchMatMul(tf, { inputs: { a: tf.tensor(a, sa), b: tf.tensor(b, sb) }, backend: tf.backend(), attrs: { transposeA: tA, transposeB: tB } });
      if (!info) return undefined;
      const t = tf.engine().makeTensorFromTensorInfo(info);
      assert.deepEqual(t.shape, tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), tA, tB).shape);
      return Float32Array.from(t.dataSync());
    });
    assert.ok(direct, `[${sa}]·[${sb}]: served by the SIMD kernel`);
    assertClose(direct, theirs, `[${sa}]·[${sb}] direct`);
  }
  // Batches that broadcast other than whole-or-one are left to tfjs.
  const declined = tf.tidy(() => simdBatchMatMul(tf, { inputs: { a: tf.zeros([2, 1, 3, 4]), b: tf.zeros([1, 2, 4, 3]) }, backend: tf.backend(), attrs: {} }) === undefined);
  assert.ok(declined, '[2, 1] against [1, 2] is left to tfjs');
});

test('fused dense products (bias, relu or linear): the SIMD kernels equal tfjs\'s cpu backend within 1e-5, gradients too', async () => {
  // Compared with cpu: tfjs-wasm's own _FusedMatMul adds the bias wrongly when the batch is > 1
  // (from the second matrix on), ours does not.
  for (const [i, [sa, sb, tA, tB]] of ([
    [[37, 21], [21, 19], false, false],
    [[64, 64], [64, 256], false, false],
    [[21, 37], [19, 21], true, true],
    [[3, 5, 7], [3, 7, 6], false, false],
    [[5, 7], [6, 7], false, true],
  ] as [number[], number[], boolean, boolean][]).entries()) {
    const n = tB ? sb[sb.length - 2] : sb[sb.length - 1];
    const a = values(size(sa), 11 * i + 1);
    const b = values(size(sb), 11 * i + 2);
    const bias = values(n, 11 * i + 3);
    for (const activation of ['linear', 'relu'] as const) {
      for (const withBias of [true, false]) {
        const run = async (backend: 'cpu' | 'wasm') => {
          const { tf } = await initBackend(backend);
          const f = (x: Tensor, y: Tensor) => tf.fused.matMul({ a: x, b: y, transposeA: tA, transposeB: tB, bias: withBias ? tf.tensor1d(bias) : undefined, activation });
          return withKernel(tf, true, () => {
            const y = f(tf.tensor(a, sa), tf.tensor(b, sb));
            const w = tf.tensor(values(size(y.shape), 11 * i + 4), y.shape);
            return [y, ...tf.grads((x: Tensor, z: Tensor) => tf.sum(tf.mul(f(x, z), w)))([tf.tensor(a, sa), tf.tensor(b, sb)])];
          });
        };
        const expected = await run('cpu');
        const actual = await run('wasm');
        const what = `fused [${sa}]·[${sb}] tA=${tA} tB=${tB} ${activation}${withBias ? ' + bias' : ''}`;
        ['y', 'd/da', 'd/db'].forEach((part, k) => assertClose(actual[k], expected[k], `${part} ${what}`));
      }
    }
  }
  // Other activations are left to tfjs.
  const { tf } = await initBackend('wasm');
  const declined = tf.tidy(() => simdFusedMatMul(tf, { inputs: { a: tf.ones([2, 3]), b: tf.ones([3, 4]) }, backend: tf.backend(), attrs: { activation: 'elu' } }) === undefined);
  assert.ok(declined, 'elu is left to tfjs');
});

test('gradients: through the SIMD kernel equal tfjs\'s own within 1e-5', async () => {
  const { tf } = await initBackend('wasm');
  for (const [i, [sa, sb, tA, tB]] of CASES.entries()) {
    // tfjs's gradient of BatchMatMul does not sum over broadcast batches (it fails with either kernel).
    if (size(sa) === 0 || size(sa.slice(0, -2)) !== size(sb.slice(0, -2))) continue;
    const a = values(size(sa), 7 * i + 1);
    const b = values(size(sb), 7 * i + 2);
    const outShape = tf.tidy(() => tf.matMul(tf.tensor(a, sa), tf.tensor(b, sb), tA, tB).shape);
    const w = values(size(outShape), 7 * i + 3);
    const grads = () => tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.mul(tf.matMul(x, y, tA, tB), tf.tensor(w, outShape))))([tf.tensor(a, sa), tf.tensor(b, sb)]);
    const ours = withKernel(tf, true, grads);
    const theirs = withKernel(tf, false, grads);
    assertClose(ours[0], theirs[0], `d/da [${sa}]·[${sb}] tA=${tA} tB=${tB}`);
    assertClose(ours[1], theirs[1], `d/db [${sa}]·[${sb}] tA=${tA} tB=${tB}`);
  }
});

test('training steps of X: the same losses with and without the SIMD kernel, and no tensors leak', async () => {
  await assertSameXLosses(SIMD, xBatch('bmm'), 3);
});
