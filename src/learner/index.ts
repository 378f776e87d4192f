/**
 * The learner: the model X on TensorFlow.js. Nothing here loads TensorFlow.js until a model is
 * created or loaded (`initBackend`), so importing this module is cheap.
 */
import type { AnyTask } from '../core/index';
import { initBackend } from './backend';
import { TransformerModelX, type ModelXOptions } from './model-x';
import { Tokenizer, tokenizerForTask } from './tokenizer';
import type { BackendPreference } from './types';

export * from './types';
export { initBackend, currentBackend, backendVersions, wasmDirectory, BackendUnavailableError, withConsoleOnStderr, type BackendHandle, type TF } from './backend';
export { registerKernelFixes } from './kernels';
export { Tokenizer, tokenizerForTask, UnknownSymbolError, PAD, END, START, type TokenizerJSON, type TokenizerLengths } from './tokenizer';
export { TransformerModelX, PRESETS, type ModelXConfig, type ModelXOptions, type OptimiserConfig, type PresetDefinition } from './model-x';
export { writeCheckpoint, readCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, MODEL_JSON, type CheckpointMeta, type CheckpointTensor } from './checkpoint';

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
export { DataParallelGroup, autoThreads, splitByContext } from './parallel';
