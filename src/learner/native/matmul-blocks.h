/*
 * The register-blocked small matrix products that batch-matmul.c and attention.c share, in wasm
 * SIMD (128-bit, 4 floats), on row-major float32 matrices with row strides (lda, ldb, ldo: floats
 * between consecutive rows), so that a caller can read and write rows inside a wider layout (e.g.
 * one head's columns of [B, L, H·dk]).
 *
 * Included by the kernels' sources; scripts/build-native.mjs hashes a kernel's source together
 * with the headers it includes, so a change here marks every kernel that includes it as stale.
 */
#ifndef AMPLIFY_MATMUL_BLOCKS_H
#define AMPLIFY_MATMUL_BLOCKS_H

#include "simd.h"

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
 * out[i·ldo + j] (+)= Σ_p A(i, p) · b[p·ldb + j] for i < m, j < n, p < k, where A(i, p) is
 * a[i·ai + p·ap] (A or, with ai = 1, a transposed A): every output row a sum of B's rows scaled by
 * A's entries. With acc the sums are added to what out holds, else they replace it. Rows in fours,
 * columns in eights, then fours, then one by one.
 */
static void rows_of_b(const float *a, int ai, int ap, const float *b, int ldb, float *out, int ldo, int m, int k, int n, int acc) {
  int i = 0;
  for (; i + 4 <= m; i += 4) {
    const float *a0 = a + i * ai, *a1 = a0 + ai, *a2 = a1 + ai, *a3 = a2 + ai;
    float *o0 = out + i * ldo, *o1 = o0 + ldo, *o2 = o1 + ldo, *o3 = o2 + ldo;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      f4 c00 = splat(0), c01 = splat(0), c10 = splat(0), c11 = splat(0);
      f4 c20 = splat(0), c21 = splat(0), c30 = splat(0), c31 = splat(0);
      if (acc) {
        c00 = ld(o0 + j); c01 = ld(o0 + j + 4); c10 = ld(o1 + j); c11 = ld(o1 + j + 4);
        c20 = ld(o2 + j); c21 = ld(o2 + j + 4); c30 = ld(o3 + j); c31 = ld(o3 + j + 4);
      }
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
      if (acc) { c0 = ld(o0 + j); c1 = ld(o1 + j); c2 = ld(o2 + j); c3 = ld(o3 + j); }
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
      if (acc) { o0[j] += s0; o1[j] += s1; o2[j] += s2; o3[j] += s3; }
      else { o0[j] = s0; o1[j] = s1; o2[j] = s2; o3[j] = s3; }
    }
  }
  for (; i < m; i++) {
    const float *a0 = a + i * ai;
    float *o0 = out + i * ldo;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      f4 c0 = splat(0), c1 = splat(0);
      if (acc) { c0 = ld(o0 + j); c1 = ld(o0 + j + 4); }
      for (int p = 0; p < k; p++) {
        f4 x = splat(a0[p * ap]);
        c0 = madd(c0, x, ld(b + p * ldb + j));
        c1 = madd(c1, x, ld(b + p * ldb + j + 4));
      }
      st(o0 + j, c0); st(o0 + j + 4, c1);
    }
    for (; j + 4 <= n; j += 4) {
      f4 c0 = acc ? ld(o0 + j) : splat(0);
      for (int p = 0; p < k; p++) c0 = madd(c0, splat(a0[p * ap]), ld(b + p * ldb + j));
      st(o0 + j, c0);
    }
    for (; j < n; j++) {
      float s = 0;
      for (int p = 0; p < k; p++) s += a0[p * ap] * b[p * ldb + j];
      o0[j] = acc ? o0[j] + s : s;
    }
  }
}

#endif
