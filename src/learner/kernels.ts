/**
 * Kernel fixes TensorFlow.js 4.22 needs to train at a usable speed on the `wasm` backend (what
 * each one costs without it: docs/learner.md):
 *
 * 1. `UnsortedSegmentSum` (the gradient of `tf.gather`, i.e. of every trainable embedding) is not
 *    registered on `wasm`, and on `cpu` it costs O(segments × rows × width). We register an
 *    O(rows × width) scatter-add for both.
 * 2. wasm `BatchMatMul` / `_FusedMatMul` only use XNNPACK for batch-1 products with no transpose
 *    flag; every other case runs a scalar triple loop. Backprop of a dense layer always asks for a
 *    transposed product, so for batch-1 products with a flag we materialise the transpose with the
 *    wasm `Transpose` kernel and call the original kernel without flags. `BatchMatMul` and
 *    `_FusedMatMul` (linear or relu) now go to our wasm SIMD kernels (batch-matmul.ts), which take
 *    the flags and any batch; the transpose path remains for the products those decline.
 * 3. wasm `Slice` (and `SplitV`, built on it; we replace both) reads its input with `readSync`,
 *    which copies the whole input tensor out of the heap for every slice. Ours copies only the
 *    slice, from a heap view.
 * 4. wasm `GatherV2` computes every element's address in C++; ours copies whole rows with
 *    `TypedArray.set`.
 * 5. Our own kernels for the wasm backend: the fused LayerNorm forward and backward (layer-norm.ts),
 *    which layers.ts's layerNorm() calls through `tf.customGrad`.
 *
 * Register before `tf.setBackend(...)` so that the kernels' setup functions run at initialisation.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { simdBatchMatMul, simdFusedMatMul } from './batch-matmul';
import { registerLayerNormKernels } from './layer-norm';

type TF = typeof tfjs;
type TensorInfo = tfjs.TensorInfo;
type KernelFunc = tfjs.KernelFunc;
type KernelConfig = tfjs.KernelConfig;
type TypedArray = tfjs.TypedArray;
type DataType = tfjs.DataType;

/** The parts of the wasm backend (BackendWasm) our kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): TypedArray;
  disposeData(dataId: tfjs.DataId, force?: boolean): boolean;
}

/** The parts of the cpu backend (MathBackendCPU) our kernels use. */
interface CpuBackendLike {
  readSync(dataId: tfjs.DataId): tfjs.BackendValues;
  makeTensorInfo(shape: number[], dtype: DataType, values?: tfjs.BackendValues): TensorInfo;
}

/** Marks the kernel functions we registered, so registration is idempotent across module copies. */
const FIXED = Symbol.for('amplification-explorer.kernel-fix');
type Marked = KernelFunc & { [FIXED]?: true };

function mark(f: KernelFunc): KernelFunc {
  (f as Marked)[FIXED] = true;
  return f;
}

function isOurs(config: KernelConfig | undefined): boolean {
  return config !== undefined && (config.kernelFunc as Marked)[FIXED] === true;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * out[segmentIds[r], :] += x[r, :] for every row r; ids outside [0, numSegments) are dropped (as in
 * TensorFlow). `out` must be zeroed by the caller. O(rows × width).
 */
export function scatterAdd(x: ArrayLike<number>, segmentIds: ArrayLike<number>, width: number, numSegments: number, out: TypedArray): void {
  const rows = segmentIds.length;
  for (let r = 0; r < rows; r++) {
    const s = segmentIds[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * width;
    const dst = s * width;
    for (let j = 0; j < width; j++) out[dst + j] += x[src + j];
  }
}

interface SegmentSumShape {
  outShape: number[];
  width: number;
}

function segmentSumShape(x: TensorInfo, segmentIds: TensorInfo, numSegments: number): SegmentSumShape {
  const idRank = segmentIds.shape.length;
  for (let i = 0; i < idRank; i++) {
    if (segmentIds.shape[i] !== x.shape[i]) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape.join(', ')}] is not a prefix of x shape [${x.shape.join(', ')}]`);
    }
  }
  const inner = x.shape.slice(idRank);
  return { outShape: [numSegments, ...inner], width: sizeOf(inner) };
}

function segmentSumAttrs(attrs: tfjs.NamedAttrMap | undefined): number {
  const n = (attrs as { numSegments?: number } | undefined)?.numSegments;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`UnsortedSegmentSum: bad numSegments ${String(n)}`);
  return n;
}

const wasmSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as WasmBackendLike;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = segmentSumAttrs(attrs);
  const { outShape, width } = segmentSumShape(x, segmentIds, numSegments);
  const out = wasm.makeOutput(outShape, x.dtype);
  // Views are taken after the allocation: growing the wasm heap detaches earlier views.
  const outView = wasm.typedArrayFromHeap(out);
  outView.fill(0);
  scatterAdd(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(segmentIds), width, numSegments, outView);
  return out;
};

const cpuSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = backend as CpuBackendLike;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = segmentSumAttrs(attrs);
  const { outShape, width } = segmentSumShape(x, segmentIds, numSegments);
  const out = x.dtype === 'int32' ? new Int32Array(sizeOf(outShape)) : new Float32Array(sizeOf(outShape));
  scatterAdd(cpu.readSync(x.dataId) as TypedArray, cpu.readSync(segmentIds.dataId) as TypedArray, width, numSegments, out);
  return cpu.makeTensorInfo(outShape, x.dtype, out);
};

/** wasm Slice from a heap view (no copy of the whole input). */
function makeWasmSlice(tf: TF, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const wasm = backend as WasmBackendLike;
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === 'string') return original(args);
    const a = attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x, a.begin, a.size);
    const out = wasm.makeOutput(size, x.dtype);
    if (sizeOf(size) === 0) return out;
    const outVals = wasm.typedArrayFromHeap(out);
    const xVals = wasm.typedArrayFromHeap(x);
    copySlice(xVals, x.shape, begin, size, outVals);
    return out;
  };
}

/** wasm SplitV by our slices (the stock one calls the stock Slice directly). */
function makeWasmSplit(tf: TF, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const wasm = backend as WasmBackendLike;
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === 'string') return original(args);
    const a = attrs as { numOrSizeSplits: number | number[]; axis: number };
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tfjs.Tensor, a.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = wasm.makeOutput(size, x.dtype);
      if (sizeOf(size) > 0) copySlice(wasm.typedArrayFromHeap(x), x.shape, begin, size, wasm.typedArrayFromHeap(out));
      begin[axis] += s;
      return out;
    });
  };
}

/** Copies the block [begin, begin + size) of a row-major array of `shape` into `out`. */
export function copySlice(x: TypedArray, shape: readonly number[], begin: readonly number[], size: readonly number[], out: TypedArray): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  // Merge the trailing axes the slice covers entirely into one contiguous run.
  let inner = rank - 1;
  let run = size[rank - 1];
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner];
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // Odometer over axes [0, inner); axis `inner` starts each run.
  const idx = new Array<number>(inner).fill(0);
  let o = 0;
  while (true) {
    let offset = begin[inner] * strides[inner];
    for (let i = 0; i < inner; i++) offset += (begin[i] + idx[i]) * strides[i];
    out.set(x.subarray(offset, offset + run), o);
    o += run;
    let i = inner - 1;
    while (i >= 0 && ++idx[i] === size[i]) idx[i--] = 0;
    if (i < 0) break;
  }
}

/** wasm GatherV2 by row copies. */
function makeWasmGather(tf: TF, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const wasm = backend as WasmBackendLike;
    const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
    if (x.dtype === 'string') return original(args);
    const a = attrs as { axis: number; batchDims: number };
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0];
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, a.batchDims);
    const out = wasm.makeOutput(info.outputShape, x.dtype);
    const nIdx = sizeOf(indices.shape);
    if (sizeOf(info.outputShape) === 0) return out;
    const outVals = wasm.typedArrayFromHeap(out);
    const xVals = wasm.typedArrayFromHeap(x);
    const idVals = wasm.typedArrayFromHeap(indices);
    const { batchSize, outerSize, dimSize, sliceSize } = info;
    const perBatch = nIdx / batchSize;
    for (let i = 0; i < nIdx; i++) {
      const v = idVals[i];
      if (!(v >= 0 && v <= dimSize - 1)) throw new Error(`GatherV2: the index value ${v} is not in [0, ${dimSize - 1}]`);
    }
    let o = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let r = 0; r < outerSize; r++) {
        const base = (b * outerSize + r) * dimSize;
        for (let i = 0; i < perBatch; i++) {
          const src = (base + idVals[b * perBatch + i]) * sliceSize;
          outVals.set(xVals.subarray(src, src + sliceSize), o);
          o += sliceSize;
        }
      }
    }
    return out;
  };
}

/** The permutation that swaps the last two axes. */
function swapLast(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/**
 * Wraps a wasm matmul kernel: `simd` (our SIMD kernel) serves the products it applies to; of the
 * others, batch-1 products with a transpose flag take the XNNPACK path.
 */
function wrapMatMul(original: KernelConfig, transpose: KernelFunc, simd: (args: Parameters<KernelFunc>[0]) => TensorInfo | undefined): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const viaSimd = simd(args);
    if (viaSimd) return viaSimd;
    const { inputs, backend } = args;
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const batchOne = sizeOf(a.shape.slice(0, -2)) === 1 && sizeOf(b.shape.slice(0, -2)) === 1;
    if (!(attrs.transposeA || attrs.transposeB) || !batchOne) return original.kernelFunc(args);
    const wasm = backend as WasmBackendLike;
    const temps: TensorInfo[] = [];
    const materialise = (t: TensorInfo): TensorInfo => {
      const out = transpose({ inputs: { x: t }, backend, attrs: { perm: swapLast(t.shape.length) } }) as TensorInfo;
      temps.push(out);
      return out;
    };
    try {
      const a2 = attrs.transposeA ? materialise(a) : a;
      const b2 = attrs.transposeB ? materialise(b) : b;
      return original.kernelFunc({
        inputs: { ...inputs, a: a2, b: b2 },
        backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temps) wasm.disposeData(t.dataId);
    }
  };
  return { ...original, kernelFunc: mark(kernelFunc) };
}

function replaceKernel(tf: TF, config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers the fixes for the given backends (those whose kernels are loaded; `wasm` needs
 * `@tensorflow/tfjs-backend-wasm` imported first). Idempotent. Call before `tf.setBackend`.
 */
export function registerKernelFixes(tf: TF, backends: readonly ('wasm' | 'cpu')[]): void {
  for (const backendName of backends) {
    const segment = tf.getKernel('UnsortedSegmentSum', backendName);
    if (!isOurs(segment)) {
      replaceKernel(tf, {
        kernelName: 'UnsortedSegmentSum',
        backendName,
        kernelFunc: mark(backendName === 'wasm' ? wasmSegmentSum : cpuSegmentSum),
      });
    }
    if (backendName !== 'wasm') continue;
    for (const [name, make] of [['Slice', makeWasmSlice], ['SplitV', makeWasmSplit], ['GatherV2', makeWasmGather]] as const) {
      const original = tf.getKernel(name, 'wasm');
      if (!original) throw new Error(`the wasm backend has no ${name} kernel (is @tensorflow/tfjs-backend-wasm loaded?)`);
      if (!isOurs(original)) replaceKernel(tf, { ...original, kernelFunc: mark(make(tf, original.kernelFunc)) });
    }
    const transpose = tf.getKernel('Transpose', 'wasm');
    if (!transpose) throw new Error('the wasm backend has no Transpose kernel (is @tensorflow/tfjs-backend-wasm loaded?)');
    for (const name of ['BatchMatMul', '_FusedMatMul']) {
      const original = tf.getKernel(name, 'wasm');
      if (!original) throw new Error(`the wasm backend has no ${name} kernel (is @tensorflow/tfjs-backend-wasm loaded?)`);
      if (isOurs(original)) continue;
      replaceKernel(tf, wrapMatMul(original, transpose.kernelFunc, name === 'BatchMatMul' ? (args) => simdBatchMatMul(tf, args) : (args) => simdFusedMatMul(tf, args)));
    }
    registerLayerNormKernels(tf);
  }
}
