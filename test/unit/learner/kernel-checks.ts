// Helpers shared by the tests of our kernels (batch-matmul, layer-norm, attention-kernel): compare
// values, run code with a kernel switched on or off, and train X a few steps either way.
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { builtinTask, groundTruth, makeContext, makeQuestion } from '../../../src/core/index';
import { createModelX, type TrainingExample } from '../../../src/learner/index';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/** A kernel's A/B switch (e.g. setFusedAttention / fusedAttentionEnabled). */
export interface KernelSwitch {
  set(on: boolean): void;
  enabled(): boolean;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Equal within tol, relative to the expected value where it is above 1. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= tol * Math.max(1, Math.abs(expected[i])))) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Runs fn with the kernel switched on or off, then puts the switch back as it was. */
export async function withSwitch<T>(s: KernelSwitch, on: boolean, fn: () => T | Promise<T>): Promise<T> {
  const before = s.enabled();
  s.set(on);
  try {
    return await fn();
  } finally {
    s.set(before);
  }
}

/** The values of fn's output tensors (made in a tidy, disposed here), with the kernel switched on or off. */
export function valuesWith(tf: TF, s: KernelSwitch, on: boolean, fn: () => Tensor[]): Float32Array[] {
  const before = s.enabled();
  s.set(on);
  try {
    return tf.tidy(fn).map((t) => {
      const v = Float32Array.from(t.dataSync());
      t.dispose();
      return v;
    });
  } finally {
    s.set(before);
  }
}

/** 32 training examples of permutation powering at N = 8 (4 contexts × 8 questions). */
export function xBatch(seed: string): TrainingExample[] {
  const task = builtinTask('permutation-powering')!;
  const batch: TrainingExample[] = [];
  for (let c = 0; batch.length < 32; c++) {
    const id = { size: 8, seed, index: c };
    const ctx = makeContext(task, id);
    for (let j = 0; j < 8; j++) {
      const question = makeQuestion(task, id, ctx, j);
      batch.push({ facts: ctx.facts, question, answer: groundTruth(task, ctx, question).answer });
    }
  }
  return batch;
}

/**
 * X (`tiny`, wasm, seed 5) trained `steps` steps on the same batch with the kernel on and then off:
 * the losses agree within 1e-4, the loss falls, and the tensors after the last step are those after
 * the first.
 */
export async function assertSameXLosses(s: KernelSwitch, batch: TrainingExample[], steps = 4): Promise<void> {
  const task = builtinTask('permutation-powering')!;
  const losses = (on: boolean) => withSwitch(s, on, async () => {
    const model = await createModelX({ task, preset: 'tiny', seed: 5, backend: 'wasm' });
    const out = [model.trainStep(batch).loss];
    const tensors = model.numTensors();
    for (let i = 1; i < steps; i++) out.push(model.trainStep(batch).loss);
    assert.equal(model.numTensors(), tensors, `tensors after ${steps} steps as after 1`);
    model.dispose();
    return out;
  });
  const on = await losses(true);
  const off = await losses(false);
  assertClose(on, off, 'losses', 1e-4);
  assert.ok(on[steps - 1] < on[0], `the loss falls: ${on.join(', ')}`);
}
