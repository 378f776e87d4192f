/**
 * A data-parallel replica of model X (see parallel.ts), in its own worker thread: for each request,
 * loads the model's current weights from shared memory, computes the gradient of its shard of the
 * batch, writes it to shared memory and wakes the model.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from './backend';
import { TransformerModelX } from './model-x';
import { ERROR_BYTES, type ReplicaInit, type ReplicaRequest } from './parallel';
import { readTensorInto } from './params';
import { Tokenizer } from './tokenizer';

async function main(): Promise<void> {
  const init = workerData as ReplicaInit;
  const port = parentPort!;
  const control = new Int32Array(init.control);
  const params = new Float32Array(init.params);
  const grad = new Float32Array(init.grad);
  const stats = new Float64Array(init.stats);
  const error = new Uint8Array(init.error);
  let model: TransformerModelX;
  try {
    const handle = await initBackend(init.backend);
    const d = init.description;
    model = new TransformerModelX(handle, { preset: d.preset, tokenizer: Tokenizer.fromJSON(d.tokenizer), seed: d.seed, config: d.config, optimiser: d.optimiser });
    model.replica = init.replica;
  } catch (e) {
    port.postMessage({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
    return;
  }
  port.on('message', (m: ReplicaRequest) => {
    try {
      model.writeParams(params, m.step);
      const tf = model.tf;
      tf.tidy(() => {
        const g = model.gradients(m.batch);
        readTensorInto(tf, g.grad, grad);
        stats[0] = g.loss.dataSync()[0];
        stats[1] = g.correct.dataSync()[0];
        stats[2] = g.tokens;
      });
      Atomics.store(control, 0, 1);
    } catch (e) {
      const bytes = new TextEncoder().encode(e instanceof Error ? e.stack ?? e.message : String(e)).slice(0, ERROR_BYTES);
      error.set(bytes);
      Atomics.store(control, 1, bytes.length);
      Atomics.store(control, 0, 2);
    }
    Atomics.notify(control, 0);
  });
  port.postMessage({ type: 'ready' });
}

void main();
