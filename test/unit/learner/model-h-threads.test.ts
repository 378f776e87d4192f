// H′'s decoding on two threads (learner/decode-threads.ts, on wasm; needs the build's
// dist/learner-decode.js): the same actions as one thread through every action of a round, new
// weights reach the worker after training, and a failing or silent worker is an error, not a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecodeThreads } from '../../../src/learner/decode-threads';
import type { TransformerModelH } from '../../../src/learner/model-h';
import type { ExpertDecoder } from '../../../src/learner/types';
import { decodeRound, examples, trainedExpert } from './expert-examples';

let model: TransformerModelH;
let threads: DecodeThreads;
const data = examples('held-out', 41);

/** Every action of a round through both decoders in lockstep; asserts they agree; returns how many subquestions were asked. */
function round(a: ExpertDecoder, b: ExpertDecoder): number {
  // Every third transcript gets wrong subanswers: both threads must follow them.
  return decodeRound(data, (ids, states, forceAnswer) => {
    const got = a.next(ids, states, { forceAnswer });
    assert.deepEqual(got, b.next(ids, states, { forceAnswer }), `after ${states[0].steps.length} subquestions`);
    return got;
  }, (id) => {
    a.forget(id);
    b.forget(id);
  }, (id) => id % 3 === 0);
}

test('two threads decode the same actions as one, through every action of a round; new weights reach the worker', async () => {
  model = await trainedExpert();
  const train = examples('train', 32).map((e) => e.transcript);
  threads = await DecodeThreads.start(model);
  const before = model.numTensors();
  const asked = round(threads.decoder(), model.decoder());
  assert.ok(asked > data.length / 2, `H′ asked ${asked} subquestions`);
  assert.equal(model.numTensors(), before);
  // After a training step the worker decodes with the new weights; an old decoder refuses.
  const old = threads.decoder();
  model.trainStep(train.slice(0, 32));
  round(threads.decoder(), model.decoder());
  assert.throws(() => old.next([0], [{ question: data[0].transcript.question, steps: [] }]), /trained since/);
});

test('an error in the worker fails that call (not later ones)', () => {
  const d = threads.decoder();
  const good = { question: data[0].transcript.question, steps: [] };
  // The second transcript goes to the worker.
  assert.throws(() => d.next([0, 1], [good, { question: ['no-such-symbol'], steps: [] }]), /decode worker failed: .*unknown symbol/);
  assert.deepEqual(threads.decoder().next([0, 1], [good, good]), model.next([good, good]));
});

test('a worker that stops or never answers is an error, not a hang', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'decode-worker-'));
  try {
    const silent = join(dir, 'silent.js');
    writeFileSync(silent, "require('node:worker_threads').parentPort.postMessage({ type: 'ready' });\n");
    const s = await DecodeThreads.start(model, { file: silent, timeoutMs: 1500 });
    const states = [0, 1].map((i) => ({ question: data[i].transcript.question, steps: [] }));
    const t0 = Date.now();
    assert.throws(() => s.decoder().next([0, 1], states), /no answer within 2 s/);
    assert.ok(Date.now() - t0 < 10_000);
    assert.throws(() => s.decoder().next([0, 1], states), /no answer/);
    await s.close();
    const failing = join(dir, 'failing.js');
    writeFileSync(failing, "require('node:worker_threads').parentPort.postMessage({ type: 'failed', error: 'no backend' });\n");
    await assert.rejects(DecodeThreads.start(model, { file: failing }), /failed to start: no backend/);
    // The real worker, terminated: the next call fails at once.
    const real = await DecodeThreads.start(model);
    await (real as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await new Promise((r) => setTimeout(r, 50));
    assert.throws(() => real.decoder().next([0, 1], states), /exited/);
    await real.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await threads.close();
    model.dispose();
  }
});
