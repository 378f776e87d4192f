import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendUnavailableError, initBackend } from '../../../src/learner/backend';

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
