/**
 * H′'s greedy decoding (model-h.ts): the next action of each partial transcript, all transcripts in
 * lockstep — the marker (ASK or ANS), then symbols up to SEP (a subquestion) or END (the answer).
 * The prefixes are run once and every generated token is appended to cached per-layer keys/values
 * (faster than recomputing every position, see docs/learner.md; `recompute` is the reference it is
 * tested against). A `decoder()` also keeps each transcript's keys/values from one of its actions
 * to the next, so that an action runs only the tokens added since: on wasm with the fused step in
 * persistent rows (decode-rows.ts; docs/performance.md §13), elsewhere as memos copied out and back
 * (the bookkeeping is in expert-decoding.ts; §2, §7, §12). Transcripts with identical tokens in a
 * call are decoded once (expert-dedup.ts; §7b). On wasm every token step, the prefill's included,
 * is one call of a wasm kernel (decode-step.ts; §7c), elsewhere the network's layers through tfjs.
 *
 * It runs H′'s network (`HNetwork`: the embedding and the blocks of TransformerModelH) and owns
 * the caches of the calls in progress and what closed decoders left for the next.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { EncodedTranscript, ExpertVocabulary } from './expert-tokens';
import { actionRow, takeToken, type ActionRow } from './greedy-actions';
import { causalBias, copyMixture, dense, NEG, outputHeads, type KeyValue, type Weights } from './layers';
import { fusedDecodeStep, fusedDecodeStepApplies, type StepShape } from './decode-step';
import { rowDecodingOn, rowsDecoder, type RowStore } from './decode-rows';
import { bufferOf, cacheBias, cacheIds, copyRuns, keepColumns, MemoArena, memoFor, readBuffer, releaseMemo, retainMemo, visibleRuns, writeColumn, writeColumns, type DecodeCache, type DecodeMemo, type MemoBlock } from './expert-decoding';
import { groupTranscripts, nextByGroups, spreadActions, type GroupDecoder } from './expert-dedup';
import type { ModelHConfig, TokenBatch } from './model-h';
import type { ExpertAction, PartialTranscript } from './types';

type Tensor = tfjs.Tensor;

/** What decoding needs of H′: its network, and whether (and how often) it has been trained. */
export interface HNetwork {
  readonly tf: typeof tfjs;
  readonly config: ModelHConfig;
  readonly vocabulary: ExpertVocabulary;
  /** The weights by name (current: they change when H′ trains). */
  weights(): Weights;
  /** The input vectors [A, n, d] of a batch (positions 0..n−1, or per token). */
  embed(b: TokenBatch, positions?: Int32Array): Tensor;
  /** The blocks over new tokens x with attention bias `bias` (see TransformerModelH.blocks). */
  blocks(x: Tensor, bias: Tensor, past?: (l: number, k: Tensor, v: Tensor) => KeyValue): { h: Tensor; kv: KeyValue[] };
  /** Sequences right-padded to `length`. */
  batchOf(seqs: readonly EncodedTranscript[], length: number): TokenBatch;
  /** Throws once the model is disposed. */
  assertLive(): void;
  /** Optimiser steps taken so far (a decoder is valid for one). */
  step(): number;
}

export class HDecoding {
  private readonly tf: typeof tfjs;
  private readonly config: ModelHConfig;
  private readonly vocabulary: ExpertVocabulary;
  /** Transcripts a decoder runs at once: fewer, larger token steps (a third of the kernels of 256 at a time; docs/performance.md §7). */
  private readonly decodeChunk = 1024;
  /** The rows of the last decoder closed, for the next (decode-rows.ts). */
  private readonly spareRows: { store?: RowStore } = {};
  /** Memo blocks of closed decoders, for the next (expert-decoding.ts's MemoArena). */
  private readonly spareBlocks: MemoBlock[] = [];

  /** `predictChunk`: transcripts per batch of `next` (a call without a decoder). */
  constructor(private readonly net: HNetwork, private readonly predictChunk: number) {
    this.tf = net.tf;
    this.config = net.config;
    this.vocabulary = net.vocabulary;
  }

  /** Frees what closed decoders left for the next (the model is being disposed). */
  dispose(): void {
    this.spareRows.store?.dispose();
    this.spareRows.store = undefined;
    this.spareBlocks.length = 0;
  }

  /** ModelH.next: see TransformerModelH.next. Identical transcripts are decoded once (expert-dedup.ts). */
  next(states: readonly PartialTranscript[], options: { forceAnswer?: boolean; recompute?: boolean } = {}): ExpertAction[] {
    this.net.assertLive();
    const seqs = states.map((s) => this.vocabulary.encode(s));
    const { reps, of } = groupTranscripts(seqs);
    const actions: ExpertAction[] = [];
    for (let i = 0; i < reps.length; i += this.predictChunk) {
      actions.push(...this.nextChunk(reps.slice(i, i + this.predictChunk).map((r) => seqs[r]), options.forceAnswer === true, options.recompute !== true).actions);
    }
    return spreadActions(actions, of);
  }

  /**
   * ModelH.decoder, on this thread: see TransformerModelH.decoder. Identical transcripts are decoded
   * once (expert-dedup.ts). With the fused token step, transcripts keep persistent rows
   * (decode-rows.ts); else memos of their keys/values are copied out and back.
   */
  decoder(): GroupDecoder {
    this.net.assertLive();
    if (fusedDecodeStepApplies(this.tf) && rowDecodingOn()) return rowsDecoder(this.net, this.stepShape, this.spareRows);
    const memos = new Map<number, DecodeMemo>();
    const arena = new MemoArena(this.spareBlocks);
    let closed = false;
    const assertOpen = (): void => {
      if (closed) throw new Error('H′ decoder: closed');
      this.net.assertLive();
    };
    const keep = (id: number, memo: DecodeMemo | undefined): void => {
      const old = memos.get(id);
      if (old === memo) return;
      releaseMemo(old);
      retainMemo(memo);
      if (memo) memos.set(id, memo);
      else memos.delete(id);
    };
    const step = this.net.step();
    const nextGroups: GroupDecoder['nextGroups'] = (groups, states, options = {}, given) => {
      assertOpen();
      if (this.net.step() !== step) throw new Error('H′ decoder: the model was trained since the decoder was made; make a new one');
      if (groups.length !== states.length) throw new Error('H′ decoder: one state per group');
      const seqs = states.map((s, g) => given?.[g] ?? this.vocabulary.encode(s));
      const out: ExpertAction[] = [];
      arena.beginCall();
      for (let i = 0; i < groups.length; i += this.decodeChunk) {
        const chunk = groups.slice(i, i + this.decodeChunk);
        const rows = seqs.slice(i, i + this.decodeChunk);
        // A group's members share its tokens: any member's kept keys/values that they continue will do.
        const kept = chunk.map((ids, j) => ids.map((id) => memos.get(id)).find((m) => memoFor(m, rows[j])));
        const got = this.nextChunk(rows, options.forceAnswer === true, true, kept, arena);
        chunk.forEach((ids, j) => {
          for (const id of ids) keep(id, got.memos?.[j]);
        });
        out.push(...got.actions);
      }
      return out;
    };
    return {
      next: nextByGroups((s) => this.vocabulary.encode(s), nextGroups, assertOpen),
      nextGroups,
      forget: (id) => keep(id, undefined),
      close: () => {
        if (closed) return;
        closed = true;
        memos.clear();
        arena.close();
      },
    };
  }

  /** Next-token distributions [rows, V] after the last token of each sequence, recomputing every position. */
  private lastDistributions(seqs: readonly EncodedTranscript[]): Float32Array {
    const tf = this.tf;
    const L = Math.max(...seqs.map((s) => s.ids.length));
    const b = this.net.batchOf(seqs, L);
    const A = seqs.length;
    const d = this.config.dModel;
    return this.read(tf.tidy(() => {
      const { h } = this.net.blocks(this.net.embed(b), causalBias(tf, L).reshape([1, 1, L, L]));
      const last = Int32Array.from(seqs, (s, i) => i * L + s.ids.length - 1);
      const hq = tf.gather(h.reshape([A * L, d]), tf.tensor1d(last, 'int32')).reshape([A, 1, d]);
      const bias = new Float32Array(A * L);
      seqs.forEach((s, i) => bias.fill(NEG, i * L + s.ids.length, (i + 1) * L));
      const p = copyMixture(tf, outputHeads(tf, this.net.weights(), hq, dense(tf, this.net.weights(), 'copy/key', h), tf.tensor3d(bias, [A, 1, L])), tf.tensor2d(b.ids, [A, L], 'int32'), this.vocabulary.size);
      return p.reshape([A, this.vocabulary.size]);
    }));
  }

  /** A tensor's values (the tensor is disposed). */
  private read(t: Tensor): Float32Array {
    const data = t.dataSync() as Float32Array;
    t.dispose();
    return data;
  }

  /**
   * Runs each sequence's tokens after its memo (all of them without one), right-padded to a common
   * length, after the memo's keys/values (right-padded too), in buffers with room for every token
   * the action may append; the bias hides the padding and the free columns.
   */
  private prefill(seqs: readonly EncodedTranscript[], memos: readonly (DecodeMemo | undefined)[]): { cache: DecodeCache; probs: Float32Array } {
    const tf = this.tf;
    const { dModel: d, heads: H, layers } = this.config;
    const dk = d / H;
    const A = seqs.length;
    const past = memos.map((m) => m?.tokens.ids.length ?? 0);
    const Cp = Math.max(...past);
    const fresh = seqs.map((s, i) => s.ids.length - past[i]);
    const L = Math.max(...fresh);
    // The marker and up to the longest span follow.
    const W = Cp + L + 1 + Math.max(this.vocabulary.lengths.maxQuestionLength, this.vocabulary.lengths.maxAnswerLength);
    const b: TokenBatch = { rows: A, length: L, ids: new Int32Array(A * L), types: new Int32Array(A * L), offsets: new Int32Array(A * L), segments: new Int32Array(A * L) };
    const positions = new Int32Array(A * L);
    const hidden: boolean[][] = [];
    const ids: number[][] = [];
    seqs.forEach((s, i) => {
      for (let t = 0; t < fresh[i]; t++) {
        const at = i * L + t;
        const from = past[i] + t;
        b.ids[at] = s.ids[from];
        b.types[at] = s.types[from];
        b.offsets[at] = s.offsets[from];
        b.segments[at] = s.segments[from];
        positions[at] = from;
      }
      const pad = (n: number): boolean[] => new Array<boolean>(n).fill(true);
      hidden.push([...new Array<boolean>(past[i]).fill(false), ...pad(Cp - past[i]), ...new Array<boolean>(fresh[i]).fill(false), ...pad(L - fresh[i])]);
      ids.push([...(memos[i]?.tokens.ids ?? []), ...new Array<number>(Cp - past[i]).fill(0), ...Array.from(b.ids.subarray(i * L, (i + 1) * L))]);
    });
    // The buffers begin with the memos' keys/values (per layer [A, H, W, dk], copy keys [A, 1, W, d]).
    // The fused step writes every column it reads but the holes (after a shorter memo, after fewer
    // new tokens): only those need zeros; the layers through tfjs read every column.
    const fused = fusedDecodeStepApplies(tf);
    const zeros = fused ? seqs.map((_, i) => [past[i], Cp, Cp + fresh[i], Cp + L]) : undefined;
    const cache: DecodeCache = {
      kv: Array.from({ length: layers }, (_, l) => ({ k: bufferOf(tf, memos.map((m) => m?.k[l]), H, W, dk, zeros), v: bufferOf(tf, memos.map((m) => m?.v[l]), H, W, dk, zeros) })),
      keys: bufferOf(tf, memos.map((m) => m?.keys), 1, W, d, zeros),
      width: W, ids, hidden, slots: seqs.map((_, i) => i), columnBias: new Float32Array(0), columnIds: new Int32Array(0),
    };
    try {
      if (fused) return { cache, probs: this.prefillSteps(cache, b, positions, past, fresh) };
      // Self-attention bias [A, 1, L, W]: a new token sees its row's memo and the new tokens up to itself.
      const selfBias = new Float32Array(A * L * W).fill(NEG);
      seqs.forEach((_, i) => {
        for (let t = 0; t < L; t++) {
          const row = (i * L + t) * W;
          selfBias.fill(0, row, row + past[i]);
          selfBias.fill(0, row + Cp, row + Cp + Math.min(t, fresh[i] - 1) + 1);
        }
      });
      cache.columnBias = cacheBias(cache);
      cache.columnIds = cacheIds(cache);
      const bias = cache.columnBias;
      const out = tf.tidy(() => {
        const { h, kv } = this.net.blocks(this.net.embed(b, positions), tf.tensor4d(selfBias, [A, 1, L, W]), this.writer(cache, Cp));
        const keys = writeColumns(tf, cache.keys, dense(tf, this.net.weights(), 'copy/key', h).reshape([A, 1, L, d]), Cp);
        const last = Int32Array.from(seqs, (_, i) => i * L + fresh[i] - 1);
        const hq = tf.gather(h.reshape([A * L, d]), tf.tensor1d(last, 'int32')).reshape([A, 1, d]);
        const p = copyMixture(tf, outputHeads(tf, this.net.weights(), hq, keys.reshape([A, W, d]), tf.tensor3d(bias, [A, 1, W])), tf.tensor2d(cache.columnIds, [A, W], 'int32'), this.vocabulary.size);
        return { probs: p.reshape([A, this.vocabulary.size]), keys, kv };
      });
      this.replaceBuffers(cache, out.kv, out.keys);
      return { cache, probs: this.read(out.probs) };
    } catch (e) {
      this.disposeCache(cache);
      throw e;
    }
  }

  /** What the fused token step needs of the architecture. */
  private get stepShape(): StepShape {
    const { dModel, heads, layers, dFF } = this.config;
    return { dModel, heads, layers, dFF, V: this.vocabulary.size };
  }

  /**
   * The prefill as token steps of the fused kernel (decode-step.ts): the new tokens (`b`, right-padded
   * to L, at `positions`) one column at a time after the memos (columns Cp…), each row's
   * distribution taken at its last new token. The same columns, keys and values as the prefill's
   * one pass: a new token sees its row's memo and the new tokens up to itself; padding is hidden
   * (and not computed: its columns stay zero).
   */
  private prefillSteps(cache: DecodeCache, b: TokenBatch, positions: Int32Array, past: readonly number[], fresh: readonly number[]): Float32Array {
    const { rows: A, length: L } = b;
    const W = cache.width;
    const Cp = Math.max(...past);
    const bias = new Float32Array(A * W).fill(NEG);
    const ids = new Int32Array(A * W);
    cache.ids.forEach((row, i) => {
      bias.fill(0, i * W, i * W + past[i]);
      ids.set(row.slice(0, past[i]), i * W);
    });
    const probs = new Float32Array(A * this.vocabulary.size);
    const tokens = new Int32Array(5 * A);
    const want = new Int32Array(A);
    for (let t = 0; t < L; t++) {
      const column = Cp + t;
      for (let i = 0; i < A; i++) {
        const at = i * L + t;
        tokens[i] = b.ids[at];
        tokens[A + i] = b.types[at];
        tokens[2 * A + i] = b.offsets[at];
        tokens[3 * A + i] = b.segments[at];
        tokens[4 * A + i] = positions[at];
        bias[i * W + column] = t < fresh[i] ? 0 : NEG;
        ids[i * W + column] = b.ids[at];
        want[i] = t < fresh[i] - 1 ? 1 : t === fresh[i] - 1 ? 2 : 0;
      }
      fusedDecodeStep(this.tf, this.net.weights(), this.stepShape, cache, { tokens, column, bias, ids, want }, probs);
    }
    cache.columnBias = bias;
    cache.columnIds = ids;
    return probs;
  }

  /** Stores each layer's new keys/values in the cache's buffers from `column` on (blocks' `past`). */
  private writer(cache: DecodeCache, column: number): (l: number, k: Tensor, v: Tensor) => KeyValue {
    return (l, k, v) => ({ k: writeColumns(this.tf, cache.kv[l].k, k, column), v: writeColumns(this.tf, cache.kv[l].v, v, column) });
  }

  /** Makes these the cache's buffers, disposing those they replace (a write that was not in place made new ones). */
  private replaceBuffers(cache: DecodeCache, kv: KeyValue[], keys: Tensor): void {
    const now = new Set([...kv.flatMap((x) => [x.k, x.v]), keys]);
    this.tf.dispose([...cache.kv.flatMap((x) => [x.k, x.v]), cache.keys].filter((t) => !now.has(t)));
    cache.kv = kv;
    cache.keys = keys;
  }

  /**
   * Appends one token to each transcript `keep` (indices into those still decoded, in order) and
   * returns their next-token distributions [keep, V]. Every buffer row takes a step (idle rows a
   * padding token; the fused step skips them) until no more than ¾ of them are kept; then the
   * buffers are compacted.
   */
  private extend(cache: DecodeCache, keep: readonly number[], seqs: readonly EncodedTranscript[]): Float32Array {
    const tf = this.tf;
    const V = this.vocabulary.size;
    cache.slots = keep.map((j) => cache.slots[j]);
    if (cache.slots.length <= 0.75 * cache.ids.length) this.compact(cache);
    const { slots } = cache;
    const R = cache.ids.length;
    const C = cache.ids[0].length;
    const token: TokenBatch = { rows: R, length: 1, ids: new Int32Array(R), types: new Int32Array(R), offsets: new Int32Array(R), segments: new Int32Array(R) };
    const positions = new Int32Array(R);
    seqs.forEach((s, i) => {
      const t = s.ids.length - 1;
      const r = slots[i];
      token.ids[r] = s.ids[t];
      token.types[r] = s.types[t];
      token.offsets[r] = s.offsets[t];
      token.segments[r] = s.segments[t];
      positions[r] = t;
    });
    cache.ids.forEach((row, r) => row.push(token.ids[r]));
    cache.hidden.forEach((row) => row.push(false));
    writeColumn(cache, C, token.ids);
    const bias = cache.columnBias;
    let all: Float32Array;
    if (fusedDecodeStepApplies(tf)) {
      const tokens = new Int32Array(5 * R);
      [token.ids, token.types, token.offsets, token.segments, positions].forEach((a, i) => tokens.set(a, i * R));
      const want = new Int32Array(R);
      for (const r of slots) want[r] = 2;
      all = new Float32Array(R * V);
      fusedDecodeStep(tf, this.net.weights(), this.stepShape, cache, { tokens, column: C, bias, ids: cache.columnIds, want }, all);
    } else {
      all = this.extendLayers(cache, token, positions, C);
    }
    if (slots.length === R) return all;
    const probs = new Float32Array(slots.length * V);
    slots.forEach((r, i) => probs.set(all.subarray(r * V, (r + 1) * V), i * V));
    return probs;
  }

  /** extend()'s token step through tfjs's kernels: the distributions [R, V] of every buffer row. */
  private extendLayers(cache: DecodeCache, token: TokenBatch, positions: Int32Array, C: number): Float32Array {
    const tf = this.tf;
    const d = this.config.dModel;
    const V = this.vocabulary.size;
    const { width: W, columnBias: bias } = cache;
    const R = token.rows;
    const out = tf.tidy(() => {
      const biasT = tf.tensor3d(bias, [R, 1, W]);
      const { h, kv } = this.net.blocks(this.net.embed(token, positions), biasT.reshape([R, 1, 1, W]), this.writer(cache, C));
      const keys = writeColumns(tf, cache.keys, dense(tf, this.net.weights(), 'copy/key', h).reshape([R, 1, 1, d]), C);
      const p = copyMixture(tf, outputHeads(tf, this.net.weights(), h, keys.reshape([R, W, d]), biasT), tf.tensor2d(cache.columnIds, [R, W], 'int32'), V);
      return { probs: p.reshape([R, V]), keys, kv };
    });
    this.replaceBuffers(cache, out.kv, out.keys);
    return this.read(out.probs);
  }

  /** Keeps only the buffer rows of the transcripts still decoded. */
  private compact(cache: DecodeCache): void {
    const tf = this.tf;
    const { slots } = cache;
    const out = tf.tidy(() => {
      const rows = tf.tensor1d(Int32Array.from(slots), 'int32');
      return { kv: cache.kv.map((x) => ({ k: tf.gather(x.k, rows), v: tf.gather(x.v, rows) })), keys: tf.gather(cache.keys, rows) };
    });
    this.replaceBuffers(cache, out.kv, out.keys);
    cache.ids = slots.map((r) => cache.ids[r]);
    cache.hidden = slots.map((r) => cache.hidden[r]);
    keepColumns(cache, slots);
    cache.slots = slots.map((_, i) => i);
  }

  /**
   * The memos of the transcripts `rows` (indices into those decoded): their tokens' keys/values
   * without the holes, in one array per memo; the tokens are the sequence's own (a finished row's
   * sequence is not changed again).
   */
  private memosOf(cache: DecodeCache, rows: readonly number[], seqs: readonly EncodedTranscript[], arena: MemoArena): DecodeMemo[] {
    if (rows.length === 0) return [];
    const { dModel: d, heads: H, layers } = this.config;
    const dk = d / H;
    const W = cache.width;
    // Views of the backend's memory where it can: nothing below allocates a tensor.
    const data = [...cache.kv.flatMap((kv) => [kv.k, kv.v]), cache.keys].map((t) => readBuffer(this.tf, t));
    return rows.map((j, n) => {
      const seq = seqs[n];
      const slot = cache.slots[j];
      const tokens = seq.ids.length;
      const runs = visibleRuns(cache.hidden[slot], tokens);
      const per = H * tokens * dk;
      const { block, data: all } = arena.alloc(2 * layers * per + tokens * d);
      let at = 0;
      for (let i = 0; i < data.length - 1; i++) at = copyRuns(data[i], slot, H, W, dk, runs, all, at);
      copyRuns(data[data.length - 1], slot, 1, W, d, runs, all, at);
      const part = (i: number): Float32Array => all.subarray(i * per, (i + 1) * per);
      return {
        tokens: seq,
        k: cache.kv.map((_, l) => part(2 * l)),
        v: cache.kv.map((_, l) => part(2 * l + 1)),
        keys: all.subarray(2 * layers * per),
        block,
      };
    });
  }

  private disposeCache(cache: DecodeCache | undefined): void {
    if (cache) this.tf.dispose([...cache.kv.flatMap((kv) => [kv.k, kv.v]), cache.keys]);
  }

  /**
   * One chunk of `next` (`seqs`: the states encoded, taken over: decoding appends to them); with
   * `memos` (one per state, from a decoder), decoding starts after each valid memo, and a state
   * that asks a subquestion gets the memo of its tokens back.
   */
  private nextChunk(seqs: readonly EncodedTranscript[], forceAnswer: boolean, cached: boolean, memos?: readonly (DecodeMemo | undefined)[], arena?: MemoArena): { actions: ExpertAction[]; memos?: (DecodeMemo | undefined)[] } {
    const V = this.vocabulary.size;
    interface Row extends ActionRow {
      memo?: DecodeMemo;
    }
    const rows: Row[] = seqs.map(actionRow);
    let cache: DecodeCache | undefined;
    try {
      let active = rows;
      let probs: Float32Array;
      if (cached) ({ cache, probs } = this.prefill(rows.map((r) => r.seq), rows.map((r, i) => memoFor(memos?.[i], r.seq))));
      else probs = this.lastDistributions(rows.map((r) => r.seq));
      for (;;) {
        active.forEach((r, j) => takeToken(r, probs.subarray(j * V, (j + 1) * V), this.vocabulary, forceAnswer));
        if (memos && arena && cache) {
          // A subquestion asked: keep its transcript's keys/values for the action after its answer.
          const asked = active.flatMap((r, j) => (r.result && 'ask' in r.result ? [j] : []));
          this.memosOf(cache, asked, asked.map((j) => active[j].seq), arena).forEach((m, n) => (active[asked[n]].memo = m));
        }
        const keep: number[] = [];
        active.forEach((r, j) => r.result === undefined && keep.push(j));
        if (keep.length === 0) break;
        active = keep.map((j) => active[j]);
        probs = cache ? this.extend(cache, keep, active.map((r) => r.seq)) : this.lastDistributions(active.map((r) => r.seq));
      }
    } finally {
      this.disposeCache(cache);
    }
    return { actions: rows.map((r) => r.result!), memos: memos && rows.map((r) => r.memo) };
  }
}
