/*
 * The attention core of the models (layers.ts, attend()) for TensorFlow.js's wasm backend, in wasm
 * SIMD (128-bit, 4 floats): one kernel forward, one backward.
 *
 * Forward, per batch row b, head h and query i (q [B,H,Lq,dk], k and v [B,H,Lk,dk]):
 *   s[j] = (q[b,h,i] · k[b,h,j]) · scale + bias[b,h,i,j]      (bias broadcast by strides of 0)
 *   p[b,h,i,:] = softmax(s)                                    (saved for the backward)
 *   out[b,i,h·dk : (h+1)·dk] = Σ_j p[b,h,i,j] · v[b,h,j]       (out is [B, Lq, H·dk])
 * Backward, from dout [B, Lq, H·dk] and the saved p:
 *   dp[j] = dout[b,i,h] · v[b,h,j],  D = Σ_j p[j] · dp[j],  ds[j] = p[j] · (dp[j] − D)
 *   dq[b,h,i] = scale · Σ_j ds[j] · k[b,h,j]    dk[b,h,j] += scale · ds[j] · q[b,h,i]
 *   dv[b,h,j] += p[j] · dout[b,i,h]             dbias[b,h,i,j] += ds[j] (summed over its broadcast dims)
 *
 * Built by scripts/build-native.mjs (clang --target=wasm32 -msimd128) into a module that imports the
 * backend's WebAssembly.Memory ("env"."memory") and touches nothing but the arrays it is given: no
 * data segment, no stack, no allocation, no libm (exp is computed here). src/learner/attention-kernel.ts
 * runs it on the backend's own heap.
 */
#include <wasm_simd128.h>

typedef v128_t f4;

static inline f4 ld(const float *p) { return wasm_v128_load(p); }
static inline void st(float *p, f4 v) { wasm_v128_store(p, v); }
static inline f4 splat(float x) { return wasm_f32x4_splat(x); }
static inline f4 madd(f4 acc, f4 a, f4 b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }

static inline float hsum(f4 r) {
  return wasm_f32x4_extract_lane(r, 0) + wasm_f32x4_extract_lane(r, 1) + wasm_f32x4_extract_lane(r, 2) +
         wasm_f32x4_extract_lane(r, 3);
}

/* x · y over n floats. */
static inline float dot(const float *x, const float *y, int n) {
  int n4 = n & ~3;
  f4 r = splat(0);
  for (int p = 0; p < n4; p += 4) r = madd(r, ld(x + p), ld(y + p));
  float s = hsum(r);
  for (int p = n4; p < n; p++) s += x[p] * y[p];
  return s;
}

/* y += a · x over n floats. */
static inline void axpy(float a, const float *x, float *y, int n) {
  int n4 = n & ~3;
  f4 av = splat(a);
  for (int p = 0; p < n4; p += 4) st(y + p, madd(ld(y + p), av, ld(x + p)));
  for (int p = n4; p < n; p++) y[p] += a * x[p];
}

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

/* row[j] = e^(row[j] − max) / Σ e^(row[· ] − max), in place over n ≥ 1 floats. */
static void softmax_row(float *row, int n) {
  int n4 = n & ~3;
  float max = row[0];
  for (int j = 1; j < n; j++) max = row[j] > max ? row[j] : max;
  f4 mv = splat(max), acc = splat(0);
  int j = 0;
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
 * out [B, Lq, H·dk] and p [B, H, Lq, Lk] from q, k, v and bias; the bias's element (b, h, i, j) is
 * bias[b·sb0 + h·sb1 + i·sb2 + j·sb3] (a stride of 0 broadcasts). Lk ≥ 1.
 */
__attribute__((export_name("attention_forward")))
void attention_forward(const float *q, const float *k, const float *v, const float *bias, float *out, float *p, int B,
                       int H, int Lq, int Lk, int dk, int sb0, int sb1, int sb2, int sb3, float scale) {
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < H; h++) {
      int bh = b * H + h;
      const float *kb = k + bh * Lk * dk, *vb = v + bh * Lk * dk;
      for (int i = 0; i < Lq; i++) {
        const float *qi = q + (bh * Lq + i) * dk;
        const float *bi = bias + b * sb0 + h * sb1 + i * sb2;
        float *pi = p + (bh * Lq + i) * Lk;
        for (int j = 0; j < Lk; j++) pi[j] = dot(qi, kb + j * dk, dk) * scale + bi[j * sb3];
        softmax_row(pi, Lk);
        float *oi = out + (b * Lq + i) * H * dk + h * dk;
        zero(oi, dk);
        for (int j = 0; j < Lk; j++) {
          if (pi[j] != 0) axpy(pi[j], vb + j * dk, oi, dk);
        }
      }
    }
  }
}

/*
 * The gradients dq, dk_, dv (the layouts of q, k, v) and dbias (the bias's shape, bias_size floats,
 * its strides sb0..sb3 as in the forward) from dout [B, Lq, H·dk] and the forward's p.
 */
__attribute__((export_name("attention_backward")))
void attention_backward(const float *dout, const float *q, const float *k, const float *v, const float *p, float *dq,
                        float *dk_, float *dv, float *dbias, int B, int H, int Lq, int Lk, int dk, int sb0, int sb1,
                        int sb2, int sb3, int bias_size, float scale) {
  zero(dbias, bias_size);
  zero(dk_, B * H * Lk * dk);
  zero(dv, B * H * Lk * dk);
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < H; h++) {
      int bh = b * H + h;
      const float *kb = k + bh * Lk * dk, *vb = v + bh * Lk * dk;
      float *dkb = dk_ + bh * Lk * dk, *dvb = dv + bh * Lk * dk;
      for (int i = 0; i < Lq; i++) {
        const float *qi = q + (bh * Lq + i) * dk;
        const float *pi = p + (bh * Lq + i) * Lk;
        const float *doi = dout + (b * Lq + i) * H * dk + h * dk;
        float *dbi = dbias + b * sb0 + h * sb1 + i * sb2;
        float *dqi = dq + (bh * Lq + i) * dk;
        float d = 0;
        for (int j = 0; j < Lk; j++) {
          if (pi[j] != 0) d += pi[j] * dot(doi, vb + j * dk, dk);
        }
        zero(dqi, dk);
        for (int j = 0; j < Lk; j++) {
          float pj = pi[j];
          if (pj == 0) continue;
          float ds = pj * (dot(doi, vb + j * dk, dk) - d);
          dbi[j * sb3] += ds;
          axpy(ds * scale, kb + j * dk, dqi, dk);
          axpy(ds * scale, qi, dkb + j * dk, dk);
          axpy(pj, doi, dvb + j * dk, dk);
        }
      }
    }
  }
}
