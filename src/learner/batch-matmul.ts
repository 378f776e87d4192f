/**
 * A wasm SIMD kernel for `BatchMatMul` on the `wasm` backend. tfjs-backend-wasm 4.22 runs batched
 * products (batch > 1: attention's Q·Kᵀ and P·V over B·heads small matrices, and their gradients,
 * the same products with transpose flags) in a scalar triple loop — ours is 5–30× faster on the
 * model's shapes. XNNPACK serves batch-1 products without transpose flags (kernels.ts materialises
 * transposes for it); on the model's shapes (rows ≤ 8,192, widths ≤ 256) ours is also faster there
 * than XNNPACK, with or without that transpose, so it serves every BatchMatMul it can, and the
 * dense layers' `_FusedMatMul` (product, + bias, relu or nothing) too (docs/performance.md, §3).
 *
 * The kernel is C (src/learner/native/batch-matmul.c) compiled by clang to a small wasm module
 * that imports the backend's own `WebAssembly.Memory`: it reads the operands and writes the result
 * in place on the backend's heap, without copies. The binary is committed (base64, in
 * native/batch-matmul-wasm.ts; `npm run build` rebuilds it when clang is present).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { BATCH_MATMUL_WASM } from './native/batch-matmul-wasm';
import { heapAddress, nativeKernels, type WasmBackend } from './native/loader';
import { nativeKernelsOnAtStart } from './native/switches';

type TF = typeof tfjs;
type TensorInfo = tfjs.TensorInfo;

interface Kernels {
  batchMatMul(a: number, b: number, out: number, batch: number, aStride: number, bStride: number, m: number, k: number, n: number, transposeA: number, transposeB: number): void;
  /** In place on out [rows, n]: + bias [n] (address 0: none), then max(·, 0) if relu is 1. */
  biasRelu(out: number, bias: number, rows: number, n: number, relu: number): void;
}

let enabled = nativeKernelsOnAtStart();

/** Turns the SIMD kernels on or off (off: tfjs's own kernels serve every product). For A/B timing. */
export function setSimdBatchMatMul(on: boolean): void {
  enabled = on;
}

export function simdBatchMatMulEnabled(): boolean {
  return enabled;
}

const kernelsFor = nativeKernels<Kernels>('BatchMatMul', BATCH_MATMUL_WASM, (exports) => ({ batchMatMul: exports.batch_matmul as Kernels['batchMatMul'], biasRelu: exports.bias_relu as Kernels['biasRelu'] }));

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((x, y) => x * y, 1);
}

/**
 * The product by the SIMD kernel, or undefined when it does not apply: the kernel is off, an
 * operand is not float32, or an operand's batch is neither the output's nor 1 (e.g. [2, 1]
 * against [1, 2]: left to tfjs's own kernel).
 */
export function simdBatchMatMul(tf: TF, args: { inputs: tfjs.NamedTensorInfoMap; backend: unknown; attrs?: tfjs.NamedAttrMap }): TensorInfo | undefined {
  if (!enabled) return undefined;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(outer);
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  // An operand's batch is either the whole output batch (same layout) or one matrix (broadcast).
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return undefined;
  const tA = attrs.transposeA === true;
  const tB = attrs.transposeB === true;
  const m = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = tB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kB) throw new Error(`Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${tA} and transposeB=${tB} must match.`);
  const backend = args.backend as WasmBackend;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  if (batch * m * n === 0) return out;
  kernelsFor(backend).batchMatMul(heapAddress(backend, a), heapAddress(backend, b), heapAddress(backend, out), batch, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, m, k, n, tA ? 1 : 0, tB ? 1 : 0);
  return out;
}

/**
 * `_FusedMatMul` (a dense layer: product, + bias, activation) by the SIMD kernels, or undefined
 * when they do not apply: as for BatchMatMul, and also for activations other than linear and relu
 * or a bias that is not one value per output column.
 */
export function simdFusedMatMul(tf: TF, args: { inputs: tfjs.NamedTensorInfoMap; backend: unknown; attrs?: tfjs.NamedAttrMap }): TensorInfo | undefined {
  if (!enabled) return undefined;
  const { bias } = args.inputs as { bias?: TensorInfo };
  const activation = (args.attrs as { activation?: string } | undefined)?.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  const { b } = args.inputs as { b: TensorInfo };
  const n = (args.attrs as { transposeB?: boolean } | undefined)?.transposeB === true ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  if (bias && !(bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === n)) return undefined;
  const out = simdBatchMatMul(tf, args);
  if (!out) return undefined;
  const rows = sizeOf(out.shape) / Math.max(n, 1);
  const backend = args.backend as WasmBackend;
  if (rows * n > 0 && (bias || activation === 'relu')) kernelsFor(backend).biasRelu(heapAddress(backend, out), bias ? heapAddress(backend, bias) : 0, rows, n, activation === 'relu' ? 1 : 0);
  return out;
}
