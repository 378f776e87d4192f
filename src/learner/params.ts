/**
 * What models X and H′ share about their weights: a registry of trainable variables (seeded
 * initialisers, kept by name, as a list and as one flat vector), the optimiser's settings and its
 * step (global-norm clipping, Adam with linear warm-up) with flat moments: on wasm one kernel
 * (native/adam-kernel.ts), elsewhere the composite ops on flat vectors.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { TF } from './backend';
import { fusedAdam, fusedAdamApplies, fusedFlatten, heapValues } from './native/adam-kernel';

type Tensor = tfjs.Tensor;
type Variable = tfjs.Variable;

export type ParamInit = 'glorot' | 'zeros' | 'ones' | 'embedding';

let instances = 0;

/** A prefix for a new model's variables: tf.variable names are global to the engine, so ours are unique even across module copies. */
export function variablePrefix(kind: string): string {
  return `${kind}${++instances}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A seed from a name (FNV-1a over its characters, starting from `basis`): one per variable, or per dropout call. */
export function nameSeed(basis: number, name: string): number {
  let h = basis >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h % 2147483647;
}

/** A model's trainable variables, in creation order. */
export class ParameterSet {
  readonly names: string[] = [];
  readonly shapes: number[][] = [];
  readonly byName = new Map<string, Variable>();
  readonly list: Variable[] = [];
  /** Number of trainable values. */
  size = 0;

  /**
   * `prefix` makes the variables' names unique in the engine; `seedOf(name)` seeds each
   * initialiser (so the same model seed gives the same weights, whatever else was created before).
   */
  constructor(
    private readonly tf: TF,
    private readonly prefix: string,
    private readonly seedOf: (name: string) => number,
  ) {}

  add(name: string, shape: number[], init: ParamInit): void {
    const tf = this.tf;
    const seed = this.seedOf(name);
    const value = tf.tidy(() => {
      switch (init) {
        case 'zeros':
          return tf.zeros(shape);
        case 'ones':
          return tf.ones(shape);
        case 'embedding':
          return tf.randomNormal(shape, 0, 1 / Math.sqrt(shape[shape.length - 1]), 'float32', seed);
        case 'glorot': {
          const limit = Math.sqrt(6 / (shape[0] + shape[shape.length - 1]));
          return tf.randomUniform(shape, -limit, limit, 'float32', seed);
        }
      }
    });
    const v = tf.variable(value, true, `${this.prefix}/${name}`);
    value.dispose();
    this.names.push(name);
    this.shapes.push(shape);
    this.byName.set(name, v);
    this.list.push(v);
    this.size += v.size;
  }

  /** A dense layer: `name/w` (Glorot) and `name/b` (zeros). */
  dense(name: string, inDim: number, outDim: number): void {
    this.add(`${name}/w`, [inDim, outDim], 'glorot');
    this.add(`${name}/b`, [outDim], 'zeros');
  }

  /** A LayerNorm: gain `name/g` (ones) and bias `name/b` (zeros). */
  norm(name: string, width: number): void {
    this.add(`${name}/g`, [width], 'ones');
    this.add(`${name}/b`, [width], 'zeros');
  }

  /** All the weights as one flat vector (a new tensor). */
  flat(): Tensor {
    return this.tf.tidy(() => this.concatFlat(this.list));
  }

  /** Copies the weights, in the flat vector's order, into `out` (on wasm straight from the backend's heap, without a tensor or an array in between). */
  readInto(out: Float32Array): void {
    if (out.length !== this.size) throw new Error(`readInto: ${out.length} values, the model has ${this.size}`);
    if (!fusedAdamApplies(this.tf, this.list)) {
      const flat = this.flat();
      out.set(flat.dataSync());
      flat.dispose();
      return;
    }
    let offset = 0;
    for (const v of this.list) {
      out.set(heapValues(this.tf, v), offset);
      offset += v.size;
    }
  }

  /** Assigns every variable from the flat values in `data` (copied: `data` may change afterwards), without a split kernel. */
  assignFrom(data: Float32Array): void {
    if (data.length !== this.size) throw new Error(`assignFrom: ${data.length} values, the model has ${this.size}`);
    const tf = this.tf;
    if (!fusedAdamApplies(tf, this.list)) {
      tf.tidy(() => this.assignFlat(tf.tensor1d(data)));
      return;
    }
    let offset = 0;
    tf.tidy(() => {
      // The wasm backend copies a new tensor's values into its heap at once.
      this.list.forEach((v, i) => v.assign(tf.tensor(data.subarray(offset, (offset += v.size)), this.shapes[i])));
    });
  }

  /** Assigns every variable from one flat vector. Call inside `tf.tidy`. */
  assignFlat(flat: Tensor): void {
    const parts = this.tf.split(flat, this.list.map((v) => v.size));
    this.list.forEach((v, i) => v.assign(this.shapes[i].length === 1 ? parts[i] : parts[i].reshape(this.shapes[i])));
  }

  /** The gradients of `variableGrads` as one flat vector, in the registry's order. */
  flatGradient(grads: Record<string, Tensor>): Tensor {
    return this.concatFlat(this.list.map((v) => grads[v.name]));
  }

  /** Tensors' values in order as one vector: one kernel on wasm, else a Reshape per matrix and a Concat. */
  private concatFlat(ts: Tensor[]): Tensor {
    return fusedAdamApplies(this.tf, ts) ? fusedFlatten(this.tf, ts) : this.tf.concat(ts.map(flatten));
  }
}

/** Copies a float32 tensor's values into `out` (on wasm straight from the backend's heap, without an array in between). */
export function readTensorInto(tf: TF, t: Tensor, out: Float32Array): void {
  out.set(fusedAdamApplies(tf, [t]) ? heapValues(tf, t) : t.dataSync());
}

/** t as a vector; a vector as it is (no Reshape kernel: X has 77 vector variables of 128, and flattens them three times a step). */
function flatten(t: Tensor): Tensor {
  return t.rank === 1 ? t : t.reshape([-1]);
}

export interface AdamSettings {
  /** Peak learning rate (after warm-up). */
  learningRate: number;
  /** Steps of linear warm-up from 0 to `learningRate`. */
  warmupSteps: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Gradients are rescaled so that their global norm is at most this. */
  clipNorm: number;
}

/** The settings a model's options may override one by one (they take precedence over `optimiser`). */
export interface OptimiserOverrides<O extends AdamSettings> {
  learningRate?: number;
  warmupSteps?: number;
  clipNorm?: number;
  /** Any other settings. */
  optimiser?: Partial<O>;
}

/** A preset's optimiser settings with a model's overrides applied. */
export function resolveOptimiser<O extends AdamSettings>(preset: O, options: OptimiserOverrides<O> & { emaDecay?: number }): O {
  return {
    ...preset,
    ...options.optimiser,
    ...(options.learningRate !== undefined && { learningRate: options.learningRate }),
    ...(options.warmupSteps !== undefined && { warmupSteps: options.warmupSteps }),
    ...(options.emaDecay !== undefined && { emaDecay: options.emaDecay }),
    ...(options.clipNorm !== undefined && { clipNorm: options.clipNorm }),
  };
}

/** The learning rate at a step (1-based): linear warm-up, then constant. */
export function learningRateAt(o: AdamSettings, step: number): number {
  return o.warmupSteps > 0 ? o.learningRate * Math.min(1, step / o.warmupSteps) : o.learningRate;
}

/** The step size at a step (1-based): the warm-up's learning rate with Adam's bias correction. */
function adamRate(o: AdamSettings, step: number): number {
  return learningRateAt(o, step) * (Math.sqrt(1 - o.beta2 ** step) / (1 - o.beta1 ** step));
}

/**
 * One Adam step on flat vectors: clips `flatGrad` to global norm `clipNorm`, updates the moments
 * `m` and `v` in place, and returns the change to subtract from the weights (with the warm-up and
 * Adam's bias correction at `step`, 1-based) and the gradient's norm before clipping. Call inside `tf.tidy`.
 */
export function adamStep(tf: TF, m: Variable, v: Variable, flatGrad: Tensor, step: number, o: AdamSettings): { update: Tensor; gradNorm: Tensor } {
  const lr = adamRate(o, step);
  const gradNorm = tf.sqrt(tf.sum(tf.square(flatGrad)));
  const g = flatGrad.mul(tf.minimum(1, tf.div(o.clipNorm, gradNorm.add(1e-6))));
  m.assign(m.mul(o.beta1).add(g.mul(1 - o.beta1)));
  v.assign(v.mul(o.beta2).add(g.square().mul(1 - o.beta2)));
  return { update: m.div(v.sqrt().add(o.epsilon)).mul(lr), gradNorm };
}

/** A moving average of the weights that the optimiser's step updates (X's teacher): flat, `into · decay + new weights · (1 − decay)`. */
export interface WeightAverage {
  into: Variable;
  decay: number;
}

/**
 * The optimiser's step (clipping, Adam at `step`, 1-based) with a flat gradient: assigns the new
 * weights, Adam's flat moments `m` and `v` and the average (if any), and returns the gradient's
 * norm before clipping. On wasm one kernel does it all, reading and writing the variables as they
 * are (`fusedAdam`); elsewhere (or with `setFusedAdam(false)`) `adamStep`, the weights flattened,
 * updated and split back, and the average, by composite ops. Call inside `tf.tidy`.
 */
export function optimiserStep(tf: TF, weights: ParameterSet, m: Variable, v: Variable, flatGrad: Tensor, step: number, o: AdamSettings, average?: WeightAverage): Tensor {
  if (fusedAdamApplies(tf, [flatGrad, m, v, ...weights.list, ...(average ? [average.into] : [])])) {
    const r = fusedAdam(tf, { grad: flatGrad, m, v, teacher: average?.into, weights: weights.list }, {
      lr: adamRate(o, step), beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, clipNorm: o.clipNorm, decay: average?.decay ?? 0,
    });
    m.assign(r.m);
    v.assign(r.v);
    if (average) average.into.assign(r.teacher!);
    weights.list.forEach((w, i) => w.assign(r.weights[i]));
    return r.gradNorm;
  }
  const { update, gradNorm } = adamStep(tf, m, v, flatGrad, step, o);
  const next = weights.flat().sub(update);
  weights.assignFlat(next);
  if (average) average.into.assign(average.into.mul(average.decay).add(next.mul(1 - average.decay)));
  return gradNorm;
}
