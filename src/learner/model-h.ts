/**
 * H′, the learned model of the expert H (Christiano et al. 2018, §3 and Appendix C), in
 * TensorFlow.js: a causal Transformer over transcripts
 *
 *     [Q, ASK subQ1 SEP subA1 SEP, …, ASK subQk SEP subAk SEP, ANS A END]
 *
 * (see expert-tokens.ts). It never sees the facts. Each token is embedded as the sum of its
 * symbol, type (question / subquestion / subanswer / answer / marker), absolute position, offset
 * inside its span and segment (which step) embeddings; pre-LayerNorm blocks of causal
 * self-attention and a ReLU feed-forward follow. The output at each position is a mixture, with a
 * learned sigmoid gate, of a vocabulary softmax and a copy distribution: attention over the
 * positions so far, scattered onto those positions' symbols. The copy lets H′ reuse names from the
 * question and the subanswers that it has never seen in that role.
 *
 * Training predicts H's tokens only (markers, subquestions with their separator, the answer with
 * END); the question and the subanswers are inputs. Adam (β2 0.98) with linear warm-up and
 * gradient-norm clipping; optimiser state is kept as flat vectors like the model X's. No dropout.
 *
 * `next` decodes greedily, all states in lockstep: the prefixes are run once and every generated
 * token is appended to cached per-layer keys/values (faster than recomputing every position, see
 * docs/learner.md; `next(…, { recompute: true })` is the reference it is tested against). A
 * `decoder()` also keeps each transcript's keys/values from one of its actions to the next, so that
 * an action runs only the tokens added since (expert-decoding.ts; docs/performance.md).
 *
 * The layers (attention, LayerNorm, feed-forward, the copy heads), the optimiser and the
 * checkpoint format are those of the model X (layers.ts, learned-model.ts, checkpoint.ts).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BackendHandle } from './backend';
import type { CheckpointMeta } from './checkpoint';
import { ANS_ID, ASK_ID, END_ID, ExpertVocabulary, SEP_ID, TOKEN_TYPES, TokenType, type EncodedTranscript, type ExpertVocabularyJSON } from './expert-tokens';
import { attention, causalBias, copyMixture, dense, feedForward, NEG, norm, outputHeads, type KeyValue, type Weights } from './layers';
import { bufferOf, cacheBias, cacheIds, compactor, memoFor, readBuffer, writeColumns, type DecodeCache, type DecodeMemo } from './expert-decoding';
import { LearnedModel, type LearnedModelOptions, type ModelDefinition } from './learned-model';
import type { AdamSettings } from './params';
import type { ExpertAction, ExpertDecoder, ExpertStepResult, ExpertTranscript, ModelH, ModelPreset, PartialTranscript } from './types';

export type { ExpertTranscript };

type Tensor = tfjs.Tensor;

/** The architecture of H′. */
export interface ModelHConfig {
  dModel: number;
  heads: number;
  layers: number;
  /** Hidden width of the feed-forward blocks. */
  dFF: number;
}

/** H′'s optimiser: Adam with warm-up and clipping (no teacher). */
export type ModelHOptimiserConfig = AdamSettings;

export type ModelHPresetDefinition = ModelDefinition<ModelHConfig, ModelHOptimiserConfig>;

const BASE_OPTIMISER: ModelHOptimiserConfig = { learningRate: 1e-3, warmupSteps: 100, beta1: 0.9, beta2: 0.98, epsilon: 1e-9, clipNorm: 1 };

export const MODEL_H_PRESETS: Readonly<Record<ModelPreset, ModelHPresetDefinition>> = {
  /** For unit tests: imitates permutation powering's H in seconds. */
  tiny: { model: { dModel: 32, heads: 2, layers: 2, dFF: 64 }, optimiser: { ...BASE_OPTIMISER, learningRate: 3e-3, warmupSteps: 30 } },
  /** The default on a CPU. */
  small: { model: { dModel: 64, heads: 2, layers: 3, dFF: 256 }, optimiser: { ...BASE_OPTIMISER, learningRate: 1e-3, warmupSteps: 100 } },
  /** The paper's H′: d_model 128, 4 heads, 4 layers. */
  paper: { model: { dModel: 128, heads: 4, layers: 4, dFF: 512 }, optimiser: { ...BASE_OPTIMISER, learningRate: 3e-4, warmupSteps: 500 } },
};

export interface ModelHOptions extends LearnedModelOptions<ModelHConfig, ModelHOptimiserConfig> {
  vocabulary: ExpertVocabulary;
}

/** What H′'s checkpoint records besides the common fields. */
interface ModelHMeta extends CheckpointMeta {
  vocabulary: ExpertVocabularyJSON;
}

/** A batch of token sequences, right-padded to `length` (JS arrays; tensors are made in tidy scopes). */
export interface TokenBatch {
  rows: number;
  length: number;
  ids: Int32Array;
  types: Int32Array;
  offsets: Int32Array;
  segments: Int32Array;
}

export class TransformerModelH extends LearnedModel<ModelHConfig, ModelHOptimiserConfig> implements ModelH {
  readonly vocabulary: ExpertVocabulary;
  /** Transcripts a decoder runs at once: fewer, larger token steps (a third of the kernels of 256 at a time; docs/performance.md §7). */
  private readonly decodeChunk = 1024;

  constructor(handle: BackendHandle, options: ModelHOptions) {
    super(handle, { checkpoint: 'h', presets: MODEL_H_PRESETS, seedBasis: (seed) => 0x811c9dc5 ^ (seed * 2654435761) }, options);
    this.vocabulary = options.vocabulary;
    this.build();
  }

  // ---------------------------------------------------------------- parameters

  /** Every variable is created here, before any gradient is taken. */
  private build(): void {
    const { dModel: d, layers, dFF } = this.config;
    const voc = this.vocabulary;
    this.weights.add('embed/token', [voc.size, d], 'embedding');
    this.weights.add('embed/type', [TOKEN_TYPES, d], 'embedding');
    this.weights.add('embed/position', [voc.maxLength, d], 'embedding');
    this.weights.add('embed/offset', [voc.maxOffset + 1, d], 'embedding');
    this.weights.add('embed/segment', [voc.segments, d], 'embedding');
    for (let l = 0; l < layers; l++) {
      this.weights.norm(`l${l}/attnorm`, d);
      this.weights.dense(`l${l}/qkv`, d, 3 * d);
      this.weights.dense(`l${l}/out`, d, d);
      this.weights.norm(`l${l}/ffnorm`, d);
      this.weights.dense(`l${l}/ff1`, d, dFF);
      this.weights.dense(`l${l}/ff2`, dFF, d);
    }
    this.weights.norm('final', d);
    this.weights.dense('vocab', d, voc.size);
    this.weights.dense('copy/query', d, d);
    this.weights.dense('copy/key', d, d);
    this.weights.dense('gate', d, 1);
    this.initOptimiser();
  }

  /** The weights by name. */
  private get P(): Weights {
    return this.weights.byName;
  }

  // ---------------------------------------------------------------- layers

  /** The input vectors [A, n, d]: symbol + type + offset + segment + position embeddings. */
  private embed(b: TokenBatch, positions?: Int32Array): Tensor {
    const tf = this.tf;
    const d = this.config.dModel;
    const { rows: A, length: n } = b;
    const emb = (table: string, ids: Int32Array): Tensor => tf.gather(this.P.get(`embed/${table}`)!, tf.tensor1d(ids, 'int32'));
    const x = emb('token', b.ids).add(emb('type', b.types)).add(emb('offset', b.offsets)).add(emb('segment', b.segments));
    // Positions 0..n−1 for every row, unless given per token (decoding after a cached prefix).
    if (positions) return x.add(emb('position', positions)).reshape([A, n, d]);
    return x.reshape([A, n, d]).add(this.P.get('embed/position')!.slice([0, 0], [n, d]));
  }

  /**
   * The pre-LayerNorm blocks over new tokens x [A, n, d], with the attention bias [·, 1, n, columns]:
   * over x alone, or (`past`, decoding with a cache) over the columns that layer l's `past` returns
   * once it has stored x's keys/values. Returns the final states [A, n, d] and every layer's keys/values.
   */
  private blocks(x: Tensor, bias: Tensor, past?: (l: number, k: Tensor, v: Tensor) => KeyValue): { h: Tensor; kv: KeyValue[] } {
    const tf = this.tf;
    const P = this.P;
    const kv: KeyValue[] = [];
    for (let l = 0; l < this.config.layers; l++) {
      const a = attention(tf, P, `l${l}`, norm(tf, P, `l${l}/attnorm`, x), { heads: this.config.heads, bias, past: past && ((k, v) => past(l, k, v)) });
      kv.push(a.kv);
      x = x.add(a.out);
      x = x.add(feedForward(tf, P, `l${l}`, norm(tf, P, `l${l}/ffnorm`, x)));
    }
    return { h: norm(tf, P, 'final', x), kv };
  }

  // ---------------------------------------------------------------- encoding


  private batchOf(seqs: readonly EncodedTranscript[], length: number): TokenBatch {
    const B = seqs.length;
    const b: TokenBatch = { rows: B, length, ids: new Int32Array(B * length), types: new Int32Array(B * length), offsets: new Int32Array(B * length), segments: new Int32Array(B * length) };
    seqs.forEach((s, i) => {
      const n = Math.min(length, s.ids.length);
      b.ids.set(s.ids.slice(0, n), i * length);
      b.types.set(s.types.slice(0, n), i * length);
      b.offsets.set(s.offsets.slice(0, n), i * length);
      b.segments.set(s.segments.slice(0, n), i * length);
    });
    return b;
  }

  /**
   * The teacher-forced inputs and targets of complete transcripts: the inputs are every token but
   * the last, the targets every token but the first, scored only where H produced the target.
   */
  encodeTraining(batch: readonly ExpertTranscript[]): { inputs: TokenBatch; targets: Int32Array; mask: Float32Array } {
    const seqs = batch.map((t) => {
      if (!t || !Array.isArray(t.steps) || t.answer === undefined) throw new Error('H′ trainStep: every transcript needs a question, steps and an answer');
      return this.vocabulary.encode(t, t.answer);
    });
    const L = Math.max(...seqs.map((s) => s.ids.length)) - 1;
    const inputs = this.batchOf(seqs, L);
    const targets = new Int32Array(batch.length * L);
    const mask = new Float32Array(batch.length * L);
    seqs.forEach((s, i) => {
      for (let t = 1; t < s.ids.length; t++) {
        targets[i * L + t - 1] = s.ids[t];
        mask[i * L + t - 1] = s.scored[t];
      }
    });
    return { inputs, targets, mask };
  }

  /** [B, L, L]: 1 where input position s ≤ t holds the symbol that is the target at position t. */
  private copyMatches(inputs: TokenBatch, targets: Int32Array): Float32Array {
    const { rows: B, length: L } = inputs;
    const match = new Float32Array(B * L * L);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < L; t++) {
        const target = targets[b * L + t];
        const row = (b * L + t) * L;
        for (let s = 0; s <= t; s++) if (inputs.ids[b * L + s] === target) match[row + s] = 1;
      }
    }
    return match;
  }

  // ---------------------------------------------------------------- training

  trainStep(batch: readonly ExpertTranscript[]): ExpertStepResult {
    this.assertLive();
    if (batch.length === 0) throw new Error('H′ trainStep: empty batch');
    const tf = this.tf;
    const { inputs, targets, mask } = this.encodeTraining(batch);
    const match = this.copyMatches(inputs, targets);
    const { rows: B, length: L } = inputs;
    const V = this.vocabulary.size;
    const step = this.steps + 1;
    const stats = tf.tidy(() => {
      const targetT = tf.tensor2d(targets, [B, L], 'int32');
      const maskT = tf.tensor2d(mask, [B, L]);
      const scored = maskT.sum();
      let correct: Tensor | undefined;
      const { value: loss, grads } = tf.variableGrads(() => {
        const { h } = this.blocks(this.embed(inputs), causalBias(tf, L).reshape([1, 1, L, L]));
        const out = outputHeads(tf, this.P, h, dense(tf, this.P, 'copy/key', h), causalBias(tf, L).reshape([1, L, L]));
        // The target's probability: the pointer's mass on positions holding the target symbol (a
        // mask built in JS) spares the scatter onto the vocabulary and its gradient.
        const pVocab = out.vocab.mul(tf.oneHot(targetT, V).toFloat()).sum(-1);
        const pCopy = out.pointer.mul(tf.tensor3d(match, [B, L, L])).sum(-1);
        const gate = out.gate.reshape([B, L]);
        const picked = gate.mul(pVocab).add(tf.scalar(1).sub(gate).mul(pCopy));
        // Teacher-forced accuracy needs the whole distribution (forward only: not on the loss's path).
        const probs = copyMixture(tf, out, tf.tensor2d(inputs.ids, [B, L], 'int32'), V);
        correct = tf.keep(tf.equal(probs.argMax(-1), targetT).toFloat().mul(maskT).sum().div(scored));
        return tf.log(picked.add(1e-9)).mul(maskT).sum().div(scored).neg() as tfjs.Scalar;
      }, this.weights.list);
      this.applyAdam(this.weights.flatGradient(grads), step);
      const acc = correct!;
      const result = tf.stack([loss, acc]);
      acc.dispose(); // kept out of variableGrads' scope by tf.keep
      return result;
    });
    const [loss, tokenAccuracy] = stats.dataSync();
    stats.dispose();
    this.steps = step;
    return { loss, tokenAccuracy };
  }

  // ---------------------------------------------------------------- acting

  /**
   * The next action for each partial transcript, decoded greedily in lockstep: the marker (ASK or
   * ANS; only ANS with `forceAnswer` or after k subquestions), then symbols up to SEP (a
   * subquestion) or END (the answer). A malformed generation (empty, too long, a reserved token in
   * the middle) is the answer `?`. Decoding appends tokens to cached keys/values; `recompute: true`
   * recomputes every position instead (slower; the reference the cache is tested against).
   */
  next(states: readonly PartialTranscript[], options: { forceAnswer?: boolean; recompute?: boolean } = {}): ExpertAction[] {
    this.assertLive();
    const out: ExpertAction[] = [];
    for (let i = 0; i < states.length; i += this.predictChunk) {
      out.push(...this.nextChunk(states.slice(i, i + this.predictChunk), options.forceAnswer === true, options.recompute !== true).actions);
    }
    return out;
  }

  /**
   * A decoder for a set of transcripts that H′ advances over several calls (Amplify^{H′}): a
   * transcript's keys/values are kept from the action that asked a subquestion to the next one, so
   * each action runs only the tokens added since (the subanswer), not the whole transcript again.
   * Actions are those `next` gives. Valid while the weights do not change.
   */
  decoder(): ExpertDecoder {
    this.assertLive();
    const memos = new Map<number, DecodeMemo>();
    const step = this.steps;
    return {
      next: (ids, states, options = {}) => {
        this.assertLive();
        if (this.steps !== step) throw new Error('H′ decoder: the model was trained since the decoder was made; make a new one');
        if (ids.length !== states.length) throw new Error('H′ decoder: one id per state');
        const out: ExpertAction[] = [];
        for (let i = 0; i < states.length; i += this.decodeChunk) {
          const chunk = ids.slice(i, i + this.decodeChunk);
          const got = this.nextChunk(states.slice(i, i + this.decodeChunk), options.forceAnswer === true, true, chunk.map((id) => memos.get(id)));
          chunk.forEach((id, j) => {
            const memo = got.memos?.[j];
            if (memo) memos.set(id, memo);
            else memos.delete(id);
          });
          out.push(...got.actions);
        }
        return out;
      },
      forget: (id) => {
        memos.delete(id);
      },
    };
  }

  /** Next-token distributions [rows, V] after the last token of each sequence, recomputing every position. */
  private lastDistributions(seqs: readonly EncodedTranscript[]): Float32Array {
    const tf = this.tf;
    const L = Math.max(...seqs.map((s) => s.ids.length));
    const b = this.batchOf(seqs, L);
    const A = seqs.length;
    const d = this.config.dModel;
    return this.read(tf.tidy(() => {
      const { h } = this.blocks(this.embed(b), causalBias(tf, L).reshape([1, 1, L, L]));
      const last = Int32Array.from(seqs, (s, i) => i * L + s.ids.length - 1);
      const hq = tf.gather(h.reshape([A * L, d]), tf.tensor1d(last, 'int32')).reshape([A, 1, d]);
      const bias = new Float32Array(A * L);
      seqs.forEach((s, i) => bias.fill(NEG, i * L + s.ids.length, (i + 1) * L));
      const p = copyMixture(tf, outputHeads(tf, this.P, hq, dense(tf, this.P, 'copy/key', h), tf.tensor3d(bias, [A, 1, L])), tf.tensor2d(b.ids, [A, L], 'int32'), this.vocabulary.size);
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
    // Self-attention bias [A, 1, L, W]: a new token sees its row's memo and the new tokens up to itself.
    const selfBias = new Float32Array(A * L * W).fill(NEG);
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
      for (let t = 0; t < L; t++) {
        const row = (i * L + t) * W;
        selfBias.fill(0, row, row + past[i]);
        selfBias.fill(0, row + Cp, row + Cp + Math.min(t, fresh[i] - 1) + 1);
      }
      const pad = (n: number): boolean[] => new Array<boolean>(n).fill(true);
      hidden.push([...new Array<boolean>(past[i]).fill(false), ...pad(Cp - past[i]), ...new Array<boolean>(fresh[i]).fill(false), ...pad(L - fresh[i])]);
      ids.push([...(memos[i]?.tokens.ids ?? []), ...new Array<number>(Cp - past[i]).fill(0), ...Array.from(b.ids.subarray(i * L, (i + 1) * L))]);
    });
    // The buffers begin with the memos' keys/values (per layer [A, H, W, dk], copy keys [A, 1, W, d]).
    const cache: DecodeCache = {
      kv: Array.from({ length: layers }, (_, l) => ({ k: bufferOf(tf, memos.map((m) => m?.k[l]), H, W, dk), v: bufferOf(tf, memos.map((m) => m?.v[l]), H, W, dk) })),
      keys: bufferOf(tf, memos.map((m) => m?.keys), 1, W, d),
      width: W, ids, hidden, slots: seqs.map((_, i) => i),
    };
    try {
      const bias = cacheBias(cache);
      const out = tf.tidy(() => {
        const { h, kv } = this.blocks(this.embed(b, positions), tf.tensor4d(selfBias, [A, 1, L, W]), this.writer(cache, Cp));
        const keys = writeColumns(tf, cache.keys, dense(tf, this.P, 'copy/key', h).reshape([A, 1, L, d]), Cp);
        const last = Int32Array.from(seqs, (_, i) => i * L + fresh[i] - 1);
        const hq = tf.gather(h.reshape([A * L, d]), tf.tensor1d(last, 'int32')).reshape([A, 1, d]);
        const p = copyMixture(tf, outputHeads(tf, this.P, hq, keys.reshape([A, W, d]), tf.tensor3d(bias, [A, 1, W])), tf.tensor2d(cacheIds(cache), [A, W], 'int32'), this.vocabulary.size);
        return { probs: p.reshape([A, this.vocabulary.size]), keys, kv };
      });
      this.replaceBuffers(cache, out.kv, out.keys);
      return { cache, probs: this.read(out.probs) };
    } catch (e) {
      this.disposeCache(cache);
      throw e;
    }
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
   * padding token) until no more than ¾ of them are kept; then the buffers are compacted.
   */
  private extend(cache: DecodeCache, keep: readonly number[], seqs: readonly EncodedTranscript[]): Float32Array {
    const tf = this.tf;
    const d = this.config.dModel;
    const V = this.vocabulary.size;
    cache.slots = keep.map((j) => cache.slots[j]);
    if (cache.slots.length <= 0.75 * cache.ids.length) this.compact(cache);
    const { slots, width: W } = cache;
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
    const bias = cacheBias(cache);
    const out = tf.tidy(() => {
      const biasT = tf.tensor3d(bias, [R, 1, W]);
      const { h, kv } = this.blocks(this.embed(token, positions), biasT.reshape([R, 1, 1, W]), this.writer(cache, C));
      const keys = writeColumns(tf, cache.keys, dense(tf, this.P, 'copy/key', h).reshape([R, 1, 1, d]), C);
      const p = copyMixture(tf, outputHeads(tf, this.P, h, keys.reshape([R, W, d]), biasT), tf.tensor2d(cacheIds(cache), [R, W], 'int32'), V);
      return { probs: p.reshape([R, V]), keys, kv };
    });
    this.replaceBuffers(cache, out.kv, out.keys);
    const all = this.read(out.probs);
    if (slots.length === R) return all;
    const probs = new Float32Array(slots.length * V);
    slots.forEach((r, i) => probs.set(all.subarray(r * V, (r + 1) * V), i * V));
    return probs;
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
    cache.slots = slots.map((_, i) => i);
  }

  /** The memos of the transcripts `rows` (indices into those decoded): their tokens' keys/values without the holes. */
  private memosOf(cache: DecodeCache, rows: readonly number[], seqs: readonly EncodedTranscript[]): DecodeMemo[] {
    if (rows.length === 0) return [];
    const { dModel: d, heads: H } = this.config;
    const dk = d / H;
    // Views of the backend's memory where it can: nothing below allocates a tensor.
    const data = [...cache.kv.flatMap((kv) => [kv.k, kv.v]), cache.keys].map((t) => readBuffer(this.tf, t));
    return rows.map((j, n) => {
      const seq = seqs[n];
      const slot = cache.slots[j];
      const compact = compactor(cache.hidden[slot], cache.width, slot, seq.ids.length);
      return {
        tokens: { ids: [...seq.ids], types: [...seq.types], offsets: [...seq.offsets], segments: [...seq.segments] },
        k: cache.kv.map((_, l) => compact(data[2 * l], H, dk)),
        v: cache.kv.map((_, l) => compact(data[2 * l + 1], H, dk)),
        keys: compact(data[data.length - 1], 1, d),
      };
    });
  }

  private disposeCache(cache: DecodeCache | undefined): void {
    if (cache) this.tf.dispose([...cache.kv.flatMap((kv) => [kv.k, kv.v]), cache.keys]);
  }

  /**
   * One chunk of `next`; with `memos` (one per state, from a decoder), decoding starts after each
   * valid memo, and a state that asks a subquestion gets the memo of its tokens back.
   */
  private nextChunk(states: readonly PartialTranscript[], forceAnswer: boolean, cached: boolean, memos?: readonly (DecodeMemo | undefined)[]): { actions: ExpertAction[]; memos?: (DecodeMemo | undefined)[] } {
    const voc = this.vocabulary;
    const V = voc.size;
    const { maxQuestionLength, maxAnswerLength, maxSubquestions } = voc.lengths;
    interface Row {
      seq: EncodedTranscript;
      segment: number;
      /** Undefined until the marker is chosen. */
      asking?: boolean;
      symbols: string[];
      result?: ExpertAction;
      memo?: DecodeMemo;
    }
    const rows: Row[] = states.map((s) => ({ seq: voc.encode(s), segment: s.steps.length + 1, symbols: [] }));
    const malformed: ExpertAction = { answer: ['?'] };
    let cache: DecodeCache | undefined;
    try {
      let active = rows;
      let probs: Float32Array;
      if (cached) ({ cache, probs } = this.prefill(rows.map((r) => r.seq), rows.map((r, i) => memoFor(memos?.[i], r.seq))));
      else probs = this.lastDistributions(rows.map((r) => r.seq));
      for (;;) {
        active.forEach((r, j) => {
          const p = probs.subarray(j * V, (j + 1) * V);
          const push = (id: number, type: number, offset: number): void => {
            r.seq.ids.push(id);
            r.seq.types.push(type);
            r.seq.offsets.push(offset);
            r.seq.segments.push(r.segment);
            r.seq.scored.push(1);
          };
          if (r.asking === undefined) {
            // The marker: ASK or ANS (only ANS when forced, or when k subquestions were asked).
            r.asking = !forceAnswer && r.segment <= maxSubquestions && p[ASK_ID] > p[ANS_ID];
            push(r.asking ? ASK_ID : ANS_ID, TokenType.marker, 0);
            return;
          }
          let id = 0;
          for (let v = 1; v < V; v++) if (p[v] > p[id]) id = v;
          const terminator = r.asking ? SEP_ID : END_ID;
          const max = r.asking ? maxQuestionLength : maxAnswerLength;
          if (id === terminator) {
            r.result = r.symbols.length === 0 ? malformed : r.asking ? { ask: r.symbols } : { answer: r.symbols };
          } else if (voc.isReserved(id) || r.symbols.length >= max) {
            r.result = malformed;
          } else {
            r.symbols.push(voc.symbol(id));
            push(id, r.asking ? TokenType.subquestion : TokenType.answer, r.symbols.length - 1);
          }
        });
        if (memos && cache) {
          // A subquestion asked: keep its transcript's keys/values for the action after its answer.
          const asked = active.flatMap((r, j) => (r.result && 'ask' in r.result ? [j] : []));
          this.memosOf(cache, asked, asked.map((j) => active[j].seq)).forEach((m, n) => (active[asked[n]].memo = m));
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

  // ---------------------------------------------------------------- copies (a decode worker, decode-threads.ts)

  /** The settings that rebuild this model's architecture elsewhere. */
  describe(): { preset: ModelPreset; vocabulary: ExpertVocabularyJSON; seed: number; config: ModelHConfig; optimiser: ModelHOptimiserConfig } {
    return { preset: this.preset, vocabulary: this.vocabulary.toJSON(), seed: this.seed, config: { ...this.config }, optimiser: { ...this.optimiser } };
  }

  /** The weights as one flat array, and `writeParams`, which replaces them (and the step count) with another copy's. */
  readParams(): Float32Array {
    this.assertLive();
    return this.read(this.weights.flat());
  }

  writeParams(data: Float32Array, step: number): void {
    this.assertLive();
    if (data.length !== this.weights.size) throw new Error(`H′ writeParams: ${data.length} values, the model has ${this.weights.size}`);
    this.tf.tidy(() => this.weights.assignFlat(this.tf.tensor1d(data)));
    this.steps = step;
  }

  // ---------------------------------------------------------------- checkpoints

  protected checkpointExtras(): { vocabulary: ExpertVocabularyJSON } {
    return { vocabulary: this.vocabulary.toJSON() };
  }

  /** Restores a model saved with `save` (on the given backend), also from H′'s older checkpoints. */
  static async load(dir: string, handle: BackendHandle): Promise<TransformerModelH> {
    return LearnedModel.fromCheckpoint<ModelHMeta, TransformerModelH>(dir, 'h', (meta) => new TransformerModelH(handle, {
      preset: meta.preset as ModelPreset,
      vocabulary: ExpertVocabulary.fromJSON(meta.vocabulary),
      seed: meta.seed,
      config: meta.config as Partial<ModelHConfig>,
      optimiser: meta.optimiser as Partial<ModelHOptimiserConfig>,
    }));
  }
}
