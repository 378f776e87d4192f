/*
 * The attention core of the models (layers.ts: attend(), and attentionOutput() on the projections'
 * own layout) for TensorFlow.js's wasm backend, in wasm SIMD (128-bit, 4 floats): one kernel
 * forward, one backward.
 *
 * Operands by strides: element (b, h, i, c) of q is q[b·qb + h·qh + i·qr + c], and of k (and v,
 * with the same strides) k[r·kb + h·kh + j·kr + c] where r = rows[b] (rows = 0: r = b; a gather of
 * memory rows, e.g. X's context of each question). So q, k, v may be [B, H, L, dk] tensors or
 * head-sized column blocks of a dense layer's [B, L, H·dk] (or [B, L, 3·H·dk]) output, read in place.
 *
 * Forward, per batch row b, head h and query i:
 *   s[j] = (q[b,h,i] · k[b,h,j]) · scale + bias[b,h,i,j]      (bias broadcast by strides of 0)
 *   p[b,h,i,:] = softmax(s)                                    (saved for the backward)
 *   out[b,i,h·dk : (h+1)·dk] = Σ_j p[b,h,i,j] · v[b,h,j]       (out is [B, Lq, H·dk])
 * Backward, from dout [B, Lq, H·dk] and the saved p, per (b, h) as small matrix products:
 *   dP = dout · vᵀ,  ds = p ⊙ (dP − rowsum(p ⊙ dP)),  dbias += ds (summed over its broadcast dims),
 *   dq = scale · ds · k,  dk = scale · dsᵀ · q,  dv = pᵀ · dout
 * with dq, dk, dv in the layouts (strides) of q, k, v; with rows, dk and dv are sums over the batch
 * rows that read the same memory row.
 *
 * Built by scripts/build-native.mjs (clang --target=wasm32 -msimd128) into a module that imports the
 * backend's WebAssembly.Memory ("env"."memory") and touches nothing but the arrays it is given: no
 * data segment, no stack, no allocation, no libm (exp is computed here). src/learner/attention-kernel.ts
 * runs it on the backend's own heap. The blocked products are matmul-blocks.h's.
 */
#include "matmul-blocks.h"
static inline void zero(float *y, int n) {
  int n4 = n & ~3;
  for (int p = 0; p < n4; p += 4) st(y + p, splat(0));
  for (int p = n4; p < n; p++) y[p] = 0;
}

/*
 * e^x for four lanes with x ≤ 0 (a score minus its row's maximum): x = n·ln 2 + r, |r| ≤ ln 2 / 2,
 * e^r by the Cephes polynomial (relative error ~1e-7), times 2^n built in the exponent bits.
 * Lanes below −87 (e^x < 1.7e-38, e.g. a masked key at −1e9) give 0.
 */
static inline f4 exp4(f4 x) {
  f4 keep = wasm_f32x4_ge(x, splat(-87.0f));
  x = wasm_f32x4_max(x, splat(-87.0f));
  f4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, splat(1.44269504088896341f)));
  f4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, splat(-2.12194440e-4f)));
  f4 p = splat(1.9875691500e-4f);
  p = madd(splat(1.3981999507e-3f), p, r);
  p = madd(splat(8.3334519073e-3f), p, r);
  p = madd(splat(4.1665795894e-2f), p, r);
  p = madd(splat(1.6666665459e-1f), p, r);
  p = madd(splat(5.0000001201e-1f), p, r);
  p = wasm_f32x4_add(madd(r, p, wasm_f32x4_mul(r, r)), splat(1.0f));
  f4 scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_v128_and(wasm_f32x4_mul(p, scale), keep);
}

/* row[j] = row[j] · scale + bias[j · stride] over n floats (a stride of 0: one bias for the row). */
static void scale_add(float *row, float scale, const float *bias, int stride, int n) {
  int j = 0;
  f4 sv = splat(scale);
  if (stride == 1) {
    for (; j + 4 <= n; j += 4) st(row + j, madd(ld(bias + j), ld(row + j), sv));
  } else if (stride == 0) {
    f4 bv = splat(bias[0]);
    for (; j + 4 <= n; j += 4) st(row + j, madd(bv, ld(row + j), sv));
  }
  for (; j < n; j++) row[j] = row[j] * scale + bias[j * stride];
}

/* row[j] = e^(row[j] − max) / Σ e^(row[· ] − max), in place over n ≥ 1 floats. */
static void softmax_row(float *row, int n) {
  int n4 = n & ~3;
  int j = 0;
  f4 m4 = splat(row[0]);
  for (; j < n4; j += 4) m4 = wasm_f32x4_pmax(m4, ld(row + j));
  float max = wasm_f32x4_extract_lane(m4, 0);
  for (int l = 1; l < 4; l++) {
    float x = l == 1 ? wasm_f32x4_extract_lane(m4, 1) : l == 2 ? wasm_f32x4_extract_lane(m4, 2) : wasm_f32x4_extract_lane(m4, 3);
    max = x > max ? x : max;
  }
  for (; j < n; j++) max = row[j] > max ? row[j] : max;
  f4 mv = splat(max), acc = splat(0);
  j = 0;
  for (; j < n4; j += 4) {
    f4 e = exp4(wasm_f32x4_sub(ld(row + j), mv));
    st(row + j, e);
    acc = wasm_f32x4_add(acc, e);
  }
  float sum = hsum(acc);
  for (; j < n; j++) {
    float e = wasm_f32x4_extract_lane(exp4(splat(row[j] - max)), 0);
    row[j] = e;
    sum += e;
  }
  float inv = 1.0f / sum;
  f4 iv = splat(inv);
  for (j = 0; j < n4; j += 4) st(row + j, wasm_f32x4_mul(ld(row + j), iv));
  for (; j < n; j++) row[j] *= inv;
}

/*
 * out [B, Lq, H·dk] and p [B, H, Lq, Lk] from q, k, v (strides as above) and bias; the bias's
 * element (b, h, i, j) is bias[b·sb0 + h·sb1 + i·sb2 + j·sb3] (a stride of 0 broadcasts). Lk ≥ 1.
 */
__attribute__((export_name("attention_forward")))
void attention_forward(const float *q, int qb, int qh, int qr, const float *k, const float *v, int kb, int kh, int kr,
                       const int *rows, const float *bias, int sb0, int sb1, int sb2, int sb3, float *out, float *p,
                       int B, int H, int Lq, int Lk, int dk, float scale) {
  int row = H * dk;
  for (int b = 0; b < B; b++) {
    int r = rows ? rows[b] : b;
    for (int h = 0; h < H; h++) {
      const float *kbh = k + r * kb + h * kh, *vbh = v + r * kb + h * kh;
      float *pb = p + (b * H + h) * Lq * Lk;
      dots(q + b * qb + h * qh, qr, kbh, kr, pb, Lk, Lq, dk, Lk);
      for (int i = 0; i < Lq; i++) {
        const float *bi = bias + b * sb0 + h * sb1 + i * sb2;
        float *pi = pb + i * Lk;
        scale_add(pi, scale, bi, sb3, Lk);
        softmax_row(pi, Lk);
      }
      rows_of_b(pb, Lk, 1, vbh, kr, out + b * Lq * row + h * dk, row, Lq, Lk, dk, 0);
    }
  }
}

/*
 * The gradients dq, dk_, dv (in the layouts of q, k, v: the same strides, from their own bases) and
 * dbias (the bias's shape, bias_size floats, its strides sb0..sb3 as in the forward) from dout
 * [B, Lq, H·dk] and the forward's p; ds is scratch of Lq · Lk floats. With rows, dk_ and dv are
 * accumulated: the kv_size floats from kv_zero (the tensor that holds them) are zeroed first.
 */
__attribute__((export_name("attention_backward")))
void attention_backward(const float *dout, const float *q, int qb, int qh, int qr, const float *k, const float *v, int kb,
                        int kh, int kr, const int *rows, const float *p, float *dq, float *dk_, float *dv, float *kv_zero,
                        int kv_size, float *dbias, int bias_size, int sb0, int sb1, int sb2, int sb3, float *ds, int B,
                        int H, int Lq, int Lk, int dk, float scale) {
  int row = H * dk;
  zero(dbias, bias_size);
  if (rows) zero(kv_zero, kv_size);
  for (int b = 0; b < B; b++) {
    int r = rows ? rows[b] : b;
    for (int h = 0; h < H; h++) {
      int qo = b * qb + h * qh, ko = r * kb + h * kh;
      const float *kbh = k + ko, *vbh = v + ko, *qbh = q + qo;
      const float *pb = p + (b * H + h) * Lq * Lk;
      const float *dob = dout + b * Lq * row + h * dk;
      /* ds = dP = dout · vᵀ, then ds = p ⊙ (dP − Σ_j p ⊙ dP); dbias += ds; ds ·= scale. */
      dots(dob, row, vbh, kr, ds, Lk, Lq, dk, Lk);
      for (int i = 0; i < Lq; i++) {
        const float *pi = pb + i * Lk;
        float *si = ds + i * Lk;
        float *dbi = dbias + b * sb0 + h * sb1 + i * sb2;
        float d = 0;
        for (int j = 0; j < Lk; j++) d += pi[j] * si[j];
        for (int j = 0; j < Lk; j++) {
          float g = pi[j] * (si[j] - d);
          dbi[j * sb3] += g;
          si[j] = g * scale;
        }
      }
      int acc = rows != 0;
      rows_of_b(ds, Lk, 1, kbh, kr, dq + qo, qr, Lq, Lk, dk, 0);          /* dq = ds · k */
      rows_of_b(ds, 1, Lk, qbh, qr, dk_ + ko, kr, Lk, Lq, dk, acc);       /* dk = dsᵀ · q */
      rows_of_b(pb, 1, Lk, dob, row, dv + ko, kr, Lk, Lq, dk, acc);       /* dv = pᵀ · dout */
    }
  }
}
