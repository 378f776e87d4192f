/**
 * The optimiser's step as one kernel on the `wasm` backend (docs/performance.md §6e). The composite
 * step of params.ts (`adamStep`, then the weights flattened, updated and split back into the
 * variables, then X's teacher averaged) runs ~20 kernels over the ~400k-value flat vectors and a
 * Reshape per matrix variable both ways; this one reads the flat gradient, Adam's flat moments,
 * the teacher (if any) and every variable as it is, and writes their new values in one pass
 * (native/adam.c, compiled like the other native kernels and run on the tensors' heap addresses).
 * The gradient's global norm and the clip factor are computed first, in the same kernel.
 *
 * Also `AmplifyFlatten`: tensors of any shapes concatenated into one vector, without the Reshape
 * per tensor that `tf.concat` needs (the flat gradient, the flat weights).
 *
 * Both are registered for the wasm backend on first use. `setFusedAdam(false)`, or
 * `AMPLIFY_NATIVE_KERNELS=off` at start, runs the composite ops everywhere.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { ADAM_WASM } from './adam-wasm';
import { heapAddress, nativeKernels, type WasmBackend } from './loader';
import { nativeKernelsOnAtStart } from './switches';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;
type TensorInfo = tfjs.TensorInfo;
type KernelFunc = tfjs.KernelFunc;

/**
 * Inputs: `grad`, `m`, `v` (flat, n values), optionally `teacher` (flat), and the variables `w0` …
 * `w{count − 1}`, whose sizes add up to n. Outputs: the gradient's norm (a scalar, before
 * clipping), m′, v′, teacher′ (if given) and the new value of every variable (its shape).
 */
export const ADAM_KERNEL = 'AmplifyAdam';
/** Inputs `x0` … `x{count − 1}` (float32, any shapes); output: their values in order, as one vector. */
export const FLATTEN_KERNEL = 'AmplifyFlatten';

/** The step's settings: `lr` already includes the warm-up and Adam's bias correction. */
export interface FusedAdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  clipNorm: number;
  /** The teacher's decay (ignored without a teacher). */
  decay: number;
}

interface Kernels {
  sumSquares(g: number, n: number): number;
  adamUpdate(w: number, g: number, m: number, v: number, t: number, w2: number, m2: number, v2: number, t2: number, n: number, c: number, b1: number, b1c: number, b2: number, b2c: number, lr: number, eps: number, decay: number, dc: number): void;
}

let enabled = nativeKernelsOnAtStart();

/** Turns the fused optimiser step (and the flatten kernel) on or off (off: the composite ops of params.ts). For A/B timing. */
export function setFusedAdam(on: boolean): void {
  enabled = on;
}

export function fusedAdamEnabled(): boolean {
  return enabled;
}

const kernelsFor = nativeKernels<Kernels>('Adam', ADAM_WASM, (exports) => ({ sumSquares: exports.sum_squares as Kernels['sumSquares'], adamUpdate: exports.adam_update as Kernels['adamUpdate'] }));

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const adam: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const a = attrs as unknown as FusedAdamAttrs & { count: number };
  const ins = inputs as Record<string, TensorInfo>;
  const { grad, m, v, teacher } = ins;
  const n = grad.shape[0];
  const k = kernelsFor(wasm);
  const at = (t: TensorInfo) => heapAddress(wasm, t);
  // As the composite, in float32 (an operation on two float32 values done in doubles and then
  // rounded gives float32's result): norm, norm + 1e-6, clipNorm / that, min(1, ·).
  const f = Math.fround;
  const norm = f(Math.sqrt(n > 0 ? k.sumSquares(at(grad), n) : 0));
  const clip = Math.min(1, f(f(a.clipNorm) / f(norm + f(1e-6))));
  const normOut = wasm.makeOutput([], 'float32');
  wasm.typedArrayFromHeap(normOut)[0] = norm;
  const m2 = wasm.makeOutput([n], 'float32');
  const v2 = wasm.makeOutput([n], 'float32');
  const t2 = teacher ? wasm.makeOutput([n], 'float32') : undefined;
  const outs: TensorInfo[] = [];
  const g0 = n > 0 ? at(grad) : 0;
  const [pm, pv, pm2, pv2] = n > 0 ? [at(m), at(v), at(m2), at(v2)] : [0, 0, 0, 0];
  const [pt, pt2] = teacher && t2 && n > 0 ? [at(teacher), at(t2)] : [0, 0];
  let offset = 0;
  for (let i = 0; i < a.count; i++) {
    const w = ins[`w${i}`];
    const size = sizeOf(w.shape);
    const out = wasm.makeOutput([...w.shape], 'float32');
    outs.push(out);
    if (size === 0) continue;
    if (offset + size > n) throw new Error(`${ADAM_KERNEL}: the variables hold more than the gradient's ${n} values`);
    const o = 4 * offset;
    k.adamUpdate(at(w), g0 + o, pm + o, pv + o, pt && pt + o, at(out), pm2 + o, pv2 + o, pt2 && pt2 + o, size,
      clip, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.lr, a.epsilon, a.decay, 1 - a.decay);
    offset += size;
  }
  if (offset !== n) throw new Error(`${ADAM_KERNEL}: the variables hold ${offset} values, the gradient ${n}`);
  return [normOut, m2, v2, ...(t2 ? [t2] : []), ...outs];
};

const flatten: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as WasmBackend;
  const xs = Object.keys(inputs).map((_, i) => (inputs as Record<string, TensorInfo>)[`x${i}`]);
  const out = wasm.makeOutput([xs.reduce((s, x) => s + sizeOf(x.shape), 0)], 'float32');
  const to = wasm.typedArrayFromHeap(out);
  let offset = 0;
  for (const x of xs) {
    const from = wasm.typedArrayFromHeap(x);
    to.set(from, offset);
    offset += from.length;
  }
  return out;
};

/**
 * Whether the fused kernels serve these tensors: they are on, the backend is wasm (the kernels are
 * registered here on first use) and every tensor is float32.
 */
export function fusedAdamApplies(tf: TF, tensors: readonly Tensor[]): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  for (const [kernelName, kernelFunc] of [[ADAM_KERNEL, adam], [FLATTEN_KERNEL, flatten]] as const) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  return tensors.every((t) => t.dtype === 'float32');
}

/** A float32 tensor's values on the wasm backend's heap, as a view (valid until the tensor is disposed or the heap grows). Call only where `fusedAdamApplies`. */
export function heapValues(tf: TF, t: Tensor): Float32Array {
  return (tf.backend() as unknown as WasmBackend).typedArrayFromHeap(t) as Float32Array;
}

/** `tensors`' values in order as one vector, by one kernel. Call only where `fusedAdamApplies`. */
export function fusedFlatten(tf: TF, tensors: readonly Tensor[]): Tensor {
  return tf.engine().runKernel(FLATTEN_KERNEL, Object.fromEntries(tensors.map((t, i) => [`x${i}`, t]))) as Tensor;
}

/**
 * One clipped Adam step (and the teacher's average) by one kernel: the new m, v, teacher and
 * weights, and the gradient's norm before clipping. Call only where `fusedAdamApplies`.
 */
export function fusedAdam(tf: TF, state: { grad: Tensor; m: Tensor; v: Tensor; teacher?: Tensor; weights: readonly Tensor[] }, attrs: FusedAdamAttrs): { gradNorm: Tensor; m: Tensor; v: Tensor; teacher?: Tensor; weights: Tensor[] } {
  const inputs: Record<string, Tensor> = { grad: state.grad, m: state.m, v: state.v };
  if (state.teacher) inputs.teacher = state.teacher;
  state.weights.forEach((w, i) => (inputs[`w${i}`] = w));
  const outs = tf.engine().runKernel(ADAM_KERNEL, inputs, { ...attrs, count: state.weights.length } as unknown as tfjs.NamedAttrMap) as Tensor[];
  const [gradNorm, m, v] = outs;
  const teacher = state.teacher ? outs[3] : undefined;
  return { gradNorm, m, v, teacher, weights: outs.slice(state.teacher ? 4 : 3) };
}
