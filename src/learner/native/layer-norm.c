/*
 * LayerNorm over the last axis for TensorFlow.js's wasm backend, in wasm SIMD (128-bit, 4 floats):
 * the forward and the whole gradient each in one call (src/learner/layer-norm.ts).
 *
 * x and y are rows × d, row-major float32; g (gain) and b (bias) are d floats. Per row,
 * μ = mean(x), σ⁻¹ = 1 / sqrt(mean((x − μ)²) + ε), x̂ = (x − μ) · σ⁻¹ and y = x̂ · g + b.
 * The gradient recomputes μ and σ⁻¹ from x (two passes over a row, cheaper than saving them in
 * another tensor) and gives dx, dg and db at once.
 *
 * Built by scripts/build-native.mjs (clang --target=wasm32 -msimd128) into a module that imports
 * the backend's WebAssembly.Memory ("env"."memory") and touches nothing but the arrays it is
 * given: no data segment, no stack, no allocation.
 */
#include "simd.h"

static inline float hsum(f4 r) {
  return (wasm_f32x4_extract_lane(r, 0) + wasm_f32x4_extract_lane(r, 1)) +
         (wasm_f32x4_extract_lane(r, 2) + wasm_f32x4_extract_lane(r, 3));
}

/* μ and σ⁻¹ of the row xr (d values): the mean first, then the mean square deviation from it. */
static inline void row_stats(const float *xr, int d, float eps, float *mean, float *inv) {
  f4 s = splat(0);
  int j = 0;
  for (; j + 4 <= d; j += 4) s = add(s, ld(xr + j));
  float sum = hsum(s);
  for (; j < d; j++) sum += xr[j];
  float mu = sum / (float)d;
  f4 m = splat(mu), q = splat(0);
  j = 0;
  for (; j + 4 <= d; j += 4) {
    f4 c = sub(ld(xr + j), m);
    q = madd(q, c, c);
  }
  float sq = hsum(q);
  for (; j < d; j++) {
    float c = xr[j] - mu;
    sq += c * c;
  }
  *mean = mu;
  *inv = 1.0f / __builtin_sqrtf(sq / (float)d + eps);
}

/* y = (x − μ) · σ⁻¹ · g + b, row by row. */
__attribute__((export_name("layer_norm")))
void layer_norm(const float *x, const float *g, const float *b, float *y, int rows, int d, float eps) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    float mu, inv;
    row_stats(xr, d, eps, &mu, &inv);
    f4 m = splat(mu), iv = splat(inv);
    int j = 0;
    for (; j + 4 <= d; j += 4) st(yr + j, madd(ld(b + j), mul(sub(ld(xr + j), m), iv), ld(g + j)));
    for (; j < d; j++) yr[j] = (xr[j] - mu) * inv * g[j] + b[j];
  }
}

/*
 * The gradient of y = LayerNorm(x) · g + b at dy (rows × d): with ĝ = dy · g,
 * dx = σ⁻¹ · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) per row; dg = Σ_rows dy · x̂ and db = Σ_rows dy (both
 * d values, overwritten).
 */
__attribute__((export_name("layer_norm_grad")))
void layer_norm_grad(const float *x, const float *g, const float *dy, float *dx, float *dg, float *db, int rows, int d,
                     float eps) {
  int j = 0;
  for (; j + 4 <= d; j += 4) {
    st(dg + j, splat(0));
    st(db + j, splat(0));
  }
  for (; j < d; j++) dg[j] = db[j] = 0;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * d, *dyr = dy + r * d;
    float *dxr = dx + r * d;
    float mu, inv;
    row_stats(xr, d, eps, &mu, &inv);
    f4 m = splat(mu), iv = splat(inv);
    /* Σ ĝ, Σ ĝ · x̂; dg and db accumulate. */
    f4 s1 = splat(0), s2 = splat(0);
    j = 0;
    for (; j + 4 <= d; j += 4) {
      f4 xh = mul(sub(ld(xr + j), m), iv), dyv = ld(dyr + j);
      f4 gh = mul(dyv, ld(g + j));
      s1 = add(s1, gh);
      s2 = madd(s2, gh, xh);
      st(dg + j, madd(ld(dg + j), dyv, xh));
      st(db + j, add(ld(db + j), dyv));
    }
    float sum1 = hsum(s1), sum2 = hsum(s2);
    for (int t = j; t < d; t++) {
      float xh = (xr[t] - mu) * inv, gh = dyr[t] * g[t];
      sum1 += gh;
      sum2 += gh * xh;
      dg[t] += dyr[t] * xh;
      db[t] += dyr[t];
    }
    float a = sum1 / (float)d, c = sum2 / (float)d;
    f4 av = splat(a), cv = splat(c);
    j = 0;
    for (; j + 4 <= d; j += 4) {
      f4 xh = mul(sub(ld(xr + j), m), iv);
      f4 gh = mul(ld(dyr + j), ld(g + j));
      st(dxr + j, mul(iv, sub(sub(gh, av), mul(xh, cv))));
    }
    for (; j < d; j++) {
      float xh = (xr[j] - mu) * inv;
      dxr[j] = inv * (dyr[j] * g[j] - a - xh * c);
    }
  }
}
