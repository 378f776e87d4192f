// The fused LayerNorm (src/learner/layer-norm.ts, native/layer-norm.c): the committed binary is the
// one its C source builds; its output and its three gradients equal the composite LayerNorm of
// layers.ts; X trains to the same losses with it on and off; it leaks no tensors; and
// AMPLIFY_NATIVE_KERNELS=off (native/switches.ts) starts every native kernel off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learner/backend';
import { fusedLayerNormApplies, fusedLayerNormEnabled, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, setFusedLayerNorm } from '../../../src/learner/layer-norm';
import { layerNorm } from '../../../src/learner/layers';
import { LAYER_NORM_WASM } from '../../../src/learner/native/layer-norm-wasm';
import { assertNativeModule } from './native-module';
import { assertClose, assertSameXLosses, size, xBatch } from './kernel-checks';
import { values } from './random-values';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/** Runs fn with the fused LayerNorm on or off; its outputs' values and the kernels it ran. */
async function run(tf: TF, on: boolean, fn: () => Tensor[]): Promise<{ values: Float32Array[]; kernels: string[] }> {
  const before = fusedLayerNormEnabled();
  setFusedLayerNorm(on);
  try {
    let out: Tensor[] = [];
    const info = await tf.profile(() => {
      out = tf.tidy(fn);
    });
    const vals = out.map((t) => {
      const v = Float32Array.from(t.dataSync());
      t.dispose();
      return v;
    });
    return { values: vals, kernels: info.kernels.map((k) => k.name) };
  } finally {
    setFusedLayerNorm(before);
  }
}

/** y = LayerNorm(x) · g + b and the gradients of Σ y · w with respect to x, g and b. */
function forwardAndGradients(tf: TF, shape: number[], seed: number): () => Tensor[] {
  const d = shape[shape.length - 1];
  // Off-centre, with spread, so that the mean and the variance both matter.
  const x = values(size(shape), seed).map((v) => 3 * v + 0.7);
  const g = values(d, seed + 1).map((v) => 1 + 0.5 * v);
  const b = values(d, seed + 2);
  const w = values(size(shape), seed + 3);
  return () => {
    const f = (xi: Tensor, gi: Tensor, bi: Tensor) => layerNorm(tf, xi, gi, bi);
    const y = f(tf.tensor(x, shape), tf.tensor1d(g), tf.tensor1d(b));
    const grads = tf.grads((xi: Tensor, gi: Tensor, bi: Tensor) => f(xi, gi, bi).mul(tf.tensor(w, shape)).sum())([tf.tensor(x, shape), tf.tensor1d(g), tf.tensor1d(b)]);
    return [y, ...grads];
  };
}

// Rows not a multiple of 4, d = 64 and 32 (the presets' widths), odd d and d below 4, one row.
const SHAPES = [[7, 64], [3, 5, 32], [2, 3, 33], [9, 5], [1, 64], [4, 2, 1], [2, 11, 3], [6, 128]];

test('the committed wasm binary is built from the C source as it is now, and touches only the memory it imports', () => {
  assertNativeModule('layer-norm', LAYER_NORM_WASM, ['layer_norm', 'layer_norm_grad']);
});

test('LayerNorm and its gradients (dx, dg, db): the fused kernels equal the composite within 1e-5, on wasm and against cpu', async () => {
  const parts = ['y', 'dx', 'dg', 'db'];
  for (const [i, shape] of SHAPES.entries()) {
    const { tf: cpu } = await initBackend('cpu');
    const expected = await run(cpu, true, forwardAndGradients(cpu, shape, 10 * i + 1));
    assert.ok(!expected.kernels.includes(LAYER_NORM_KERNEL), 'cpu runs the composite');
    const { tf } = await initBackend('wasm');
    const composite = await run(tf, false, forwardAndGradients(tf, shape, 10 * i + 1));
    const fused = await run(tf, true, forwardAndGradients(tf, shape, 10 * i + 1));
    assert.ok(!composite.kernels.includes(LAYER_NORM_KERNEL) && !composite.kernels.includes(LAYER_NORM_GRAD_KERNEL), 'off: the composite runs');
    // One forward kernel for y, one more for the taped forward, one gradient kernel.
    assert.equal(fused.kernels.filter((k) => k === LAYER_NORM_KERNEL).length, 2, `[${shape}]: ${fused.kernels.join(' ')}`);
    assert.equal(fused.kernels.filter((k) => k === LAYER_NORM_GRAD_KERNEL).length, 1, `[${shape}]: ${fused.kernels.join(' ')}`);
    parts.forEach((part, k) => {
      assertClose(fused.values[k], expected.values[k], `${part} [${shape}] fused vs cpu`);
      assertClose(fused.values[k], composite.values[k], `${part} [${shape}] fused vs composite on wasm`);
    });
  }
});

test('the fused LayerNorm applies only on wasm, to float32 x with a gain and bias of its width', async () => {
  const { tf } = await initBackend('wasm');
  tf.tidy(() => {
    const x = tf.zeros([3, 8]);
    const v = tf.ones([8]);
    assert.ok(fusedLayerNormApplies(tf, x, v, v));
    assert.ok(!fusedLayerNormApplies(tf, x, tf.ones([1, 8]), v), 'a gain of another shape');
    assert.ok(!fusedLayerNormApplies(tf, x, v, tf.ones([4])), 'a bias of another width');
    assert.ok(!fusedLayerNormApplies(tf, x.toInt(), v, v), 'int32 x');
  });
  const { tf: cpu } = await initBackend('cpu');
  assert.ok(!cpu.tidy(() => fusedLayerNormApplies(cpu, cpu.zeros([3, 8]), cpu.ones([8]), cpu.ones([8]))), 'cpu');
});

test('no tensors leak: forward and gradients with the fused kernels leave the count as it was', async () => {
  const { tf } = await initBackend('wasm');
  const step = forwardAndGradients(tf, [5, 3, 64], 77);
  await run(tf, true, step);
  const before = tf.memory().numTensors;
  for (let r = 0; r < 3; r++) await run(tf, true, step);
  assert.equal(tf.memory().numTensors, before);
});

test('training steps of X: the same losses with the fused LayerNorm on and off, and no tensors leak', async () => {
  await assertSameXLosses({ set: setFusedLayerNorm, enabled: fusedLayerNormEnabled }, xBatch('ln'));
});

test('AMPLIFY_NATIVE_KERNELS=off starts every native kernel off (matmul, LayerNorm, attention, attention from the projections); unset, they start on', async () => {
  const probe = await esbuild.build({
    stdin: {
      contents: "import { simdBatchMatMulEnabled } from './src/learner/batch-matmul'; import { fusedLayerNormEnabled } from './src/learner/layer-norm'; import { attentionFromProjectionsEnabled, fusedAttentionEnabled } from './src/learner/attention-kernel'; console.log(JSON.stringify([simdBatchMatMulEnabled(), fusedLayerNormEnabled(), fusedAttentionEnabled(), attentionFromProjectionsEnabled()]));",
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    external: ['@tensorflow/*'],
    logLevel: 'error',
  });
  const code = probe.outputFiles[0].text;
  const states = (env: string | undefined) => {
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, AMPLIFY_NATIVE_KERNELS: env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as boolean[];
  };
  assert.deepEqual(states('off'), [false, false, false, false]);
  assert.deepEqual(states(''), [true, true, true, true]);
});
