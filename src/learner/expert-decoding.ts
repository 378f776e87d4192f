/**
 * The bookkeeping of H′'s cached decoding (model-h.ts): the per-layer keys/values of a batch being
 * decoded, with the padding columns each row does not have, and a transcript's memo — its tokens'
 * keys/values without padding, kept by a decoder from one of its actions to the next.
 *
 * A batch's keys/values live in buffers as wide as the batch can get (its prefix, then every token
 * it may generate); a token step writes its column in place on the backend's memory (wasm, cpu)
 * instead of concatenating a copy of the whole cache per token, and memos are read from the same
 * memory. Where a backend keeps tensors out of reach (tfjs-node), a write rebuilds the buffer.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { EncodedTranscript } from './expert-tokens';
import { NEG, type KeyValue } from './layers';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/** Keys and values of every column decoded so far, for appending tokens without recomputing. */
export interface DecodeCache {
  /** Per layer [R, H, W, dk]: columns 0..C−1 are written, the rest are free. */
  kv: KeyValue[];
  /** Copy keys [R, W, d]. */
  keys: Tensor;
  /** W: the buffers' width. */
  width: number;
  /** Symbol ids of every written column, per buffer row (C each). */
  ids: number[][];
  /** Per buffer row, true for the written columns it does not have (padding): the bias hides them. */
  hidden: boolean[][];
  /** The buffer row of each transcript still being decoded (others' rows idle until compacted). */
  slots: number[];
  /** cacheBias and cacheIds of the columns written so far, kept as columns are written (§7c): [R, W] each. */
  columnBias: Float32Array;
  columnIds: Int32Array;
}

/** A transcript's tokens with their keys/values (no padding), kept by a decoder between its actions. */
export interface DecodeMemo {
  tokens: Pick<EncodedTranscript, 'ids' | 'types' | 'offsets' | 'segments'>;
  /** Per layer [H, n, dk]. */
  k: Float32Array[];
  v: Float32Array[];
  /** Copy keys [n, d]. */
  keys: Float32Array;
  /** The arena block that holds k, v and keys (a decoder's memos; see MemoArena). */
  block?: MemoBlock;
}

/** A block of a MemoArena: the memos it holds are kept while `kept` > 0. */
export interface MemoBlock {
  data: Float32Array;
  /** Floats handed out. */
  used: number;
  /** References to its memos that are kept (a decoder's transcripts). */
  kept: number;
  /** The call that last allocated in it: blocks of the current call are never reused within it. */
  call: number;
}

/**
 * Where a decoder keeps its memos' keys/values: large blocks, each reused once no kept memo is in
 * it, instead of a typed array per memo (thousands a round, whose allocation, first writes and
 * garbage collection took most of the memos' read-back; docs/performance.md §12). A decoder retains
 * a memo for each transcript that keeps it and releases it when the transcript moves on or is
 * forgotten; memos made in the current call are never overwritten before its end (their blocks are
 * not reused within it). A closed arena gives its blocks to `spare`, where the next decoder's arena
 * takes them (memory already written once is faster to write again).
 */
export class MemoArena {
  private readonly blocks: MemoBlock[] = [];
  private current: MemoBlock | undefined;
  private call = 0;

  constructor(private readonly spare: MemoBlock[] = [], private readonly blockFloats = 1 << 20, private readonly spareFloats = 1 << 25) {}

  /** Begins a decoding call (memos made from now on are new). */
  beginCall(): void {
    this.call++;
  }

  /** n floats for a new memo. */
  alloc(n: number): { block: MemoBlock; data: Float32Array } {
    let b = this.current;
    if (!b || b.used + n > b.data.length) {
      b = this.blocks.find((x) => x.kept === 0 && x.call < this.call && x.data.length >= n);
      if (!b) {
        const i = this.spare.findIndex((x) => x.data.length >= n);
        b = i >= 0 ? this.spare.splice(i, 1)[0] : { data: new Float32Array(Math.max(this.blockFloats, n)), used: 0, kept: 0, call: 0 };
        this.blocks.push(b);
      }
      b.used = 0;
      b.kept = 0;
      this.current = b;
    }
    b.call = this.call;
    const data = b.data.subarray(b.used, b.used + n);
    b.used += n;
    return { block: b, data };
  }

  /** Floats held by the arena's blocks (for tests and benches). */
  get floats(): number {
    return this.blocks.reduce((n, b) => n + b.data.length, 0);
  }

  /** Ends the arena: its memos are dropped, its blocks go to the spares (up to `spareFloats` in all). */
  close(): void {
    let held = this.spare.reduce((n, b) => n + b.data.length, 0);
    for (const b of this.blocks.splice(0)) {
      if (held + b.data.length > this.spareFloats) continue;
      held += b.data.length;
      this.spare.push(b);
    }
    this.current = undefined;
  }
}

/** Counts one more reference to a memo (a transcript that keeps it). */
export function retainMemo(m: DecodeMemo | undefined): void {
  if (m?.block) m.block.kept++;
}

/** Drops a reference to a memo. */
export function releaseMemo(m: DecodeMemo | undefined): void {
  if (m?.block) m.block.kept--;
}

/** The column bias [R, W] of a decoding cache: 0 where a row has a token, NEG in its holes and the free columns. */
export function cacheBias(cache: DecodeCache): Float32Array {
  const W = cache.width;
  const bias = new Float32Array(cache.hidden.length * W).fill(NEG);
  cache.hidden.forEach((hidden, i) => hidden.forEach((h, c) => h || (bias[i * W + c] = 0)));
  return bias;
}

/** The symbol ids [R, W] of a cache's columns (0 in free columns). */
export function cacheIds(cache: DecodeCache): Int32Array {
  const W = cache.width;
  const ids = new Int32Array(cache.ids.length * W);
  cache.ids.forEach((row, i) => ids.set(row, i * W));
  return ids;
}

let inPlace = true;
let incremental = true;

/** Turns off keeping the column bias and ids as columns are written (each token step rebuilds them from `hidden` and `ids`). For A/B timing. */
export function setIncrementalColumns(on: boolean): void {
  incremental = on;
}

/** Records column c of every buffer row (its symbol ids[r], visible) in a cache's column bias and ids. */
export function writeColumn(cache: DecodeCache, c: number, ids: Int32Array): void {
  const W = cache.width;
  if (!incremental) {
    cache.columnBias = cacheBias(cache);
    cache.columnIds = cacheIds(cache);
    return;
  }
  for (let r = 0; r < ids.length; r++) {
    cache.columnBias[r * W + c] = 0;
    cache.columnIds[r * W + c] = ids[r];
  }
}

/** The column bias and ids [rows, W] of the buffer rows `rows` (a compaction). */
export function keepColumns(cache: DecodeCache, rows: readonly number[]): void {
  const W = cache.width;
  const bias = new Float32Array(rows.length * W);
  const ids = new Int32Array(rows.length * W);
  rows.forEach((r, i) => {
    bias.set(cache.columnBias.subarray(r * W, (r + 1) * W), i * W);
    ids.set(cache.columnIds.subarray(r * W, (r + 1) * W), i * W);
  });
  cache.columnBias = bias;
  cache.columnIds = ids;
}

/** Turns in-place writes off (every write rebuilds the buffer, as on tfjs-node). For A/B timing and tests. */
export function setInPlaceCache(on: boolean): void {
  inPlace = on;
}

/** The parts of the wasm and cpu backends that expose a tensor's memory. */
interface MemoryBackend {
  typedArrayFromHeap?(t: tfjs.TensorInfo): tfjs.TypedArray;
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * A float32 tensor's values as a view of the backend's own memory (writes change the tensor), or
 * undefined where the backend keeps them out of reach. A wasm view is valid until the next
 * allocation (which may grow the heap).
 */
function memoryOf(tf: TF, t: Tensor): Float32Array | undefined {
  if (!inPlace || t.dtype !== 'float32') return undefined;
  const backend = tf.backend() as unknown as MemoryBackend;
  const name = tf.getBackend();
  if (name === 'wasm' && backend.typedArrayFromHeap) return backend.typedArrayFromHeap(t) as Float32Array;
  if (name === 'cpu') {
    const values = backend.data?.get(t.dataId)?.values;
    if (values instanceof Float32Array && values.length === t.size) return values;
  }
  return undefined;
}

/**
 * Writes src [R, heads, n, depth] into buffer [R, heads, W, depth] at columns column..column+n−1.
 * Returns the buffer: the same tensor when written in place, else a new one (the caller disposes the old).
 */
export function writeColumns(tf: TF, buffer: Tensor, src: Tensor, column: number): Tensor {
  const [R, heads, W, depth] = buffer.shape as [number, number, number, number];
  const n = src.shape[2] as number;
  const dst = memoryOf(tf, buffer);
  if (dst) {
    const from = memoryOf(tf, src) ?? (src.dataSync() as Float32Array);
    for (let r = 0; r < R * heads; r++) dst.set(from.subarray(r * n * depth, (r + 1) * n * depth), (r * W + column) * depth);
    return buffer;
  }
  return tf.tidy(() => {
    const parts = [buffer.slice([0, 0, 0, 0], [R, heads, column, depth]), src, buffer.slice([0, 0, column + n, 0], [R, heads, W - column - n, depth])];
    return tf.concat(parts.filter((p) => p.size > 0), 2);
  });
}

/** A buffer's values: a view of the backend's memory where it can (valid until the next allocation), else a copy. */
export function readBuffer(tf: TF, buffer: Tensor): Float32Array {
  return memoryOf(tf, buffer) ?? (buffer.dataSync() as Float32Array);
}

let memosOnHeap = true;

/**
 * A float32 tensor allocated on the wasm heap and left as it is (its values are whatever the heap
 * held), or undefined elsewhere.
 */
function heapTensor(tf: TF, shape: number[]): Tensor | undefined {
  const backend = tf.backend() as unknown as { makeOutput?(shape: number[], dtype: 'float32'): tfjs.TensorInfo };
  if (tf.getBackend() !== 'wasm' || !backend.makeOutput) return undefined;
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32'));
}

/** Turns off writing memos straight into a new buffer on the backend's memory (off: through a JS array and a tensor copy of it, as before §7c). For A/B timing. */
export function setMemosOnHeap(on: boolean): void {
  memosOnHeap = on;
}

/**
 * A buffer [R, heads, W, depth] whose rows begin with the given values ([heads, n, depth] each, or
 * none), zeros elsewhere: written in place into a heap tensor where the backend's memory can be
 * reached (no JS array of the whole buffer, no copy of it; tf.zeros builds the values in JS and
 * copies them in: ~5× the time, §7c), else built in JS. With `zeros` (per row, column ranges
 * [from, to) flattened), only those columns are zeroed besides the rows' values, and the others are
 * left as the heap held them: for a caller that writes every other column before reading it (the
 * fused token step, §12).
 */
export function bufferOf(tf: TF, rows: readonly (Float32Array | undefined)[], heads: number, width: number, depth: number, zeros?: readonly (readonly number[])[]): Tensor {
  const shape: [number, number, number, number] = [rows.length, heads, width, depth];
  const t = memosOnHeap ? heapTensor(tf, shape) : undefined;
  const heap = t && memoryOf(tf, t);
  if (t && !heap) t.dispose();
  const flat = heap ?? new Float32Array(rows.length * heads * width * depth);
  if (heap && !zeros) heap.fill(0);
  rows.forEach((src, i) => {
    const n = src ? src.length / (heads * depth) : 0;
    for (let h = 0; h < heads; h++) {
      const at = (i * heads + h) * width * depth;
      if (src) flat.set(src.subarray(h * n * depth, (h + 1) * n * depth), at);
      const z = heap && zeros?.[i];
      if (z) for (let k = 0; k < z.length; k += 2) flat.fill(0, at + z[k] * depth, at + z[k + 1] * depth);
    }
  });
  return heap ? t! : tf.tensor4d(flat, shape);
}

/** The memo if the sequence continues the tokens it covers (with at least one more), else undefined. */
export function memoFor(memo: DecodeMemo | undefined, seq: EncodedTranscript): DecodeMemo | undefined {
  return memo && continuesTokens(memo.tokens, memo.tokens.ids.length, seq) ? memo : undefined;
}

/** Whether `seq` continues the first n tokens of `t` (ids, types, offsets and segments), with at least one more. */
export function continuesTokens(t: Pick<EncodedTranscript, 'ids' | 'types' | 'offsets' | 'segments'> | undefined, n: number, seq: EncodedTranscript): boolean {
  if (!t || seq.ids.length <= n || t.ids.length < n) return false;
  for (let i = 0; i < n; i++) {
    if (seq.ids[i] !== t.ids[i] || seq.types[i] !== t.types[i] || seq.offsets[i] !== t.offsets[i] || seq.segments[i] !== t.segments[i]) return false;
  }
  return true;
}

/**
 * The columns a buffer row has (those not `hidden`), as runs [from, to) in a flat array: a row's
 * columns come in a few runs (memo, new tokens, appended tokens) between holes. Throws unless they
 * are `tokens` columns in all.
 */
export function visibleRuns(hidden: readonly boolean[], tokens: number): Int32Array {
  const runs: number[] = [];
  let n = 0;
  for (let c = 0; c < hidden.length; c++) {
    if (hidden[c]) continue;
    n++;
    const last = runs.length - 1;
    if (last > 0 && runs[last] === c) runs[last] = c + 1;
    else runs.push(c, c + 1);
  }
  if (n !== tokens) throw new Error(`H′ decoding: ${n} cached columns for ${tokens} tokens`);
  return Int32Array.from(runs);
}

/**
 * Copies buffer row `row`'s columns in `runs` (visibleRuns) from src [rows, heads, C, width] into
 * out from `at` on as [heads, tokens, width] without holes; returns the offset after them.
 */
export function copyRuns(src: Float32Array, row: number, heads: number, C: number, width: number, runs: Int32Array, out: Float32Array, at: number): number {
  for (let h = 0; h < heads; h++) {
    const base = (row * heads + h) * C * width;
    for (let i = 0; i < runs.length; i += 2) {
      const from = base + runs[i] * width;
      const to = base + runs[i + 1] * width;
      out.set(src.subarray(from, to), at);
      at += to - from;
    }
  }
  return at;
}
