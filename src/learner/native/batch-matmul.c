/*
 * Batched matrix product for TensorFlow.js's wasm backend, in wasm SIMD (128-bit, 4 floats).
 *
 * out[b] = op(A[b]) · op(B[b]) for b in [0, batch), where op(X) is X or its transpose. op(A) is
 * m × k, op(B) is k × n, out[b] is m × n, all row-major float32. A batch stride of 0 broadcasts
 * that operand over the batch.
 *
 * Built by scripts/build-native.mjs (clang --target=wasm32 -msimd128) into a module that imports the
 * backend's WebAssembly.Memory ("env"."memory") and touches nothing but the three arrays it is
 * given: no data segment, no stack, no allocation (src/learner/batch-matmul.ts runs it on the
 * backend's own heap). The blocked products are matmul-blocks.h's, shared with attention.c.
 */
#include "matmul-blocks.h"

/* Both transposed: A stored k × m, B stored n × k (not asked for by a gradient; scalar). */
static void both_transposed(const float *a, const float *b, float *out, int m, int k, int n) {
  for (int i = 0; i < m; i++) {
    for (int j = 0; j < n; j++) {
      float s = 0;
      for (int p = 0; p < k; p++) s += a[p * m + i] * b[j * k + p];
      out[i * n + j] = s;
    }
  }
}

__attribute__((export_name("batch_matmul")))
void batch_matmul(const float *a, const float *b, float *out, int batch, int a_stride, int b_stride, int m, int k,
                  int n, int transpose_a, int transpose_b) {
  for (int t = 0; t < batch; t++) {
    const float *at = a + t * a_stride;
    const float *bt = b + t * b_stride;
    float *ot = out + t * m * n;
    if (!transpose_b) {
      if (transpose_a) rows_of_b(at, 1, m, bt, n, ot, n, m, k, n, 0);
      else rows_of_b(at, k, 1, bt, n, ot, n, m, k, n, 0);
    } else if (!transpose_a) {
      dots(at, k, bt, k, ot, n, m, k, n);
    } else {
      both_transposed(at, bt, ot, m, k, n);
    }
  }
}

/*
 * The epilogue of a fused dense layer, in place on out [rows, n]: adds bias [n] to every row (when
 * bias is not 0), then applies max(·, 0) when relu is set.
 */
__attribute__((export_name("bias_relu")))
void bias_relu(float *out, const float *bias, int rows, int n, int relu) {
  int n4 = n & ~3;
  f4 zero = splat(0);
  for (int i = 0; i < rows; i++) {
    float *o = out + i * n;
    int j = 0;
    for (; j < n4; j += 4) {
      f4 v = ld(o + j);
      if (bias) v = wasm_f32x4_add(v, ld(bias + j));
      if (relu) v = wasm_f32x4_max(v, zero);
      st(o + j, v);
    }
    for (; j < n; j++) {
      float v = o[j];
      if (bias) v += bias[j];
      if (relu && v < 0) v = 0;
      o[j] = v;
    }
  }
}
