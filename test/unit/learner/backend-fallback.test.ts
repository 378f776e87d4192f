// The backend chooser where @tensorflow/tfjs-node (an optionalDependency) is present but broken: a
// module that throws when loaded (its native library missing, as after a failed or skipped install
// script) or that registers no backend. `auto` must fall back to wasm; an explicit request must say
// why. A file of its own: the chooser keeps the first backend it initialised for later `auto` calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { BackendUnavailableError, initBackend } from '../../../src/learner/backend';

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Load };
const load = moduleInternals._load;
let attempts = 0;
let fake: () => unknown = () => {
  throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
};
moduleInternals._load = function (request, parent, isMain) {
  if (request === '@tensorflow/tfjs-node') {
    attempts++;
    return fake();
  }
  return load.call(this, request, parent, isMain);
};

test('backend: auto falls back to wasm when tfjs-node throws on load; asking for it explicitly says why', async (t) => {
  t.after(() => {
    moduleInternals._load = load;
  });
  const auto = await initBackend('auto');
  assert.equal(auto.backend, 'wasm');
  assert.ok(attempts >= 1, 'auto tried tfjs-node first');
  assert.deepEqual([...auto.tf.tidy(() => auto.tf.tensor([1, 2]).mul(3).dataSync())], [3, 6]);
  await assert.rejects(initBackend('tfjs-node'), (e: unknown) => e instanceof BackendUnavailableError && e.backend === 'tfjs-node' && /libtensorflow\.so\.2/.test(e.message));
  // A module that loads but registers no "tensorflow" backend (a version mismatch).
  fake = () => ({ version: { 'tfjs-node': '0.0.0' } });
  await assert.rejects(initBackend('tfjs-node'), (e: unknown) => e instanceof BackendUnavailableError && /registered no "tensorflow" backend/.test(e.message));
  // The failed requests leave the working backend in place.
  const again = await initBackend('auto');
  assert.equal(again.backend, 'wasm');
  assert.equal(again.tf.getBackend(), 'wasm');
});
