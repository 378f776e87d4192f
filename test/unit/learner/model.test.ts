// The model X on wasm: learning a lookup, leaks, masking of mixed context sizes, reproducibility,
// and checkpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, NAMES, type SeededRng } from '../../../src/core/index';
import { createModelX, loadModelX, Tokenizer, type TrainingExample, type TransformerModelX } from '../../../src/learner/index';
import { encodeBatch } from '../../../src/learner/x-inputs';

const tokenizer = new Tokenizer(['get', ...NAMES, '?'], { maxFactLength: 2, maxQuestionLength: 2, maxAnswerLength: 2 });

/** Facts [x, y] for `size` random pairs; the question ['get', x] asks for y. */
function lookups(rng: SeededRng, n: number, size = 8): TrainingExample[] {
  const out: TrainingExample[] = [];
  for (let i = 0; i < n; i++) {
    const xs = rng.shuffle(NAMES).slice(0, size);
    const ys = xs.map(() => rng.pick(NAMES));
    const facts = xs.map((x, j) => [x, ys[j]]);
    const j = rng.int(size);
    out.push({ facts, question: ['get', xs[j]], answer: [ys[j]] });
  }
  return out;
}

function accuracy(model: TransformerModelX, data: readonly TrainingExample[], teacher = false): number {
  const preds = model.predict(data, { teacher });
  return preds.filter((p, i) => p.answer.join(' ') === data[i].answer.join(' ')).length / data.length;
}

/** Saves `m` as a checkpoint from before config key `key` existed (the key removed), and loads it. */
async function loadAsIfOlder(m: TransformerModelX, dir: string, key: 'symbolMatch' | 'nullFact'): Promise<TransformerModelX> {
  rmSync(dir, { recursive: true, force: true });
  await m.save(dir);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const cfg = json.config ?? json.meta?.config;
  assert.equal(cfg[key], false);
  delete cfg[key];
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return loadModelX(dir, { backend: 'wasm' });
}

let model: TransformerModelX;
const heldOut = lookups(createRng(['held-out']), 200);

test('a tiny model learns a lookup on wasm (≥ 95% held out), with a flat tensor count over 200 steps', async () => {
  model = await createModelX({ preset: 'tiny', tokenizer, seed: 3, backend: 'wasm' });
  assert.equal(model.backend, 'wasm');
  assert.equal(model.preset, 'tiny');
  const rng = createRng(['train']);
  const t0 = Date.now();
  let baseline = -1;
  for (let s = 1; s <= 200; s++) {
    const r = model.trainStep(lookups(rng, 32));
    assert.ok(Number.isFinite(r.loss) && Number.isFinite(r.gradNorm) && r.accuracy >= 0 && r.accuracy <= 1);
    if (s % 50 === 0) {
      const p = model.predict(heldOut.slice(0, 20), { topK: 3 });
      assert.equal(p.length, 20);
      model.predict(heldOut.slice(0, 5), { teacher: true });
      if (baseline < 0) baseline = model.numTensors();
      else assert.equal(model.numTensors(), baseline, `tensors leaked by step ${s}`);
    }
  }
  assert.equal(model.step, 200);
  const acc = accuracy(model, heldOut);
  const teacherAcc = accuracy(model, heldOut, true);
  console.error(`lookup: held-out accuracy ${acc} (teacher ${teacherAcc}) after 200 steps, ${((Date.now() - t0) / 200).toFixed(1)} ms/step`);
  assert.ok(acc >= 0.95, `held-out accuracy ${acc}`);
  assert.ok(teacherAcc >= 0.9, `teacher held-out accuracy ${teacherAcc}`);
  assert.equal(model.numTensors(), baseline);
});

test('predictions: probabilities, top-k best first, answers never contain reserved tokens', () => {
  const preds = model.predict(heldOut.slice(0, 10), { topK: 4 });
  for (const p of preds) {
    assert.ok(p.probability > 0 && p.probability <= 1 + 1e-9);
    assert.ok(p.top.length >= 1 && p.top.length <= 4);
    assert.ok(p.top.some((t) => t.answer.join(' ') === p.answer.join(' ')));
    for (let i = 1; i < p.top.length; i++) assert.ok(p.top[i - 1].probability >= p.top[i].probability);
    assert.ok(p.top.reduce((s, t) => s + t.probability, 0) <= 1 + 1e-6);
    for (const t of p.top) {
      assert.ok(t.answer.length >= 1 && t.answer.length <= 2);
      for (const s of t.answer) assert.ok(tokenizer.has(s), s);
    }
  }
  assert.throws(() => model.predict([{ facts: [['aa', 'zz']], question: ['get', 'aa'] }]), /unknown symbol "zz" in fact/);
  assert.throws(() => model.trainStep([{ facts: [['aa', 'ab']], question: ['get', 'aa'], answer: ['nope'] }]), /unknown symbol "nope" in answer/);
});

test('contexts of different sizes in one batch are masked: an item predicts the same alone or batched', () => {
  const rng = createRng(['mixed']);
  const items = [...lookups(rng, 3, 2), ...lookups(rng, 3, 8), ...lookups(rng, 2, 5)];
  const together = model.predict(items);
  items.forEach((item, i) => {
    const alone = model.predict([item])[0];
    assert.deepEqual(alone.answer, together[i].answer);
    assert.ok(Math.abs(alone.probability - together[i].probability) < 1e-5, `${alone.probability} vs ${together[i].probability}`);
  });
  // Several questions about one context share its encoding, with the same results.
  const ctx = items[4];
  const qs = ctx.facts.map((f) => ({ facts: ctx.facts, question: ['get', f[0]] }));
  const shared = model.predict(qs);
  qs.forEach((q, i) => assert.deepEqual(model.predict([q])[0].answer, shared[i].answer));
});

test('checkpoint round trip: identical predictions (student and teacher) and identical further training', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelx-'));
  try {
    await model.save(dir);
    await model.save(dir); // overwriting is atomic and leaves one weights file
    assert.deepEqual(readdirSync(dir).sort().filter((f) => !f.startsWith('weights-')), ['model.json']);
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('weights-')).length, 1);
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temporary files left behind');
    const loaded = await loadModelX(dir, { backend: 'wasm' });
    try {
      assert.equal(loaded.step, model.step);
      assert.equal(loaded.preset, 'tiny');
      assert.deepEqual(loaded.tokenizer.tokens, tokenizer.tokens);
      const items = heldOut.slice(0, 30);
      for (const teacher of [false, true]) {
        assert.deepEqual(loaded.predict(items, { teacher, topK: 3 }), model.predict(items, { teacher, topK: 3 }));
      }
      // Adam state and step were restored: the next step is the same on both.
      const batch = lookups(createRng(['next']), 16);
      assert.deepEqual(loaded.trainStep(batch), model.trainStep(batch));
      assert.deepEqual(loaded.predict(items, { teacher: true }), model.predict(items, { teacher: true }));
    } finally {
      loaded.dispose();
    }
    // A damaged or missing checkpoint is a clear error.
    for (const f of readdirSync(dir)) if (f.startsWith('weights-')) writeFileSync(join(dir, f), new Uint8Array(8));
    await assert.rejects(loadModelX(dir, { backend: 'wasm' }), /lies beyond the end/);
    await assert.rejects(loadModelX(join(dir, 'nowhere'), { backend: 'wasm' }), /no model X checkpoint in/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same seed gives the same model and the same training; another seed does not', async () => {
  const a = await createModelX({ preset: 'tiny', tokenizer, seed: 11, backend: 'wasm' });
  const b = await createModelX({ preset: 'tiny', tokenizer, seed: 11, backend: 'wasm' });
  const c = await createModelX({ preset: 'tiny', tokenizer, seed: 12, backend: 'wasm' });
  try {
    const batch = lookups(createRng(['seed']), 16);
    const ra = a.trainStep(batch);
    assert.deepEqual(b.trainStep(batch), ra);
    assert.notDeepEqual(c.trainStep(batch), ra);
    assert.deepEqual(a.predict(heldOut.slice(0, 10)), b.predict(heldOut.slice(0, 10)));
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
  const before = model.numTensors();
  model.dispose();
  assert.ok(model.numTensors() < before);
  assert.throws(() => model.predict(heldOut.slice(0, 1)), /disposed/);
});

test('symbol match: the indicators mark equal symbols (never padding); a checkpoint without symbol match loads as it was saved', async () => {
  const m = await createModelX({ preset: 'tiny', tokenizer, seed: 21, backend: 'wasm' });
  const plain = await createModelX({ preset: 'tiny', tokenizer, seed: 21, backend: 'wasm', config: { symbolMatch: false } });
  const dir = mkdtempSync(join(tmpdir(), 'modelx-'));
  try {
    assert.equal(m.config.symbolMatch, true, 'the tiny and small presets use symbol match');
    assert.equal(m.parameterCount - plain.parameterCount, (2 * 2 + 2 * 2) * 2, 'one [pairs × heads] weight per encoder and question layer');
    // Facts (aa bb), (bb cc), (cc aa) and a question about bb.
    const facts = [['aa', 'bb'], ['bb', 'cc'], ['cc', 'aa']];
    const enc = encodeBatch(tokenizer, [{ facts, question: ['get', 'bb'] }, { facts: facts.slice(0, 2), question: ['get', 'bb'] }], m.config.symbolMatch === true);
    const N = enc.maxFacts;
    const fm = (c: number, i: number, j: number, s: number, t: number) => enc.factMatch![(((c * N + i) * N + j) * 2 + s) * 2 + t];
    assert.equal(fm(0, 0, 1, 1, 0), 1, "fact 0's second symbol (bb) is fact 1's first");
    assert.equal(fm(0, 0, 1, 0, 0), 0);
    assert.equal(fm(0, 2, 0, 1, 0), 1, 'cc → aa closes the cycle');
    assert.equal(fm(1, 0, 2, 0, 0), 0, 'the padding fact of the smaller context matches nothing');
    const qm = (e: number, j: number, s: number, t: number) => enc.questionMatch![((e * N + j) * 2 + s) * 2 + t];
    assert.equal(qm(0, 1, 1, 0), 1, "the question's bb is fact 1's first symbol");
    assert.equal(qm(0, 0, 1, 1), 1, "and fact 0's second");
    assert.equal(qm(0, 2, 1, 0) + qm(0, 2, 1, 1) + qm(0, 0, 0, 0), 0);
    // A model saved without symbol match (as before it existed) loads without it, predicting the same.
    plain.trainStep(lookups(createRng(['plain']), 16));
    const loaded = await loadAsIfOlder(plain, dir, 'symbolMatch');
    try {
      assert.equal(loaded.config.symbolMatch, false);
      assert.equal(loaded.parameterCount, plain.parameterCount);
      assert.deepEqual(loaded.predict(heldOut.slice(0, 10)), plain.predict(heldOut.slice(0, 10)));
    } finally {
      loaded.dispose();
    }
  } finally {
    m.dispose();
    plain.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('null fact: one more key/value per attention over the facts, trained, saved and restored; older checkpoints load without it', async () => {
  const absentTokenizer = new Tokenizer(['get', 'none', ...NAMES, '?'], { maxFactLength: 2, maxQuestionLength: 2, maxAnswerLength: 2 });
  /** Half the questions ask for a name that is in no fact: the answer is `none`. */
  const maybeAbsent = (rng: SeededRng, n: number): TrainingExample[] => lookups(rng, n).map((e, i) => {
    if (i % 2 === 0) return e;
    const absent = NAMES.find((x) => !e.facts.some((f) => f[0] === x))!;
    return { facts: e.facts, question: ['get', absent], answer: ['none'] };
  });
  const withNull = await createModelX({ preset: 'tiny', tokenizer: absentTokenizer, seed: 31, backend: 'wasm', config: { nullFact: true } });
  const plain = await createModelX({ preset: 'tiny', tokenizer: absentTokenizer, seed: 31, backend: 'wasm', config: { nullFact: false } });
  const dir = mkdtempSync(join(tmpdir(), 'modelx-null-'));
  try {
    assert.equal(withNull.parameterCount - plain.parameterCount, (1 + 1) * 2 * 32, 'a [2·d] key/value per question layer and decoder layer');
    const nullOf = (m: TransformerModelX) => Array.from((m as unknown as { weights: { byName: Map<string, { dataSync(): Float32Array }> } }).weights.byName.get('q0/null')!.dataSync());
    const before = nullOf(withNull);
    const rng = createRng(['absent']);
    let baseline = -1;
    for (let s = 1; s <= 300; s++) {
      withNull.trainStep(maybeAbsent(rng, 32));
      if (s % 100 === 0) {
        if (baseline < 0) baseline = withNull.numTensors();
        else assert.equal(withNull.numTensors(), baseline, 'no tensors leak');
      }
    }
    assert.notDeepEqual(nullOf(withNull), before, 'the null fact is trained');
    const held = maybeAbsent(createRng(['absent-held']), 200);
    const acc = accuracy(withNull, held);
    console.error(`lookup with absent keys, null fact: ${acc} after 300 steps`);
    assert.ok(acc >= 0.9, `held-out accuracy ${acc}`);
    await withNull.save(dir);
    const loaded = await loadModelX(dir, { backend: 'wasm' });
    try {
      assert.equal(loaded.config.nullFact, true);
      assert.deepEqual(loaded.predict(held.slice(0, 20)), withNull.predict(held.slice(0, 20)));
    } finally {
      loaded.dispose();
    }
    // A checkpoint written before the null fact existed has no such key: it loads without one.
    const old = await loadAsIfOlder(plain, dir, 'nullFact');
    try {
      assert.equal(old.config.nullFact, false);
      assert.equal(old.parameterCount, plain.parameterCount);
    } finally {
      old.dispose();
    }
  } finally {
    withNull.dispose();
    plain.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
