/*
 * The attention core of the models (layers.ts, attend()) for TensorFlow.js's wasm backend, in wasm
 * SIMD (128-bit, 4 floats): one kernel forward, one backward.
 *
 * Forward, per batch row b, head h and query i (q [B,H,Lq,dk], k and v [B,H,Lk,dk]):
 *   s[j] = (q[b,h,i] · k[b,h,j]) · scale + bias[b,h,i,j]      (bias broadcast by strides of 0)
 *   p[b,h,i,:] = softmax(s)                                    (saved for the backward)
 *   out[b,i,h·dk : (h+1)·dk] = Σ_j p[b,h,i,j] · v[b,h,j]       (out is [B, Lq, H·dk])
 * Backward, from dout [B, Lq, H·dk] and the saved p, per (b, h) as small matrix products:
 *   dP = dout · vᵀ,  ds = p ⊙ (dP − rowsum(p ⊙ dP)),  dbias += ds (summed over its broadcast dims),
 *   dq = scale · ds · k,  dk = scale · dsᵀ · q,  dv = pᵀ · dout
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

/* The four lane sums of r0..r3, as one vector [Σr0, Σr1, Σr2, Σr3]. */
static inline f4 sum4(f4 r0, f4 r1, f4 r2, f4 r3) {
  f4 t0 = wasm_f32x4_add(wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7));
  f4 t1 = wasm_f32x4_add(wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5), wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
}

/*
 * out[i·ldo + j] = Σ_p a[i·lda + p] · b[j·ldb + p] for i < m, j < n, p < k (A · Bᵀ, both read by
 * rows: dot products of contiguous rows). Rows of A in twos, rows of B in fours, k in fours.
 */
static void dots(const float *a, int lda, const float *b, int ldb, float *out, int ldo, int m, int k, int n) {
  int k4 = k & ~3;
  int i = 0;
  for (; i + 2 <= m; i += 2) {
    const float *x0 = a + i * lda, *x1 = x0 + lda;
    float *o0 = out + i * ldo, *o1 = o0 + ldo;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      const float *y0 = b + j * ldb, *y1 = y0 + ldb, *y2 = y1 + ldb, *y3 = y2 + ldb;
      f4 r00 = splat(0), r01 = splat(0), r02 = splat(0), r03 = splat(0);
      f4 r10 = splat(0), r11 = splat(0), r12 = splat(0), r13 = splat(0);
      for (int p = 0; p < k4; p += 4) {
        f4 u0 = ld(x0 + p), u1 = ld(x1 + p);
        f4 v0 = ld(y0 + p), v1 = ld(y1 + p), v2 = ld(y2 + p), v3 = ld(y3 + p);
        r00 = madd(r00, u0, v0); r01 = madd(r01, u0, v1); r02 = madd(r02, u0, v2); r03 = madd(r03, u0, v3);
        r10 = madd(r10, u1, v0); r11 = madd(r11, u1, v1); r12 = madd(r12, u1, v2); r13 = madd(r13, u1, v3);
      }
      st(o0 + j, sum4(r00, r01, r02, r03));
      st(o1 + j, sum4(r10, r11, r12, r13));
      for (int p = k4; p < k; p++) {
        o0[j] += x0[p] * y0[p]; o0[j + 1] += x0[p] * y1[p]; o0[j + 2] += x0[p] * y2[p]; o0[j + 3] += x0[p] * y3[p];
        o1[j] += x1[p] * y0[p]; o1[j + 1] += x1[p] * y1[p]; o1[j + 2] += x1[p] * y2[p]; o1[j + 3] += x1[p] * y3[p];
      }
    }
    for (; j < n; j++) {
      const float *y = b + j * ldb;
      f4 r0 = splat(0), r1 = splat(0);
      for (int p = 0; p < k4; p += 4) { f4 v = ld(y + p); r0 = madd(r0, ld(x0 + p), v); r1 = madd(r1, ld(x1 + p), v); }
      float s0 = hsum(r0), s1 = hsum(r1);
      for (int p = k4; p < k; p++) { s0 += x0[p] * y[p]; s1 += x1[p] * y[p]; }
      o0[j] = s0; o1[j] = s1;
    }
  }
  for (; i < m; i++) {
    const float *x = a + i * lda;
    float *o = out + i * ldo;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      const float *y0 = b + j * ldb, *y1 = y0 + ldb, *y2 = y1 + ldb, *y3 = y2 + ldb;
      f4 r0 = splat(0), r1 = splat(0), r2 = splat(0), r3 = splat(0);
      for (int p = 0; p < k4; p += 4) {
        f4 u = ld(x + p);
        r0 = madd(r0, u, ld(y0 + p)); r1 = madd(r1, u, ld(y1 + p)); r2 = madd(r2, u, ld(y2 + p)); r3 = madd(r3, u, ld(y3 + p));
      }
      st(o + j, sum4(r0, r1, r2, r3));
      for (int p = k4; p < k; p++) { o[j] += x[p] * y0[p]; o[j + 1] += x[p] * y1[p]; o[j + 2] += x[p] * y2[p]; o[j + 3] += x[p] * y3[p]; }
    }
    for (; j < n; j++) {
      const float *y = b + j * ldb;
      f4 r = splat(0);
      for (int p = 0; p < k4; p += 4) r = madd(r, ld(x + p), ld(y + p));
      float s = hsum(r);
      for (int p = k4; p < k; p++) s += x[p] * y[p];
      o[j] = s;
    }
  }
}

/*
 * out[i·ldo + j] = Σ_p A(i, p) · b[p·ldb + j] for i < m, j < n, p < k, where A(i, p) is
 * a[i·ai + p·ap] (A or, with ai = 1, a transposed A): every output row a sum of B's rows scaled by
 * A's entries. Rows in fours, columns in eights, then fours, then one by one.
 */
static void rows_of_b(const float *a, int ai, int ap, const float *b, int ldb, float *out, int ldo, int m, int k, int n) {
  int i = 0;
  for (; i + 4 <= m; i += 4) {
    const float *a0 = a + i * ai, *a1 = a0 + ai, *a2 = a1 + ai, *a3 = a2 + ai;
    float *o0 = out + i * ldo, *o1 = o0 + ldo, *o2 = o1 + ldo, *o3 = o2 + ldo;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      f4 c00 = splat(0), c01 = splat(0), c10 = splat(0), c11 = splat(0);
      f4 c20 = splat(0), c21 = splat(0), c30 = splat(0), c31 = splat(0);
      for (int p = 0; p < k; p++) {
        const float *bp = b + p * ldb + j;
        f4 b0 = ld(bp), b1 = ld(bp + 4);
        f4 x0 = splat(a0[p * ap]), x1 = splat(a1[p * ap]), x2 = splat(a2[p * ap]), x3 = splat(a3[p * ap]);
        c00 = madd(c00, x0, b0); c01 = madd(c01, x0, b1);
        c10 = madd(c10, x1, b0); c11 = madd(c11, x1, b1);
        c20 = madd(c20, x2, b0); c21 = madd(c21, x2, b1);
        c30 = madd(c30, x3, b0); c31 = madd(c31, x3, b1);
      }
      st(o0 + j, c00); st(o0 + j + 4, c01);
      st(o1 + j, c10); st(o1 + j + 4, c11);
      st(o2 + j, c20); st(o2 + j + 4, c21);
      st(o3 + j, c30); st(o3 + j + 4, c31);
    }
    for (; j + 4 <= n; j += 4) {
      f4 c0 = splat(0), c1 = splat(0), c2 = splat(0), c3 = splat(0);
      for (int p = 0; p < k; p++) {
        f4 b0 = ld(b + p * ldb + j);
        c0 = madd(c0, splat(a0[p * ap]), b0);
        c1 = madd(c1, splat(a1[p * ap]), b0);
        c2 = madd(c2, splat(a2[p * ap]), b0);
        c3 = madd(c3, splat(a3[p * ap]), b0);
      }
      st(o0 + j, c0); st(o1 + j, c1); st(o2 + j, c2); st(o3 + j, c3);
    }
    for (; j < n; j++) {
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int p = 0; p < k; p++) {
        float bv = b[p * ldb + j];
        s0 += a0[p * ap] * bv; s1 += a1[p * ap] * bv; s2 += a2[p * ap] * bv; s3 += a3[p * ap] * bv;
      }
      o0[j] = s0; o1[j] = s1; o2[j] = s2; o3[j] = s3;
    }
  }
  for (; i < m; i++) {
    const float *a0 = a + i * ai;
    float *o0 = out + i * ldo;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      f4 c0 = splat(0), c1 = splat(0);
      for (int p = 0; p < k; p++) {
        f4 x = splat(a0[p * ap]);
        c0 = madd(c0, x, ld(b + p * ldb + j));
        c1 = madd(c1, x, ld(b + p * ldb + j + 4));
      }
      st(o0 + j, c0); st(o0 + j + 4, c1);
    }
    for (; j + 4 <= n; j += 4) {
      f4 c0 = splat(0);
      for (int p = 0; p < k; p++) c0 = madd(c0, splat(a0[p * ap]), ld(b + p * ldb + j));
      st(o0 + j, c0);
    }
    for (; j < n; j++) {
      float s = 0;
      for (int p = 0; p < k; p++) s += a0[p * ap] * b[p * ldb + j];
      o0[j] = s;
    }
  }
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
 * out [B, Lq, H·dk] and p [B, H, Lq, Lk] from q, k, v and bias; the bias's element (b, h, i, j) is
 * bias[b·sb0 + h·sb1 + i·sb2 + j·sb3] (a stride of 0 broadcasts). Lk ≥ 1.
 */
__attribute__((export_name("attention_forward")))
void attention_forward(const float *q, const float *k, const float *v, const float *bias, float *out, float *p, int B,
                       int H, int Lq, int Lk, int dk, int sb0, int sb1, int sb2, int sb3, float scale) {
  int row = H * dk;
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < H; h++) {
      int bh = b * H + h;
      const float *kb = k + bh * Lk * dk, *vb = v + bh * Lk * dk;
      float *pb = p + bh * Lq * Lk;
      dots(q + bh * Lq * dk, dk, kb, dk, pb, Lk, Lq, dk, Lk);
      for (int i = 0; i < Lq; i++) {
        const float *bi = bias + b * sb0 + h * sb1 + i * sb2;
        float *pi = pb + i * Lk;
        scale_add(pi, scale, bi, sb3, Lk);
        softmax_row(pi, Lk);
      }
      rows_of_b(pb, Lk, 1, vb, dk, out + b * Lq * row + h * dk, row, Lq, Lk, dk);
    }
  }
}

/*
 * The gradients dq, dk_, dv (the layouts of q, k, v) and dbias (the bias's shape, bias_size floats,
 * its strides sb0..sb3 as in the forward) from dout [B, Lq, H·dk] and the forward's p; ds is scratch
 * of Lq · Lk floats.
 */
__attribute__((export_name("attention_backward")))
void attention_backward(const float *dout, const float *q, const float *k, const float *v, const float *p, float *dq,
                        float *dk_, float *dv, float *dbias, float *ds, int B, int H, int Lq, int Lk, int dk, int sb0,
                        int sb1, int sb2, int sb3, int bias_size, float scale) {
  int row = H * dk;
  zero(dbias, bias_size);
  for (int b = 0; b < B; b++) {
    for (int h = 0; h < H; h++) {
      int bh = b * H + h;
      const float *kb = k + bh * Lk * dk, *vb = v + bh * Lk * dk, *qb = q + bh * Lq * dk;
      const float *pb = p + bh * Lq * Lk;
      const float *dob = dout + b * Lq * row + h * dk;
      /* ds = dP = dout · vᵀ, then ds = p ⊙ (dP − Σ_j p ⊙ dP); dbias += ds; ds ·= scale. */
      dots(dob, row, vb, dk, ds, Lk, Lq, dk, Lk);
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
      rows_of_b(ds, Lk, 1, kb, dk, dq + bh * Lq * dk, dk, Lq, Lk, dk);     /* dq = ds · k */
      rows_of_b(ds, 1, Lk, qb, dk, dk_ + bh * Lk * dk, dk, Lk, Lq, dk);    /* dk = dsᵀ · q */
      rows_of_b(pb, 1, Lk, dob, row, dv + bh * Lk * dk, dk, Lk, Lq, dk);   /* dv = pᵀ · dout */
    }
  }
}
