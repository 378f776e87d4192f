// Data-parallel training: a step on two threads is the same step as on one (the gradients of the
// shards average to the batch's gradient), the split keeps contexts whole, and a replica that
// fails is dropped without stopping training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, NAMES } from '../../../src/core/index';
import { createModelX, DataParallelGroup, splitByContext, Tokenizer, type TrainingExample } from '../../../src/learner/index';

const tokenizer = new Tokenizer(['get', ...NAMES, '?'], { maxFactLength: 2, maxQuestionLength: 2, maxAnswerLength: 2 });

/** `contexts` contexts of 8 lookups each; answers of one or two symbols so target tokens differ per shard. */
function batch(seed: string, contexts: number): TrainingExample[] {
  const rng = createRng([seed]);
  const out: TrainingExample[] = [];
  for (let c = 0; c < contexts; c++) {
    const xs = rng.shuffle(NAMES).slice(0, 8);
    const facts = xs.map((x) => [x, rng.pick(NAMES)]);
    for (let q = 0; q < 8; q++) {
      const j = rng.int(8);
      out.push({ facts, question: ['get', xs[j]], answer: rng.float() < 0.5 ? [facts[j][1]] : [facts[j][1], xs[j]] });
    }
  }
  return out;
}

test('splitByContext keeps every context in one shard and balances the shards', () => {
  const b = batch('split', 5);
  const shards = splitByContext(b, 2);
  assert.equal(shards.length, 2);
  assert.deepEqual(shards.flat(), b);
  const ctxOf = (s: TrainingExample[]) => new Set(s.map((e) => e.facts));
  for (const f of ctxOf(shards[0])) assert.ok(!ctxOf(shards[1]).has(f));
  assert.ok(Math.abs(shards[0].length - shards[1].length) <= 8);
  assert.deepEqual(splitByContext(b.slice(0, 8), 2), [b.slice(0, 8)], 'one context cannot be split');
});

test('the token-weighted mean of the shards\' gradients is the whole batch\'s gradient', async () => {
  const model = await createModelX({ preset: 'tiny', tokenizer, seed: 4, backend: 'wasm' });
  try {
    const b = batch('grad', 6);
    const tf = model.tf;
    const worst = tf.tidy(() => {
      const whole = model.gradients(b);
      const parts = splitByContext(b, 2).map((s) => model.gradients(s));
      assert.equal(parts[0].tokens + parts[1].tokens, whole.tokens);
      const mean = parts[0].grad.mul(parts[0].tokens).add(parts[1].grad.mul(parts[1].tokens)).div(whole.tokens);
      return whole.grad.sub(mean).abs().max().dataSync()[0] / whole.grad.abs().max().dataSync()[0];
    });
    assert.ok(worst < 1e-4, `relative difference ${worst}`);
  } finally {
    model.dispose();
  }
});

test('a step on two threads is the step on one thread (same loss and gradient norm; weights within Adam\'s rounding)', async () => {
  const alone = await createModelX({ preset: 'tiny', tokenizer, seed: 5, backend: 'wasm' });
  const pair = await createModelX({ preset: 'tiny', tokenizer, seed: 5, backend: 'wasm' });
  const group = await DataParallelGroup.start(pair, 2);
  try {
    assert.equal(pair.threads, 2);
    let tensors = -1;
    for (let s = 0; s < 3; s++) {
      const b = batch(`step${s}`, 6);
      const r1 = alone.trainStep(b);
      const r2 = pair.trainStep(b);
      if (tensors < 0) tensors = pair.numTensors();
      else assert.equal(pair.numTensors(), tensors, `tensors leaked by step ${s + 1}`);
      assert.ok(Math.abs(r1.loss - r2.loss) < 1e-4, `loss ${r1.loss} vs ${r2.loss}`);
      assert.ok(Math.abs(r1.accuracy - r2.accuracy) < 1e-9);
      assert.ok(Math.abs(r1.gradNorm - r2.gradNorm) < 1e-3 * Math.max(1, r1.gradNorm), `grad norm ${r1.gradNorm} vs ${r2.gradNorm}`);
    }
    const a = alone.readParams();
    const p = pair.readParams();
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - p[i]));
    // Adam divides by √v: for near-zero gradients, float rounding in the sum can move a weight by up to ~lr.
    assert.ok(worst < pair.optimiser.learningRate / 2, `largest weight difference ${worst}`);
    assert.equal(pair.step, 3);
  } finally {
    await group.close();
    alone.dispose();
    pair.dispose();
  }
  assert.equal(pair.threads, 1);
});

test('a replica that fails is dropped with a warning and training goes on', async () => {
  const model = await createModelX({ preset: 'tiny', tokenizer, seed: 6, backend: 'wasm' });
  const group = await DataParallelGroup.start(model, 2);
  try {
    // An answer symbol the tokenizer does not know fails in the replica's shard (the second half).
    const b = batch('bad', 4);
    const poisoned = b.map((e, i) => (i >= 16 ? { ...e, answer: ['no-such-symbol'] } : e));
    const r = model.trainStep(poisoned);
    assert.ok(Number.isFinite(r.loss));
    assert.equal(model.threads, 1);
    assert.equal(group.warnings.length, 1);
    assert.match(group.warnings[0], /replica 1 failed.*no-such-symbol/s);
    assert.ok(Number.isFinite(model.trainStep(batch('after', 4)).loss));
  } finally {
    await group.close();
    model.dispose();
  }
});
