/** Small building blocks of the model X that are worth a hand-written gradient. */
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

export const LAYER_NORM_EPSILON = 1e-5;

/**
 * LayerNorm over the last axis, y = (x − mean) / sqrt(var + ε) · g + b, with its gradient written
 * out: tfjs's autodiff of the same expression runs ~30 kernels backwards (casts, broadcasts); this
 * runs 13, which matters when a training step is dominated by per-kernel overhead.
 */
export function layerNorm(tf: TF, x: Tensor, g: Tensor, b: Tensor): Tensor {
  const f = tf.customGrad((...args: unknown[]) => {
    const [xi, gi, bi, save] = args as [Tensor, Tensor, Tensor, tfjs.GradSaveFunc];
    const mean = xi.mean(-1, true);
    const centred = xi.sub(mean);
    const inv = tf.rsqrt(centred.square().mean(-1, true).add(LAYER_NORM_EPSILON));
    const xhat = centred.mul(inv);
    save([xhat, inv, gi]);
    return {
      value: xhat.mul(gi).add(bi),
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const dyT = dy as Tensor;
        const [xh, iv, gs] = saved;
        const d = xh.shape[xh.shape.length - 1];
        const dxhat = dyT.mul(gs);
        const dx = dxhat.sub(dxhat.mean(-1, true)).sub(xh.mul(dxhat.mul(xh).mean(-1, true))).mul(iv);
        const dg = dyT.mul(xh).reshape([-1, d]).sum(0);
        const db = dyT.reshape([-1, d]).sum(0);
        return [dx, dg, db];
      },
    };
  });
  return f(x, g, b);
}
