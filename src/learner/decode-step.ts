/**
 * H′'s token step as one wasm SIMD kernel (native/decode-step.c): for every row of a decoding
 * cache, the token at one column through the embedding, the blocks and the final LayerNorm, its
 * keys/values and copy key written into the cache's buffers in place, and the next-token
 * distributions of the rows asked for — one call instead of the ~300 tfjs kernels and the JS
 * around them of model-h-decoding.ts's token step (docs/performance.md §7c). It reads the
 * weights where they are (the model's variables on the backend's heap).
 *
 * Only on the wasm backend, and while on (`setFusedDecodeStep`, AMPLIFY_NATIVE_KERNELS=off for all
 * native kernels); elsewhere the decoding runs the layers through tfjs.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Weights } from './layers';
import { DECODE_STEP_WASM } from './native/decode-step-wasm';
import { heapAddress, nativeKernels, type WasmBackend as NativeBackend } from './native/loader';
import { nativeKernelsOnAtStart } from './native/switches';

type TF = typeof tfjs;
type TensorInfo = tfjs.TensorInfo;

interface WasmBackend extends NativeBackend {
  disposeData(dataId: tfjs.DataId, force?: boolean): boolean;
}

type Ptr = number;

type Kernel = (ptrs: Ptr, tokens: Ptr, bias: Ptr, ids: Ptr, want: Ptr, probs: Ptr, live: Ptr, scratch: Ptr, R: number, W: number, C: number, d: number, H: number, dff: number, V: number, layers: number, cols: Ptr) => void;

const kernelFor = nativeKernels<Kernel>('decode step', DECODE_STEP_WASM, (exports) => exports.decode_step as Kernel);

let enabled = nativeKernelsOnAtStart();

/** Turns the fused token step on or off (off: the layers run through tfjs). For A/B timing and tests. */
export function setFusedDecodeStep(on: boolean): void {
  enabled = on;
}

/** Whether token steps run as the fused kernel here (on, and on the wasm backend). */
export function fusedDecodeStepApplies(tf: TF): boolean {
  return enabled && tf.getBackend() === 'wasm' && typeof (tf.backend() as unknown as Partial<NativeBackend>).typedArrayFromHeap === 'function';
}

/** The architecture the kernel needs. */
export interface StepShape {
  dModel: number;
  heads: number;
  layers: number;
  dFF: number;
  /** The vocabulary's size. */
  V: number;
}

/** The buffers of a decoding cache that a step writes (per layer [R, H, W, dk], copy keys [R, 1, W, d]). */
export interface StepBuffers {
  kv: readonly { k: TensorInfo; v: TensorInfo }[];
  keys: TensorInfo;
}

/**
 * One token step's inputs: per buffer row its token (symbol, type, offset, segment, position: int32
 * [5, R]), the column it goes to, the rows' column bias and symbol ids [R, W], and what is wanted of
 * each row ([R]): 2 its next-token distribution, 1 only its token's keys/values (inside a prefill),
 * 0 nothing (a finished transcript's row, or padding: its column is left as it was; hide it).
 */
export interface StepInputs {
  tokens: Int32Array;
  column: number;
  bias: Float32Array;
  ids: Int32Array;
  want: Int32Array;
}

/** The float32 size of the kernel's scratch for R rows of width W. */
export function decodeStepScratch(s: StepShape, R: number, W: number): number {
  return R * (8 * s.dModel + s.dFF + s.V + 1) + 2 * W + s.V;
}

/** The order of native/decode-step.c's weight table. */
function weightNames(layers: number): string[] {
  const names = ['embed/token', 'embed/type', 'embed/position', 'embed/offset', 'embed/segment'];
  for (let l = 0; l < layers; l++) {
    names.push(`l${l}/attnorm/g`, `l${l}/attnorm/b`, `l${l}/qkv/w`, `l${l}/qkv/b`, `l${l}/out/w`, `l${l}/out/b`, `l${l}/ffnorm/g`, `l${l}/ffnorm/b`, `l${l}/ff1/w`, `l${l}/ff1/b`, `l${l}/ff2/w`, `l${l}/ff2/b`, '', '');
  }
  names.push('final/g', 'final/b', 'vocab/w', 'vocab/b', 'copy/query/w', 'copy/query/b', 'copy/key/w', 'copy/key/b', 'gate/w', 'gate/b', '');
  return names;
}

/** The kernel's weight table (int32 heap addresses, native/decode-step.c's order) for these weights and buffers. */
function weightTable(wasm: WasmBackend, P: Weights, layers: number, buffers: StepBuffers): Int32Array {
  const names = weightNames(layers);
  const table = new Int32Array(names.length);
  names.forEach((name, i) => {
    if (name === '') return;
    const t = P.get(name);
    if (!t) throw new Error(`H′ decode step: no weight ${name}`);
    table[i] = heapAddress(wasm, t);
  });
  buffers.kv.forEach((kv, l) => {
    table[5 + 14 * l + 12] = heapAddress(wasm, kv.k);
    table[5 + 14 * l + 13] = heapAddress(wasm, kv.v);
  });
  table[names.length - 1] = heapAddress(wasm, buffers.keys);
  return table;
}

/**
 * Runs the kernel on heap copies of the given arrays (`ids`: an array to copy, or the heap address
 * of the ids the kernel reads and, with `cols`, writes) and copies the distributions of the rows
 * with want 2 into `probs`.
 */
function runKernel(tf: TF, P: Weights, s: StepShape, buffers: StepBuffers, R: number, W: number, column: number, arrays: { tokens: Int32Array; want: Int32Array; bias?: Float32Array; ids: Int32Array | number; cols?: Int32Array }, probs: Float32Array): void {
  const wasm = tf.backend() as unknown as WasmBackend;
  const made: TensorInfo[] = [];
  const make = (shape: number[], dtype: 'float32' | 'int32'): TensorInfo => {
    const t = wasm.makeOutput(shape, dtype);
    made.push(t);
    return t;
  };
  try {
    const ptrs = make([weightNames(s.layers).length], 'int32');
    const tokens = make([5 * R], 'int32');
    const bias = arrays.bias ? make([R * W], 'float32') : undefined;
    const ids = typeof arrays.ids === 'number' ? undefined : make([R * W], 'int32');
    const cols = arrays.cols ? make([R], 'int32') : undefined;
    const want = make([R], 'int32');
    const live = make([R], 'int32');
    const out = make([R * s.V], 'float32');
    const scratch = make([decodeStepScratch(s, R, W)], 'float32');
    // Views only after the last allocation (one may grow the heap).
    (wasm.typedArrayFromHeap(ptrs) as Int32Array).set(weightTable(wasm, P, s.layers, buffers));
    (wasm.typedArrayFromHeap(tokens) as Int32Array).set(arrays.tokens);
    if (bias) (wasm.typedArrayFromHeap(bias) as Float32Array).set(arrays.bias!);
    if (ids) (wasm.typedArrayFromHeap(ids) as Int32Array).set(arrays.ids as Int32Array);
    if (cols) (wasm.typedArrayFromHeap(cols) as Int32Array).set(arrays.cols!);
    (wasm.typedArrayFromHeap(want) as Int32Array).set(arrays.want);
    const at = (t: TensorInfo | undefined) => (t ? heapAddress(wasm, t) : 0);
    kernelFor(wasm)(at(ptrs), at(tokens), at(bias), ids ? at(ids) : (arrays.ids as number), at(want), at(out), at(live), at(scratch), R, W, column, s.dModel, s.heads, s.dFF, s.V, s.layers, at(cols));
    const got = wasm.typedArrayFromHeap(out) as Float32Array;
    for (let r = 0; r < R; r++) if (arrays.want[r] === 2) probs.set(got.subarray(r * s.V, (r + 1) * s.V), r * s.V);
  } finally {
    for (const t of made) wasm.disposeData(t.dataId);
  }
}

/**
 * Runs one token step on the wasm backend: writes every row's keys/values and copy key at
 * `inputs.column` into `buffers` (in place) and `probs` [R, V] for the rows wanted (other rows of
 * `probs` are left as they were). Call only where fusedDecodeStepApplies.
 */
export function fusedDecodeStep(tf: TF, P: Weights, s: StepShape, buffers: StepBuffers, inputs: StepInputs, probs: Float32Array): void {
  const [R, , W] = buffers.kv[0].k.shape as [number, number, number, number];
  if (inputs.tokens.length !== 5 * R || inputs.bias.length !== R * W || inputs.ids.length !== R * W || inputs.want.length !== R || probs.length !== R * s.V) {
    throw new Error('H′ decode step: inputs of the wrong size');
  }
  if (inputs.column < 0 || inputs.column >= W) throw new Error(`H′ decode step: column ${inputs.column} outside the buffers' ${W}`);
  runKernel(tf, P, s, buffers, R, W, inputs.column, inputs, probs);
}

/** A token step of persistent rows (decode-rows.ts): each row's own column, no bias, the symbol ids on the heap. */
export interface RowStepInputs {
  /** int32 [5, R] as StepInputs' tokens. */
  tokens: Int32Array;
  /** The column each row writes (and attends up to), [R]. */
  cols: Int32Array;
  /** As StepInputs' want. */
  want: Int32Array;
}

/**
 * One token step of persistent rows: row r's token goes to column cols[r] of its buffers (and its
 * symbol id into `ids` [R, W], a heap buffer of int32), attends to its columns 0..cols[r] (all of
 * them its own), and `probs` [R, V] gets the distributions of the rows wanted. Call only where
 * fusedDecodeStepApplies.
 */
export function fusedRowStep(tf: TF, P: Weights, s: StepShape, buffers: StepBuffers, ids: TensorInfo, inputs: RowStepInputs, probs: Float32Array): void {
  const wasm = tf.backend() as unknown as WasmBackend;
  const [R, , W] = buffers.kv[0].k.shape as [number, number, number, number];
  if (inputs.tokens.length !== 5 * R || inputs.cols.length !== R || inputs.want.length !== R || probs.length !== R * s.V || ids.shape[0] !== R * W) {
    throw new Error('H′ row step: inputs of the wrong size');
  }
  for (let r = 0; r < R; r++) {
    if (inputs.want[r] && (inputs.cols[r] < 0 || inputs.cols[r] >= W)) throw new Error(`H′ row step: column ${inputs.cols[r]} outside the buffers' ${W}`);
  }
  runKernel(tf, P, s, buffers, R, W, 0, { tokens: inputs.tokens, want: inputs.want, ids: heapAddress(wasm, ids), cols: inputs.cols }, probs);
}
