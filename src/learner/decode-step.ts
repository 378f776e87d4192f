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
import type { KeyValue, Weights } from './layers';
import { DECODE_STEP_WASM } from './native/decode-step-wasm';
import { heapAddress, nativeKernels, type WasmBackend as NativeBackend } from './native/loader';
import { nativeKernelsOnAtStart } from './native/switches';

type TF = typeof tfjs;
type TensorInfo = tfjs.TensorInfo;

interface WasmBackend extends NativeBackend {
  disposeData(dataId: tfjs.DataId, force?: boolean): boolean;
}

type Ptr = number;

type Kernel = (ptrs: Ptr, tokens: Ptr, bias: Ptr, ids: Ptr, want: Ptr, probs: Ptr, live: Ptr, scratch: Ptr, R: number, W: number, C: number, d: number, H: number, dff: number, V: number, layers: number) => void;

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
  kv: readonly KeyValue[];
  keys: tfjs.Tensor;
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
  return R * (8 * s.dModel + s.dFF + s.V + 1) + W + s.V;
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

/**
 * Runs one token step on the wasm backend: writes every row's keys/values and copy key at
 * `inputs.column` into `buffers` (in place) and `probs` [R, V] for the rows wanted (other rows of
 * `probs` are left as they were). Call only where fusedDecodeStepApplies.
 */
export function fusedDecodeStep(tf: TF, P: Weights, s: StepShape, buffers: StepBuffers, inputs: StepInputs, probs: Float32Array): void {
  const wasm = tf.backend() as unknown as WasmBackend;
  const [R, , W] = buffers.kv[0].k.shape as [number, number, number, number];
  if (inputs.tokens.length !== 5 * R || inputs.bias.length !== R * W || inputs.ids.length !== R * W || inputs.want.length !== R || probs.length !== R * s.V) {
    throw new Error('H′ decode step: inputs of the wrong size');
  }
  if (inputs.column < 0 || inputs.column >= W) throw new Error(`H′ decode step: column ${inputs.column} outside the buffers' ${W}`);
  const names = weightNames(s.layers);
  const made: TensorInfo[] = [];
  const make = (shape: number[], dtype: 'float32' | 'int32'): TensorInfo => {
    const t = wasm.makeOutput(shape, dtype);
    made.push(t);
    return t;
  };
  try {
    const ptrs = make([names.length], 'int32');
    const tokens = make([5 * R], 'int32');
    const bias = make([R * W], 'float32');
    const ids = make([R * W], 'int32');
    const want = make([R], 'int32');
    const live = make([R], 'int32');
    const out = make([R * s.V], 'float32');
    const scratch = make([decodeStepScratch(s, R, W)], 'float32');
    // Views only after the last allocation (one may grow the heap).
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
    (wasm.typedArrayFromHeap(ptrs) as Int32Array).set(table);
    (wasm.typedArrayFromHeap(tokens) as Int32Array).set(inputs.tokens);
    (wasm.typedArrayFromHeap(bias) as Float32Array).set(inputs.bias);
    (wasm.typedArrayFromHeap(ids) as Int32Array).set(inputs.ids);
    (wasm.typedArrayFromHeap(want) as Int32Array).set(inputs.want);
    const at = (t: TensorInfo) => heapAddress(wasm, t);
    kernelFor(wasm)(at(ptrs), at(tokens), at(bias), at(ids), at(want), at(out), at(live), at(scratch), R, W, inputs.column, s.dModel, s.heads, s.dFF, s.V, s.layers);
    const got = wasm.typedArrayFromHeap(out) as Float32Array;
    for (let r = 0; r < R; r++) if (inputs.want[r] === 2) probs.set(got.subarray(r * s.V, (r + 1) * s.V), r * s.V);
  } finally {
    for (const t of made) wasm.disposeData(t.dataId);
  }
}
