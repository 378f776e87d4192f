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
 * an action runs only the tokens added since. The decoding is model-h-decoding.ts (its bookkeeping
 * expert-decoding.ts; docs/performance.md §2, §7).
 *
 * The layers (attention, LayerNorm, feed-forward, the copy heads), the optimiser and the
 * checkpoint format are those of the model X (layers.ts, learned-model.ts, checkpoint.ts).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BackendHandle } from './backend';
import type { CheckpointMeta } from './checkpoint';
import type { DecodeThreads } from './decode-threads';
import type { GroupDecoder } from './expert-dedup';
import { ExpertVocabulary, TOKEN_TYPES, type EncodedTranscript, type ExpertVocabularyJSON } from './expert-tokens';
import { attention, causalBias, copyMixture, dense, feedForward, norm, outputHeads, type KeyValue, type Weights } from './layers';
import { LearnedModel, type LearnedModelOptions, type ModelDefinition } from './learned-model';
import { HDecoding } from './model-h-decoding';
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
  /** A run's default (engine's DEFAULT_EXPERT_MODEL): the tasks' transcripts are short; imitates permutation powering's H in seconds. */
  tiny: { model: { dModel: 32, heads: 2, layers: 2, dFF: 64 }, optimiser: { ...BASE_OPTIMISER, learningRate: 3e-3, warmupSteps: 30 } },
  /** The default before session 7 (docs/performance.md §7a). */
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
  private readonly decoding: HDecoding;
  private threads: DecodeThreads | undefined;

  constructor(handle: BackendHandle, options: ModelHOptions) {
    super(handle, { checkpoint: 'h', presets: MODEL_H_PRESETS, seedBasis: (seed) => 0x811c9dc5 ^ (seed * 2654435761) }, options);
    this.vocabulary = options.vocabulary;
    this.build();
    this.decoding = new HDecoding({
      tf: this.tf, config: this.config, vocabulary: this.vocabulary,
      weights: () => this.P,
      embed: (b, positions) => this.embed(b, positions),
      blocks: (x, bias, past) => this.blocks(x, bias, past),
      batchOf: (seqs, length) => this.batchOf(seqs, length),
      assertLive: () => this.assertLive(),
      step: () => this.steps,
    }, this.predictChunk);
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

  /** One optimiser step; `tokenAccuracy: true` also reports the teacher-forced token accuracy (a forward pass over the whole distribution). */
  trainStep(batch: readonly ExpertTranscript[], options: { tokenAccuracy?: boolean } = {}): ExpertStepResult {
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
        if (options.tokenAccuracy) {
          const probs = copyMixture(tf, out, tf.tensor2d(inputs.ids, [B, L], 'int32'), V);
          correct = tf.keep(tf.equal(probs.argMax(-1), targetT).toFloat().mul(maskT).sum().div(scored));
        }
        return tf.log(picked.add(1e-9)).mul(maskT).sum().div(scored).neg() as tfjs.Scalar;
      }, this.weights.list);
      this.applyAdam(this.weights.flatGradient(grads), step);
      if (!correct) return loss;
      const result = tf.stack([loss, correct]);
      correct.dispose(); // kept out of variableGrads' scope by tf.keep
      return result;
    });
    const [loss, tokenAccuracy] = stats.dataSync();
    stats.dispose();
    this.steps = step;
    return { loss, ...(tokenAccuracy !== undefined ? { tokenAccuracy } : {}) };
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
    return this.decoding.next(states, options);
  }

  /**
   * A decoder for a set of transcripts that H′ advances over several calls (Amplify^{H′}): a
   * transcript's keys/values are kept from the action that asked a subquestion to the next one, so
   * each action runs only the tokens added since (the subanswer), not the whole transcript again.
   * Actions are those `next` gives. Valid while the weights do not change.
   */
  decoder(): ExpertDecoder {
    return this.threads ? this.threads.decoder() : this.localDecoder();
  }

  /** A decoder on this thread only (also DecodeThreads' share of its decoders). */
  localDecoder(): GroupDecoder {
    return this.decoding.decoder();
  }

  /** Decodes on these threads from now on (undefined: on this one). Set by `DecodeThreads.attach`, cleared by its `close`. */
  setDecodeThreads(threads: DecodeThreads | undefined): void {
    this.threads = threads;
  }

  /** The threads `decoder()` decodes on: 2 with a decode worker, else 1. */
  get decodeThreads(): number {
    return this.threads ? 2 : 1;
  }

  get decodeThreadGroup(): DecodeThreads | undefined {
    return this.threads;
  }

  /** Stops the decode worker; frees the decoders' spare buffers. */
  protected override beforeDispose(): void {
    void this.threads?.close();
    this.decoding.dispose();
  }

  // ---------------------------------------------------------------- copies (a decode worker, decode-threads.ts)

  /** The settings that rebuild this model's architecture elsewhere. */
  describe(): { preset: ModelPreset; vocabulary: ExpertVocabularyJSON; seed: number; config: ModelHConfig; optimiser: ModelHOptimiserConfig } {
    return { preset: this.preset, vocabulary: this.vocabulary.toJSON(), seed: this.seed, config: { ...this.config }, optimiser: { ...this.optimiser } };
  }

  /** The weights as one flat array, and `writeParams`, which replaces them (and the step count) with another copy's. */
  readParams(): Float32Array {
    this.assertLive();
    const flat = this.weights.flat();
    const data = flat.dataSync() as Float32Array;
    flat.dispose();
    return data;
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
