/**
 * The one switch for all of our native wasm kernels (the SIMD matmul of batch-matmul.ts, the fused
 * LayerNorm of layer-norm.ts, and any further kernel in this folder): the environment variable
 * `AMPLIFY_NATIVE_KERNELS=off` starts every process with them off, so that a quality sweep can run
 * on tfjs's own kernels alone. It is read once, when this module loads (a worker thread inherits
 * the variable); each kernel's own setter (e.g. `setSimdBatchMatMul`, `setFusedLayerNorm`) still
 * turns it on or off afterwards, for A/B timing.
 */
export const NATIVE_KERNELS_ENV = 'AMPLIFY_NATIVE_KERNELS';

const initial = process.env[NATIVE_KERNELS_ENV]?.trim().toLowerCase() !== 'off';

/** Whether our native kernels start on (false when AMPLIFY_NATIVE_KERNELS=off). */
export function nativeKernelsOnAtStart(): boolean {
  return initial;
}
