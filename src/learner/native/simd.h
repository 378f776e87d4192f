/*
 * The wasm SIMD (128-bit, 4 floats) helpers every kernel's source uses: loads, stores and the
 * lane-wise arithmetic. Sums across lanes stay in each kernel (their order of additions is part of
 * what a kernel promises to match).
 *
 * Included by the kernels' sources; scripts/build-native.mjs hashes a kernel's source together
 * with the headers it includes, so a change here marks every kernel that includes it as stale.
 */
#ifndef AMPLIFY_SIMD_H
#define AMPLIFY_SIMD_H

#include <wasm_simd128.h>

typedef v128_t f4;

static inline f4 ld(const float *p) { return wasm_v128_load(p); }
static inline void st(float *p, f4 v) { wasm_v128_store(p, v); }
static inline f4 splat(float x) { return wasm_f32x4_splat(x); }
static inline f4 add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
static inline f4 sub(f4 a, f4 b) { return wasm_f32x4_sub(a, b); }
static inline f4 mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
static inline f4 dvd(f4 a, f4 b) { return wasm_f32x4_div(a, b); }
static inline f4 madd(f4 acc, f4 a, f4 b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }

#endif
