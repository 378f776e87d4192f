/**
 * The learner: the models X and H′ on TensorFlow.js. Nothing here loads TensorFlow.js until a model
 * is created or loaded (`initBackend`), so importing this module is cheap.
 */
export * from './types';
export { initBackend, currentBackend, backendVersions, wasmDirectory, BackendUnavailableError, withConsoleOnStderr, type BackendHandle, type TF } from './backend';
export { registerKernelFixes } from './kernels';
export { Tokenizer, tokenizerForTask, UnknownSymbolError, PAD, END, START, type TokenizerJSON, type TokenizerLengths } from './tokenizer';
export { TransformerModelX, PRESETS, type ModelXConfig, type ModelXOptions, type OptimiserConfig, type PresetDefinition } from './model-x';
export { TransformerModelH, MODEL_H_PRESETS, type ExpertTranscript, type ModelHConfig, type ModelHOptions } from './model-h';
export { writeCheckpoint, readCheckpoint, CHECKPOINT_KINDS, CHECKPOINT_VERSION, MODEL_JSON, type CheckpointKind, type CheckpointMeta, type CheckpointTensor } from './checkpoint';
export {
  createModelX, loadModelX, createModelH, loadModelH, expertVocabularyFor, tfjsLearnerFactory,
  type CreateModelXOptions, type CreateModelHOptions, type LearnerFactory,
} from './factory';
export { DataParallelGroup, autoThreads, splitByContext } from './parallel';
