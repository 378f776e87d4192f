/**
 * The public API of Amplification Explorer's core, importable from user task files as
 * `import { defineTask } from 'amplification-explorer'`. Pure TypeScript: no vscode, no tfjs.
 */
export * from './types';
export { defineTask, isTask, resolveSize, isTuple, tupleProblem, questionKey, sameTuple, TaskDefinitionError, MAX_SYMBOLS } from './task';
export { createRng, hash32, SeededRng, type Seed } from './rng';
export {
  amplify, amplifyMany, attemptOf, ExpertRun, lookup, groundTruth, isPrimitive, truthAnswerer, functionAnswerer, overrideAnswerer,
  TRANSCRIPT_SCHEMA_VERSION, type Answerer, type AnswerRequest, type AnswerSource, type SourcedAnswer, type Transcript, type TranscriptStep,
} from './amplify';
export { expandHCH, walkHCH, nodeAt, HCH_SCHEMA_VERSION, type HCHNode, type HCHTree, type HCHOptions } from './hch';
export { checkTask, type CheckOptions, type CheckReport, type Counterexample, type CounterexampleKind } from './check';
export { makeContext, makeQuestion, taskVocabulary, taskKinds, type InstanceId } from './instances';
export {
  PlaySession, PlayError, playVocabulary, questionProblem, answerProblem, substitutePointers, playRecordProblem, PLAY_RECORD_VERSION, HUMAN_SOURCE,
  SKIPPED_SOURCE, OPEN_SOURCE, DEFAULT_PLAY_BUDGET, type PlayOptions, type PlayOutcome, type PlayRecord, type PlayVocabulary,
} from './play';
export { renderTree, renderTranscript, renderCounterexample, renderFacts } from './render';
export { BUILTIN_TASKS, DEFAULT_TASK, builtinTask } from './tasks/index';
export { NAMES, isName, intSymbol, stablePick } from './tasks/common';
export { checkQuestion, checkAnswer, inputShapes, type InputShapes, type KindShape } from './validate-input';
export { blame, counterfactual, type Blame, type BlameKind, type BlameOptions, type Counterfactual } from './blame';
