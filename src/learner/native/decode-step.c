/*
 * One token step of H′'s cached decoding (model-h-decoding.ts) as one wasm SIMD kernel: for every
 * row r of a batch, the token at column C — its embedding, each pre-LayerNorm block (LayerNorm,
 * the qkv projection, its key and value written into the layer's buffers at column C, attention
 * over the row's columns 0..C with the row's bias, the output projection, LayerNorm, the ReLU
 * feed-forward, both residuals), the final LayerNorm, the copy key written into the copy keys'
 * buffer at column C — and, for the rows that ask for it, the output heads: the vocabulary softmax,
 * the copy pointer over columns 0..C scattered onto their symbols, mixed by the sigmoid gate. It
 * replaces the ~300 tfjs kernels (and the JS around them) of a token step (docs/performance.md §7c).
 *
 * Layouts (row-major float32): the layers' key and value buffers [R, H, W, dk], the copy keys
 * [R, W, d], the column bias and symbol ids [R, W] (0 or −1e9: the row's written columns that it
 * has; int32 ids), tokens int32 [5, R] (symbol, type, offset, segment, position). `ptrs` (int32
 * addresses) lists the weights and buffers, in this order: the embedding tables token, type,
 * position, offset, segment; per layer attnorm g, b, qkv w, b, out w, b, ffnorm g, b, ff1 w, b,
 * ff2 w, b, key buffer, value buffer (14); then final g, b, vocab w, b, copy/query w, b, copy/key w,
 * b, gate w, b, copy keys' buffer. `want` [R]: 2 where the row's next-token distribution is
 * wanted (written to probs [R, V]; other rows' are left as they are), 1 where only the token's
 * keys/values are (a token inside a prefill), 0 for a row that takes no step (a finished
 * transcript's, or padding: its column keeps what it had, and the bias must hide it).
 *
 * The dense layers use matmul-blocks.h's rows_of_b and the epilogue of batch-matmul.c (the same
 * sums, in the same order, as the _FusedMatMul kernel of batch-matmul.ts); LayerNorm, attention and
 * the softmaxes follow layer-norm.c and attention.c (exp by the same polynomial; with dk = 16, the
 * `tiny` preset's, one head's attention keeps q and the sums in registers: attend16), the mixture
 * layers.ts's copyMixture. Built by scripts/build-native.mjs; no data segment, no stack, no
 * allocation: `scratch` holds every intermediate (decodeStepScratch in decode-step.ts gives its size).
 */
#include "matmul-blocks.h"

/* e^x for four lanes with x ≤ 0, as attention.c's exp4 (lanes below −87 give 0). */
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

static inline float exp1(float x) { return wasm_f32x4_extract_lane(exp4(splat(x)), 0); }

/* The up to three floats p[0..t−1] in the low lanes of a vector, −1e30 in the others (e^ of them: 0). */
static inline f4 tail(const float *p, int t) {
  f4 x = splat(-1e30f);
  if (t > 0) x = wasm_f32x4_replace_lane(x, 0, p[0]);
  if (t > 1) x = wasm_f32x4_replace_lane(x, 1, p[1]);
  if (t > 2) x = wasm_f32x4_replace_lane(x, 2, p[2]);
  return x;
}

/* row[j] = e^(row[j] − max) / Σ e^(row[·] − max), in place over n ≥ 1 floats (the last n mod 4 as one vector). */
static void softmax_row(float *row, int n) {
  int n4 = n & ~3, t = n - n4;
  f4 m4 = tail(row + n4, t);
  for (int j = 0; j < n4; j += 4) m4 = wasm_f32x4_pmax(m4, ld(row + j));
  float max = wasm_f32x4_extract_lane(m4, 0);
  float m1 = wasm_f32x4_extract_lane(m4, 1), m2 = wasm_f32x4_extract_lane(m4, 2), m3 = wasm_f32x4_extract_lane(m4, 3);
  max = m1 > max ? m1 : max;
  max = m2 > max ? m2 : max;
  max = m3 > max ? m3 : max;
  f4 mv = splat(max), acc = splat(0);
  for (int j = 0; j < n4; j += 4) {
    f4 e = exp4(sub(ld(row + j), mv));
    st(row + j, e);
    acc = add(acc, e);
  }
  f4 et = splat(0);
  if (t > 0) {
    et = exp4(sub(tail(row + n4, t), mv));
    acc = add(acc, et);
  }
  float inv = 1.0f / hsum(acc);
  f4 iv = splat(inv);
  for (int j = 0; j < n4; j += 4) st(row + j, mul(ld(row + j), iv));
  et = mul(et, iv);
  if (t > 0) row[n4] = wasm_f32x4_extract_lane(et, 0);
  if (t > 1) row[n4 + 1] = wasm_f32x4_extract_lane(et, 1);
  if (t > 2) row[n4 + 2] = wasm_f32x4_extract_lane(et, 2);
}

/* y = (x − mean) / sqrt(var + ε) · g + b over each of `rows` rows of d floats. */
static void layer_norm(const float *x, const float *g, const float *b, float *y, int rows, int d) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    float mean = 0;
    for (int c = 0; c < d; c++) mean += xr[c];
    mean /= (float)d;
    float var = 0;
    for (int c = 0; c < d; c++) var += (xr[c] - mean) * (xr[c] - mean);
    float inv = 1.0f / __builtin_sqrtf(var / (float)d + 1e-5f);
    for (int c = 0; c < d; c++) yr[c] = (xr[c] - mean) * inv * g[c] + b[c];
  }
}

/* y [rows, n] = x [rows, k] · w [k, n] + b, then max(·, 0) when relu is set. */
static void dense(const float *x, const float *w, const float *b, float *y, int rows, int k, int n, int relu) {
  rows_of_b(x, k, 1, w, n, y, n, rows, k, n, 0);
  int n4 = n & ~3;
  f4 zero = splat(0);
  for (int i = 0; i < rows; i++) {
    float *o = y + i * n;
    int j = 0;
    for (; j < n4; j += 4) {
      f4 v = add(ld(o + j), ld(b + j));
      if (relu) v = wasm_f32x4_max(v, zero);
      st(o + j, v);
    }
    for (; j < n; j++) {
      float v = o[j] + b[j];
      if (relu && v < 0) v = 0;
      o[j] = v;
    }
  }
}

static inline float dot(const float *a, const float *b, int n) {
  int n4 = n & ~3;
  f4 acc = splat(0);
  for (int c = 0; c < n4; c += 4) acc = madd(acc, ld(a + c), ld(b + c));
  float s = hsum(acc);
  for (int c = n4; c < n; c++) s += a[c] * b[c];
  return s;
}

/*
 * One head of one row's attention with dk = 16 (the `tiny` preset's): q [16] against keys and
 * values k, v [n, 16]: row[j] = q · k[j] · scale + bias[j] four columns at a time, the softmax,
 * out [16] = Σ_j row[j] · v[j], with q and the sums in registers.
 */
static void attend16(const float *q, const float *k, const float *v, const float *bias, float *row, float *out, int n, float scale) {
  f4 q0 = ld(q), q1 = ld(q + 4), q2 = ld(q + 8), q3 = ld(q + 12);
  f4 sv = splat(scale);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *a = k + j * 16;
    f4 r0 = madd(madd(madd(mul(q0, ld(a)), q1, ld(a + 4)), q2, ld(a + 8)), q3, ld(a + 12));
    f4 r1 = madd(madd(madd(mul(q0, ld(a + 16)), q1, ld(a + 20)), q2, ld(a + 24)), q3, ld(a + 28));
    f4 r2 = madd(madd(madd(mul(q0, ld(a + 32)), q1, ld(a + 36)), q2, ld(a + 40)), q3, ld(a + 44));
    f4 r3 = madd(madd(madd(mul(q0, ld(a + 48)), q1, ld(a + 52)), q2, ld(a + 56)), q3, ld(a + 60));
    st(row + j, madd(ld(bias + j), sum4(r0, r1, r2, r3), sv));
  }
  for (; j < n; j++) {
    const float *a = k + j * 16;
    row[j] = hsum(madd(madd(madd(mul(q0, ld(a)), q1, ld(a + 4)), q2, ld(a + 8)), q3, ld(a + 12))) * scale + bias[j];
  }
  softmax_row(row, n);
  f4 o0 = splat(0), o1 = splat(0), o2 = splat(0), o3 = splat(0);
  for (j = 0; j < n; j++) {
    f4 p = splat(row[j]);
    const float *b = v + j * 16;
    o0 = madd(o0, p, ld(b));
    o1 = madd(o1, p, ld(b + 4));
    o2 = madd(o2, p, ld(b + 8));
    o3 = madd(o3, p, ld(b + 12));
  }
  st(out, o0);
  st(out + 4, o1);
  st(out + 8, o2);
  st(out + 12, o3);
}

/* x[i] += y[i] over n floats. */
static void add_into(float *x, const float *y, int n) {
  int n4 = n & ~3;
  for (int i = 0; i < n4; i += 4) st(x + i, add(ld(x + i), ld(y + i)));
  for (int i = n4; i < n; i++) x[i] += y[i];
}

#define P(i) ((const float *)ptrs[i])

/*
 * With `cols` (int32 [R]; 0 for none), each row writes its token at its own column cols[r] and
 * attends to its columns 0..cols[r], and the token's symbol id is written into `ids` at that column
 * (the persistent rows of decode-rows.ts: no holes, no shared column); `bias` may then be 0 (every
 * column up to the row's own is visible). Without `cols`, every row's column is C.
 */
__attribute__((export_name("decode_step")))
void decode_step(const int *ptrs, const int *tokens, const float *bias, int *ids, const int *want, float *probs,
                 int *live, float *scratch, int R, int W, int C0, int d, int H, int dff, int V, int layers, const int *cols) {
  int dk = d / H;
  /* The rows that take the step, packed: row i of the scratch is buffer row live[i]. */
  int n = 0;
  for (int r = 0; r < R; r++) if (want[r]) live[n++] = r;
  if (n == 0) return;
  if (cols) for (int i = 0; i < n; i++) ids[live[i] * W + cols[live[i]]] = tokens[live[i]];
  float *x = scratch;            /* [n, d] the residual stream (rows below are packed: n ≤ R) */
  float *xn = x + R * d;         /* [R, d] a LayerNorm's output, or a layer's output before the residual */
  float *qkv = xn + R * d;       /* [R, 3d] */
  float *att = qkv + R * 3 * d;  /* [R, d] */
  float *ff = att + R * d;       /* [R, dff] */
  float *row = ff + R * dff;     /* [W] one row's scores */
  float *copy = row + W;         /* [V] one row's copy distribution */
  float *packed = copy + V;      /* [R, d] the final states of the rows wanted */
  float *logits = packed + R * d; /* [R, V] */
  float *query = logits + R * V; /* [R, d] */
  float *gate = query + R * d;   /* [R] */
  float *zeros = gate + R;       /* [W] the bias of a row without one */
  if (!bias) for (int j = 0; j < W; j++) zeros[j] = 0;

  /* The embedding: symbol + type + offset + segment + position (model-h.ts's embed, in its order). */
  const float *tok = P(0), *typ = P(1), *pos = P(2), *off = P(3), *seg = P(4);
  for (int i = 0; i < n; i++) {
    int r = live[i];
    const float *a = tok + tokens[r] * d, *b = typ + tokens[R + r] * d, *o = off + tokens[2 * R + r] * d;
    const float *s = seg + tokens[3 * R + r] * d, *p = pos + tokens[4 * R + r] * d;
    float *xr = x + i * d;
    for (int c = 0; c < d; c++) xr[c] = (((a[c] + b[c]) + o[c]) + s[c]) + p[c];
  }

  float scale = 1.0f / __builtin_sqrtf((float)dk);
  for (int l = 0; l < layers; l++) {
    const int *w = ptrs + 5 + 14 * l;
    float *kb = (float *)w[12], *vb = (float *)w[13];
    layer_norm(x, (const float *)w[0], (const float *)w[1], xn, n, d);
    dense(xn, (const float *)w[2], (const float *)w[3], qkv, n, d, 3 * d, 0);
    for (int i = 0; i < n; i++) {
      int r = live[i];
      int C = cols ? cols[r] : C0;
      const float *q = qkv + i * 3 * d;
      const float *bias_r = bias ? bias + r * W : zeros;
      for (int h = 0; h < H; h++) {
        float *kr = kb + ((r * H + h) * W) * dk, *vr = vb + ((r * H + h) * W) * dk;
        for (int c = 0; c < dk; c++) {
          kr[C * dk + c] = q[d + h * dk + c];
          vr[C * dk + c] = q[2 * d + h * dk + c];
        }
        const float *qh = q + h * dk;
        if (dk == 16) {
          attend16(qh, kr, vr, bias_r, row, att + i * d + h * dk, C + 1, scale);
          continue;
        }
        for (int j = 0; j <= C; j++) row[j] = dot(qh, kr + j * dk, dk) * scale + bias_r[j];
        softmax_row(row, C + 1);
        float *o = att + i * d + h * dk;
        for (int c = 0; c < dk; c++) o[c] = 0;
        for (int j = 0; j <= C; j++) {
          f4 pj = splat(row[j]);
          const float *vj = vr + j * dk;
          int c = 0;
          for (; c + 4 <= dk; c += 4) st(o + c, madd(ld(o + c), pj, ld(vj + c)));
          for (; c < dk; c++) o[c] += row[j] * vj[c];
        }
      }
    }
    dense(att, (const float *)w[4], (const float *)w[5], xn, n, d, d, 0);
    add_into(x, xn, n * d);
    layer_norm(x, (const float *)w[6], (const float *)w[7], xn, n, d);
    dense(xn, (const float *)w[8], (const float *)w[9], ff, n, d, dff, 1);
    dense(ff, (const float *)w[10], (const float *)w[11], xn, n, dff, d, 0);
    add_into(x, xn, n * d);
  }

  const int *heads = ptrs + 5 + 14 * layers;
  float *keys = (float *)heads[10];
  layer_norm(x, P(5 + 14 * layers), P(6 + 14 * layers), xn, n, d);
  /* The copy key of every row's token. */
  dense(xn, (const float *)heads[6], (const float *)heads[7], att, n, d, d, 0);
  for (int i = 0; i < n; i++) {
    int C = cols ? cols[live[i]] : C0;
    for (int c = 0; c < d; c++) keys[(live[i] * W + C) * d + c] = att[i * d + c];
  }

  /* The heads of the rows wanted, packed again (m ≤ n; live[i] for i < m is their buffer row). */
  int m = 0;
  for (int i = 0; i < n; i++) {
    if (want[live[i]] != 2) continue;
    for (int c = 0; c < d; c++) packed[m * d + c] = xn[i * d + c];
    live[m++] = live[i];
  }
  if (m == 0) return;
  dense(packed, (const float *)heads[2], (const float *)heads[3], logits, m, d, V, 0);
  dense(packed, (const float *)heads[4], (const float *)heads[5], query, m, d, d, 0);
  dense(packed, (const float *)heads[8], (const float *)heads[9], gate, m, d, 1, 0);
  float copyScale = 1.0f / __builtin_sqrtf((float)d);
  for (int i = 0; i < m; i++) {
    int r = live[i];
    int C = cols ? cols[r] : C0;
    float *lg = logits + i * V;
    softmax_row(lg, V);
    const float *bias_r = bias ? bias + r * W : zeros;
    const int *ids_r = ids + r * W;
    for (int j = 0; j <= C; j++) row[j] = dot(query + i * d, keys + (r * W + j) * d, d) * copyScale + bias_r[j];
    softmax_row(row, C + 1);
    for (int v = 0; v < V; v++) copy[v] = 0;
    for (int j = 0; j <= C; j++) copy[ids_r[j]] += row[j];
    /* The gate: sigmoid, as 1 / (1 + e^−g) (e^x / (1 + e^x) for g < 0, so that exp's argument stays ≤ 0). */
    float g = gate[i];
    float e = exp1(g < 0 ? g : -g);
    float s = g < 0 ? e / (1.0f + e) : 1.0f / (1.0f + e);
    float *pr = probs + r * V;
    for (int v = 0; v < V; v++) pr[v] = s * lg[v] + (1.0f - s) * copy[v];
  }
}
