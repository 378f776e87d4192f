/**
 * The one place that makes and loads the learner's models: `createModelX` / `loadModelX`,
 * `createModelH` / `loadModelH`, and `LearnerFactory`, what the run engine needs of them (its tests
 * use a fake), with `tfjsLearnerFactory`, the real one on TensorFlow.js. Importing this module does
 * not load TensorFlow.js: `initBackend` does, when a model is first made or loaded.
 */
import type { AnyTask } from '../core/index';
import { backendVersions, initBackend } from './backend';
import { DecodeThreads } from './decode-threads';
import { ExpertVocabulary, expertVocabularyForTask, type ExpertLengths } from './expert-tokens';
import { TransformerModelH, type ModelHOptions } from './model-h';
import { TransformerModelX, type ModelXOptions } from './model-x';
import { autoThreads, DataParallelGroup } from './parallel';
import { Tokenizer, tokenizerForTask } from './tokenizer';
import type { BackendPreference, ModelH, ModelPreset, ModelSwitches, ModelX } from './types';

/** Makes and loads models for a run; the real one wraps TensorFlow.js, the engine's tests use a fake. */
export interface LearnerFactory {
  create(options: { task: AnyTask; vocabulary: readonly string[]; preset: ModelPreset; switches?: ModelSwitches; backend: BackendPreference; seed: number; learningRate?: number; teacherHorizon?: number; threads?: number }): Promise<ModelX>;
  load(dir: string, backend: BackendPreference, threads?: number): Promise<ModelX>;
  versions(): Record<string, string>;
  /** H′, the learned expert (modes that need H′); `threads` as X's: 1 decodes on one thread, 0/absent on two where there are two cores. */
  createExpert?(options: { task: AnyTask; vocabulary: readonly string[]; preset: ModelPreset; backend: BackendPreference; seed: number; threads?: number }): Promise<ModelH>;
  loadExpert?(dir: string, backend: BackendPreference, threads?: number): Promise<ModelH>;
}

// ---------------------------------------------------------------- X

export interface CreateModelXOptions extends Omit<ModelXOptions, 'tokenizer'> {
  /** Default `auto` (tfjs-node, else wasm, else cpu). */
  backend?: BackendPreference;
  /** The tokenizer; or give `task` and it is derived with `tokenizerForTask`. */
  tokenizer?: Tokenizer;
  task?: AnyTask;
}

/** Initialises the backend and builds a fresh model X. */
export async function createModelX(options: CreateModelXOptions): Promise<TransformerModelX> {
  const { backend, task, tokenizer, ...rest } = options;
  const tok = tokenizer ?? (task ? tokenizerForTask(task) : undefined);
  if (!tok) throw new Error('createModelX: give a tokenizer or a task');
  const handle = await initBackend(backend ?? 'auto');
  return new TransformerModelX(handle, { ...rest, tokenizer: tok });
}

/** Initialises the backend and restores a model X saved with `save(dir)`. */
export async function loadModelX(dir: string, options: { backend?: BackendPreference } = {}): Promise<TransformerModelX> {
  const handle = await initBackend(options.backend ?? 'auto');
  return TransformerModelX.load(dir, handle);
}

// ---------------------------------------------------------------- H′

export interface CreateModelHOptions extends Omit<ModelHOptions, 'vocabulary'> {
  /** Default `auto` (tfjs-node, else wasm, else cpu). */
  backend?: BackendPreference;
  /** The task: its vocabulary, k and the lengths of its questions and answers (sampled). */
  task?: AnyTask;
  /**
   * An explicit vocabulary: a finished `ExpertVocabulary`, or the task symbols (lengths then come
   * from `task` when given, else from `lengths`, defaulting to 16 symbols per question/answer).
   */
  vocabulary?: ExpertVocabulary | readonly string[];
  /** k; default the task's. Needed with a symbol list and no task. */
  maxSubquestions?: number;
  /** Overrides of the lengths found by sampling the task (or of the defaults). */
  lengths?: Partial<Omit<ExpertLengths, 'maxSubquestions'>>;
}

/** The vocabulary `createModelH` would use for these options. */
export function expertVocabularyFor(options: Pick<CreateModelHOptions, 'task' | 'vocabulary' | 'maxSubquestions' | 'lengths'>): ExpertVocabulary {
  const { task, vocabulary, maxSubquestions, lengths } = options;
  if (vocabulary instanceof ExpertVocabulary) return vocabulary;
  const overrides = { ...lengths, ...(maxSubquestions !== undefined && { maxSubquestions }) };
  if (task) {
    const found = expertVocabularyForTask(task, { lengths: overrides });
    return vocabulary ? new ExpertVocabulary(vocabulary, found.lengths) : found;
  }
  if (!vocabulary) throw new Error('createModelH: give a task or a vocabulary');
  if (maxSubquestions === undefined) throw new Error('createModelH: with a symbol list and no task, give maxSubquestions');
  return new ExpertVocabulary(vocabulary, { maxQuestionLength: 16, maxAnswerLength: 16, ...overrides, maxSubquestions });
}

/** Initialises the backend and builds a fresh H′. */
export async function createModelH(options: CreateModelHOptions): Promise<TransformerModelH> {
  const { backend, task, vocabulary, maxSubquestions, lengths, ...rest } = options;
  const voc = expertVocabularyFor({ task, vocabulary, maxSubquestions, lengths });
  const handle = await initBackend(backend ?? 'auto');
  return new TransformerModelH(handle, { ...rest, vocabulary: voc });
}

/** Initialises the backend and restores an H′ saved with `save(dir)`. */
export async function loadModelH(dir: string, options: { backend?: BackendPreference } = {}): Promise<TransformerModelH> {
  const handle = await initBackend(options.backend ?? 'auto');
  return TransformerModelH.load(dir, handle);
}

// ---------------------------------------------------------------- the engine's factory

/**
 * Starts data-parallel replicas (threads 0/undefined = one per core, at most 2). Training on one
 * thread is a correct fallback: a failure to start replicas is reported on stderr, not thrown.
 */
async function withThreads(model: TransformerModelX, threads: number | undefined): Promise<TransformerModelX> {
  // tfjs-node runs its kernels on several threads itself: replicas only when asked for.
  const n = threads && threads > 0 ? threads : model.backend === 'tfjs-node' ? 1 : autoThreads();
  if (n <= 1) return model;
  try {
    await DataParallelGroup.start(model, n);
  } catch (e) {
    process.stderr.write(`amplification: training on one thread (replicas failed to start: ${e instanceof Error ? e.message : String(e)})\n`);
  }
  return model;
}

/**
 * Starts H′'s decode worker (decode-threads.ts) unless `threads` is 1 (0/undefined: when there are
 * two cores; not on tfjs-node, which uses the cores itself). Decoding on one thread is a correct
 * fallback: a failure to start the worker is reported on stderr, not thrown.
 */
async function withDecodeThreads(model: TransformerModelH, threads: number | undefined): Promise<TransformerModelH> {
  const n = threads && threads > 0 ? threads : model.backend === 'tfjs-node' ? 1 : autoThreads();
  if (n <= 1) return model;
  try {
    (await DecodeThreads.start(model)).attach();
  } catch (e) {
    process.stderr.write(`amplification: H′ decodes on one thread (its decode worker failed to start: ${e instanceof Error ? e.message : String(e)})\n`);
  }
  return model;
}

/** The real learner: X and H′ on TensorFlow.js. */
export const tfjsLearnerFactory: LearnerFactory = {
  async create(o) {
    return withThreads(await createModelX({ task: o.task, backend: o.backend, preset: o.preset, config: o.switches, seed: o.seed, learningRate: o.learningRate, ...(o.teacherHorizon ? { emaDecay: 1 - 1 / o.teacherHorizon } : {}) }), o.threads);
  },
  async load(dir, backend, threads) {
    return withThreads(await loadModelX(dir, { backend }), threads);
  },
  async createExpert(o) {
    return withDecodeThreads(await createModelH({ task: o.task, backend: o.backend, preset: o.preset, seed: o.seed }), o.threads);
  },
  async loadExpert(dir, backend, threads) {
    return withDecodeThreads(await loadModelH(dir, { backend }), threads);
  },
  versions() {
    return backendVersions();
  },
};
