/**
 * Fused attention for the `wasm` backend: attend()'s scores, bias, softmax and P·V as one wasm SIMD
 * kernel forward and one backward, instead of the ~25 kernels (with the tape's) of the composite
 * (docs/performance.md, §6b). The output is written directly in [B, Lq, H·dk] (no Transpose or
 * Reshape); the forward's softmax P is kept for the backward, which returns the gradients of q, k, v
 * and of the bias, summed over the dimensions the bias broadcasts along.
 *
 * The kernels are C (src/learner/native/attention.c) compiled by clang to a small wasm module that
 * imports the backend's own `WebAssembly.Memory` and works on the tensors in place, like the SIMD
 * matmul (batch-matmul.ts). They are registered for `wasm` under our own kernel names
 * (registerKernelFixes, kernels.ts); on another backend, or when switched off (`setFusedAttention`,
 * or AMPLIFY_NATIVE_KERNELS=off for all native kernels, native/switches.ts), attend() runs the
 * composite.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { ATTENTION_WASM } from './native/attention-wasm';
import { heapAddress, nativeKernels, type WasmBackend as NativeBackend } from './native/loader';
import { nativeKernelsOnAtStart } from './native/switches';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;
type TensorInfo = tfjs.TensorInfo;

export const FUSED_ATTENTION = 'AmplifyFusedAttention';
export const FUSED_ATTENTION_GRAD = 'AmplifyFusedAttentionGrad';

/** The wasm backend, with the disposal of the scratch buffer. */
interface WasmBackend extends NativeBackend {
  disposeData(dataId: tfjs.DataId, force?: boolean): boolean;
}

interface Kernels {
  forward(q: number, k: number, v: number, bias: number, out: number, p: number, B: number, H: number, Lq: number, Lk: number, dk: number, sb0: number, sb1: number, sb2: number, sb3: number, scale: number): void;
  backward(dout: number, q: number, k: number, v: number, p: number, dq: number, dkOut: number, dv: number, dbias: number, scratch: number, B: number, H: number, Lq: number, Lk: number, dk: number, sb0: number, sb1: number, sb2: number, sb3: number, biasSize: number, scale: number): void;
}

let enabled = nativeKernelsOnAtStart();

/** Turns fused attention on or off (off: attend() runs the composite on every backend). For A/B timing. */
export function setFusedAttention(on: boolean): void {
  enabled = on;
}

export function fusedAttentionEnabled(): boolean {
  return enabled;
}

const kernelsFor = nativeKernels<Kernels>('fused attention', ATTENTION_WASM, (exports) => ({ forward: exports.attention_forward as Kernels['forward'], backward: exports.attention_backward as Kernels['backward'] }));

/**
 * The element strides of a bias of `shape` (rank ≤ 4) read as [B, H, Lq, Lk]: 0 along the
 * dimensions it broadcasts, or undefined when a dimension is neither 1 nor the full one.
 */
export function biasStrides(shape: readonly number[], full: readonly number[]): number[] | undefined {
  if (shape.length > 4) return undefined;
  const padded = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  const strides = [0, 0, 0, 0];
  let stride = 1;
  for (let d = 3; d >= 0; d--) {
    if (padded[d] !== 1 && padded[d] !== full[d]) return undefined;
    strides[d] = padded[d] === 1 ? 0 : stride;
    stride *= padded[d];
  }
  return strides;
}

interface Dims {
  B: number;
  H: number;
  Lq: number;
  Lk: number;
  dk: number;
}

function dimsOf(q: TensorInfo, k: TensorInfo): Dims {
  const [B, H, Lq, dk] = q.shape;
  return { B, H, Lq, Lk: k.shape[2], dk };
}

const forwardKernel: tfjs.KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as WasmBackend;
  const { q, k, v, bias } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo; bias: TensorInfo };
  const { B, H, Lq, Lk, dk } = dimsOf(q, k);
  const s = biasStrides(bias.shape, [B, H, Lq, Lk]);
  if (!s) throw new Error(`${FUSED_ATTENTION}: bias [${bias.shape}] does not broadcast to [${[B, H, Lq, Lk]}]`);
  const out = wasm.makeOutput([B, Lq, H * dk], 'float32');
  const p = wasm.makeOutput([B, H, Lq, Lk], 'float32');
  kernelsFor(wasm).forward(heapAddress(wasm, q), heapAddress(wasm, k), heapAddress(wasm, v), heapAddress(wasm, bias), heapAddress(wasm, out), heapAddress(wasm, p), B, H, Lq, Lk, dk, s[0], s[1], s[2], s[3], 1 / Math.sqrt(dk));
  return [out, p];
};

const backwardKernel: tfjs.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const { dy, q, k, v, p } = inputs as { dy: TensorInfo; q: TensorInfo; k: TensorInfo; v: TensorInfo; p: TensorInfo };
  const biasShape = (attrs as { biasShape: number[] }).biasShape;
  const { B, H, Lq, Lk, dk } = dimsOf(q, k);
  const s = biasStrides(biasShape, [B, H, Lq, Lk])!;
  const dq = wasm.makeOutput([...q.shape], 'float32');
  const dkT = wasm.makeOutput([...k.shape], 'float32');
  const dv = wasm.makeOutput([...v.shape], 'float32');
  const dbias = wasm.makeOutput([...biasShape], 'float32');
  const biasSize = biasShape.reduce((a, b) => a * b, 1);
  // The scores' gradient of one (batch row, head) at a time.
  const scratch = wasm.makeOutput([Lq, Lk], 'float32');
  try {
    kernelsFor(wasm).backward(heapAddress(wasm, dy), heapAddress(wasm, q), heapAddress(wasm, k), heapAddress(wasm, v), heapAddress(wasm, p), heapAddress(wasm, dq), heapAddress(wasm, dkT), heapAddress(wasm, dv), heapAddress(wasm, dbias), heapAddress(wasm, scratch), B, H, Lq, Lk, dk, s[0], s[1], s[2], s[3], biasSize, 1 / Math.sqrt(dk));
  } finally {
    wasm.disposeData(scratch.dataId);
  }
  return [dq, dkT, dv, dbias];
};

/** The kernels to register for the wasm backend (kernels.ts). */
export const FUSED_ATTENTION_KERNELS: readonly tfjs.KernelConfig[] = [
  { kernelName: FUSED_ATTENTION, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: FUSED_ATTENTION_GRAD, backendName: 'wasm', kernelFunc: backwardKernel },
];

/**
 * attend(q, k, v, bias) by the fused kernels, or undefined when they do not apply: switched off,
 * another backend, an operand not float32, shapes other than q [B,H,Lq,dk], k and v [B,H,Lk,dk]
 * (none of them empty), or a bias that does not broadcast to [B,H,Lq,Lk] dimension by dimension.
 */
export function fusedAttend(tf: TF, q: Tensor, k: Tensor, v: Tensor, bias: Tensor): Tensor | undefined {
  if (!enabled || tf.getBackend() !== 'wasm' || !tf.getKernel(FUSED_ATTENTION, 'wasm')) return undefined;
  if ([q, k, v, bias].some((t) => t.dtype !== 'float32') || q.rank !== 4 || k.rank !== 4 || v.rank !== 4) return undefined;
  const [B, H, Lq, dk] = q.shape;
  const Lk = k.shape[2] ?? 0;
  const kv = [B, H, Lk, dk];
  if (B * H * Lq * Lk * dk === 0 || k.shape.some((n, i) => n !== kv[i]) || v.shape.some((n, i) => n !== kv[i])) return undefined;
  if (!biasStrides(bias.shape, [B, H, Lq, Lk])) return undefined;
  const biasShape = [...bias.shape];
  const f = tf.customGrad((...args: unknown[]) => {
    const [qi, ki, vi, bi, save] = args as [Tensor, Tensor, Tensor, Tensor, tfjs.GradSaveFunc];
    const [out, p] = tf.engine().runKernel(FUSED_ATTENTION, { q: qi, k: ki, v: vi, bias: bi }, {}) as Tensor[];
    save([qi, ki, vi, p]);
    return {
      value: out,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [qs, ks, vs, ps] = saved;
        return tf.engine().runKernel(FUSED_ATTENTION_GRAD, { dy: dy as Tensor, q: qs, k: ks, v: vs, p: ps }, { biasShape }) as Tensor[];
      },
    };
  });
  return f(q, k, v, bias);
}
