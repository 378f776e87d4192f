/**
 * What the models X and H′ share as objects: a preset with overrides, the weights (a
 * `ParameterSet` seeded per name), Adam's moments as flat vectors, the step count, checkpoints in
 * the one format of checkpoint.ts, tensor counting and disposal. The networks themselves are built
 * from the shared layers (layers.ts) in model-x.ts and model-h.ts.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BackendHandle, TF } from './backend';
import { CHECKPOINT_KINDS, readCheckpoint, tensorTaker, writeCheckpoint, type CheckpointKind, type CheckpointMeta, type CheckpointTensor } from './checkpoint';
import { nameSeed, optimiserStep, ParameterSet, resolveOptimiser, variablePrefix, type AdamSettings, type OptimiserOverrides, type WeightAverage } from './params';
import type { BackendName, ModelPreset } from './types';

type Tensor = tfjs.Tensor;
type Variable = tfjs.Variable;

/** The architecture settings every model has. */
export interface ModelShape {
  dModel: number;
  heads: number;
}

/** A preset: the architecture and the optimiser. */
export interface ModelDefinition<C extends ModelShape, O extends AdamSettings> {
  model: C;
  optimiser: O;
}

export interface LearnedModelOptions<C extends ModelShape, O extends AdamSettings> extends OptimiserOverrides<O> {
  /** Default `small`. */
  preset?: ModelPreset;
  /** Seeds the initial weights (and X's dropout). Default 1. */
  seed?: number;
  /** Architecture overrides of the preset. */
  config?: Partial<C>;
  /** Largest batch a prediction runs at once (bigger inputs are chunked). Default 256. */
  predictChunk?: number;
}

/** How a kind of model is set up: its checkpoint kind, presets, and the basis of its per-name seeds. */
export interface ModelKind<C extends ModelShape, O extends AdamSettings> {
  checkpoint: CheckpointKind;
  presets: Readonly<Record<ModelPreset, ModelDefinition<C, O>>>;
  /** X and H′ derive their seeds differently (kept, so that a seed gives the weights it always gave). */
  seedBasis(seed: number): number;
}

export abstract class LearnedModel<C extends ModelShape, O extends AdamSettings> {
  readonly backend: BackendName;
  readonly preset: ModelPreset;
  readonly config: Readonly<C>;
  readonly optimiser: Readonly<O>;
  readonly seed: number;
  /** The TensorFlow.js instance the model lives in. */
  readonly tf: TF;
  protected readonly predictChunk: number;
  protected readonly weights: ParameterSet;
  protected readonly prefix: string;
  protected steps = 0;
  private readonly checkpointKind: CheckpointKind;
  private readonly seedBasis: number;
  private adamM: Variable | undefined;
  private adamV: Variable | undefined;
  private disposed = false;

  /** Subclasses add their weights to `weights`, then call `initOptimiser`. */
  protected constructor(handle: BackendHandle, kind: ModelKind<C, O>, options: LearnedModelOptions<C, O> & { emaDecay?: number }) {
    this.tf = handle.tf;
    this.backend = handle.backend;
    this.preset = options.preset ?? 'small';
    const preset = kind.presets[this.preset];
    if (!preset) throw new Error(`unknown model preset ${JSON.stringify(this.preset)} (tiny, small or paper)`);
    this.config = Object.freeze({ ...preset.model, ...options.config });
    this.optimiser = Object.freeze(resolveOptimiser(preset.optimiser, options));
    this.seed = options.seed ?? 1;
    this.predictChunk = Math.max(1, Math.floor(options.predictChunk ?? 256));
    const { dModel, heads } = this.config;
    if (dModel % heads !== 0) throw new Error(`dModel ${dModel} is not a multiple of heads ${heads}`);
    this.checkpointKind = kind.checkpoint;
    this.seedBasis = kind.seedBasis(this.seed);
    this.prefix = variablePrefix(kind.checkpoint === 'x' ? 'modelX' : 'modelH');
    this.weights = new ParameterSet(this.tf, this.prefix, (name) => this.seedOf(name));
  }

  /** The seed of the variable (or random draw) called `name`. */
  protected seedOf(name: string): number {
    return nameSeed(this.seedBasis, name);
  }

  /** Creates Adam's moments; call once every weight exists. */
  protected initOptimiser(): void {
    this.adamM = this.tf.variable(this.tf.zeros([this.weights.size]), false, `${this.prefix}/adam/m`);
    this.adamV = this.tf.variable(this.tf.zeros([this.weights.size]), false, `${this.prefix}/adam/v`);
  }

  /**
   * One Adam step (clipped, with warm-up) at `step` (1-based) with a flat gradient: assigns the
   * new weights (and updates `average`, X's teacher, from them) and returns the gradient's norm.
   * Call inside `tf.tidy`.
   */
  protected applyAdam(flatGrad: Tensor, step: number, average?: WeightAverage): Tensor {
    return optimiserStep(this.tf, this.weights, this.adamM!, this.adamV!, flatGrad, step, this.optimiser, average);
  }

  /** Optimiser steps taken so far. */
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

  // ---------------------------------------------------------------- checkpoints

  /** Flat vectors of the weights' size that are saved and restored besides Adam's moments (X: its teacher). */
  protected flatState(): [string, Variable][] {
    return [];
  }

  /** What the checkpoint records besides the common fields (X: its tokenizer; H′: its vocabulary). */
  protected abstract checkpointExtras(): object;

  private savedFlats(): [string, Variable][] {
    return [...this.flatState(), ['adam/m', this.adamM!], ['adam/v', this.adamV!]];
  }

  /** Writes a checkpoint (weights, the flat state, Adam's moments, step) into `dir`, atomically. */
  async save(dir: string): Promise<void> {
    this.assertLive();
    const prefix = CHECKPOINT_KINDS[this.checkpointKind].weights;
    const tensors: CheckpointTensor[] = this.weights.list.map((v, i) => ({ name: `${prefix}/${this.weights.names[i]}`, shape: this.weights.shapes[i], data: v.dataSync() as Float32Array }));
    for (const [name, v] of this.savedFlats()) tensors.push({ name, shape: [this.weights.size], data: v.dataSync() as Float32Array });
    const meta: CheckpointMeta = {
      preset: this.preset, config: { ...this.config }, optimiser: { ...this.optimiser }, seed: this.seed, step: this.steps, backend: this.backend, ...this.checkpointExtras(),
    };
    await writeCheckpoint(dir, this.checkpointKind, meta, tensors);
  }

  /** Reads a checkpoint, builds the model it describes with `build` and restores its state. */
  protected static async fromCheckpoint<Meta extends CheckpointMeta, M extends LearnedModel<ModelShape, AdamSettings>>(dir: string, kind: CheckpointKind, build: (meta: Meta) => M): Promise<M> {
    const { meta, tensors } = await readCheckpoint<Meta>(dir, kind);
    const model = build(meta);
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
    const take = tensorTaker(this.checkpointKind, tensors);
    const prefix = CHECKPOINT_KINDS[this.checkpointKind].weights;
    const values = this.weights.list.map((_, i) => take(`${prefix}/${this.weights.names[i]}`, this.weights.shapes[i]));
    const flats = this.savedFlats().map(([name, v]) => [v, take(name, [this.weights.size])] as const);
    tf.tidy(() => {
      this.weights.list.forEach((v, i) => v.assign(tf.tensor(values[i], this.weights.shapes[i])));
      for (const [v, data] of flats) v.assign(tf.tensor1d(data));
    });
    this.steps = step;
  }

  // ---------------------------------------------------------------- lifecycle

  protected assertLive(): void {
    if (this.disposed) throw new Error(`this model ${this.checkpointKind === 'x' ? 'X' : 'H′'} has been disposed`);
  }

  /** Called once, before the tensors are freed (X stops its replicas). */
  protected beforeDispose(): void {}

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.beforeDispose();
    this.tf.dispose([...this.weights.list, ...this.savedFlats().map(([, v]) => v)]);
  }
}
