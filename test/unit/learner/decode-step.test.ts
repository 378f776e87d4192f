// H′'s token step as one wasm kernel (learner/decode-step.ts, native/decode-step.c) against the
// tfjs layers it replaces (the reference: the same decoding with the kernel off): the prefill's and
// every token step's distributions agree to 1e-5, the keys/values written into the cache agree,
// and a round of decoding through every action gives the same actions (also with the column bias
// and ids rebuilt every step instead of kept, and with memos instead of persistent rows). On wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFusedDecodeStep, fusedDecodeStepApplies } from '../../../src/learner/decode-step';
import { setRowDecoding } from '../../../src/learner/decode-rows';
import { readBuffer, setIncrementalColumns, type DecodeCache, type DecodeMemo } from '../../../src/learner/expert-decoding';
import type { EncodedTranscript } from '../../../src/learner/expert-tokens';
import type { TransformerModelH } from '../../../src/learner/model-h';
import type { ExpertAction, ExpertDecoder } from '../../../src/learner/types';
import { createModelH } from '../../../src/learner/factory';
import { decodeRound, examples, task, trainedExpert } from './expert-examples';

const data = examples('held-out', 24);
let model: TransformerModelH;

let fusedOn = true;

function withFused<T>(on: boolean, fn: () => T): T {
  const was = fusedOn;
  setFusedDecodeStep((fusedOn = on));
  try {
    return fn();
  } finally {
    setFusedDecodeStep((fusedOn = was));
  }
}

/** HDecoding's private steps, for comparing their outputs. */
interface Steps {
  prefill(seqs: readonly EncodedTranscript[], memos: readonly (DecodeMemo | undefined)[]): { cache: DecodeCache; probs: Float32Array };
  extend(cache: DecodeCache, keep: readonly number[], seqs: readonly EncodedTranscript[]): Float32Array;
  disposeCache(cache: DecodeCache): void;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The cache's written columns (0..C−1) of every buffer, as plain numbers; 0 in the columns a row does not have (padding: the fused step leaves them). */
function written(model: TransformerModelH, cache: DecodeCache): Float32Array[] {
  const C = cache.ids[0].length;
  const W = cache.width;
  const R = cache.ids.length;
  return [...cache.kv.flatMap((kv) => [kv.k, kv.v]), cache.keys].map((t) => {
    const values = readBuffer(model.tf, t);
    const depth = t.shape[3] as number;
    const blocks = values.length / (W * depth);
    const out = new Float32Array(blocks * C * depth);
    for (let b = 0; b < blocks; b++) {
      const hidden = cache.hidden[Math.floor(b / (blocks / R))];
      for (let c = 0; c < C; c++) if (!hidden[c]) out.set(values.subarray((b * W + c) * depth, (b * W + c + 1) * depth), (b * C + c) * depth);
    }
    return out;
  });
}

/** The prefill's and token steps' distributions and written keys/values with the fused step and without, within 1e-5 / 1e-4. */
function compareSteps(model: TransformerModelH): void {
  assert.ok(fusedDecodeStepApplies(model.tf), 'on wasm the fused step applies');
  const steps = (model as unknown as { decoding: Steps }).decoding;
  const before = model.numTensors();
  // Questions of different lengths, then with a subanswer after a memo of the question: prefill pads and holes.
  const seqs = () => data.map((d, i) => model.vocabulary.encode({ question: d.transcript.question, steps: i % 2 ? d.transcript.steps.slice(0, 1) : [] }));
  const run = (fused: boolean) => withFused(fused, () => {
    const memoSeqs = data.map((d) => model.vocabulary.encode({ question: d.transcript.question, steps: [] }));
    const first = steps.prefill(memoSeqs, memoSeqs.map(() => undefined));
    steps.disposeCache(first.cache);
    const s = seqs();
    // A memo of the question alone for every second row (as a decoder keeps it).
    const memos = s.map((seq, i) => (i % 3 === 0 ? { tokens: { ids: seq.ids.slice(0, 3), types: seq.types.slice(0, 3), offsets: seq.offsets.slice(0, 3), segments: seq.segments.slice(0, 3) } } : undefined));
    // Memo values from a prefill of those prefixes (so that both variants start from the same numbers).
    const prefixes = memos.map((m, i) => (m ? { ...m.tokens, scored: [] } : s[i]));
    const pre = withFused(false, () => steps.prefill(prefixes, prefixes.map(() => undefined)));
    const full: (DecodeMemo | undefined)[] = memos.map((m) => (m ? { tokens: m.tokens, k: [], v: [], keys: new Float32Array(0) } : undefined));
    const vals = [...pre.cache.kv.flatMap((kv) => [kv.k, kv.v]), pre.cache.keys].map((t) => readBuffer(model.tf, t).slice());
    const { heads: H, dModel: d, layers } = model.config;
    const dk = d / H;
    const W = pre.cache.width;
    full.forEach((m, i) => {
      if (!m) return;
      const take = (buf: Float32Array, heads: number, depth: number) => {
        const out = new Float32Array(heads * 3 * depth);
        for (let h = 0; h < heads; h++) out.set(buf.subarray(((i * heads + h) * W) * depth, ((i * heads + h) * W + 3) * depth), h * 3 * depth);
        return out;
      };
      for (let l = 0; l < layers; l++) {
        m.k.push(take(vals[2 * l], H, dk));
        m.v.push(take(vals[2 * l + 1], H, dk));
      }
      m.keys = take(vals[vals.length - 1], 1, d);
    });
    steps.disposeCache(pre.cache);
    const p = steps.prefill(s, full);
    const got = [p.probs];
    // Three token steps for every row, then one for every other row (idle rows take padding).
    for (let t = 0; t < 4; t++) {
      const keep = t < 3 ? s.map((_, i) => i) : s.flatMap((_, i) => (i % 2 ? [i] : []));
      const rows = keep.map((i) => s[i]);
      for (const seq of rows) {
        seq.ids.push(5 + t);
        seq.types.push(1);
        seq.offsets.push(t);
        seq.segments.push(seq.segments[seq.segments.length - 1]);
        seq.scored.push(1);
      }
      got.push(steps.extend(p.cache, t < 3 ? keep : keep.map((i) => i), rows));
    }
    const buffers = written(model, p.cache);
    steps.disposeCache(p.cache);
    return { probs: got, buffers };
  });
  const fused = run(true);
  const reference = run(false);
  fused.probs.forEach((p, i) => assert.ok(maxDiff(p, reference.probs[i]) < 1e-5, `step ${i}: ${maxDiff(p, reference.probs[i])}`));
  fused.buffers.forEach((b, i) => assert.ok(maxDiff(b, reference.buffers[i]) < 1e-4, `buffer ${i}: ${maxDiff(b, reference.buffers[i])}`));
  assert.equal(model.numTensors(), before);
}

test('the fused token step: prefill and token steps give the tfjs layers\' distributions and keys/values', async () => {
  model = await trainedExpert();
  compareSteps(model);
});

test('the fused token step at other widths (`small`: dk 32, not attend16\'s 16; untrained)', async () => {
  const small = await createModelH({ task, preset: 'small', seed: 2, backend: 'wasm' });
  try {
    compareSteps(small);
  } finally {
    small.dispose();
  }
});

test('a round through every action: the same actions with the fused step, without it, and with the column bias and ids rebuilt', () => {
  const actions = (decoder: () => ExpertDecoder) => {
    const d = decoder();
    const out: ExpertAction[][] = [];
    decodeRound(data, (ids, states, forceAnswer) => {
      const got = d.next(ids, states, { forceAnswer });
      out.push(got);
      return got;
    }, (id) => d.forget(id), (id, step) => id % 3 === step);
    d.close?.();
    return out;
  };
  const fused = actions(() => model.localDecoder());
  assert.deepEqual(withFused(false, () => actions(() => model.localDecoder())), fused);
  // The fused step with memos copied out and back instead of persistent rows (decode-rows.ts).
  setRowDecoding(false);
  try {
    assert.deepEqual(actions(() => model.localDecoder()), fused);
  } finally {
    setRowDecoding(true);
  }
  setIncrementalColumns(false);
  try {
    assert.deepEqual(withFused(false, () => actions(() => model.localDecoder())), fused);
  } finally {
    setIncrementalColumns(true);
  }
  assert.deepEqual(model.next(data.map((x) => ({ question: x.transcript.question, steps: [] })), { recompute: true }), fused[0]);
  // A decoder on what the decoders closed above left (their rows' buffers): the same actions.
  assert.deepEqual(actions(() => model.localDecoder()), fused);
  model.dispose();
});

test('a closed decoder refuses calls; a closed decoder\'s memory decodes the next one\'s transcripts', async () => {
  const m = await trainedExpert();
  try {
    const d = m.localDecoder();
    const states = data.map((x) => ({ question: x.transcript.question, steps: [] }));
    const first = d.next(states.map((_, i) => i), states);
    d.close?.();
    d.close?.();
    assert.throws(() => d.next([0], [states[0]]), /closed/);
    const e = m.localDecoder();
    assert.deepEqual(e.next(states.map((_, i) => i), states), first);
    e.close?.();
  } finally {
    m.dispose();
  }
});
