// The transformer layers X and H′ share (src/learner/layers.ts): LayerNorm's hand-written gradient,
// attention (self and to a memory, with a key/value cache, the null fact and the symbol-match
// bonus), the causal mask and the copy mixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learner/backend';
import { setSimdBatchMatMul, simdBatchMatMulEnabled } from '../../../src/learner/batch-matmul';
import { attention, causalBias, copyMixture, dense, dims, layerNorm, LAYER_NORM_EPSILON, MATCH_SCALE, NEG, outputHeads, symbolMatchBias } from '../../../src/learner/layers';

type Tensor = tfjs.Tensor;

test('layerNorm: value and hand-written gradients equal autodiff of the plain formula (wasm and cpu)', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    const { tf } = await initBackend(backend);
    tf.tidy(() => {
      const x = tf.randomNormal([3, 4, 6], 0.5, 2, 'float32', 1);
      const g = tf.randomNormal([6], 1, 0.3, 'float32', 2);
      const b = tf.randomNormal([6], 0, 0.3, 'float32', 3);
      const w = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 4);
      const plain = (xi: Tensor, gi: Tensor, bi: Tensor) => {
        const { mean, variance } = tf.moments(xi, -1, true);
        return xi.sub(mean).mul(tf.rsqrt(variance.add(LAYER_NORM_EPSILON))).mul(gi).add(bi);
      };
      const ours = (xi: Tensor, gi: Tensor, bi: Tensor) => layerNorm(tf, xi, gi, bi);
      const close = (a: Tensor, e: Tensor, what: string) => {
        const err = tf.abs(a.sub(e)).max().dataSync()[0];
        assert.ok(err < 1e-4, `${backend} ${what}: max error ${err}`);
      };
      close(ours(x, g, b), plain(x, g, b), 'value');
      const loss = (f: typeof plain) => (xi: Tensor, gi: Tensor, bi: Tensor) => f(xi, gi, bi).mul(w).sum().add(f(xi, gi, bi).square().sum());
      const ga = tf.grads(loss(ours))([x, g, b]);
      const ge = tf.grads(loss(plain))([x, g, b]);
      ['x', 'g', 'b'].forEach((n, i) => close(ga[i], ge[i], `d${n}`));
    });
  }
});

const d = 8;
const heads = 2;

/** Random weights for the named dense layers ([in, out]) and other tensors. */
async function weights(shapes: Record<string, number[]>) {
  const { tf } = await initBackend('wasm');
  const P = new Map<string, Tensor>();
  Object.entries(shapes).forEach(([name, shape], i) => {
    if (name.endsWith('/dense')) {
      const base = name.slice(0, -'/dense'.length);
      P.set(`${base}/w`, tf.randomNormal(shape, 0, 0.5, 'float32', 10 + i));
      P.set(`${base}/b`, tf.randomNormal([shape[1]], 0, 0.1, 'float32', 50 + i));
    } else P.set(name, tf.randomNormal(shape, 0, 0.5, 'float32', 90 + i));
  });
  return { tf, P };
}

function maxDiff(tf: typeof tfjs, a: Tensor, b: Tensor): number {
  return tf.abs(a.sub(b)).max().dataSync()[0];
}

test('attention: decoding with a key/value cache gives what the whole causal pass gives', async () => {
  const { tf, P } = await weights({ 'l/qkv/dense': [d, 3 * d], 'l/out/dense': [d, d] });
  tf.tidy(() => {
    const L = 5;
    const x = tf.randomNormal([3, L, d], 0, 1, 'float32', 7);
    const whole = attention(tf, P, 'l', x, { heads, bias: causalBias(tf, L).reshape([1, 1, L, L]) });
    assert.deepEqual(whole.kv.k.shape, [3, heads, L, d / heads]);
    // The first 3 positions at once, then positions 3 and 4 one at a time from the cache.
    const first = attention(tf, P, 'l', x.slice([0, 0, 0], [3, 3, d]), { heads, bias: causalBias(tf, 3).reshape([1, 1, 3, 3]) });
    let past = first.kv;
    const outs = [first.out];
    for (let t = 3; t < L; t++) {
      const before = past;
      const step = attention(tf, P, 'l', x.slice([0, t, 0], [3, 1, d]), { heads, bias: tf.zeros([1, 1, 1, t + 1]), past: (k, v) => ({ k: tf.concat([before.k, k], 2), v: tf.concat([before.v, v], 2) }) });
      past = step.kv;
      outs.push(step.out);
    }
    assert.deepEqual(past.k.shape, whole.kv.k.shape);
    assert.ok(maxDiff(tf, tf.concat(outs, 1), whole.out) < 1e-5);
  });
});

test('attention to a memory: rows pick each query’s memory, masked keys are ignored, the null fact is always attendable', async () => {
  const { tf, P } = await weights({ 'q/q/dense': [d, d], 'q/kv/dense': [d, 2 * d], 'q/out/dense': [d, d], 'q/null': [1, 1, 2 * d] });
  const noNull = new Map([...P].filter(([k]) => k !== 'q/null'));
  tf.tidy(() => {
    const memory = tf.randomNormal([2, 4, d], 0, 1, 'float32', 3); // two contexts of 4 facts
    const x = tf.randomNormal([3, 1, d], 0, 1, 'float32', 4); // three questions
    const rows = tf.tensor1d([1, 0, 1], 'int32');
    const open = tf.zeros([3, 1, 1, 4]);
    const viaRows = attention(tf, noNull, 'q', x, { heads, bias: open, memory, memoryRows: rows }).out;
    const gathered = attention(tf, noNull, 'q', x, { heads, bias: open, memory: tf.gather(memory, rows) }).out;
    assert.ok(maxDiff(tf, viaRows, gathered) < 1e-6);
    // A masked fact does not matter: changing it changes nothing.
    const mask = tf.tensor4d([0, 0, 0, NEG], [1, 1, 1, 4]).tile([3, 1, 1, 1]);
    const changed = tf.concat([memory.slice([0, 0, 0], [2, 3, d]), tf.randomNormal([2, 1, d], 0, 5, 'float32', 9)], 1);
    const a = attention(tf, noNull, 'q', x, { heads, bias: mask, memory, memoryRows: rows }).out;
    const b = attention(tf, noNull, 'q', x, { heads, bias: mask, memory: changed, memoryRows: rows }).out;
    assert.ok(maxDiff(tf, a, b) < 1e-6);
    // With every fact masked, attention lands on the null fact: the output is its value, projected.
    const allMasked = tf.fill([3, 1, 1, 4], NEG);
    const { out, kv } = attention(tf, P, 'q', x, { heads, bias: allMasked, memory, memoryRows: rows });
    assert.deepEqual(kv.k.shape, [3, heads, 5, d / heads], 'one more key per row');
    const nullValue = P.get('q/null')!.slice([0, 0, d], [1, 1, d]).tile([3, 1, 1]);
    assert.ok(maxDiff(tf, out, dense(tf, P, 'q/out', nullValue)) < 1e-5);
  });
});

test('symbol match: the bonus is MATCH_SCALE × indicators · weights, per head, and starts at zero', async () => {
  const { tf, P } = await weights({});
  tf.tidy(() => {
    const pairs = 4;
    const w = tf.tensor2d([1, 0, 0, 2, 0, 0, 0, 0], [pairs, heads]);
    const match = tf.tensor2d([1, 1, 0, 0, 0, 0, 0, 1], [2, pairs]); // rows·queries·keys = 1·1·2
    const bias = symbolMatchBias(tf, new Map([...P, ['e/match', w]]), 'e', match, heads, 1, 1, 2);
    assert.deepEqual(bias.shape, [1, heads, 1, 2]);
    assert.deepEqual([...bias.dataSync()], [MATCH_SCALE, 0, 2 * MATCH_SCALE, 0]);
    const zero = symbolMatchBias(tf, new Map([['e/match', tf.zeros([pairs, heads])]]), 'e', match, heads, 1, 1, 2);
    assert.equal(tf.abs(zero).sum().dataSync()[0], 0);
  });
});

test('output heads and copy mixture: distributions that sum to 1; the copy mass goes to the symbols under the pointer', async () => {
  const V = 6;
  const { tf, P } = await weights({ 'vocab/dense': [d, V], 'copy/query/dense': [d, d], 'gate/dense': [d, 1] });
  tf.tidy(() => {
    const x = tf.randomNormal([2, 3, d], 0, 1, 'float32', 5);
    const keys = tf.randomNormal([2, 4, d], 0, 1, 'float32', 6);
    const bias = tf.tensor3d([0, 0, NEG, NEG, 0, 0, 0, NEG], [2, 1, 4]);
    const out = outputHeads(tf, P, x, keys, bias);
    assert.deepEqual(out.pointer.shape, [2, 3, 4]);
    assert.ok(out.pointer.slice([0, 0, 2], [1, 3, 2]).max().dataSync()[0] < 1e-12, 'masked positions get no pointer mass');
    const ids = tf.tensor2d([1, 2, 5, 5, 3, 3, 4, 0], [2, 4], 'int32');
    const p = copyMixture(tf, out, ids, V);
    assert.ok(maxDiff(tf, p.sum(-1), tf.onesLike(p.sum(-1))) < 1e-5);
    // With the gate closed (all copy), the probability of symbol 3 in row 1 is the pointer's mass on positions 0 and 1.
    const copyOnly = copyMixture(tf, { ...out, gate: tf.zerosLike(out.gate) }, ids, V);
    const onThree = out.pointer.slice([1, 0, 0], [1, 3, 2]).sum(-1);
    assert.ok(maxDiff(tf, copyOnly.slice([1, 0, 3], [1, 3, 1]).reshape([1, 3]), onThree) < 1e-6);
  });
});

test('dense: value and gradients are those of tf.fused.matMul (linear and relu; 2-D and 3-D inputs; wasm with and without the SIMD kernels, and cpu), in 11 kernels', async () => {
  for (const [backend, simd] of [['wasm', true], ['wasm', false], ['cpu', true]] as const) {
    const { tf } = await initBackend(backend);
    const before = simdBatchMatMulEnabled();
    setSimdBatchMatMul(simd);
    try {
      for (const shape of [[5, 6], [3, 4, 6], [2, 1, 3, 6]]) {
        for (const activation of ['linear', 'relu'] as const) {
          tf.tidy(() => {
            const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
            const w = tf.randomNormal([6, 7], 0, 0.5, 'float32', 2);
            const b = tf.randomNormal([7], 0, 0.5, 'float32', 3);
            const r = tf.randomNormal([...shape.slice(0, -1), 7], 0, 1, 'float32', 4);
            const P = new Map([['l/w', w], ['l/b', b]]);
            const ours = (xi: Tensor, wi: Tensor, bi: Tensor) => dense(tf, new Map([['l/w', wi], ['l/b', bi]]), 'l', xi, activation);
            const theirs = (xi: Tensor, wi: Tensor, bi: Tensor) => tf.fused.matMul({ a: xi.reshape([-1, 6]), b: wi, bias: bi, activation }).reshape([...shape.slice(0, -1), 7]);
            const what = `${backend}${simd ? '' : ' (SIMD off)'} ${activation} [${shape}]`;
            assert.deepEqual(dims(dense(tf, P, 'l', x, activation)), [...shape.slice(0, -1), 7], what);
            assert.ok(maxDiff(tf, ours(x, w, b), theirs(x, w, b)) < 1e-5, `${what}: value`);
            const loss = (f: typeof ours) => (xi: Tensor, wi: Tensor, bi: Tensor) => f(xi, wi, bi).mul(r).sum();
            const ga = tf.grads(loss(ours))([x, w, b]);
            const ge = tf.grads(loss(theirs))([x, w, b]);
            ['x', 'w', 'b'].forEach((n, i) => {
              assert.deepEqual(ga[i].shape, ge[i].shape, `${what}: d${n} shape`);
              assert.ok(maxDiff(tf, ga[i], ge[i]) < 1e-5, `${what}: d${n}`);
            });
          });
        }
      }
    } finally {
      setSimdBatchMatMul(before);
    }
  }
  // Forward and backward of a dense layer on [3, 4, 6]: 11 kernels (tf.fused.matMul with the
  // reshapes around it ran 15, and 4 Identity copies of what it saved).
  const { tf } = await initBackend('wasm');
  const w = tf.variable(tf.randomNormal([6, 7], 0, 0.5, 'float32', 2));
  const b = tf.variable(tf.zeros([7]));
  const x = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 1);
  const prof = await tf.profile(() => {
    tf.tidy(() => {
      tf.variableGrads(() => dense(tf, new Map<string, Tensor>([['l/w', w], ['l/b', b]]), 'l', x).sum() as tfjs.Scalar, [w, b]);
    });
  });
  const kernels = prof.kernels.filter((k) => tf.getKernel(k.name, 'wasm') !== undefined).map((k) => k.name);
  // The loss: Sum forward, Reshape and Multiply backward.
  const loss = ['Sum', 'Reshape', 'Multiply'];
  const forward = ['Reshape', 'Reshape', '_FusedMatMul', 'Reshape'];
  const backward = ['Reshape', 'BatchMatMul', 'Reshape', 'BatchMatMul', 'Reshape', 'BatchMatMul', 'Reshape'];
  assert.deepEqual(kernels, [...forward, ...loss, ...backward]);
  tf.dispose([w, b, x]);
});
