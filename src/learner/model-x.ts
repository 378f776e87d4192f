/**
 * The model X of the paper (Christiano et al. 2018, Appendix C), in TensorFlow.js:
 *
 * - each fact is embedded as one vector: the token embeddings of its symbols, concatenated and
 *   projected to d_model; no positional encoding between facts (a context is a set);
 * - an encoder of self-attention layers over the facts (post-LayerNorm, ReLU feed-forward,
 *   dropout in training only), with a mask for contexts padded to the batch's largest;
 * - the question is embedded the same way and passes through layers that attend to the facts only;
 * - the answer is produced one symbol at a time: the decoder state at step t is the question vector
 *   plus the embedding of the previous answer symbol and a step embedding, refined by causal
 *   self-attention over the answer so far and attention to the facts; each step mixes a vocabulary
 *   softmax with a copy (pointer) distribution over the symbols of the facts, with a learned gate.
 *
 * Training: Adam (β2 0.98) with linear warm-up, gradient-norm clipping, and an exponential moving
 * average of the weights (the "teacher") used by `predict({ teacher: true })`. Optimiser state and
 * the teacher are kept as flat vectors, so one step costs a handful of large ops instead of ~10 per
 * variable. Contexts shared by several examples of a batch are encoded once. The layers are those
 * H′ uses too (layers.ts); measurements behind the presets and our additions: docs/learner.md.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BackendHandle } from './backend';
import { beamSearch } from './beam-search';
import type { CheckpointMeta } from './checkpoint';
import { LearnedModel, type LearnedModelOptions, type ModelDefinition } from './learned-model';
import { attentionOutput, causalBias, copyMixture, dense, dims, feedForward, norm, outputHeads, symbolMatchBias, type Weights } from './layers';
import type { AdamSettings } from './params';
import type { DataParallelGroup } from './parallel';
import { Tokenizer, type TokenizerJSON } from './tokenizer';
import type { ModelPreset, ModelX, Prediction, QueryItem, TrainingExample, TrainStepResult } from './types';
import { encodeBatch, type EncodedBatch } from './x-inputs';

type Tensor = tfjs.Tensor;
type Variable = tfjs.Variable;

/** The architecture. */
export interface ModelXConfig {
  /** Width of every layer. */
  dModel: number;
  heads: number;
  /** Self-attention layers over the facts. */
  encoderLayers: number;
  /** Layers through which the question vector attends to the facts (the paper: 3). */
  questionLayers: number;
  /** Answer decoder layers (causal self-attention, attention to the facts, feed-forward). */
  decoderLayers: number;
  /** Hidden width of the feed-forward blocks. */
  dFF: number;
  /** Width of a symbol's token embedding (a fact's are concatenated, then projected to dModel). */
  symbolDim: number;
  /** Dropout rate in training. */
  dropout: number;
  /**
   * Symbol-match attention (our addition; not in the paper's model): attention from a fact or a
   * question to a fact gets, per head, a learned bonus for each pair of slots whose symbols are
   * equal (e.g. "the question's x = this fact's first symbol", "this fact's second symbol = that
   * fact's first"). The bonuses start at zero (the paper's model) and are learned. A lookup then
   * does not first have to discover symbol identity through random projections, which is what
   * kept the paper's model at chance for thousands of steps on a CPU budget (docs/learner.md).
   */
  symbolMatch?: boolean;
  /**
   * Our second addition: a learned "null fact" — one more key and value in every attention from a
   * question (or an answer symbol) to the facts, always attendable. Without it attention must land
   * on some fact, so "no fact matches" (wildcard search's absent string, worth 0) has to be read
   * off a near miss (measured: docs/learner.md).
   */
  nullFact?: boolean;
}

/** The optimiser (Adam with warm-up and clipping) and the teacher. */
export interface OptimiserConfig extends AdamSettings {
  /**
   * Decay of the teacher's exponential moving average; horizon 1/(1 − decay) steps. The paper's code
   * uses horizon 1000 over 200k+ steps; our runs are 100× shorter, so the default horizon is 100
   * (decay 0.99). Early on the decay is min(decay, (1 + step)/(10 + step)) so the teacher is not
   * stuck near the random initialisation.
   */
  emaDecay: number;
}

export type PresetDefinition = ModelDefinition<ModelXConfig, OptimiserConfig>;

const BASE_OPTIMISER: OptimiserConfig = { learningRate: 1e-3, warmupSteps: 100, beta1: 0.9, beta2: 0.98, epsilon: 1e-9, clipNorm: 1, emaDecay: 0.99 };

export const PRESETS: Readonly<Record<ModelPreset, PresetDefinition>> = {
  /** For unit tests: trains a lookup in seconds. */
  tiny: {
    model: { dModel: 32, heads: 2, encoderLayers: 1, questionLayers: 1, decoderLayers: 1, dFF: 64, symbolDim: 16, dropout: 0, symbolMatch: true },
    optimiser: { ...BASE_OPTIMISER, learningRate: 3e-3, warmupSteps: 20 },
  },
  /** The default for real runs on a CPU (407,576 parameters with the permutation-powering vocabulary); how it was chosen: docs/learner.md. */
  small: {
    model: { dModel: 64, heads: 4, encoderLayers: 3, questionLayers: 3, decoderLayers: 1, dFF: 256, symbolDim: 32, dropout: 0, symbolMatch: true },
    optimiser: { ...BASE_OPTIMISER, learningRate: 1e-3, warmupSteps: 200 },
  },
  /** The paper's size (Appendix C): d_model 512, 8 heads, 6 encoder layers, dropout 0.1. */
  paper: {
    model: { dModel: 512, heads: 8, encoderLayers: 6, questionLayers: 3, decoderLayers: 1, dFF: 2048, symbolDim: 128, dropout: 0.1 },
    optimiser: { ...BASE_OPTIMISER, learningRate: 1e-4, warmupSteps: 1000 },
  },
};

export interface ModelXOptions extends LearnedModelOptions<ModelXConfig, OptimiserConfig> {
  tokenizer: Tokenizer;
  emaDecay?: number;
}

/** What X's checkpoint records besides the common fields. */
interface ModelXMeta extends CheckpointMeta {
  tokenizer: TokenizerJSON;
}

export class TransformerModelX extends LearnedModel<ModelXConfig, OptimiserConfig> implements ModelX {
  readonly tokenizer: Tokenizer;
  private teacherFlat!: Variable;
  /** 0 for the model itself; data-parallel replicas draw other dropout masks. */
  replica = 0;
  /** Replicas that compute part of each batch's gradient (see `setPeers`). */
  private peers: DataParallelGroup | undefined;

  constructor(handle: BackendHandle, options: ModelXOptions) {
    super(handle, { checkpoint: 'x', presets: PRESETS, seedBasis: (seed) => 2166136261 ^ seed }, options);
    this.tokenizer = options.tokenizer;
    this.build();
  }

  // ---------------------------------------------------------------- parameters

  private addFeedForward(name: string): void {
    this.weights.dense(`${name}/ff1`, this.config.dModel, this.config.dFF);
    this.weights.dense(`${name}/ff2`, this.config.dFF, this.config.dModel);
    this.weights.norm(`${name}/ffnorm`, this.config.dModel);
  }

  /** Every variable is created here, before any gradient is taken. */
  private build(): void {
    const { dModel: d, symbolDim: e, encoderLayers, questionLayers, decoderLayers } = this.config;
    const { size: V, lengths, answerSteps } = this.tokenizer;
    this.weights.add('embed', [V, e], 'embedding');
    this.weights.dense('fact', lengths.maxFactLength * e, d);
    this.weights.norm('factnorm', d);
    this.weights.dense('question', lengths.maxQuestionLength * e, d);
    this.weights.norm('questionnorm', d);
    const pairs = (n: number) => n * lengths.maxFactLength;
    for (let l = 0; l < encoderLayers; l++) {
      if (this.config.symbolMatch) this.weights.add(`enc${l}/match`, [pairs(lengths.maxFactLength), this.config.heads], 'zeros');
      this.weights.dense(`enc${l}/qkv`, d, 3 * d);
      this.weights.dense(`enc${l}/out`, d, d);
      this.weights.norm(`enc${l}/attnorm`, d);
      this.addFeedForward(`enc${l}`);
    }
    for (let l = 0; l < questionLayers; l++) {
      if (this.config.symbolMatch) this.weights.add(`q${l}/match`, [pairs(lengths.maxQuestionLength), this.config.heads], 'zeros');
      this.weights.dense(`q${l}/q`, d, d);
      this.weights.dense(`q${l}/kv`, d, 2 * d);
      if (this.config.nullFact) this.weights.add(`q${l}/null`, [1, 1, 2 * d], 'embedding');
      this.weights.dense(`q${l}/out`, d, d);
      this.weights.norm(`q${l}/attnorm`, d);
      this.addFeedForward(`q${l}`);
    }
    this.weights.dense('answer', e, d);
    this.weights.add('answerpos', [answerSteps, d], 'embedding');
    this.weights.norm('answernorm', d);
    for (let l = 0; l < decoderLayers; l++) {
      this.weights.dense(`dec${l}/self/qkv`, d, 3 * d);
      this.weights.dense(`dec${l}/self/out`, d, d);
      this.weights.norm(`dec${l}/selfnorm`, d);
      this.weights.dense(`dec${l}/cross/q`, d, d);
      this.weights.dense(`dec${l}/cross/kv`, d, 2 * d);
      if (this.config.nullFact) this.weights.add(`dec${l}/cross/null`, [1, 1, 2 * d], 'embedding');
      this.weights.dense(`dec${l}/cross/out`, d, d);
      this.weights.norm(`dec${l}/crossnorm`, d);
      this.addFeedForward(`dec${l}`);
    }
    this.weights.dense('vocab', d, V);
    this.weights.dense('copy/query', d, d);
    this.weights.dense('copy/fact', d, d);
    this.weights.add('copy/symbol', [e, d], 'glorot');
    this.weights.add('copy/slot', [lengths.maxFactLength, d], 'embedding');
    this.weights.dense('gate', d, 1);
    this.teacherFlat = this.tf.variable(this.weights.flat(), false, `${this.prefix}/teacher`);
    this.initOptimiser();
  }

  /** Parameters by name: the student's variables, or the teacher's (split from its flat vector). */
  private params(teacher: boolean): Weights {
    if (!teacher) return this.weights.byName;
    const parts = this.tf.split(this.teacherFlat, this.weights.list.map((v) => v.size));
    return new Map(this.weights.names.map((n, i) => [n, parts[i].reshape(this.weights.shapes[i])]));
  }

  private encodeBatch(items: readonly QueryItem[]): EncodedBatch {
    return encodeBatch(this.tokenizer, items, this.config.symbolMatch === true);
  }

  // ---------------------------------------------------------------- layers

  private drop(x: Tensor, ctx: ForwardContext): Tensor {
    const rate = this.config.dropout;
    if (!ctx.training || rate <= 0) return x;
    return this.tf.dropout(x, rate, undefined, this.seedOf(`dropout/${this.replica}/${this.steps}/${ctx.dropoutCalls++}`));
  }

  /** A residual sub-layer, post-LayerNorm: LN(x + dropout(f(x))). */
  private residual(P: Weights, normName: string, x: Tensor, f: (h: Tensor) => Tensor, ctx: ForwardContext): Tensor {
    return norm(this.tf, P, normName, x.add(this.drop(f(x), ctx)));
  }

  private feedForward(P: Weights, name: string, x: Tensor, ctx: ForwardContext): Tensor {
    return this.residual(P, `${name}/ffnorm`, x, (h) => feedForward(this.tf, P, name, h), ctx);
  }

  /** Embeds id tuples [..., n] as one vector each: embeddings concatenated, projected, normalised. */
  private embedTuples(P: Weights, ids: Tensor, denseName: string, normName: string, ctx: ForwardContext): Tensor {
    const tf = this.tf;
    const shape = dims(ids);
    const n = shape[shape.length - 1];
    const emb = tf.gather(P.get('embed')!, ids.reshape([-1]));
    const flat = emb.reshape([...shape.slice(0, -1), n * this.config.symbolDim]);
    return norm(tf, P, normName, this.drop(dense(tf, P, denseName, flat), ctx));
  }

  // ---------------------------------------------------------------- the network

  /** The facts, encoded: [U, N, d], with the key bias [U, 1, 1, N]. */
  private encodeFacts(P: Weights, b: EncodedBatch, ctx: ForwardContext): EncodedFacts {
    const tf = this.tf;
    const { contexts: U, maxFacts: N } = b;
    const F = this.tokenizer.lengths.maxFactLength;
    const heads = this.config.heads;
    const factIds = tf.tensor3d(b.factIds, [U, N, F], 'int32');
    const bias = tf.tensor4d(b.factBias, [U, 1, 1, N]);
    let x = this.embedTuples(P, factIds, 'fact', 'factnorm', ctx);
    const match = b.factMatch ? tf.tensor2d(b.factMatch, [U * N * N, F * F]) : undefined;
    for (let l = 0; l < this.config.encoderLayers; l++) {
      const layerBias = match ? bias.add(symbolMatchBias(tf, P, `enc${l}`, match, heads, U, N, N)) : bias;
      x = this.residual(P, `enc${l}/attnorm`, x, (h) => attentionOutput(tf, P, `enc${l}`, h, { heads, bias: layerBias }), ctx);
      x = this.feedForward(P, `enc${l}`, x, ctx);
    }
    return { facts: x, bias, factIds };
  }

  /** Attention of x [B, L, d] to the facts of each example's context (with the null fact when configured). */
  private attendFacts(P: Weights, name: string, x: Tensor, enc: EncodedFacts, contextOf: Tensor, extraBias?: Tensor): Tensor {
    let bias = this.tf.gather(enc.bias, contextOf); // [B, 1, 1, N]
    if (extraBias) bias = bias.add(extraBias);
    return attentionOutput(this.tf, P, name, x, { heads: this.config.heads, bias, memory: enc.facts, memoryRows: contextOf });
  }

  /** The question vectors [B, d] after the question layers. */
  private encodeQuestions(P: Weights, b: EncodedBatch, enc: EncodedFacts, contextOf: Tensor, ctx: ForwardContext): Tensor {
    const tf = this.tf;
    const Q = this.tokenizer.lengths.maxQuestionLength;
    const ids = tf.tensor3d(b.questionIds, [b.examples, 1, Q], 'int32');
    let x = this.embedTuples(P, ids, 'question', 'questionnorm', ctx); // [B, 1, d]
    const N = b.maxFacts;
    const F = this.tokenizer.lengths.maxFactLength;
    const match = b.questionMatch ? tf.tensor2d(b.questionMatch, [b.examples * N, Q * F]) : undefined;
    for (let l = 0; l < this.config.questionLayers; l++) {
      const extra = match ? symbolMatchBias(tf, P, `q${l}`, match, this.config.heads, b.examples, 1, N) : undefined;
      x = this.residual(P, `q${l}/attnorm`, x, (h) => this.attendFacts(P, `q${l}`, h, enc, contextOf, extra), ctx);
      x = this.feedForward(P, `q${l}`, x, ctx);
    }
    return x.reshape([b.examples, this.config.dModel]);
  }

  /**
   * Answer-symbol distributions [B, T, V] given the previous symbols `prev` [B, T] (START first):
   * a gated mixture of the vocabulary softmax and the copy distribution over the facts' symbols.
   */
  private decode(P: Weights, enc: EncodedFacts, symbolBias: Tensor, question: Tensor, contextOf: Tensor, prev: Tensor, ctx: ForwardContext): Tensor {
    const tf = this.tf;
    const d = this.config.dModel;
    const heads = this.config.heads;
    const [B, T] = dims(prev);
    const V = this.tokenizer.size;
    const F = this.tokenizer.lengths.maxFactLength;
    const [U, N] = dims(enc.facts);
    const emb = tf.gather(P.get('embed')!, prev.reshape([-1])).reshape([B, T, this.config.symbolDim]);
    let x = dense(tf, P, 'answer', emb).add(question.reshape([B, 1, d])).add(P.get('answerpos')!.slice([0, 0], [T, d]));
    x = norm(tf, P, 'answernorm', this.drop(x, ctx));
    const causal = causalBias(tf, T).reshape([1, 1, T, T]);
    for (let l = 0; l < this.config.decoderLayers; l++) {
      x = this.residual(P, `dec${l}/selfnorm`, x, (h) => attentionOutput(tf, P, `dec${l}/self`, h, { heads, bias: causal }), ctx);
      x = this.residual(P, `dec${l}/crossnorm`, x, (h) => this.attendFacts(P, `dec${l}/cross`, h, enc, contextOf), ctx);
      x = this.feedForward(P, `dec${l}`, x, ctx);
    }
    // Copy: a pointer over the symbols of the facts; a key = the symbol's embedding + its slot + its fact.
    const symEmb = tf.gather(P.get('embed')!, enc.factIds.reshape([-1])).reshape([U * N * F, this.config.symbolDim]);
    const symKey = tf.matMul(symEmb, P.get('copy/symbol')!).reshape([U, N, F, d]);
    const factKey = dense(tf, P, 'copy/fact', enc.facts).reshape([U, N, 1, d]);
    const keys = symKey.add(factKey).add(P.get('copy/slot')!.reshape([1, 1, F, d])).reshape([U, N * F, d]);
    const out = outputHeads(tf, P, x, tf.gather(keys, contextOf), tf.gather(symbolBias, contextOf).expandDims(1));
    return copyMixture(tf, out, tf.gather(enc.factIds.reshape([U, N * F]), contextOf), V);
  }

  // ---------------------------------------------------------------- training

  trainStep(batch: readonly TrainingExample[]): TrainStepResult {
    this.assertLive();
    if (batch.length === 0) throw new Error('trainStep: empty batch');
    if (this.peers) return this.peers.trainStep(this, batch);
    const tf = this.tf;
    const stats = tf.tidy(() => {
      const g = this.gradients(batch);
      const gradNorm = this.applyGradient(g.grad);
      return tf.stack([g.loss, g.correct.div(batch.length), gradNorm]);
    });
    const [loss, accuracy, gradNorm] = stats.dataSync();
    stats.dispose();
    return { loss, accuracy, gradNorm };
  }

  /**
   * The gradient of the mean token loss on a batch (flat), with the loss, the number of
   * exactly-right examples and the number of target tokens: what is needed to average the
   * gradients of several shards of one batch (data-parallel training). Call inside `tf.tidy`.
   */
  gradients(batch: readonly TrainingExample[]): { grad: Tensor; loss: Tensor; correct: Tensor; tokens: number } {
    const tf = this.tf;
    const tok = this.tokenizer;
    const T = tok.answerSteps;
    const encoded = this.encodeBatch(batch);
    const B = batch.length;
    const prev = new Int32Array(B * T);
    const target = new Int32Array(B * T);
    const mask = new Float32Array(B * T);
    let tokens = 0;
    batch.forEach((ex, i) => {
      const ids = tok.encodeAnswer(ex.answer);
      prev[i * T] = tok.startId;
      for (let t = 0; t < T; t++) {
        target[i * T + t] = ids[t];
        if (t + 1 < T) prev[i * T + t + 1] = ids[t] === tok.padId ? tok.padId : ids[t];
        mask[i * T + t] = t <= ex.answer.length ? 1 : 0;
        tokens += mask[i * T + t];
      }
    });
    const targetT = tf.tensor2d(target, [B, T], 'int32');
    const maskT = tf.tensor2d(mask, [B, T]);
    let correct: Tensor | undefined;
    const ctx: ForwardContext = { training: true, dropoutCalls: 0 };
    const { value: loss, grads } = tf.variableGrads(() => {
      const P = this.params(false);
      const contextOf = tf.tensor1d(encoded.contextOf, 'int32');
      const enc = this.encodeFacts(P, encoded, ctx);
      const question = this.encodeQuestions(P, encoded, enc, contextOf, ctx);
      const symbolBias = tf.tensor2d(encoded.symbolBias, [encoded.contexts, encoded.maxFacts * tok.lengths.maxFactLength]);
      const probs = this.decode(P, enc, symbolBias, question, contextOf, tf.tensor2d(prev, [B, T], 'int32'), ctx);
      const picked = probs.mul(tf.oneHot(targetT, tok.size)).sum(-1); // [B, T]
      const wrong = tf.notEqual(probs.argMax(-1), targetT).cast('float32').mul(maskT).sum(-1);
      correct = tf.keep(tf.equal(wrong, 0).cast('float32').sum());
      return tf.log(picked.add(1e-9)).mul(maskT).sum().div(maskT.sum()).neg() as tfjs.Scalar;
    }, this.weights.list);
    // `correct` was kept out of variableGrads' scope: hand the caller's scope a copy, free the kept one.
    const right = tf.clone(correct!);
    correct!.dispose();
    return { grad: this.weights.flatGradient(grads), loss, correct: right, tokens };
  }

  /** One optimiser step with a (mean) flat gradient: clip, Adam, EMA teacher. Returns the gradient norm. Call inside `tf.tidy`. */
  applyGradient(flatGrad: Tensor): Tensor {
    const step = this.steps + 1;
    const decay = Math.min(this.optimiser.emaDecay, (1 + step) / (10 + step));
    const gradNorm = this.applyAdam(flatGrad, step, { into: this.teacherFlat, decay });
    this.steps = step;
    return gradNorm;
  }

  /** The student's weights as one flat array (to keep data-parallel replicas in step), written into `into` if given. */
  readParams(into: Float32Array = new Float32Array(this.weights.size)): Float32Array {
    this.assertLive();
    this.weights.readInto(into);
    return into;
  }

  /** Replaces the student's weights (and the step count) with those of a model of the same shape. */
  writeParams(data: Float32Array, step = this.steps): void {
    this.assertLive();
    if (data.length !== this.weights.size) throw new Error(`writeParams: ${data.length} values, the model has ${this.weights.size}`);
    this.weights.assignFrom(data);
    this.steps = step;
  }

  /** Trains with these replicas from now on (undefined: alone). Used by `DataParallelGroup`. */
  setPeers(group: DataParallelGroup | undefined): void {
    this.peers = group;
  }

  get threads(): number {
    return this.peers?.threads ?? 1;
  }

  get peerGroup(): DataParallelGroup | undefined {
    return this.peers;
  }

  /** The settings that rebuild this model's architecture elsewhere (a data-parallel replica). */
  describe(): { preset: ModelPreset; tokenizer: TokenizerJSON; seed: number; config: ModelXConfig; optimiser: OptimiserConfig } {
    return { preset: this.preset, tokenizer: this.tokenizer.toJSON(), seed: this.seed, config: { ...this.config }, optimiser: { ...this.optimiser } };
  }

  // ---------------------------------------------------------------- prediction

  predict(items: readonly QueryItem[], options: { teacher?: boolean; topK?: number } = {}): Prediction[] {
    this.assertLive();
    const out: Prediction[] = [];
    for (let i = 0; i < items.length; i += this.predictChunk) {
      out.push(...this.predictChunkOf(items.slice(i, i + this.predictChunk), options.teacher ?? false, Math.max(1, Math.floor(options.topK ?? 1))));
    }
    return out;
  }

  private predictChunkOf(items: readonly QueryItem[], teacher: boolean, topK: number): Prediction[] {
    if (items.length === 0) return [];
    const tf = this.tf;
    const encoded = this.encodeBatch(items);
    const ctx: ForwardContext = { training: false, dropoutCalls: 0 };
    // The facts and questions are encoded once; the decoder runs once per answer step.
    const state = tf.tidy(() => {
      const P = this.params(teacher);
      const contextOf = tf.tensor1d(encoded.contextOf, 'int32');
      const enc = this.encodeFacts(P, encoded, ctx);
      const question = this.encodeQuestions(P, encoded, enc, contextOf, ctx);
      const symbolBias = tf.tensor2d(encoded.symbolBias, [encoded.contexts, encoded.maxFacts * this.tokenizer.lengths.maxFactLength]);
      const P2 = teacher ? [...P.values()] : [];
      return { ...enc, question, symbolBias, P2 };
    });
    try {
      const P = teacher ? new Map(this.weights.names.map((n, i) => [n, state.P2[i]])) : this.params(false);
      const enc: EncodedFacts = { facts: state.facts, bias: state.bias, factIds: state.factIds };
      const run = (rows: readonly number[], prevRows: readonly number[][], t: number): Float32Array => {
        const probs = tf.tidy(() => {
          const T = this.tokenizer.answerSteps;
          const prev = new Int32Array(rows.length * T);
          prevRows.forEach((p, r) => prev.set(p.slice(0, T), r * T));
          const rowT = tf.tensor1d(Int32Array.from(rows), 'int32');
          const contextOf = tf.gather(tf.tensor1d(encoded.contextOf, 'int32'), rowT);
          const question = tf.gather(state.question, rowT);
          const dist = this.decode(P, enc, state.symbolBias, question, contextOf, tf.tensor2d(prev, [rows.length, T], 'int32'), ctx);
          return dist.slice([0, t, 0], [rows.length, 1, this.tokenizer.size]).reshape([rows.length, this.tokenizer.size]);
        });
        const data = probs.dataSync() as Float32Array;
        probs.dispose();
        return data;
      };
      const greedy = beamSearch(this.tokenizer, items.length, 1, run);
      const beams = topK > 1 ? beamSearch(this.tokenizer, items.length, topK, run) : greedy;
      return items.map((_, i) => {
        const best = greedy[i][0];
        let top = beams[i];
        if (topK > 1 && !top.some((s) => sameAnswer(s.answer, best.answer))) top = [...top.slice(0, topK - 1), best].sort((a, b) => b.probability - a.probability);
        return { answer: best.answer, probability: best.probability, top };
      });
    } finally {
      tf.dispose([state.facts, state.bias, state.factIds, state.question, state.symbolBias, ...state.P2]);
    }
  }

  // ---------------------------------------------------------------- checkpoints and lifecycle

  protected override flatState(): [string, Variable][] {
    return [['teacher', this.teacherFlat]];
  }

  protected checkpointExtras(): { tokenizer: TokenizerJSON } {
    return { tokenizer: this.tokenizer.toJSON() };
  }

  /** Restores a model saved with `save` (on the given backend). */
  static async load(dir: string, handle: BackendHandle): Promise<TransformerModelX> {
    return LearnedModel.fromCheckpoint<ModelXMeta, TransformerModelX>(dir, 'x', (meta) => new TransformerModelX(handle, {
      preset: meta.preset as ModelPreset,
      tokenizer: Tokenizer.fromJSON(meta.tokenizer),
      seed: meta.seed,
      // Checkpoints from before symbol match / the null fact had none (a preset that now has them must not add them).
      config: { symbolMatch: false, nullFact: false, ...meta.config } as Partial<ModelXConfig>,
      optimiser: meta.optimiser as Partial<OptimiserConfig>,
    }));
  }

  protected override beforeDispose(): void {
    void this.peers?.close();
  }
}

interface ForwardContext {
  training: boolean;
  dropoutCalls: number;
}

interface EncodedFacts {
  /** [U, N, d]. */
  facts: Tensor;
  /** [U, 1, 1, N]: 0 or −1e9. */
  bias: Tensor;
  /** [U, N, F] int32. */
  factIds: Tensor;
}

function sameAnswer(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
