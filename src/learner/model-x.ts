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
 * variable. Contexts shared by several examples of a batch are encoded once.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BackendHandle, TF } from './backend';
import { layerNorm } from './layers';
import { adamStep, ParameterSet, variablePrefix, type AdamSettings } from './params';
import { readCheckpoint, writeCheckpoint, type CheckpointMeta, type CheckpointTensor } from './checkpoint';
import type { DataParallelGroup } from './parallel';
import { Tokenizer, type TokenizerJSON } from './tokenizer';
import type { BackendName, ModelPreset, ModelX, Prediction, QueryItem, ScoredAnswer, TrainingExample, TrainStepResult } from './types';

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
   * kept the paper's model at chance for thousands of steps on a CPU budget.
   */
  symbolMatch?: boolean;
  /**
   * Our second addition: a learned "null fact" — one more key and value in every attention from a
   * question (or an answer symbol) to the facts, always attendable. Without it attention must land
   * on some fact, so "no fact matches" (wildcard search's absent string, worth 0) has to be read
   * off a near miss. Measured (supervised, wildcard patterns with one *, fresh contexts, batch 128,
   * one thread): 99.8% held-out after 1,000 steps with it, 88.4% without (93.2% after 3,000).
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

export interface PresetDefinition {
  model: ModelXConfig;
  optimiser: OptimiserConfig;
}

const BASE_OPTIMISER: OptimiserConfig = { learningRate: 1e-3, warmupSteps: 100, beta1: 0.9, beta2: 0.98, epsilon: 1e-9, clipNorm: 1, emaDecay: 0.99 };

export const PRESETS: Readonly<Record<ModelPreset, PresetDefinition>> = {
  /** For unit tests: trains a lookup in seconds. */
  tiny: {
    model: { dModel: 32, heads: 2, encoderLayers: 1, questionLayers: 1, decoderLayers: 1, dFF: 64, symbolDim: 16, dropout: 0, symbolMatch: true },
    optimiser: { ...BASE_OPTIMISER, learningRate: 3e-3, warmupSteps: 20 },
  },
  /**
   * The default for real runs on a CPU (407,576 parameters with the permutation-powering
   * vocabulary). Measured on a 2-vCPU VM, wasm, machine otherwise idle: 45–65 ms per step for 8
   * contexts × 8 questions at N = 8 on one thread; 107–114 ms for 32 × 8 on two (data-parallel).
   * Without symbol match (the paper's model), supervised on permutation powering N = 8 (fresh
   * contexts, 16 × 8 per step) reached ≥ 90% held-out (teacher) accuracy after 9,000–11,500 steps
   * (~10–13 minutes on one thread); a two-hop lookup sat at chance for ~1,200–2,000 steps, then
   * jumped; lr 2e-3 and 3e-3 learned slower or collapsed; deeper or wider models were slower per
   * minute. With symbol match, the engine's defaults reach 90% in 6.3 minutes supervised and 9.5
   * minutes by amplification (docs/results.md).
   */
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

export interface ModelXOptions {
  /** Default `small`. */
  preset?: ModelPreset;
  tokenizer: Tokenizer;
  /** Seeds the initial weights and dropout. Default 1. */
  seed?: number;
  learningRate?: number;
  warmupSteps?: number;
  emaDecay?: number;
  clipNorm?: number;
  /** Any other optimiser settings (the four above take precedence). */
  optimiser?: Partial<OptimiserConfig>;
  /** Architecture overrides of the preset. */
  config?: Partial<ModelXConfig>;
  /** Largest batch `predict` runs at once (bigger inputs are chunked). Default 256. */
  predictChunk?: number;
}

/** A batch turned into ids (JS arrays; tensors are made inside tidy scopes). */
interface EncodedBatch {
  /** Unique contexts. */
  contexts: number;
  /** Facts per context after padding (≥ 1). */
  maxFacts: number;
  /** [contexts, maxFacts, factLength] symbol ids. */
  factIds: Int32Array;
  /** [contexts, maxFacts]: 0 for real facts, −1e9 for padding. */
  factBias: Float32Array;
  /** [contexts, maxFacts × factLength]: 0 for real symbols, −1e9 for padding (the copy mask). */
  symbolBias: Float32Array;
  /** [examples]: the context of each example. */
  contextOf: Int32Array;
  /** [examples, questionLength]. */
  questionIds: Int32Array;
  examples: number;
  /** Symbol match (config.symbolMatch): [contexts, maxFacts, maxFacts, F·F], 1 where slot s of fact i = slot t of fact j. */
  factMatch?: Float32Array;
  /** Symbol match: [examples, maxFacts, Q·F], 1 where question slot s = slot t of fact j. */
  questionMatch?: Float32Array;
}

const NEG = -1e9;
/** Symbol-match weights are multiplied by this in the forward pass (a per-weight learning-rate boost). */
const MATCH_SCALE = 20;

function hashSeed(seed: number, name: string): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h % 2147483647;
}

export class TransformerModelX implements ModelX {
  readonly backend: BackendName;
  readonly preset: ModelPreset;
  readonly tokenizer: Tokenizer;
  readonly config: Readonly<ModelXConfig>;
  readonly optimiser: Readonly<OptimiserConfig>;
  readonly seed: number;
  /** The TensorFlow.js instance the model lives in. */
  readonly tf: TF;
  private readonly predictChunk: number;
  private readonly weights: ParameterSet;
  private readonly prefix: string;
  private teacherFlat!: Variable;
  private adamM!: Variable;
  private adamV!: Variable;
  private steps = 0;
  /** 0 for the model itself; data-parallel replicas draw other dropout masks. */
  replica = 0;
  /** Replicas that compute part of each batch's gradient (see `attachPeers`). */
  private peers: DataParallelGroup | undefined;
  private disposed = false;

  constructor(handle: BackendHandle, options: ModelXOptions) {
    this.tf = handle.tf;
    this.backend = handle.backend;
    this.preset = options.preset ?? 'small';
    const preset = PRESETS[this.preset];
    if (!preset) throw new Error(`unknown model preset ${JSON.stringify(this.preset)} (tiny, small or paper)`);
    this.tokenizer = options.tokenizer;
    this.config = Object.freeze({ ...preset.model, ...options.config });
    this.optimiser = Object.freeze({
      ...preset.optimiser,
      ...options.optimiser,
      ...(options.learningRate !== undefined && { learningRate: options.learningRate }),
      ...(options.warmupSteps !== undefined && { warmupSteps: options.warmupSteps }),
      ...(options.emaDecay !== undefined && { emaDecay: options.emaDecay }),
      ...(options.clipNorm !== undefined && { clipNorm: options.clipNorm }),
    });
    this.seed = options.seed ?? 1;
    this.predictChunk = options.predictChunk ?? 256;
    const { dModel, heads } = this.config;
    if (dModel % heads !== 0) throw new Error(`dModel ${dModel} is not a multiple of heads ${heads}`);
    this.prefix = variablePrefix('modelX');
    this.weights = new ParameterSet(this.tf, this.prefix, (name) => hashSeed(this.seed, name));
    this.build();
  }

  get step(): number {
    return this.steps;
  }

  numTensors(): number {
    return this.tf.memory().numTensors;
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.weights.size;
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
    const tf = this.tf;
    this.teacherFlat = tf.variable(this.weights.flat(), false, `${this.prefix}/teacher`);
    this.adamM = tf.variable(tf.zeros([this.weights.size]), false, `${this.prefix}/adam/m`);
    this.adamV = tf.variable(tf.zeros([this.weights.size]), false, `${this.prefix}/adam/v`);
  }



  /** Parameters by name: the student's variables, or the teacher's (split from its flat vector). */
  private params(teacher: boolean): Map<string, Tensor> {
    if (!teacher) return this.weights.byName as Map<string, Tensor>;
    const parts = this.tf.split(this.teacherFlat, this.weights.list.map((v) => v.size));
    return new Map(this.weights.names.map((n, i) => [n, parts[i].reshape(this.weights.shapes[i])]));
  }

  // ---------------------------------------------------------------- encoding inputs

  private encodeBatch(items: readonly QueryItem[]): EncodedBatch {
    const tok = this.tokenizer;
    const F = tok.lengths.maxFactLength;
    const Q = tok.lengths.maxQuestionLength;
    const keys = new Map<string, number>();
    const unique: (readonly (readonly string[])[])[] = [];
    const contextOf = new Int32Array(items.length);
    const questionIds = new Int32Array(items.length * Q);
    items.forEach((item, i) => {
      const key = item.facts.map((f) => f.join('\u0001')).join('\u0002');
      let c = keys.get(key);
      if (c === undefined) {
        c = unique.length;
        keys.set(key, c);
        unique.push(item.facts);
      }
      contextOf[i] = c;
      questionIds.set(tok.encodeQuestion(item.question), i * Q);
    });
    const maxFacts = Math.max(1, ...unique.map((f) => f.length));
    const U = unique.length;
    const factIds = new Int32Array(U * maxFacts * F);
    const factBias = new Float32Array(U * maxFacts).fill(NEG);
    const symbolBias = new Float32Array(U * maxFacts * F).fill(NEG);
    unique.forEach((facts, c) => {
      facts.forEach((f, j) => {
        const ids = tok.encodeFact(f);
        const at = (c * maxFacts + j) * F;
        factIds.set(ids, at);
        factBias[c * maxFacts + j] = 0;
        for (let s = 0; s < f.length; s++) symbolBias[at + s] = 0;
      });
    });
    const batch: EncodedBatch = { contexts: U, maxFacts, factIds, factBias, symbolBias, contextOf, questionIds, examples: items.length };
    if (this.config.symbolMatch) this.symbolMatches(batch);
    return batch;
  }

  /** Fills the symbol-match indicators of a batch (padding never matches). */
  private symbolMatches(b: EncodedBatch): void {
    const F = this.tokenizer.lengths.maxFactLength;
    const Q = this.tokenizer.lengths.maxQuestionLength;
    const pad = this.tokenizer.padId;
    const N = b.maxFacts;
    const real = (c: number, j: number, t: number) => b.symbolBias[(c * N + j) * F + t] === 0;
    const factMatch = new Float32Array(b.contexts * N * N * F * F);
    for (let c = 0; c < b.contexts; c++) {
      for (let i = 0; i < N; i++) {
        for (let s = 0; s < F; s++) {
          if (!real(c, i, s)) continue;
          const id = b.factIds[(c * N + i) * F + s];
          for (let j = 0; j < N; j++) {
            for (let t = 0; t < F; t++) {
              if (real(c, j, t) && b.factIds[(c * N + j) * F + t] === id) factMatch[(((c * N + i) * N + j) * F + s) * F + t] = 1;
            }
          }
        }
      }
    }
    const questionMatch = new Float32Array(b.examples * N * Q * F);
    for (let e = 0; e < b.examples; e++) {
      const c = b.contextOf[e];
      for (let s = 0; s < Q; s++) {
        const id = b.questionIds[e * Q + s];
        if (id === pad) continue;
        for (let j = 0; j < N; j++) {
          for (let t = 0; t < F; t++) {
            if (real(c, j, t) && b.factIds[(c * N + j) * F + t] === id) questionMatch[((e * N + j) * Q + s) * F + t] = 1;
          }
        }
      }
    }
    b.factMatch = factMatch;
    b.questionMatch = questionMatch;
  }

  /** The symbol-match bonus [rows, H, 1 or N, N] from indicators [rows·(1 or N)·N, pairs] and a layer's weights [pairs, H]. */
  private matchBias(P: Map<string, Tensor>, name: string, match: Tensor, rows: number, queries: number, keys: number): Tensor {
    const H = this.config.heads;
    // Scaled so that Adam (whose steps are ~lr per weight) can reach decisive logits (~5) in a few hundred steps.
    return this.tf.matMul(match, P.get(`${name}/match`)!).mul(MATCH_SCALE).reshape([rows, queries, keys, H]).transpose([0, 3, 1, 2]);
  }

  // ---------------------------------------------------------------- layers

  private dense(P: Map<string, Tensor>, name: string, x: Tensor, activation: 'linear' | 'relu' = 'linear'): Tensor {
    const tf = this.tf;
    const w = P.get(`${name}/w`)!;
    const b = P.get(`${name}/b`)!;
    const shape = dims(x);
    const x2 = x.reshape([-1, shape[shape.length - 1]]);
    const y = tf.fused.matMul({ a: x2, b: w, bias: b, activation });
    return y.reshape([...shape.slice(0, -1), dims(w)[1]]);
  }

  private norm(P: Map<string, Tensor>, name: string, x: Tensor): Tensor {
    return layerNorm(this.tf, x, P.get(`${name}/g`)!, P.get(`${name}/b`)!);
  }

  private drop(x: Tensor, ctx: ForwardContext): Tensor {
    const rate = this.config.dropout;
    if (!ctx.training || rate <= 0) return x;
    return this.tf.dropout(x, rate, undefined, hashSeed(this.seed, `dropout/${this.replica}/${this.steps}/${ctx.dropoutCalls++}`));
  }

  /** [B, L, d] → [B, H, L, d/H]. */
  private splitHeads(x: Tensor): Tensor {
    const [B, L] = dims(x);
    const H = this.config.heads;
    return x.reshape([B, L, H, this.config.dModel / H]).transpose([0, 2, 1, 3]);
  }

  /** Scaled dot-product attention; q [B,H,Lq,dk], k/v [B,H,Lk,dk], bias broadcastable to [B,H,Lq,Lk]. */
  private attend(q: Tensor, k: Tensor, v: Tensor, bias: Tensor): Tensor {
    const tf = this.tf;
    const [B, H, Lq, dk] = dims(q);
    const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dk)).add(bias);
    const out = tf.matMul(tf.softmax(scores), v);
    return out.transpose([0, 2, 1, 3]).reshape([B, Lq, H * dk]);
  }

  /** A residual sub-layer, post-LayerNorm: LN(x + dropout(f(x))). */
  private residual(P: Map<string, Tensor>, norm: string, x: Tensor, f: (h: Tensor) => Tensor, ctx: ForwardContext): Tensor {
    return this.norm(P, norm, x.add(this.drop(f(x), ctx)));
  }

  private feedForward(P: Map<string, Tensor>, name: string, x: Tensor, ctx: ForwardContext): Tensor {
    return this.residual(P, `${name}/ffnorm`, x, (h) => this.dense(P, `${name}/ff2`, this.dense(P, `${name}/ff1`, h, 'relu')), ctx);
  }

  /** Embeds id tuples [..., n] as one vector each: embeddings concatenated, projected, normalised. */
  private embedTuples(P: Map<string, Tensor>, ids: Tensor, dense: string, norm: string, ctx: ForwardContext): Tensor {
    const tf = this.tf;
    const shape = dims(ids);
    const n = shape[shape.length - 1];
    const emb = tf.gather(P.get('embed')!, ids.reshape([-1]));
    const flat = emb.reshape([...shape.slice(0, -1), n * this.config.symbolDim]);
    return this.norm(P, norm, this.drop(this.dense(P, dense, flat), ctx));
  }

  // ---------------------------------------------------------------- the network

  /** The facts, encoded: [U, N, d], with the key bias [U, 1, 1, N]. */
  private encodeFacts(P: Map<string, Tensor>, b: EncodedBatch, ctx: ForwardContext): { facts: Tensor; bias: Tensor; factIds: Tensor } {
    const tf = this.tf;
    const { contexts: U, maxFacts: N } = b;
    const F = this.tokenizer.lengths.maxFactLength;
    const d = this.config.dModel;
    const factIds = tf.tensor3d(b.factIds, [U, N, F], 'int32');
    const bias = tf.tensor4d(b.factBias, [U, 1, 1, N]);
    let x = this.embedTuples(P, factIds, 'fact', 'factnorm', ctx);
    const match = b.factMatch ? tf.tensor2d(b.factMatch, [U * N * N, F * F]) : undefined;
    for (let l = 0; l < this.config.encoderLayers; l++) {
      const layerBias = match ? bias.add(this.matchBias(P, `enc${l}`, match, U, N, N)) : bias;
      x = this.residual(P, `enc${l}/attnorm`, x, (h) => {
        const [q, k, v] = tf.split(this.dense(P, `enc${l}/qkv`, h), [d, d, d], 2).map((t) => this.splitHeads(t));
        return this.dense(P, `enc${l}/out`, this.attend(q, k, v, layerBias));
      }, ctx);
      x = this.feedForward(P, `enc${l}`, x, ctx);
    }
    return { facts: x, bias, factIds };
  }

  /** Attention of x [B, L, d] to the facts of each example's context. */
  private attendFacts(P: Map<string, Tensor>, name: string, x: Tensor, enc: EncodedFacts, contextOf: Tensor, extraBias?: Tensor): Tensor {
    const tf = this.tf;
    const d = this.config.dModel;
    const kv = this.dense(P, `${name}/kv`, enc.facts); // [U, N, 2d]
    let kvB = tf.gather(kv, contextOf); // [B, N, 2d]
    let bias = tf.gather(enc.bias, contextOf); // [B, 1, 1, N]
    if (extraBias) bias = bias.add(extraBias);
    const nullKv = P.get(`${name}/null`);
    if (nullKv) {
      // The null fact: one more key/value for every example, with no bias (always attendable).
      const B = dims(kvB)[0];
      kvB = tf.concat([kvB, nullKv.tile([B, 1, 1])], 1);
      const [b0, b1, b2] = dims(bias);
      bias = tf.concat([bias, tf.zeros([b0, b1, b2, 1])], 3);
    }
    const [k, v] = tf.split(kvB, [d, d], 2).map((t) => this.splitHeads(t));
    const q = this.splitHeads(this.dense(P, `${name}/q`, x));
    return this.dense(P, `${name}/out`, this.attend(q, k, v, bias));
  }

  /** The question vectors [B, d] after the question layers. */
  private encodeQuestions(P: Map<string, Tensor>, b: EncodedBatch, enc: EncodedFacts, contextOf: Tensor, ctx: ForwardContext): Tensor {
    const tf = this.tf;
    const Q = this.tokenizer.lengths.maxQuestionLength;
    const ids = tf.tensor3d(b.questionIds, [b.examples, 1, Q], 'int32');
    let x = this.embedTuples(P, ids, 'question', 'questionnorm', ctx); // [B, 1, d]
    const N = b.maxFacts;
    const F = this.tokenizer.lengths.maxFactLength;
    const match = b.questionMatch ? tf.tensor2d(b.questionMatch, [b.examples * N, Q * F]) : undefined;
    for (let l = 0; l < this.config.questionLayers; l++) {
      const extra = match ? this.matchBias(P, `q${l}`, match, b.examples, 1, N) : undefined;
      x = this.residual(P, `q${l}/attnorm`, x, (h) => this.attendFacts(P, `q${l}`, h, enc, contextOf, extra), ctx);
      x = this.feedForward(P, `q${l}`, x, ctx);
    }
    return x.reshape([b.examples, this.config.dModel]);
  }

  /**
   * Answer-symbol distributions [B, T, V] given the previous symbols `prev` [B, T] (START first):
   * a gated mixture of the vocabulary softmax and the copy distribution over the facts' symbols.
   */
  private decode(P: Map<string, Tensor>, enc: EncodedFacts, symbolBias: Tensor, question: Tensor, contextOf: Tensor, prev: Tensor, ctx: ForwardContext): Tensor {
    const tf = this.tf;
    const d = this.config.dModel;
    const [B, T] = dims(prev);
    const V = this.tokenizer.size;
    const F = this.tokenizer.lengths.maxFactLength;
    const [U, N] = dims(enc.facts);
    const emb = tf.gather(P.get('embed')!, prev.reshape([-1])).reshape([B, T, this.config.symbolDim]);
    let x = this.dense(P, 'answer', emb).add(question.reshape([B, 1, d])).add(P.get('answerpos')!.slice([0, 0], [T, d]));
    x = this.norm(P, 'answernorm', this.drop(x, ctx));
    const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(-NEG).reshape([1, 1, T, T]);
    for (let l = 0; l < this.config.decoderLayers; l++) {
      x = this.residual(P, `dec${l}/selfnorm`, x, (h) => {
        const [q, k, v] = tf.split(this.dense(P, `dec${l}/self/qkv`, h), [d, d, d], 2).map((t) => this.splitHeads(t));
        return this.dense(P, `dec${l}/self/out`, this.attend(q, k, v, causal));
      }, ctx);
      x = this.residual(P, `dec${l}/crossnorm`, x, (h) => this.attendFacts(P, `dec${l}/cross`, h, enc, contextOf), ctx);
      x = this.feedForward(P, `dec${l}`, x, ctx);
    }
    const vocab = tf.softmax(this.dense(P, 'vocab', x)); // [B, T, V]
    // Copy: a pointer over the symbols of the facts; a key = the symbol's embedding + its slot + its fact.
    const symEmb = tf.gather(P.get('embed')!, enc.factIds.reshape([-1])).reshape([U * N * F, this.config.symbolDim]);
    const symKey = tf.matMul(symEmb, P.get('copy/symbol')!).reshape([U, N, F, d]);
    const factKey = this.dense(P, 'copy/fact', enc.facts).reshape([U, N, 1, d]);
    const keys = symKey.add(factKey).add(P.get('copy/slot')!.reshape([1, 1, F, d])).reshape([U, N * F, d]);
    const query = this.dense(P, 'copy/query', x); // [B, T, d]
    const scores = tf.matMul(query, tf.gather(keys, contextOf), false, true).mul(1 / Math.sqrt(d)).add(tf.gather(symbolBias, contextOf).expandDims(1));
    const pointer = tf.softmax(scores); // [B, T, N·F]
    const oneHot = tf.oneHot(tf.gather(enc.factIds.reshape([U, N * F]), contextOf), V); // [B, N·F, V]
    const copy = tf.matMul(pointer, oneHot);
    const gate = tf.sigmoid(this.dense(P, 'gate', x)); // [B, T, 1]
    return gate.mul(vocab).add(tf.scalar(1).sub(gate).mul(copy));
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
    const tf = this.tf;
    const step = this.steps + 1;
    const o = this.optimiser;
    const decay = Math.min(o.emaDecay, (1 + step) / (10 + step));
    const { update, gradNorm } = adamStep(tf, this.adamM, this.adamV, flatGrad, step, o);
    const next = this.weights.flat().sub(update);
    this.teacherFlat.assign(this.teacherFlat.mul(decay).add(next.mul(1 - decay)));
    this.weights.assignFlat(next);
    this.steps = step;
    return gradNorm;
  }

  /** The student's weights as one flat array (to keep data-parallel replicas in step). */
  readParams(): Float32Array {
    this.assertLive();
    const flat = this.weights.flat();
    const data = flat.dataSync() as Float32Array;
    flat.dispose();
    return data;
  }

  /** Replaces the student's weights (and the step count) with those of a model of the same shape. */
  writeParams(data: Float32Array, step = this.steps): void {
    this.assertLive();
    if (data.length !== this.weights.size) throw new Error(`writeParams: ${data.length} values, the model has ${this.weights.size}`);
    this.tf.tidy(() => this.weights.assignFlat(this.tf.tensor1d(data)));
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
      const greedy = this.beamSearch(items.length, 1, run);
      const beams = topK > 1 ? this.beamSearch(items.length, topK, run) : greedy;
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

  /**
   * Beam search of width k over the answer steps. Step 0 may not end the answer; the last step
   * must; reserved ids are never produced. Probabilities are renormalised over the allowed ids.
   */
  private beamSearch(n: number, k: number, run: (rows: readonly number[], prev: readonly number[][], t: number) => Float32Array): ScoredAnswer[][] {
    const tok = this.tokenizer;
    const T = tok.answerSteps;
    const V = tok.size;
    interface Hyp {
      ids: number[];
      logp: number;
      done: boolean;
    }
    let beams: Hyp[][] = Array.from({ length: n }, () => [{ ids: [], logp: 0, done: false }]);
    for (let t = 0; t < T; t++) {
      const rows: number[] = [];
      const prevs: number[][] = [];
      const owners: Hyp[] = [];
      beams.forEach((bs, i) =>
        bs.forEach((h) => {
          if (h.done) return;
          rows.push(i);
          prevs.push([tok.startId, ...h.ids]);
          owners.push(h);
        }),
      );
      if (rows.length === 0) break;
      const probs = run(rows, prevs, t);
      const expansions = new Map<Hyp, Hyp[]>();
      owners.forEach((h, r) => {
        const allowed: number[] = [];
        for (let id = 0; id < V; id++) {
          const isEnd = id === tok.endId;
          if (tok.isReserved(id) && !isEnd) continue;
          if (isEnd ? t === 0 : t === T - 1) continue;
          allowed.push(id);
        }
        let total = 0;
        for (const id of allowed) total += probs[r * V + id];
        const cands = allowed.map((id) => ({ id, p: total > 0 ? probs[r * V + id] / total : 1 / allowed.length }));
        cands.sort((a, b) => b.p - a.p);
        expansions.set(
          h,
          cands.slice(0, k).map((c) => ({ ids: c.id === tok.endId ? h.ids : [...h.ids, c.id], logp: h.logp + Math.log(Math.max(c.p, 1e-30)), done: c.id === tok.endId })),
        );
      });
      beams = beams.map((bs) => {
        const next = bs.flatMap((h) => (h.done ? [h] : (expansions.get(h) ?? [])));
        next.sort((a, b) => b.logp - a.logp);
        return next.slice(0, k);
      });
    }
    return beams.map((bs) => bs.map((h) => ({ answer: tok.decodeAnswer(h.ids), probability: Math.exp(h.logp) })));
  }

  // ---------------------------------------------------------------- checkpoints

  async save(dir: string): Promise<void> {
    this.assertLive();
    const tensors: CheckpointTensor[] = [];
    this.weights.list.forEach((v, i) => tensors.push({ name: `student/${this.weights.names[i]}`, shape: this.weights.shapes[i], data: v.dataSync() as Float32Array }));
    tensors.push({ name: 'teacher', shape: [this.weights.size], data: this.teacherFlat.dataSync() as Float32Array });
    tensors.push({ name: 'adam/m', shape: [this.weights.size], data: this.adamM.dataSync() as Float32Array });
    tensors.push({ name: 'adam/v', shape: [this.weights.size], data: this.adamV.dataSync() as Float32Array });
    const meta: CheckpointMeta = {
      preset: this.preset,
      config: { ...this.config },
      optimiser: { ...this.optimiser },
      seed: this.seed,
      step: this.steps,
      tokenizer: this.tokenizer.toJSON(),
      backend: this.backend,
    };
    await writeCheckpoint(dir, meta, tensors);
  }

  /** Restores a model saved with `save` (on the given backend). */
  static async load(dir: string, handle: BackendHandle): Promise<TransformerModelX> {
    const { meta, tensors } = await readCheckpoint(dir);
    const model = new TransformerModelX(handle, {
      preset: meta.preset as ModelPreset,
      tokenizer: Tokenizer.fromJSON(meta.tokenizer),
      seed: meta.seed,
      // Checkpoints from before symbol match / the null fact had none (a preset that now has them must not add them).
      config: { symbolMatch: false, nullFact: false, ...meta.config } as Partial<ModelXConfig>,
      optimiser: meta.optimiser as Partial<OptimiserConfig>,
    });
    try {
      model.restore(tensors, meta.step);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  }

  private restore(tensors: readonly CheckpointTensor[], step: number): void {
    const tf = this.tf;
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const take = (name: string, shape: readonly number[]): Float32Array => {
      const t = byName.get(name);
      if (!t) throw new Error(`checkpoint: missing tensor ${name}`);
      if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
        throw new Error(`checkpoint: tensor ${name} has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
      }
      return t.data;
    };
    tf.tidy(() => {
      this.weights.list.forEach((v, i) => v.assign(tf.tensor(take(`student/${this.weights.names[i]}`, this.weights.shapes[i]), this.weights.shapes[i])));
      this.teacherFlat.assign(tf.tensor1d(take('teacher', [this.weights.size])));
      this.adamM.assign(tf.tensor1d(take('adam/m', [this.weights.size])));
      this.adamV.assign(tf.tensor1d(take('adam/v', [this.weights.size])));
    });
    this.steps = step;
  }

  // ---------------------------------------------------------------- lifecycle

  private assertLive(): void {
    if (this.disposed) throw new Error('this model X has been disposed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.peers?.close();
    this.tf.dispose([...this.weights.list, this.teacherFlat, this.adamM, this.adamV]);
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

/** A tensor's shape as plain numbers. */
function dims(t: Tensor): number[] {
  return t.shape as number[];
}

function sameAnswer(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
