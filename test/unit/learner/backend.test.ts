import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { builtinTask, groundTruth, makeContext, makeQuestion } from '../../../src/core/index';
import { BackendUnavailableError, initBackend, setSharedSaves } from '../../../src/learner/backend';
import { createModelX } from '../../../src/learner/index';
import type { TrainingExample } from '../../../src/learner/types';

test('backend: cpu and wasm initialise (quietly), switching works, a repeat call returns the same handle', async () => {
  const written: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    written.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    const cpu = await initBackend('cpu');
    assert.equal(cpu.backend, 'cpu');
    assert.equal(cpu.tf.getBackend(), 'cpu');
    cpu.tf.tidy(() => cpu.tf.tensor([1, 2, 3]).sum().dataSync());
    const wasm = await initBackend('wasm');
    assert.equal(wasm.backend, 'wasm');
    assert.equal(wasm.tf.getBackend(), 'wasm');
    assert.equal(wasm.tf, cpu.tf);
    assert.deepEqual([...wasm.tf.tidy(() => wasm.tf.tensor([1, 2, 3]).mul(2).dataSync())], [2, 4, 6]);
    assert.equal(await initBackend('wasm'), wasm);
  } finally {
    process.stdout.write = write;
  }
  assert.ok(!written.some((s) => /looks like you are running|============/.test(s)), `tfjs wrote its banner to stdout: ${written.join('')}`);
});

test('backend: tfjs-node is not installed here, so asking for it is a clear error; auto falls back', async () => {
  await assert.rejects(initBackend('tfjs-node'), (e: unknown) => e instanceof BackendUnavailableError && e.backend === 'tfjs-node' && /@tensorflow\/tfjs-node/.test(e.message));
  const auto = await initBackend('auto');
  assert.ok(auto.backend === 'wasm' || auto.backend === 'tfjs-node', auto.backend);
  // A failed explicit request leaves a working backend behind.
  assert.equal(auto.tf.tidy(() => auto.tf.scalar(3).square().dataSync()[0]), 9);
});

test('backend: tensors saved for the gradient share their data (no Identity kernel); gradients, second derivatives and X’s losses are as with tfjs’s copies; nothing leaks', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    const { tf } = await initBackend(backend);
    const v = tf.variable(tf.tensor2d([[0.5, -1.5], [2, 0.25]]));
    const x = tf.tensor2d([[1, 2], [3, -4]]);
    // Multiply saves both inputs, Square its input, a customGrad what it saves.
    const custom = tf.customGrad((...args: unknown[]) => {
      const [a, save] = args as [tfjs.Tensor, tfjs.GradSaveFunc];
      save([a]);
      return { value: a.exp(), gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], [s]: tfjs.Tensor[]) => (dy as tfjs.Tensor).mul(s.exp()) };
    });
    const f = () => custom(v.mul(x)).add(v.square()).sum() as tfjs.Scalar;
    const run = async (shared: boolean) => {
      setSharedSaves(shared);
      try {
        const tensors = tf.memory().numTensors;
        const prof = await tf.profile(() => {
          tf.tidy(() => {
            tf.variableGrads(f, [v]);
          });
        });
        const grads = tf.tidy(() => tf.keep(tf.variableGrads(f, [v]).grads[v.name]));
        const g = [...grads.dataSync()];
        grads.dispose();
        assert.equal(tf.memory().numTensors, tensors, `${backend}: no tensors leak (shared: ${shared})`);
        return { g, identities: prof.kernels.filter((k) => k.name === 'Identity').length };
      } finally {
        setSharedSaves(true);
      }
    };
    const shared = await run(true);
    const copied = await run(false);
    assert.equal(shared.identities, 0, backend);
    assert.ok(copied.identities >= 4, `${backend}: tfjs copies what it saves (${copied.identities} Identity kernels)`);
    assert.deepEqual(shared.g, copied.g, backend);
    // d/dv of v² + exp(v·x) summed, checked by hand: 2v + x·exp(v·x).
    const vs = [0.5, -1.5, 2, 0.25];
    const xs = [1, 2, 3, -4];
    shared.g.forEach((gi, i) => assert.ok(Math.abs(gi - (2 * vs[i] + xs[i] * Math.exp(vs[i] * xs[i]))) < 1e-3 * Math.max(1, Math.abs(gi)), `${backend}: d/dv[${i}] = ${gi}`));
    // A tape inside a tape (a second derivative) still gets tfjs's clone: d²/da² of a³ = 6a.
    const second = tf.tidy(() => [...tf.grad(tf.grad((a: tfjs.Tensor) => a.mul(a).mul(a)))(tf.tensor1d([1, -2, 0.5])).dataSync()]);
    assert.deepEqual(second, [6, -12, 3], backend);
    tf.dispose([v, x]);
  }
  // X's losses over 4 steps: the same with shared saves and with copies.
  const task = builtinTask('permutation-powering')!;
  const batch: TrainingExample[] = [];
  for (let c = 0; batch.length < 32; c++) {
    const id = { size: 8, seed: 'saves', index: c };
    const ctx = makeContext(task, id);
    for (let j = 0; j < 8; j++) {
      const question = makeQuestion(task, id, ctx, j);
      batch.push({ facts: ctx.facts, question, answer: groundTruth(task, ctx, question).answer });
    }
  }
  const losses = async (shared: boolean) => {
    setSharedSaves(shared);
    try {
      const model = await createModelX({ task, preset: 'tiny', seed: 5, backend: 'wasm' });
      const out = [0, 1, 2, 3].map(() => model.trainStep(batch).loss);
      model.dispose();
      return out;
    } finally {
      setSharedSaves(true);
    }
  };
  const on = await losses(true);
  const off = await losses(false);
  on.forEach((l, i) => assert.ok(Math.abs(l - off[i]) < 1e-4, `step ${i + 1}: ${l} vs ${off[i]}`));
  assert.ok(on[3] < on[0], `the loss falls: ${on.join(', ')}`);
});
