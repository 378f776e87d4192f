/**
 * The run folder format (version 1), shared by the engine, the CLI and the extension
 * (docs/run-folder.md describes every file and who writes it; run-folder.ts reads and writes them).
 *
 * ```
 * <run>/run.json                 RunMeta: task, config, seed, backend, versions (written once, atomically)
 * <run>/rounds.jsonl             one RoundRecord per line, appended after each round
 * <run>/state.json               RunState at the last checkpoint (atomic; the commit point)
 * <run>/checkpoints/round-NNNN/  the last two checkpoints (RunState.checkpoint, .previousCheckpoint):
 *     model.json, weights-*.bin    X (student, EMA teacher, Adam state, tokenizer)
 *     buffer.json                  X's replay buffer
 *     expert/                      H′, the learned expert (modes with H′)
 *     expert-buffer.json           H's transcripts that train H′ (modes with H′)
 *     state.json                   the RunState this checkpoint holds
 *     manifest.json                size and sha256 of every other file (written last)
 * <run>/lock                     held by the trainer while the run is open (run-lock.ts)
 * <run>/pinned/round-NNNN.json   per round: each pinned question answered by X and by Amplify
 * <run>/targets.jsonl            one TargetsRecord per line: a bounded sample of each round's targets
 *
 * <run>/pinned.json              the pinned questions (atomic)
 * <run>/overrides.jsonl          OverrideEvent per line (append-only; the last event per key wins)
 * <run>/annotations.jsonl        AnnotationEvent per line (append-only)
 * ```
 * The run (worker or CLI) writes the records above the blank line; the host (the extension) writes
 * the edits below it, and the run only reads pinned.json and overrides.jsonl, at each round and
 * each inspect. Appended files tolerate a truncated last line (a crash mid-write): it is skipped
 * and reported. Every file is checked against its schema (run-schema.ts) when it is read.
 */
import type { Answer, InstanceId, Question, Transcript } from '../core/index';
import type { HCHTree } from '../core/hch';
import type { BackendName, BackendPreference, ModelPreset, ModelSwitches, ScoredAnswer } from '../learner/types';
import type { Mode, ModeMaker } from './modes/index';

export const RUN_FORMAT_VERSION = 1;

/** A training mode: one of the table in `modes/index.ts` (`MODES`). */
export type { Mode };

/** Where H′'s training data comes from (modes with H′): H's transcripts, a person's (`<run>/human/transcripts.jsonl`), or both. */
export type ExpertSource = 'H' | 'human' | 'both';

export interface FaultConfig {
  /** Fraction of targets replaced by a wrong answer, 0..1. */
  rate: number;
  /** random: each target independently; systematic: a fixed subset of questions, always the same wrong answer. */
  kind: 'random' | 'systematic';
}

export interface RunConfig {
  /** A built-in task name or the path of a task file. */
  task: string;
  /** How a round's targets are built (see `modes/`). */
  mode: Mode;
  /** Size N to start at (fixed unless `curriculum`). */
  size: number;
  curriculum: boolean;
  /** Largest N the curriculum may reach. */
  maxSize: number;
  rounds: number;
  stepsPerRound: number;
  batchSize: number;
  /** New contexts per round, each with `questionsPerContext` training questions. */
  contextsPerRound: number;
  questionsPerContext: number;
  /** Replay buffer capacity, in examples. */
  bufferSize: number;
  /** Held-out contexts for evaluation (each with `questionsPerContext` questions). */
  evalContexts: number;
  model: ModelPreset;
  /** Overrides of the preset's architecture switches (absent: the preset's). */
  modelSwitches?: ModelSwitches;
  backend: BackendPreference;
  learningRate?: number;
  /** Horizon in optimiser steps of X's teacher (an exponential moving average: decay 1 − 1/horizon); absent: the preset's. */
  teacherHorizon?: number;
  /** Threads that train X (data-parallel replicas) and decode H′ (a decode worker); 0 or absent = one per core, at most 2. */
  threads?: number;
  seed: number;
  /** The curriculum gate: raise N when the moving average of X's agreement with its targets exceeds threshold. */
  gate: GateConfig;
  /** Use the user's overrides ahead of H when building targets. */
  overridesFeedTraining: boolean;
  fault?: FaultConfig;
  /** Depth of the trees recorded for pinned questions each round (default 3). */
  pinnedDepth?: number;
  /** Modes with H′: questions decomposed by the real H each round (its transcripts train H′). Default 64 (DEFAULT_EXPERT_CALLS). */
  expertCallsPerRound?: number;
  /** Modes with H′: H′ optimiser steps per round (batch 32). Default 8 (DEFAULT_EXPERT_STEPS). */
  expertStepsPerRound?: number;
  /**
   * Modes with H′: when H′ takes its steps (new runs: DEFAULT_CONFIG's `while-disagreeing`; absent,
   * in runs made before session 12: `every-round`). `every-round`: every round.
   * `while-disagreeing`: only in a round where H′'s answer differed from H's on one of the round's
   * calls to H (measured before it trains; with a person's transcripts alone, on their held-out
   * ones); the transcripts of every round still go to its buffer.
   */
  expertTraining?: ExpertTraining;
  /** Modes with H′: the size of H′ (default DEFAULT_EXPERT_MODEL). */
  expertModel?: ModelPreset;
  /** Modes with H′: what H′ learns from (default H; `human`: the real H is never called). */
  expertSource?: ExpertSource;
}

/**
 * The curriculum gate (docs/scaling.md, "The gate"). `grounded` (the default of new runs): moving
 * averages with a horizon of `horizon` optimiser steps, of X's agreement with all its targets (the
 * paper's rule) and with its grounded targets — those H built without a subanswer of X's — and N
 * goes up once both exceed `threshold` after at least `horizon` steps at N. `classes`: as
 * `grounded`, and the average of every question class (the task's `classify`) must exceed it too.
 * `questions` (runs made before `grounded`, whose config has no `rule`): the average of the last
 * `horizon` agreements (per question) with all targets.
 */
export interface GateConfig {
  threshold: number;
  horizon: number;
  rule?: GateRule;
}

export const GATE_RULES = ['grounded', 'classes', 'questions'] as const;
export type GateRule = (typeof GATE_RULES)[number];
/** When H′ trains (RunConfig's `expertTraining`). */
export const EXPERT_TRAINING = ['every-round', 'while-disagreeing'] as const;
export type ExpertTraining = (typeof EXPERT_TRAINING)[number];

/** A debiased exponential moving average: `sum / weight` once `weight` > 0. */
export interface MovingAverage {
  sum: number;
  weight: number;
}

export interface RunMeta {
  formatVersion: typeof RUN_FORMAT_VERSION;
  id: string;
  /** `check`: a folder made to show a task's counterexamples (no training; ground truth at the leaves). */
  kind?: 'run' | 'check';
  createdAt: string;
  taskName: string;
  /** Absolute path of the task file, for user tasks. */
  taskFile?: string;
  config: RunConfig;
  /** The backend actually used. */
  backend: BackendName | 'fake';
  /** Threads that trained X when the run was created (absent in runs made before threads existed). */
  threads?: number;
  versions: Record<string, string>;
}

export interface RoundRecord {
  round: number;
  /** Size N this round trained at. */
  size: number;
  /** X's held-out accuracy against ground truth (0..1), overall and per question class. */
  accuracy: number;
  accuracyByClass: Record<string, number>;
  /** The targets' accuracy against ground truth (amplified targets; 1 when the targets are the ground truth). */
  targetAccuracy: number;
  targetAccuracyByClass: Record<string, number>;
  /**
   * X's agreement with this round's targets before training on them (a "?" target never counts as
   * agreement), and its moving average over the last `gate.horizon` questions (the curriculum gate).
   */
  agreement: number;
  agreementAverage: number;
  /**
   * The `grounded` gate: X's agreement with this round's grounded targets (H built them from
   * lookups, without a subanswer of X's; on a sample of up to 256 of them) and its moving average;
   * absent when the round had none, or under the `questions` gate.
   */
  groundedAgreement?: number;
  groundedAverage?: number;
  /** The `classes` gate: the moving average of `agreementByClass`, per class seen at this N. */
  agreementAverageByClass?: Record<string, number>;
  /** `agreement` per question class (the task's `classify`); absent in rounds recorded before it was. */
  agreementByClass?: Record<string, number>;
  /** Mean training loss of the round (0 when no step was taken). */
  loss: number;
  /** Optimiser steps taken: `stepsPerRound`, or 0 while every target so far was '?'. */
  stepsTrained: number;
  /** Calls to H this round (one per question H decomposed while building targets) and in total. */
  callsToH: number;
  callsToHTotal: number;
  /** Subquestions answered by X (the teacher) this round. */
  subquestionsToX: number;
  /** Training questions (targets) made so far, and examples drawn for training so far. */
  questionsTotal: number;
  examplesTotal: number;
  overridesUsed: number;
  faultsInjected: number;
  /** Wall time per phase; `expertTrain` (modes with H′) is the part of `targets` spent training H′. */
  seconds: { targets: number; train: number; eval: number; total: number; expertTrain?: number };
  /** Seconds since the run started (summed over resumptions). */
  elapsed: number;
  tensors?: number;
  /** Modes with H′: how often H′'s final answer equals H's on the questions H decomposed this round (before training H′ on them), and H′'s loss. */
  expertAgreement?: number;
  expertLoss?: number;
  /** Modes with H′: H′'s optimiser steps this round (0: it agreed with H on every call, `while-disagreeing`). */
  expertSteps?: number;
  /**
   * Modes with H′: where H′'s training data came from this round — its source, H's transcripts
   * made this round, and the person's transcripts it trains on and those held out.
   */
  expertData?: { source: ExpertSource; transcriptsOfH: number; human: number; heldOut: number };
  /**
   * Modes with H′ learning from a person: how often H′ reproduces their held-out transcripts exactly
   * (each subquestion in order given their subanswers, then their answer), before this round's training.
   */
  humanAgreement?: number;
  /** Targets dropped this round because they cannot be trained on (see Run.targetProblem), and why. */
  targetsDropped?: number;
  warnings?: string[];
}

export interface RunState {
  formatVersion: typeof RUN_FORMAT_VERSION;
  /** Rounds completed. */
  round: number;
  size: number;
  /** The `questions` gate: the last `gate.horizon` agreement values (per question, 0/1). */
  agreementWindow: number[];
  /** The `grounded` gate at the current N: optimiser steps taken at N and the two moving averages. */
  gateAverages?: { steps: number; all: MovingAverage; grounded: MovingAverage; classes?: Record<string, MovingAverage> };
  callsToHTotal: number;
  questionsTotal: number;
  examplesTotal: number;
  elapsed: number;
  /** True when a checkpoint holds a model (false before the first round). */
  hasModel: boolean;
  /** The checkpoint folder, relative to the run folder (`checkpoints/round-NNNN`). */
  checkpoint?: string;
  /** The checkpoint before it, kept in case the last one is damaged. */
  previousCheckpoint?: string;
}

/** Who made a training target: the mode's maker (H, H′, ground truth), the user's override, or an injected fault. */
export type TargetMaker = ModeMaker | 'override' | 'fault';

/**
 * One recorded training target: its question in its context (rebuilt from `instance`), the answer
 * X was trained on, who made it, and whether it was right.
 */
export interface TargetSample {
  /** The question's class (`task.classify`). */
  cls: string;
  instance: InstanceId;
  question: Question;
  /** The target (`?` when it could not be trained on). */
  answer: Answer;
  maker: TargetMaker;
  /** The answer is the ground truth's. */
  ok: boolean;
}

/**
 * A line of targets.jsonl: a round's targets, sampled — up to `perClass` per question class, plus
 * every target an override or a fault made.
 */
export interface TargetsRecord {
  round: number;
  perClass: number;
  /** Targets made this round per class (all of them, not only the sampled ones). */
  made: Record<string, number>;
  targets: TargetSample[];
}

export interface PinnedQuestion {
  id: string;
  instance: InstanceId;
  question: Question;
  /** Optional label for listings. */
  label?: string;
}

/** What X alone answers to a question: the student (with alternatives) and the EMA teacher. */
export interface NodeAnswers {
  x: { answer: Answer; probability: number; top: ScoredAnswer[] };
  teacher: Answer;
}

export interface PinnedAnswer {
  pin: string;
  question: Question;
  truth: Answer;
  /** X's answer (the student), with alternatives. */
  x: NodeAnswers['x'];
  /** Amplify^H(X): H with X (teacher) answering the subquestions. */
  amplified: Transcript;
  /** The HCH tree (depth `pinnedDepth`) with X (teacher) at the leaves and overrides applied. */
  tree: HCHTree;
  /** X's answers at every non-primitive node of the tree, by question key. */
  answers: Record<string, NodeAnswers>;
}

export interface PinnedRound {
  round: number;
  size: number;
  answers: PinnedAnswer[];
}

export interface OverrideKey {
  instance: InstanceId;
  question: Question;
}

export type OverrideEvent =
  | { op: 'set'; key: OverrideKey; answer: Answer; at: string; note?: string }
  | { op: 'clear'; key: OverrideKey; at: string };

export interface AnnotationEvent {
  op: 'add' | 'remove';
  id: string;
  at: string;
  key?: OverrideKey;
  /** Path of the node in the question's tree (child indices), when the note is about a subquestion. */
  path?: number[];
  round?: number;
  note?: string;
  tags?: string[];
  /** The annotated node as it was when the note was written (a note is a labelled example: see AnnotatedNode). */
  node?: AnnotatedNode;
}

/** What a note records of its node: its question and X's, H's and the true answers at that moment. */
export interface AnnotatedNode {
  /** The node's own question (`key.question` is the pinned question at the tree's root). */
  question: Question;
  /** The answer the tree used, and who gave it (lookup, H, X, override …). */
  answer: Answer;
  source: string;
  /** X alone (the student) and its probability; absent for a lookup. */
  x?: Answer;
  xProbability?: number;
  /** H combining the subanswers, when H ran at the node. */
  h?: Answer;
  truth: Answer;
}
