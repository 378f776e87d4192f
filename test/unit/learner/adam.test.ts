// The optimiser's step as one kernel (src/learner/native/adam-kernel.ts, native/adam.c): the
// committed binary is the one its C source builds; over several steps the weights, Adam's moments,
// the teacher's average and the gradient's norm equal the composite ops' bit for bit; the flat
// gradient and weights equal tf.concat's; X and H′ train to the same losses; no tensors leak;
// checkpoints written with it on load with it off and back; AMPLIFY_NATIVE_KERNELS=off starts it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type * as tfjs from '@tensorflow/tfjs';
import { builtinTask } from '../../../src/core/index';
import { initBackend } from '../../../src/learner/backend';
import { createModelH, createModelX, loadModelX } from '../../../src/learner/index';
import { ADAM_KERNEL, FLATTEN_KERNEL, fusedAdamEnabled, setFusedAdam } from '../../../src/learner/native/adam-kernel';
import { ADAM_WASM } from '../../../src/learner/native/adam-wasm';
import { optimiserStep, ParameterSet, type AdamSettings } from '../../../src/learner/params';
import type { TransformerModelX } from '../../../src/learner/model-x';
import { examples } from './expert-examples';
import { assertSameXLosses, withSwitch, xBatch } from './kernel-checks';
import { assertNativeModule } from './native-module';
import { values } from './random-values';

type TF = typeof tfjs;

const adamSwitch = { set: setFusedAdam, enabled: fusedAdamEnabled };
const task = builtinTask('permutation-powering')!;

// Matrices and vectors, sizes off multiples of 4, a single value, and one large enough (120,000
// values) that the order of the norm's sum matters in float32.
const SHAPES = [[7, 5], [3], [64, 33], [1], [300, 400], [2, 3, 5], [128]];
const SETTINGS: AdamSettings = { learningRate: 1e-2, warmupSteps: 3, beta1: 0.9, beta2: 0.98, epsilon: 1e-9, clipNorm: 5 };

/** The state after `steps` optimiser steps from the same start and gradients (some clipped, some not), with the kernel on or off. */
async function adamSteps(tf: TF, on: boolean, steps: number, kernels: string[] = []): Promise<{ weights: Float32Array[]; m: Float32Array; v: Float32Array; teacher: Float32Array; norms: number[] }> {
  return withSwitch(adamSwitch, on, async () => {
    const params = new ParameterSet(tf, `adam-test-${on}`, (name) => name.length);
    SHAPES.forEach((shape, i) => params.add(`p${i}`, shape, 'glorot'));
    const n = params.size;
    const [m, v, teacher] = tf.tidy(() => [tf.variable(tf.zeros([n])), tf.variable(tf.zeros([n])), tf.variable(params.flat())]);
    const norms: number[] = [];
    for (let s = 1; s <= steps; s++) {
      // Gradient norms around 1.7–17 against clipNorm 5: clipped on odd steps, not on even ones.
      const scale = s % 2 === 1 ? 0.05 : 0.005;
      const info = await tf.profile(() => {
        const norm = tf.tidy(() => {
          const grads = Object.fromEntries(params.list.map((p, i) => [p.name, tf.tensor(values(p.size, 100 * s + i), p.shape).mul(scale)]));
          return optimiserStep(tf, params, m, v, params.flatGradient(grads), s, SETTINGS, { into: teacher, decay: 0.9 });
        });
        norms.push(norm.dataSync()[0]);
        norm.dispose();
      });
      kernels.push(...info.kernels.map((k) => k.name));
    }
    const out = { weights: params.list.map((p) => Float32Array.from(p.dataSync())), m: Float32Array.from(m.dataSync()), v: Float32Array.from(v.dataSync()), teacher: Float32Array.from(teacher.dataSync()), norms };
    tf.dispose([...params.list, m, v, teacher]);
    return out;
  });
}

test('the committed wasm binary is built from the C source as it is now, and touches only the memory it imports', () => {
  assertNativeModule('adam', ADAM_WASM, ['sum_squares', 'adam_update']);
});

test('five optimiser steps: weights, m, v, the teacher and the norm equal the composite ops bit for bit, by one kernel per step', async () => {
  const { tf } = await initBackend('wasm');
  const before = tf.memory().numTensors;
  const kernelsOn: string[] = [];
  const kernelsOff: string[] = [];
  const fused = await adamSteps(tf, true, 5, kernelsOn);
  const composite = await adamSteps(tf, false, 5, kernelsOff);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  // The same float32 operations in the same order (the norm's sum too): equal bit for bit.
  fused.weights.forEach((w, i) => assert.deepEqual(w, composite.weights[i], `weights [${SHAPES[i]}]`));
  assert.deepEqual(fused.m, composite.m, 'm');
  assert.deepEqual(fused.v, composite.v, 'v');
  assert.deepEqual(fused.teacher, composite.teacher, 'teacher');
  assert.deepEqual(fused.norms, composite.norms, 'gradient norms');
  assert.ok(composite.norms.some((x) => x > SETTINGS.clipNorm) && composite.norms.some((x) => x < SETTINGS.clipNorm), `clipped and not: ${composite.norms.join(', ')}`);
  // On: per step one flatten (the gradient) and one Adam kernel besides the gradients' own ops; no Concat, Reshape, SplitV or Sqrt.
  assert.equal(kernelsOn.filter((k) => k === ADAM_KERNEL).length, 5, kernelsOn.join(' '));
  assert.equal(kernelsOn.filter((k) => k === FLATTEN_KERNEL).length, 5, kernelsOn.join(' '));
  for (const k of ['Concat', 'Reshape', 'SplitV', 'Sqrt']) assert.ok(!kernelsOn.includes(k), `${k} in ${kernelsOn.join(' ')}`);
  assert.ok(!kernelsOff.includes(ADAM_KERNEL) && kernelsOff.includes('Concat') && kernelsOff.includes('SplitV'), 'off: the composite runs');
});

test('the flat weights and gradient equal tf.concat of the flattened tensors', async () => {
  const { tf } = await initBackend('wasm');
  const params = new ParameterSet(tf, 'flat-test', (name) => name.length);
  SHAPES.forEach((shape, i) => params.add(`p${i}`, shape, 'embedding'));
  const expected = tf.tidy(() => tf.concat(params.list.map((p) => p.reshape([-1]))));
  const fused = await withSwitch(adamSwitch, true, () => params.flat());
  const composite = await withSwitch(adamSwitch, false, () => params.flat());
  assert.deepEqual(fused.shape, [params.size]);
  assert.deepEqual(fused.dataSync(), expected.dataSync());
  assert.deepEqual(composite.dataSync(), expected.dataSync());
  tf.dispose([expected, fused, composite, ...params.list]);
});

test('X\'s readParams / writeParams (data-parallel replicas): the same values on and off, copied, with no tensors leaking', async () => {
  const model = (await createModelX({ task, preset: 'tiny', seed: 2, backend: 'wasm' })) as TransformerModelX;
  const other = (await createModelX({ task, preset: 'tiny', seed: 7, backend: 'wasm' })) as TransformerModelX;
  try {
    const tensors = model.tf.memory().numTensors;
    const on = await withSwitch(adamSwitch, true, () => model.readParams());
    const off = await withSwitch(adamSwitch, false, () => model.readParams());
    assert.deepEqual(on, off);
    const into = new Float32Array(new SharedArrayBuffer(4 * model.parameterCount));
    assert.equal(model.readParams(into), into);
    assert.deepEqual(into, on);
    for (const sw of [true, false]) {
      await withSwitch(adamSwitch, sw, () => other.writeParams(into, 5));
      const copy = Float32Array.from(into);
      into.fill(0); // the model holds its own copy
      assert.deepEqual(other.readParams(), copy, `written with the switch ${sw ? 'on' : 'off'}`);
      assert.equal(other.step, 5);
      into.set(copy);
      await withSwitch(adamSwitch, !sw, () => other.writeParams(values(into.length, 3), 0));
    }
    assert.equal(model.tf.memory().numTensors, tensors, 'no tensors leak');
    assert.throws(() => other.writeParams(new Float32Array(3)), /3 values/);
  } finally {
    model.dispose();
    other.dispose();
  }
});

test('on cpu the composite ops run', async () => {
  const { tf } = await initBackend('cpu');
  const kernels: string[] = [];
  await adamSteps(tf, true, 1, kernels);
  assert.ok(!kernels.includes(ADAM_KERNEL) && !kernels.includes(FLATTEN_KERNEL) && kernels.includes('Concat'), kernels.join(' '));
});

test('X trains to the same losses (4 steps) with the fused step on and off, with no tensors leaking', async () => {
  await assertSameXLosses(adamSwitch, xBatch('adam'));
});

test('H′ trains to the same losses (4 steps, bit for bit) with the fused step on and off', async () => {
  const transcripts = examples('adam-h', 16).map((e) => e.transcript);
  const losses = (on: boolean) => withSwitch(adamSwitch, on, async () => {
    const model = await createModelH({ task, preset: 'tiny', seed: 3, backend: 'wasm' });
    const tensors = model.numTensors();
    const out = [1, 2, 3, 4].map(() => model.trainStep(transcripts).loss);
    assert.equal(model.numTensors(), tensors, 'no tensors leak');
    model.dispose();
    return out;
  });
  const on = await losses(true);
  const off = await losses(false);
  assert.deepEqual(on, off);
  assert.ok(on[3] < on[0], `the loss falls: ${on.join(', ')}`);
});

test('X: three steps give the same weights and teacher, bit for bit, with the fused step on and off', async () => {
  const batch = xBatch('adam-weights');
  const run = (on: boolean) => withSwitch(adamSwitch, on, async () => {
    const model = (await createModelX({ task, preset: 'tiny', seed: 9, backend: 'wasm' })) as TransformerModelX;
    for (let i = 0; i < 3; i++) model.trainStep(batch);
    const weights = model.readParams();
    const teacher = model.predict(batch.slice(0, 8).map((e) => ({ facts: e.facts, question: e.question })), { teacher: true }).map((p) => p.probability);
    model.dispose();
    return { weights, teacher };
  });
  const on = await run(true);
  const off = await run(false);
  assert.deepEqual(on.weights, off.weights, 'weights after three steps');
  assert.deepEqual(on.teacher, off.teacher, 'teacher probabilities');
});

test('a checkpoint saved with the fused step loads and trains on with it off, and the other way, to the same losses', async () => {
  const batch = xBatch('adam-ckpt');
  const dir = mkdtempSync(join(tmpdir(), 'adam-ckpt-'));
  try {
    const trainAndSave = (on: boolean, where: string) => withSwitch(adamSwitch, on, async () => {
      const model = await createModelX({ task, preset: 'tiny', seed: 4, backend: 'wasm' });
      for (let i = 0; i < 3; i++) model.trainStep(batch);
      await model.save(where);
      model.dispose();
    });
    const resume = (on: boolean, where: string) => withSwitch(adamSwitch, on, async () => {
      const model = await loadModelX(where, { backend: 'wasm' });
      assert.equal(model.step, 3);
      const losses = [model.trainStep(batch).loss, model.trainStep(batch).loss];
      model.dispose();
      return losses;
    });
    await trainAndSave(true, join(dir, 'on'));
    await trainAndSave(false, join(dir, 'off'));
    const onOn = await resume(true, join(dir, 'on'));
    const onOff = await resume(false, join(dir, 'on'));
    const offOn = await resume(true, join(dir, 'off'));
    assert.deepEqual(onOff, onOn, 'saved on, resumed off vs on');
    assert.deepEqual(offOn, onOn, 'saved off, resumed on vs saved on');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('AMPLIFY_NATIVE_KERNELS=off starts the fused step off; unset, it starts on', async () => {
  const probe = await esbuild.build({
    stdin: { contents: "import { fusedAdamEnabled } from './src/learner/native/adam-kernel'; console.log(JSON.stringify(fusedAdamEnabled()));", resolveDir: process.cwd(), loader: 'ts' },
    bundle: true, platform: 'node', format: 'cjs', write: false, external: ['@tensorflow/*'], logLevel: 'error',
  });
  const state = (env: string | undefined) => {
    const r = spawnSync(process.execPath, ['-e', probe.outputFiles[0].text], { encoding: 'utf8', env: { ...process.env, AMPLIFY_NATIVE_KERNELS: env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as boolean;
  };
  assert.equal(state('off'), false);
  assert.equal(state(undefined), true);
});
