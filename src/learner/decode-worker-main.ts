/**
 * The worker thread of H′'s two-thread decoding (decode-threads.ts): a copy of H′ that decodes its
 * share of each `next` call with its own decoder (one per decoder of the model's thread), taking
 * new weights from shared memory when the request says so. Replies go on the port the model reads
 * synchronously; the shared state wakes it (1: answered, 2: failed or stopped).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from './backend';
import type { DecodeReply, DecodeRequest, DecodeWorkerInit } from './decode-threads';
import type { GroupDecoder } from './expert-dedup';
import { ExpertVocabulary } from './expert-tokens';
import { TransformerModelH } from './model-h';

async function main(): Promise<void> {
  const init = workerData as DecodeWorkerInit;
  const control = new Int32Array(init.control);
  const params = new Float32Array(init.params);
  const signal = (state: number): void => {
    Atomics.store(control, 0, state);
    Atomics.notify(control, 0);
  };
  // A thread that stops (an uncaught error, termination) wakes a waiting model thread.
  process.on('exit', () => signal(2));
  let model: TransformerModelH;
  try {
    const handle = await initBackend(init.backend);
    const d = init.description;
    model = new TransformerModelH(handle, { preset: d.preset, vocabulary: ExpertVocabulary.fromJSON(d.vocabulary), seed: d.seed, config: d.config, optimiser: d.optimiser });
  } catch (e) {
    parentPort!.postMessage({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
    return;
  }
  let decoder: { id: number; decoder: GroupDecoder } | undefined;
  parentPort!.on('message', (m: DecodeRequest) => {
    let reply: DecodeReply;
    try {
      if (m.step !== undefined) model.writeParams(params, m.step);
      if (decoder?.id !== m.decoder) {
        // A new decoder: the previous one is done (its memory goes to the new one).
        decoder?.decoder.close?.();
        decoder = { id: m.decoder, decoder: model.localDecoder() };
      }
      for (const id of m.forget) decoder.decoder.forget(id);
      reply = { actions: decoder.decoder.nextGroups(m.groups, m.states, { forceAnswer: m.forceAnswer }) };
    } catch (e) {
      reply = { error: e instanceof Error ? e.message : String(e) };
    }
    init.port.postMessage(reply);
    signal(reply && 'error' in reply ? 2 : 1);
  });
  parentPort!.postMessage({ type: 'ready' });
}

void main();
