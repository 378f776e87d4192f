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

type Ptr = number;

interface Kernels {
  forward(q: Ptr, qb: number, qh: number, qr: number, k: Ptr, v: Ptr, kb: number, kh: number, kr: number, rows: Ptr, bias: Ptr, sb0: number, sb1: number, sb2: number, sb3: number, out: Ptr, p: Ptr, B: number, H: number, Lq: number, Lk: number, dk: number, scale: number): void;
  backward(dout: Ptr, q: Ptr, qb: number, qh: number, qr: number, k: Ptr, v: Ptr, kb: number, kh: number, kr: number, rows: Ptr, p: Ptr, dq: Ptr, dkOut: Ptr, dv: Ptr, kvZero: Ptr, kvSize: number, dbias: Ptr, biasSize: number, sb0: number, sb1: number, sb2: number, sb3: number, ds: Ptr, B: number, H: number, Lq: number, Lk: number, dk: number, scale: number): void;
}

let enabled = nativeKernelsOnAtStart();
let fromProjections = nativeKernelsOnAtStart();

/** Turns fused attention on or off (off: attend() and attentionOutput() run the composite on every backend). For A/B timing. */
export function setFusedAttention(on: boolean): void {
  enabled = on;
}

export function fusedAttentionEnabled(): boolean {
  return enabled;
}

/**
 * Turns on or off fused attention reading q, k, v from the projections' layout (off: layers.ts's
 * attentionOutput() splits the heads first and calls attend(), fused or not). For A/B timing.
 */
export function setAttentionFromProjections(on: boolean): void {
  fromProjections = on;
}

export function attentionFromProjectionsEnabled(): boolean {
  return fromProjections;
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

/**
 * Where q, k and v are: `heads`, three tensors [B, H, L, dk] (attend()); `self`, the column blocks
 * q | k | v of one self-attention projection [B, L, 3·H·dk]; `memory`, queries [B, Lq, H·dk] and
 * the column blocks k | v of a memory's projection [M, Lk, 2·H·dk], whose row for batch row b is
 * rows[b] (int32 [B]) or b.
 */
export type AttentionLayout = 'heads' | 'self' | 'memory';

/** An operand as the C kernel reads it: element (b, h, i, c) at offset + b·batch + h·head + i·row + c. */
interface Operand {
  tensor: TensorInfo;
  offset: number;
  batch: number;
  head: number;
  row: number;
}

interface Geometry {
  B: number;
  H: number;
  Lq: number;
  Lk: number;
  dk: number;
  q: Operand;
  k: Operand;
  v: Operand;
  rows?: TensorInfo;
}

/** The kernels' inputs in one layout, by name (`rows` only for `memory`, and optional there). */
type Inputs = Record<string, TensorInfo>;

function geometry(layout: AttentionLayout, inputs: Inputs, heads: number): Geometry {
  if (layout === 'heads') {
    const { q, k, v } = inputs;
    const [B, H, Lq, dk] = q.shape;
    const Lk = k.shape[2];
    const at = (tensor: TensorInfo, L: number): Operand => ({ tensor, offset: 0, batch: H * L * dk, head: L * dk, row: dk });
    return { B, H, Lq, Lk, dk, q: at(q, Lq), k: at(k, Lk), v: at(v, Lk) };
  }
  if (layout === 'self') {
    const { qkv } = inputs;
    const [B, L, d3] = qkv.shape;
    const d = d3 / 3;
    const at = (offset: number): Operand => ({ tensor: qkv, offset, batch: L * d3, head: d / heads, row: d3 });
    return { B, H: heads, Lq: L, Lk: L, dk: d / heads, q: at(0), k: at(d), v: at(2 * d) };
  }
  const { q, kv, rows } = inputs;
  const [B, Lq, d] = q.shape;
  const Lk = kv.shape[1];
  const dk = d / heads;
  const memory = (offset: number): Operand => ({ tensor: kv, offset, batch: Lk * 2 * d, head: dk, row: 2 * d });
  return { B, H: heads, Lq, Lk, dk, q: { tensor: q, offset: 0, batch: Lq * d, head: dk, row: d }, k: memory(0), v: memory(d), rows };
}

/** The heap address of an operand's first element (of `tensor`, or of its gradient `into` with the same layout). */
function address(wasm: WasmBackend, o: Operand, into: TensorInfo = o.tensor): number {
  return heapAddress(wasm, into) + 4 * o.offset;
}

interface Attrs {
  layout: AttentionLayout;
  heads: number;
}

const forwardKernel: tfjs.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const { layout, heads } = attrs as unknown as Attrs;
  const { bias } = inputs as Inputs;
  const { B, H, Lq, Lk, dk, q, k, v, rows } = geometry(layout, inputs as Inputs, heads);
  const s = biasStrides(bias.shape, [B, H, Lq, Lk]);
  if (!s) throw new Error(`${FUSED_ATTENTION}: bias [${bias.shape}] does not broadcast to [${[B, H, Lq, Lk]}]`);
  if (rows) {
    // The kernels address memory rows by these indices (and the backward writes through them).
    const M = k.tensor.shape[0];
    if (wasm.typedArrayFromHeap(rows).some((r) => r < 0 || r >= M)) throw new Error(`${FUSED_ATTENTION}: a memory row index is outside [0, ${M})`);
  }
  const out = wasm.makeOutput([B, Lq, H * dk], 'float32');
  const p = wasm.makeOutput([B, H, Lq, Lk], 'float32');
  kernelsFor(wasm).forward(address(wasm, q), q.batch, q.head, q.row, address(wasm, k), address(wasm, v), k.batch, k.head, k.row, rows ? heapAddress(wasm, rows) : 0,
    heapAddress(wasm, bias), s[0], s[1], s[2], s[3], heapAddress(wasm, out), heapAddress(wasm, p), B, H, Lq, Lk, dk, 1 / Math.sqrt(dk));
  return [out, p];
};

const backwardKernel: tfjs.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackend;
  const { layout, heads, biasShape } = attrs as unknown as Attrs & { biasShape: number[] };
  const { dy, p } = inputs as Inputs;
  const { B, H, Lq, Lk, dk, q, k, v, rows } = geometry(layout, inputs as Inputs, heads);
  const s = biasStrides(biasShape, [B, H, Lq, Lk])!;
  // One gradient per differentiable input tensor, in its layout (q, k and v may share a tensor).
  const grads = new Map<TensorInfo, TensorInfo>();
  for (const o of [q, k, v]) if (!grads.has(o.tensor)) grads.set(o.tensor, wasm.makeOutput([...o.tensor.shape], 'float32'));
  const dbias = wasm.makeOutput([...biasShape], 'float32');
  const biasSize = biasShape.reduce((a, b) => a * b, 1);
  const dkv = grads.get(k.tensor)!;
  // The scores' gradient of one (batch row, head) at a time.
  const scratch = wasm.makeOutput([Lq, Lk], 'float32');
  try {
    kernelsFor(wasm).backward(heapAddress(wasm, dy), address(wasm, q), q.batch, q.head, q.row, address(wasm, k), address(wasm, v), k.batch, k.head, k.row, rows ? heapAddress(wasm, rows) : 0,
      heapAddress(wasm, p), address(wasm, q, grads.get(q.tensor)), address(wasm, k, dkv), address(wasm, v, grads.get(v.tensor)), heapAddress(wasm, dkv), k.tensor.shape.reduce((a, b) => a * b, 1),
      heapAddress(wasm, dbias), biasSize, s[0], s[1], s[2], s[3], heapAddress(wasm, scratch), B, H, Lq, Lk, dk, 1 / Math.sqrt(dk));
  } finally {
    wasm.disposeData(scratch.dataId);
  }
  return [...grads.values(), dbias];
};

/** The kernels to register for the wasm backend (kernels.ts). */
export const FUSED_ATTENTION_KERNELS: readonly tfjs.KernelConfig[] = [
  { kernelName: FUSED_ATTENTION, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: FUSED_ATTENTION_GRAD, backendName: 'wasm', kernelFunc: backwardKernel },
];

function kernelsApply(tf: TF, operands: Tensor[]): boolean {
  return enabled && tf.getBackend() === 'wasm' && tf.getKernel(FUSED_ATTENTION, 'wasm') !== undefined && operands.every((t) => t.dtype === 'float32');
}

/**
 * The fused kernels through `tf.customGrad` over the differentiable inputs `names` (bias last):
 * the forward saves them, `rows` and P; the backward returns their gradients.
 */
function run(tf: TF, layout: AttentionLayout, heads: number, names: string[], tensors: Tensor[], rows: Tensor | undefined): Tensor {
  const biasShape = [...tensors[tensors.length - 1].shape];
  const f = tf.customGrad((...args: unknown[]) => {
    const save = args[tensors.length] as tfjs.GradSaveFunc;
    const inputs: Record<string, Tensor> = Object.fromEntries(names.map((n, i) => [n, args[i] as Tensor]));
    if (rows) inputs.rows = rows;
    const [out, p] = tf.engine().runKernel(FUSED_ATTENTION, inputs, { layout, heads }) as Tensor[];
    const operands = names.slice(0, -1).map((n) => inputs[n]);
    save([...operands, p, ...(rows ? [rows] : [])]);
    return {
      value: out,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const again: Record<string, Tensor> = Object.fromEntries(names.slice(0, -1).map((n, i) => [n, saved[i]]));
        again.p = saved[operands.length];
        if (rows) again.rows = saved[operands.length + 1];
        return tf.engine().runKernel(FUSED_ATTENTION_GRAD, { dy: dy as Tensor, ...again }, { layout, heads, biasShape }) as Tensor[];
      },
    };
  });
  return f(...tensors);
}

/**
 * attend(q, k, v, bias) by the fused kernels, or undefined when they do not apply: switched off,
 * another backend, an operand not float32, shapes other than q [B,H,Lq,dk], k and v [B,H,Lk,dk]
 * (none of them empty), or a bias that does not broadcast to [B,H,Lq,Lk] dimension by dimension.
 */
export function fusedAttend(tf: TF, q: Tensor, k: Tensor, v: Tensor, bias: Tensor): Tensor | undefined {
  if (!kernelsApply(tf, [q, k, v, bias]) || q.rank !== 4 || k.rank !== 4 || v.rank !== 4) return undefined;
  const [B, H, Lq, dk] = q.shape;
  const Lk = k.shape[2] ?? 0;
  const kv = [B, H, Lk, dk];
  if (B * H * Lq * Lk * dk === 0 || k.shape.some((n, i) => n !== kv[i]) || v.shape.some((n, i) => n !== kv[i])) return undefined;
  if (!biasStrides(bias.shape, [B, H, Lq, Lk])) return undefined;
  return run(tf, 'heads', H, ['q', 'k', 'v', 'bias'], [q, k, v, bias], undefined);
}

/**
 * Attention with q, k and v read in place from the projections (no head split or merge, forward
 * or backward): self-attention from `qkv` [B, L, 3·H·dk] (its column blocks q | k | v), or, with
 * `memory` [M, Lk, 2·H·dk] (column blocks k | v), attention of `qkv` = q [B, Lq, H·dk] to the
 * memory's rows `rows` (int32 [B], values < M; without it M = B and row b for b). Returns
 * [B, Lq, H·dk] as attend() does, with the gradients of qkv (or q and memory) and the bias; or
 * undefined when the kernels do not apply (switched off, another backend, a dtype or shape that
 * does not fit, a bias that does not broadcast to [B, H, Lq, Lk]).
 */
export function fusedAttendProjections(tf: TF, qkv: Tensor, heads: number, bias: Tensor, memory?: Tensor, rows?: Tensor): Tensor | undefined {
  if (!fromProjections || !kernelsApply(tf, [qkv, bias, ...(memory ? [memory] : [])]) || qkv.rank !== 3) return undefined;
  const [B, Lq, width] = qkv.shape;
  const d = memory ? width : width / 3;
  if (B * Lq * d === 0 || d % heads !== 0 || (!memory && width % 3 !== 0)) return undefined;
  if (!memory) return biasStrides(bias.shape, [B, heads, Lq, Lq]) ? run(tf, 'self', heads, ['qkv', 'bias'], [qkv, bias], undefined) : undefined;
  const [M, Lk, w] = memory.shape;
  if (memory.rank !== 3 || w !== 2 * d || Lk === 0 || !biasStrides(bias.shape, [B, heads, Lq, Lk])) return undefined;
  if (rows ? rows.dtype !== 'int32' || rows.rank !== 1 || rows.shape[0] !== B : M !== B) return undefined;
  return run(tf, 'memory', heads, ['q', 'kv', 'bias'], [qkv, memory, bias], rows);
}
