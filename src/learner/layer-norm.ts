/**
 * LayerNorm as one wasm SIMD kernel forward and one backward, on the `wasm` backend. The composite
 * LayerNorm of layers.ts runs ~8 kernels forward and 13 backward; at N = 8 X's training step is
 * mostly per-kernel overhead, so this one (src/learner/native/layer-norm.c) replaces them with two
 * custom kernels registered for the wasm backend, called through `tf.customGrad` (layerNorm() in
 * layers.ts uses it whenever `fusedLayerNormApplies`). Like batch-matmul.ts, the C is compiled to
 * a small wasm module that imports the backend's own `WebAssembly.Memory` and runs on the
 * tensors' heap addresses: no copies, no Reshape around it (rows are the product of all axes but
 * the last). The binary is committed (base64, in native/layer-norm-wasm.ts; `npm run build`
 * rebuilds it when clang is present). docs/performance.md §6a has the measurements.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { LAYER_NORM_WASM } from './native/layer-norm-wasm';
import { heapAddress, nativeKernels, type WasmBackend } from './native/loader';
import { nativeKernelsOnAtStart } from './native/switches';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;
type TensorInfo = tfjs.TensorInfo;
type KernelFunc = tfjs.KernelFunc;

/** The forward kernel: inputs x [..., d], g [d], b [d]; attribute epsilon; output y (x's shape). */
export const LAYER_NORM_KERNEL = 'AmplifyLayerNorm';
/** The gradient kernel: inputs x, g, dy; attribute epsilon; outputs dx (x's shape), dg [d], db [d]. */
export const LAYER_NORM_GRAD_KERNEL = 'AmplifyLayerNormGrad';

interface Kernels {
  layerNorm(x: number, g: number, b: number, y: number, rows: number, d: number, epsilon: number): void;
  layerNormGrad(x: number, g: number, dy: number, dx: number, dg: number, db: number, rows: number, d: number, epsilon: number): void;
}

let enabled = nativeKernelsOnAtStart();

/** Turns the fused LayerNorm on or off (off: layers.ts's composite runs everywhere). For A/B timing. */
export function setFusedLayerNorm(on: boolean): void {
  enabled = on;
}

export function fusedLayerNormEnabled(): boolean {
  return enabled;
}

const kernelsFor = nativeKernels<Kernels>('LayerNorm', LAYER_NORM_WASM, (exports) => ({ layerNorm: exports.layer_norm as Kernels['layerNorm'], layerNormGrad: exports.layer_norm_grad as Kernels['layerNormGrad'] }));

function epsilonOf(attrs: tfjs.NamedAttrMap | undefined): number {
  const epsilon = (attrs as { epsilon?: number } | undefined)?.epsilon;
  if (typeof epsilon !== 'number') throw new Error(`${LAYER_NORM_KERNEL}: no epsilon`);
  return epsilon;
}

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const { x, g, b } = inputs as { x: TensorInfo; g: TensorInfo; b: TensorInfo };
  const d = x.shape[x.shape.length - 1];
  const y = wasm.makeOutput([...x.shape], 'float32');
  const rows = d === 0 ? 0 : x.shape.reduce((p, q) => p * q, 1) / d;
  if (rows > 0) kernelsFor(wasm).layerNorm(heapAddress(wasm, x), heapAddress(wasm, g), heapAddress(wasm, b), heapAddress(wasm, y), rows, d, epsilonOf(attrs));
  return y;
};

const backward: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const { x, g, dy } = inputs as { x: TensorInfo; g: TensorInfo; dy: TensorInfo };
  const d = x.shape[x.shape.length - 1];
  const dx = wasm.makeOutput([...x.shape], 'float32');
  const dg = wasm.makeOutput([d], 'float32');
  const db = wasm.makeOutput([d], 'float32');
  const rows = d === 0 ? 0 : x.shape.reduce((p, q) => p * q, 1) / d;
  if (rows === 0) {
    wasm.typedArrayFromHeap(dg).fill(0);
    wasm.typedArrayFromHeap(db).fill(0);
  } else {
    kernelsFor(wasm).layerNormGrad(heapAddress(wasm, x), heapAddress(wasm, g), heapAddress(wasm, dy), heapAddress(wasm, dx), heapAddress(wasm, dg), heapAddress(wasm, db), rows, d, epsilonOf(attrs));
  }
  return [dx, dg, db];
};

/** Registers both kernels for the wasm backend (which must be loaded). Idempotent. */
export function registerLayerNormKernels(tf: TF): void {
  for (const [kernelName, kernelFunc] of [[LAYER_NORM_KERNEL, forward], [LAYER_NORM_GRAD_KERNEL, backward]] as const) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}

/**
 * Whether `fusedLayerNorm` serves LayerNorm(x) · g + b: it is on, the current backend is wasm with
 * the kernels registered, and x is float32 with g and b float32 vectors of x's last width.
 */
export function fusedLayerNormApplies(tf: TF, x: Tensor, g: Tensor, b: Tensor): boolean {
  if (!enabled || tf.getBackend() !== 'wasm' || !tf.getKernel(LAYER_NORM_KERNEL, 'wasm')) return false;
  const d = x.shape[x.shape.length - 1];
  return x.rank >= 1 && x.dtype === 'float32' && g.dtype === 'float32' && b.dtype === 'float32' && g.rank === 1 && b.rank === 1 && g.shape[0] === d && b.shape[0] === d;
}

/**
 * LayerNorm over the last axis, y = (x − mean) / sqrt(var + ε) · g + b, by the fused kernels: one
 * kernel forward, one backward giving dx, dg and db (the gradient recomputes the row statistics
 * from the saved x). Call only where `fusedLayerNormApplies`.
 */
export function fusedLayerNorm(tf: TF, x: Tensor, g: Tensor, b: Tensor, epsilon: number): Tensor {
  const f = tf.customGrad((...args: unknown[]) => {
    const [xi, gi, bi, save] = args as [Tensor, Tensor, Tensor, tfjs.GradSaveFunc];
    save([xi, gi]);
    return {
      value: tf.engine().runKernel(LAYER_NORM_KERNEL, { x: xi, g: gi, b: bi }, { epsilon }) as Tensor,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [xs, gs] = saved;
        return tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: xs, g: gs, dy: dy as Tensor }, { epsilon }) as Tensor[];
      },
    };
  });
  return f(x, g, b);
}
