/**
 * The transformer layers that the models X and H′ share — as in the authors' code
 * (models/attention.py), one attention serves the answerer and the asker: dense layers, LayerNorm
 * (with a hand-written gradient), the feed-forward block, multi-head attention (self-attention, or
 * attention to a memory such as X's facts; with a key/value cache, the null fact and X's
 * symbol-match bonus), the causal mask, and the output heads that mix a vocabulary softmax with a
 * copy pointer. Every function reads weights by name from `P` (a model's variables, or X's EMA
 * teacher split into tensors) and is meant to run inside `tf.tidy`.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { fusedAttend, fusedAttendProjections } from './attention-kernel';
import { fusedLayerNorm, fusedLayerNormApplies } from './layer-norm';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/** A model's weights by name. */
export type Weights = ReadonlyMap<string, Tensor>;

/** The bias of a hidden key (or copy position): softmax gives it no weight. */
export const NEG = -1e9;

export const LAYER_NORM_EPSILON = 1e-5;

/** Symbol-match weights are multiplied by this in the forward pass (a per-weight learning-rate boost). */
export const MATCH_SCALE = 20;

/** A tensor's shape as plain numbers. */
export function dims(t: Tensor): number[] {
  return t.shape as number[];
}

/**
 * LayerNorm over the last axis, y = (x − mean) / sqrt(var + ε) · g + b. On the wasm backend one
 * fused kernel forward and one backward (layer-norm.ts); elsewhere, or with those off, the
 * composite below with its gradient written out: tfjs's autodiff of the same expression runs ~30
 * kernels backwards (casts, broadcasts); this runs 13, which matters when a training step is
 * dominated by per-kernel overhead.
 */
export function layerNorm(tf: TF, x: Tensor, g: Tensor, b: Tensor): Tensor {
  if (fusedLayerNormApplies(tf, x, g, b)) return fusedLayerNorm(tf, x, g, b, LAYER_NORM_EPSILON);
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

/**
 * The dense layer `name` (weights `name/w`, bias `name/b`) over the last axis of x: tfjs's
 * `_FusedMatMul` kernel (product, + bias, activation) on x's rows as one [1, rows, d] batch, with
 * the gradient written out. The same kernels as `tf.fused.matMul` on the same shapes, but one node
 * on the tape instead of six (x flattened, the op's two 3-D reshapes, the kernel, its output
 * reshaped twice), so that a dense layer runs 11 kernels forward and backward instead of 15
 * (docs/performance.md §6c).
 */
export function dense(tf: TF, P: Weights, name: string, x: Tensor, activation: 'linear' | 'relu' = 'linear'): Tensor {
  const shape = dims(x);
  const [d, n] = dims(P.get(`${name}/w`)!);
  const rows = x.size / d;
  const f = tf.customGrad((...args: unknown[]) => {
    const [xi, wi, bi, save] = args as [Tensor, Tensor, Tensor, tfjs.GradSaveFunc];
    const x3 = xi.reshape([1, rows, d]);
    const w3 = wi.reshape([1, d, n]);
    const y3 = tf.engine().runKernel('_FusedMatMul', { a: x3, b: w3, bias: bi }, { transposeA: false, transposeB: false, activation }) as Tensor;
    const y = y3.reshape([...shape.slice(0, -1), n]);
    save(activation === 'relu' ? [x3, w3, y] : [x3, w3]);
    return {
      value: y,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [xs, ws, ys] = saved;
        const dyA = activation === 'relu' ? (dy as Tensor).mul(tf.step(ys)) : (dy as Tensor);
        const dy3 = dyA.reshape([1, rows, n]);
        // db as ones · dy: tfjs-wasm's Sum over the rows transposes first (6× slower on [512, 64], 30× on [2048, 256]).
        const db = tf.matMul(tf.ones([1, 1, rows]), dy3).reshape([n]);
        return [tf.matMul(dy3, ws, false, true).reshape(shape), tf.matMul(xs, dy3, true, false).reshape([d, n]), db];
      },
    };
  });
  return f(x, P.get(`${name}/w`)!, P.get(`${name}/b`)!);
}

/** The LayerNorm `name` (gain `name/g`, bias `name/b`). */
export function norm(tf: TF, P: Weights, name: string, x: Tensor): Tensor {
  return layerNorm(tf, x, P.get(`${name}/g`)!, P.get(`${name}/b`)!);
}

/** The ReLU feed-forward block of layer `name` (`name/ff1`, `name/ff2`), without its residual. */
export function feedForward(tf: TF, P: Weights, name: string, x: Tensor): Tensor {
  return dense(tf, P, `${name}/ff2`, dense(tf, P, `${name}/ff1`, x, 'relu'));
}

/** [B, L, d] → [B, heads, L, d/heads]. */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [B, L, d] = dims(x);
  return x.reshape([B, L, heads, d / heads]).transpose([0, 2, 1, 3]);
}

/**
 * Scaled dot-product attention; q [B,H,Lq,dk], k/v [B,H,Lk,dk], bias broadcastable to [B,H,Lq,Lk];
 * returns [B, Lq, H·dk]. On the wasm backend one fused kernel each way (attention-kernel.ts).
 */
export function attend(tf: TF, q: Tensor, k: Tensor, v: Tensor, bias: Tensor): Tensor {
  const fused = fusedAttend(tf, q, k, v, bias);
  if (fused) return fused;
  const [B, H, Lq, dk] = dims(q);
  const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dk)).add(bias);
  return tf.matMul(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape([B, Lq, H * dk]);
}

/** One layer's keys and values [B, H, L, dk] (a type, not an interface: `tf.tidy` returns it). */
export type KeyValue = { k: Tensor; v: Tensor };

export interface AttentionOptions {
  heads: number;
  /** Added to the scores: 0 or NEG (masks), plus any learned bonus; broadcastable to [B, H, Lq, Lk]. */
  bias: Tensor;
  /**
   * Attend to these states [M, Lk, d] (keys and values from `name/kv`, queries from `name/q`);
   * without it, x attends to itself (`name/qkv`).
   */
  memory?: Tensor;
  /** The row of `memory` for each row of x (X encodes a context once for all its questions). */
  memoryRows?: Tensor;
  /**
   * Decoding with a cache: stores x's keys and values [B, H, Lq, dk] after those of the earlier
   * positions and returns every key and value to attend to ([B, H, C, dk]; the bias hides unused columns).
   */
  past?: (k: Tensor, v: Tensor) => KeyValue;
}

/**
 * The projections of an attention layer: self-attention's `qkv` [B, L, 3d] (`name/qkv` of x), or
 * the queries `q` [B, Lq, d] (`name/q` of x) and the memory's keys|values `kv` [M, Lk, 2d]
 * (`name/kv`), whose row for each row of x is `rows` (or the same row). With a null fact the
 * memory is gathered and extended by it here (and the bias by a 0 column), so `rows` is then unset.
 */
type Projections = { bias: Tensor } & ({ qkv: Tensor } | { q: Tensor; kv: Tensor; rows?: Tensor });

function project(tf: TF, P: Weights, name: string, x: Tensor, o: AttentionOptions): Projections {
  if (!o.memory) return { qkv: dense(tf, P, `${name}/qkv`, x), bias: o.bias };
  let kv = dense(tf, P, `${name}/kv`, o.memory);
  let rows = o.memoryRows;
  let bias = o.bias;
  const nullKv = P.get(`${name}/null`);
  if (nullKv) {
    if (rows) kv = tf.gather(kv, rows);
    rows = undefined;
    kv = tf.concat([kv, nullKv.tile([dims(kv)[0], 1, 1])], 1);
    const [b0, b1, b2] = dims(bias);
    bias = tf.concat([bias, tf.zeros([b0, b1, b2, 1])], 3);
  }
  return { q: dense(tf, P, `${name}/q`, x), kv, rows, bias };
}

/** The projections split into heads: q [B, H, Lq, dk], k and v [B, H, Lk, dk]. */
function splitProjections(tf: TF, p: Projections, heads: number): { q: Tensor; k: Tensor; v: Tensor } {
  const split = (t: Tensor): Tensor => splitHeads(t, heads);
  if ('qkv' in p) {
    const [q, k, v] = tf.split(p.qkv, 3, 2).map(split);
    return { q, k, v };
  }
  const [k, v] = tf.split(p.rows ? tf.gather(p.kv, p.rows) : p.kv, 2, 2).map(split);
  return { q: split(p.q), k, v };
}

/**
 * Multi-head attention from x [B, Lq, d], projected out by `name/out`; returns the output
 * [B, Lq, d] and the keys/values attended to. With a weight `name/null` [1, 1, 2d] (X's null fact)
 * a memory gets one more key and value that every query may attend to, whatever the bias.
 */
export function attention(tf: TF, P: Weights, name: string, x: Tensor, o: AttentionOptions): { out: Tensor; kv: KeyValue } {
  const p = project(tf, P, name, x, o);
  const split = splitProjections(tf, p, o.heads);
  const { q } = split;
  let { k, v } = split;
  if (o.past) ({ k, v } = o.past(k, v));
  return { out: dense(tf, P, `${name}/out`, attend(tf, q, k, v, p.bias)), kv: { k, v } };
}

/**
 * attention()'s output alone, for callers that need neither its keys/values nor a cache (X). On
 * the wasm backend the fused kernels read q, k and v in place from the projections' [B, L, 3d] or
 * [B, Lq, d] and [M, Lk, 2d] outputs, through the memory's row indices (attention-kernel.ts,
 * fusedAttendProjections): no head split or merge and no gather, forward or backward. Elsewhere,
 * or switched off (setAttentionFromProjections), attention()'s own path.
 */
export function attentionOutput(tf: TF, P: Weights, name: string, x: Tensor, o: Omit<AttentionOptions, 'past'>): Tensor {
  const p = project(tf, P, name, x, o);
  const fused = 'qkv' in p ? fusedAttendProjections(tf, p.qkv, o.heads, p.bias) : fusedAttendProjections(tf, p.q, o.heads, p.bias, p.kv, p.rows);
  if (fused) return dense(tf, P, `${name}/out`, fused);
  const { q, k, v } = splitProjections(tf, p, o.heads);
  return dense(tf, P, `${name}/out`, attend(tf, q, k, v, p.bias));
}

/**
 * The symbol-match bonus [rows, H, queries, keys] of layer `name` (our addition to the paper's
 * model, see ModelXConfig.symbolMatch): indicators [rows·queries·keys, pairs] of equal symbols
 * times the learned `name/match` [pairs, H]. Scaled so that Adam (whose steps are ~lr per weight)
 * reaches decisive logits (~5) in a few hundred steps.
 */
export function symbolMatchBias(tf: TF, P: Weights, name: string, match: Tensor, heads: number, rows: number, queries: number, keys: number): Tensor {
  return tf.matMul(match, P.get(`${name}/match`)!).mul(MATCH_SCALE).reshape([rows, queries, keys, heads]).transpose([0, 3, 1, 2]);
}

/** A causal bias [L, L]: 0 on and below the diagonal, NEG above. */
export function causalBias(tf: TF, L: number): Tensor {
  return tf.linalg.bandPart(tf.ones([L, L]), -1, 0).sub(1).mul(-NEG);
}

/** The output heads at states x [B, M, d]. */
export interface OutputHeads {
  /** The vocabulary softmax [B, M, V] (`vocab`). */
  vocab: Tensor;
  /** The copy pointer [B, M, L] over the positions whose keys were given. */
  pointer: Tensor;
  /** The vocabulary's weight in the mixture [B, M, 1] (`gate`). */
  gate: Tensor;
}

/** The output heads at x [B, M, d], with copy keys [B, L, d] and their bias [B or 1, M or 1, L] (`copy/query`). */
export function outputHeads(tf: TF, P: Weights, x: Tensor, keys: Tensor, bias: Tensor): OutputHeads {
  const d = dims(x)[2];
  const vocab = tf.softmax(dense(tf, P, 'vocab', x));
  const scores = tf.matMul(dense(tf, P, 'copy/query', x), keys, false, true).mul(1 / Math.sqrt(d)).add(bias);
  return { vocab, pointer: tf.softmax(scores), gate: tf.sigmoid(dense(tf, P, 'gate', x)) };
}

/** The next-symbol distributions [B, M, V]: gate · vocab + (1 − gate) · the pointer scattered onto the symbols `ids` [B, L] of its positions. */
export function copyMixture(tf: TF, out: OutputHeads, ids: Tensor, V: number): Tensor {
  const copy = tf.matMul(out.pointer, tf.oneHot(ids, V).toFloat());
  return out.gate.mul(out.vocab).add(tf.scalar(1).sub(out.gate).mul(copy));
}
