/**
 * What the run engine needs of a learner, without TensorFlow.js: the engine's round mechanics are
 * tested against a fake learner that implements these interfaces.
 */
import type { Answer, Fact, Question } from '../core/index';

export type BackendName = 'tfjs-node' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;
export type ModelPreset = 'tiny' | 'small' | 'paper';

/** Architecture switches that override a preset's (for ablations): our two additions to the paper's model. */
export interface ModelSwitches {
  symbolMatch?: boolean;
  nullFact?: boolean;
}

/** One question about one context. */
export interface QueryItem {
  facts: readonly Fact[];
  question: Question;
}

/** A training example: a question about a context and its target answer. */
export interface TrainingExample extends QueryItem {
  answer: Answer;
}

export interface ScoredAnswer {
  answer: Answer;
  probability: number;
}

export interface Prediction {
  /** The greedy answer. */
  answer: Answer;
  /** Its probability under the model (product of per-symbol probabilities). */
  probability: number;
  /** The k most likely answers (beam or greedy alternatives), best first; at least the greedy one. */
  top: ScoredAnswer[];
}

export interface TrainStepResult {
  loss: number;
  /** Fraction of examples whose greedy answer equals the target (teacher-forced, on this batch). */
  accuracy: number;
  gradNorm: number;
}

/** The model X: answers questions about contexts; trained on (context, question, answer) examples. */
export interface ModelX {
  readonly backend: BackendName;
  readonly preset: ModelPreset;
  /** Answers a batch; `teacher: true` uses the exponential moving average of the weights. */
  predict(items: readonly QueryItem[], options?: { teacher?: boolean; topK?: number }): Prediction[];
  /** One optimiser step (Adam with gradient clipping) on a batch; updates the EMA teacher. */
  trainStep(batch: readonly TrainingExample[]): TrainStepResult;
  /** Writes a checkpoint (student, teacher, optimiser state, step) into `dir`, atomically. */
  save(dir: string): Promise<void>;
  /** Optimiser steps taken so far. */
  readonly step: number;
  /** Threads that compute each training step (data-parallel replicas + the model); 1 when absent. */
  readonly threads?: number;
  /** Live tensors (for leak checks). */
  numTensors(): number;
  dispose(): void;
}

/** A partial transcript of H (or H′): the question and the subquestions asked so far with their answers. */
export interface PartialTranscript {
  question: Question;
  steps: readonly { question: Question; answer: Answer }[];
}

/** A complete transcript of H (or of a person playing H), as H′'s `trainStep` takes it. */
export type ExpertTranscript = PartialTranscript & { answer: Answer };

/** What H′ does next: ask a subquestion, or answer. */
export type ExpertAction = { ask: Question } | { answer: Answer };

export interface ExpertStepResult {
  loss: number;
  /** Fraction of predicted tokens (subquestions and answers) that are right, teacher-forced (when asked). */
  tokenAccuracy?: number;
}

/** Decodes H′'s actions for transcripts identified by the caller's ids, across calls (ModelH.decoder). */
export interface ExpertDecoder {
  /** The next action of each transcript (`ids[i]` names `states[i]`); as ModelH.next. */
  next(ids: readonly number[], states: readonly PartialTranscript[], options?: { forceAnswer?: boolean }): ExpertAction[];
  /** Drops what is kept for transcript `id` (it is finished). */
  forget(id: number): void;
  /** Ends the decoder: everything it kept is dropped (its memory may go to the next decoder); later calls throw. */
  close?(): void;
}

/**
 * H′, the learned model of H: a causal Transformer over transcripts
 * [Q, subQ1, subA1, …, subQk, subAk, A] that predicts H's subquestions and final answer (never the
 * subanswers) and never sees the facts.
 */
export interface ModelH {
  readonly backend: BackendName;
  readonly preset: ModelPreset;
  /** The next action for each partial transcript (greedy). `forceAnswer`: only an answer is allowed. */
  next(states: readonly PartialTranscript[], options?: { forceAnswer?: boolean }): ExpertAction[];
  /**
   * A decoder for transcripts that advance over several calls (Amplify^{H′}): the same actions as
   * `next`, and a transcript that asked a subquestion resumes from its kept keys/values. Optional:
   * a model without one is asked with `next` at every action.
   */
  decoder?(): ExpertDecoder;
  /** One optimiser step on complete transcripts of H (`answer` is H's final answer); `tokenAccuracy: true` also measures that. */
  trainStep(batch: readonly (PartialTranscript & { answer: Answer })[], options?: { tokenAccuracy?: boolean }): ExpertStepResult;
  save(dir: string): Promise<void>;
  readonly step: number;
  numTensors(): number;
  dispose(): void;
}
