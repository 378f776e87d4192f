/**
 * H′'s decoder on the wasm backend with the fused token step (decode-step.ts): every transcript it
 * decodes keeps a row of persistent buffers — per layer keys/values [S, H, W, dk], copy keys
 * [S, 1, W, d], symbol ids [S, W] — from one of its actions to the next, with its tokens in columns
 * 0..n−1 and no holes. An action runs only the tokens added since (the subanswer) into the row's
 * next columns, then the tokens it generates; nothing is copied out between actions and back, no
 * buffer is padded or compacted (docs/performance.md §13). Transcripts that shared a row and
 * diverge (the same question, other subanswers) each get a row, the shared columns copied. W is the
 * longest transcript the vocabulary allows; S grows with the transcripts kept, and a closed
 * decoder's buffers go to the next decoder of the same H′.
 *
 * The buffers are the backend's memory, not engine tensors: a decoder's `close()` frees them (a
 * finalizer does for a decoder dropped without it). Identical transcripts are decoded once, as by
 * every decoder (expert-dedup.ts): a group of them shares a row.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { fusedRowStep, type StepShape } from './decode-step';
import type { EncodedTranscript, ExpertVocabulary } from './expert-tokens';
import { continuesTokens } from './expert-decoding';
import { nextByGroups, type GroupDecoder } from './expert-dedup';
import { actionRow, takeToken, type ActionRow } from './greedy-actions';
import type { Weights } from './layers';

type TF = typeof tfjs;
type TensorInfo = tfjs.TensorInfo;

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tfjs.TypedArray;
  disposeData(dataId: tfjs.DataId, force?: boolean): boolean;
}

/** What the decoder needs of H′ (HDecoding's HNetwork, narrowed). */
export interface RowNetwork {
  readonly tf: TF;
  readonly vocabulary: ExpertVocabulary;
  weights(): Weights;
  assertLive(): void;
  step(): number;
}

/** The persistent rows: buffers of S rows × W columns on the backend's heap, and each row's tokens. */
export class RowStore {
  /** Rows the buffers hold. */
  S = 0;
  kv: { k: TensorInfo; v: TensorInfo }[] = [];
  keys!: TensorInfo;
  ids!: TensorInfo;
  /** Per row: its tokens (for a transcript that continues them), undefined while free. */
  tokens: (EncodedTranscript | undefined)[] = [];
  /** Per row: its columns written. */
  len = new Int32Array(0);
  private free: number[] = [];
  private disposed = false;

  constructor(private readonly backend: HeapBackend, private readonly shape: StepShape, readonly W: number) {}

  /** Makes room for `n` more rows at once (one growth instead of several). */
  reserve(n: number): void {
    if (this.free.length < n) this.grow(Math.max(64, 2 * this.S, this.S - this.free.length + n));
  }

  /** Frees every row (a decoder's store handed to the next decoder). */
  reset(): void {
    this.tokens = new Array(this.S);
    this.len.fill(0);
    this.free = Array.from({ length: this.S }, (_, i) => this.S - 1 - i);
  }

  /** Whether these buffers fit this shape and width. */
  fits(backend: HeapBackend, shape: StepShape, W: number): boolean {
    return !this.disposed && backend === this.backend && W === this.W && shape.dModel === this.shape.dModel && shape.heads === this.shape.heads && shape.layers === this.shape.layers;
  }

  /** A free row (the buffers grow when none is). */
  alloc(): number {
    if (this.free.length === 0) this.grow(Math.max(64, 2 * this.S));
    const r = this.free.pop()!;
    this.len[r] = 0;
    return r;
  }

  /** Makes row `to` a copy of row `from`'s columns written (and its tokens). */
  copyRow(from: number, to: number): void {
    const n = this.len[from];
    const { dModel: d, heads: H } = this.shape;
    const dk = d / H;
    const W = this.W;
    for (const x of this.kv) {
      for (const t of [x.k, x.v]) {
        const a = this.backend.typedArrayFromHeap(t);
        for (let h = 0; h < H; h++) a.copyWithin((to * H + h) * W * dk, (from * H + h) * W * dk, (from * H + h) * W * dk + n * dk);
      }
    }
    this.backend.typedArrayFromHeap(this.keys).copyWithin(to * W * d, from * W * d, (from * W + n) * d);
    this.backend.typedArrayFromHeap(this.ids).copyWithin(to * W, from * W, from * W + n);
    this.len[to] = n;
    this.tokens[to] = this.tokens[from];
  }

  release(r: number): void {
    this.tokens[r] = undefined;
    this.len[r] = 0;
    this.free.push(r);
  }

  /** Every buffer, for freeing. */
  private all(): TensorInfo[] {
    return this.S === 0 ? [] : [...this.kv.flatMap((x) => [x.k, x.v]), this.keys, this.ids];
  }

  private grow(S: number): void {
    if (this.disposed) throw new Error('H′ decoder: closed');
    const { dModel: d, heads: H, layers } = this.shape;
    const dk = d / H;
    const W = this.W;
    const old = this.all();
    const made: TensorInfo[] = [];
    const make = (shape: number[], dtype: 'float32' | 'int32'): TensorInfo => {
      const t = this.backend.makeOutput(shape, dtype);
      made.push(t);
      return t;
    };
    try {
      const kv = Array.from({ length: layers }, () => ({ k: make([S, H, W, dk], 'float32'), v: make([S, H, W, dk], 'float32') }));
      const keys = make([S, 1, W, d], 'float32');
      const ids = make([S * W], 'int32');
      // Views after the last allocation (one may grow the heap). The old rows are copied; a new row's
      // columns are written before they are read, so they are left as the heap held them.
      const next = [...kv.flatMap((x) => [x.k, x.v]), keys, ids];
      next.forEach((t, i) => {
        if (old[i]) this.backend.typedArrayFromHeap(t).set(this.backend.typedArrayFromHeap(old[i]));
      });
      for (const t of old) this.backend.disposeData(t.dataId);
      this.kv = kv;
      this.keys = keys;
      this.ids = ids;
    } catch (e) {
      for (const t of made) this.backend.disposeData(t.dataId);
      throw e;
    }
    const len = new Int32Array(S);
    len.set(this.len);
    this.len = len;
    for (let r = S - 1; r >= this.S; r--) this.free.push(r);
    this.tokens.length = S;
    this.S = S;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.all()) this.backend.disposeData(t.dataId);
    this.S = 0;
  }
}

let on = true;

/** Turns persistent rows off (decoders on the fused step copy memos out and back, as before §13). For A/B timing and tests. */
export function setRowDecoding(value: boolean): void {
  on = value;
}

/** Whether a new decoder on the fused step keeps persistent rows. */
export function rowDecodingOn(): boolean {
  return on;
}

/** Frees the buffers of a decoder dropped without close() (once it is collected). */
const unclosed = new FinalizationRegistry<RowStore>((store) => store.dispose());

/**
 * A decoder (ModelH.decoder) whose transcripts keep their rows from one action to the next. Valid
 * while H′'s weights do not change. Call only where fusedDecodeStepApplies.
 */
export function rowsDecoder(net: RowNetwork, shape: StepShape, spare: { store?: RowStore } = {}): GroupDecoder {
  const tf = net.tf;
  const voc = net.vocabulary;
  const V = voc.size;
  const backend = tf.backend() as unknown as HeapBackend;
  // The buffers of the last decoder closed, when they fit (the first writes into new memory are slow).
  const store = spare.store?.fits(backend, shape, voc.maxLength) ? spare.store : new RowStore(backend, shape, voc.maxLength);
  if (spare.store && spare.store !== store) spare.store.dispose();
  spare.store = undefined;
  store.reset();
  /** The row of each transcript id kept, and how many ids keep each row. */
  const rowOf = new Map<number, number>();
  const holders = new Map<number, number>();
  const step = net.step();
  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new Error('H′ decoder: closed');
    net.assertLive();
    if (net.step() !== step) throw new Error('H′ decoder: the model was trained since the decoder was made; make a new one');
  };
  const unhold = (id: number): void => {
    const r = rowOf.get(id);
    if (r === undefined) return;
    rowOf.delete(id);
    const n = (holders.get(r) ?? 1) - 1;
    if (n > 0) holders.set(r, n);
    else {
      holders.delete(r);
      store.release(r);
    }
  };
  const hold = (id: number, r: number): void => {
    if (rowOf.get(id) === r) return;
    unhold(id);
    rowOf.set(id, r);
    holders.set(r, (holders.get(r) ?? 0) + 1);
  };

  /** Runs one token step: for each row in `at`, its token `seq.ids[col]` at column col; `wanted` rows get their distribution. */
  const stepRows = (at: readonly { row: number; seq: EncodedTranscript; col: number; want: 1 | 2 }[], probs: Float32Array): void => {
    const S = store.S;
    const tokens = new Int32Array(5 * S);
    const cols = new Int32Array(S);
    const want = new Int32Array(S);
    for (const { row: r, seq, col, want: w } of at) {
      tokens[r] = seq.ids[col];
      tokens[S + r] = seq.types[col];
      tokens[2 * S + r] = seq.offsets[col];
      tokens[3 * S + r] = seq.segments[col];
      tokens[4 * S + r] = col;
      cols[r] = col;
      want[r] = w;
    }
    fusedRowStep(tf, net.weights(), shape, store, store.ids, { tokens, cols, want }, probs);
  };

  const nextGroups: GroupDecoder['nextGroups'] = (groups, states, options = {}, given) => {
    assertOpen();
    if (groups.length !== states.length) throw new Error('H′ decoder: one state per group');
    const seqs = states.map((s, g) => given?.[g] ?? voc.encode(s));
    // Each group's row: one that a member keeps and that its tokens continue, taken by one group; a
    // group whose transcripts diverged from another's (the same question, other subanswers) gets a
    // new row with a copy of the columns they share; else a new row, empty.
    const claimed = new Set<number>();
    const found: (number | undefined)[] = [];
    const from: (number | undefined)[] = [];
    groups.forEach((ids, g) => {
      const rows = ids.map((id) => rowOf.get(id)).filter((x): x is number => x !== undefined && continuesTokens(store.tokens[x], store.len[x], seqs[g]));
      found[g] = rows.find((x) => !claimed.has(x));
      if (found[g] !== undefined) claimed.add(found[g]!);
      else from[g] = rows[0];
    });
    groups.forEach((ids, g) => {
      for (const id of ids) if (rowOf.get(id) !== found[g]) unhold(id);
    });
    store.reserve(found.filter((r) => r === undefined).length);
    const rows = groups.map((ids, g) => {
      let r = found[g];
      if (r === undefined) {
        r = store.alloc();
        if (from[g] !== undefined) store.copyRow(from[g]!, r);
      }
      for (const id of ids) hold(id, r);
      return { row: r, action: actionRow(seqs[g]) as ActionRow };
    });
    try {
      if (rows.length === 0) return [];
      // The new tokens of every row, one column at a time; a row's distribution after its last.
      const fresh = rows.map(({ row, action }) => action.seq.ids.length - store.len[row]);
      const probs = new Float32Array(store.S * V);
      const L = Math.max(...fresh);
      for (let t = 0; t < L; t++) {
        const at = rows.flatMap(({ row, action }, i) => (t < fresh[i] ? [{ row, seq: action.seq, col: store.len[row] + t, want: (t === fresh[i] - 1 ? 2 : 1) as 1 | 2 }] : []));
        stepRows(at, probs);
      }
      rows.forEach(({ row }, i) => (store.len[row] += fresh[i]));
      let active = rows;
      for (;;) {
        for (const { row, action } of active) takeToken(action, probs.subarray(row * V, (row + 1) * V), voc, options.forceAnswer === true);
        active = active.filter(({ action }) => action.result === undefined);
        if (active.length === 0) break;
        // Each row's chosen token into its next column.
        stepRows(active.map(({ row, action }) => ({ row, seq: action.seq, col: store.len[row], want: 2 as const })), probs);
        for (const { row } of active) store.len[row]++;
      }
    } catch (e) {
      // Rows written in part: no transcript continues them.
      for (const ids of groups) for (const id of ids) unhold(id);
      throw e;
    }
    // A row that asked a subquestion keeps its tokens for the action after the answer; one that answered is done.
    return rows.map(({ row, action }, g) => {
      if (action.result && 'ask' in action.result) store.tokens[row] = action.seq;
      else for (const id of groups[g]) unhold(id);
      return action.result!;
    });
  };

  const decoder: GroupDecoder = {
    next: nextByGroups((s) => voc.encode(s), nextGroups, assertOpen),
    nextGroups,
    forget: (id) => unhold(id),
    close: () => {
      if (closed) return;
      closed = true;
      unclosed.unregister(decoder);
      rowOf.clear();
      holders.clear();
      // The next decoder takes the buffers (one store spare; a second is freed).
      spare.store?.dispose();
      spare.store = store;
    },
  };
  unclosed.register(decoder, store, decoder);
  return decoder;
}
