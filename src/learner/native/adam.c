/*
 * One Adam step for TensorFlow.js's wasm backend, in wasm SIMD (128-bit, 4 floats), over the flat
 * vectors of a model's optimiser state (src/learner/native/adam-kernel.ts):
 *
 *   sum_squares: Σ g² over the flat gradient, for the global norm that clipping needs;
 *   adam_update: for one variable's run of the flat vectors, with the gradient already scaled by the
 *     clip factor c,
 *       g' = g · c,  m' = m · β1 + g' · (1 − β1),  v' = v · β2 + g'² · (1 − β2),
 *       w' = w − m' / (sqrt(v') + ε) · lr,
 *     and, when t is not 0, the moving average t' = t · decay + w' · (1 − decay) (X's teacher);
 *     the same operations in the same order, in float32, as the composite ops of params.ts
 *     (adamStep), so on wasm the result is theirs bit for bit.
 *
 * Built by scripts/build-native.mjs (clang --target=wasm32 -msimd128) into a module that imports
 * the backend's WebAssembly.Memory ("env"."memory") and touches nothing but the arrays it is
 * given: no data segment, no stack, no allocation.
 */
#include "simd.h"

/*
 * Σ g[i]² for i < n, as tfjs-wasm's Square and Sum kernels compute it: each square rounded to
 * float32, added in order into one float32. A sum in doubles, or in SIMD lanes, would be more
 * accurate (by ~1e-4 relative at 400k values) and ~3× faster (~80 µs vs ~250 µs), but would change
 * the clip factor and so every later step; in this order the step equals the composite's bit for bit.
 */
__attribute__((export_name("sum_squares")))
float sum_squares(const float *g, int n) {
  float s = 0;
  for (int i = 0; i < n; i++) {
    float q = g[i] * g[i];
    s = s + q;
  }
  return s;
}

/*
 * One variable's run of n values: reads w, g, m, v (and t) and writes w2, m2, v2 (and t2; t = 0:
 * no average). c is the clip factor, b1c = 1 − β1, b2c = 1 − β2, dc = 1 − decay.
 */
__attribute__((export_name("adam_update")))
void adam_update(const float *w, const float *g, const float *m, const float *v, const float *t,
                 float *w2, float *m2, float *v2, float *t2, int n,
                 float c, float b1, float b1c, float b2, float b2c, float lr, float eps, float decay, float dc) {
  const f4 C = splat(c), B1 = splat(b1), B1C = splat(b1c), B2 = splat(b2), B2C = splat(b2c), LR = splat(lr), EPS = splat(eps);
  const f4 D = splat(decay), DC = splat(dc);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 gc = mul(ld(g + i), C);
    f4 mi = add(mul(ld(m + i), B1), mul(gc, B1C));
    f4 vi = add(mul(ld(v + i), B2), mul(mul(gc, gc), B2C));
    f4 wi = sub(ld(w + i), mul(dvd(mi, add(wasm_f32x4_sqrt(vi), EPS)), LR));
    st(m2 + i, mi);
    st(v2 + i, vi);
    st(w2 + i, wi);
    if (t) st(t2 + i, add(mul(ld(t + i), D), mul(wi, DC)));
  }
  for (; i < n; i++) {
    float gc = g[i] * c;
    float mi = m[i] * b1 + gc * b1c;
    float vi = v[i] * b2 + (gc * gc) * b2c;
    float wi = w[i] - mi / (__builtin_sqrtf(vi) + eps) * lr;
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = wi;
    if (t) t2[i] = t[i] * decay + wi * dc;
  }
}
