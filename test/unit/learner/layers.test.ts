import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../../../src/learner/backend';
import { layerNorm, LAYER_NORM_EPSILON } from '../../../src/learner/layers';

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
