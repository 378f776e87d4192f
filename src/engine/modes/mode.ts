/**
 * The interface every training mode implements (one file per mode in this folder; `index.ts` holds
 * the table). A mode says what it needs (H, H′, ground truth), how it builds a round's targets, and
 * how it is shown: its label and chart colour, and its help line (the New Run… picker's detail and
 * `amplify train --help`).
 */
import type { AnswerRequest, Answerer, AnyTask, Rng, Transcript } from '../../core/index';
import type { ModelH } from '../../learner/types';
import type { ReplayBuffer } from '../buffer';
import type { HumanData, LearnedTranscript } from '../human-transcripts';
import type { ExpertSource, RunConfig } from '../run-types';

/** Who makes a mode's targets: H (Amplify^H), H′ (Amplify^H′) or the ground truth. */
export type ModeMaker = 'H' | 'H′' | 'ground truth';

export interface ModeNeeds {
  /** The hand-written expert H decomposes questions while the targets are built (each is a call to H). */
  H: boolean;
  /** The learned expert H′ builds the targets: the learner must make one, checkpoints hold it. */
  learnedH: boolean;
  /** The targets are the ground truth. */
  groundTruth: boolean;
}

/** What a round gives a mode to build its targets from. */
export interface TargetInputs {
  task: AnyTask;
  config: RunConfig;
  /** The round's questions, in their contexts. */
  requests: readonly AnswerRequest[];
  /** X (the EMA teacher) behind the user's overrides: answers the non-primitive subquestions. */
  answerer: Answerer;
  rng: Rng;
  /**
   * H′ and the replay buffer of H's transcripts that trains it (present when the mode needs H′),
   * and with `expertSource` `human` or `both` the person's transcripts (the part H′ trains on and
   * the part held out to measure its agreement with them).
   */
  learnedH?: { model: ModelH; buffer: ReplayBuffer<LearnedTranscript>; human?: Pick<HumanData, 'train' | 'heldOut'> };
}

export interface RoundTargets {
  /** Per request: the transcript whose answer is the target, or undefined when the target is the ground truth. */
  transcripts: (Transcript | undefined)[];
  /** Questions H decomposed this round. */
  callsToH: number;
  /**
   * H′ this round: its agreement with H (before training on H's transcripts; none when H was not
   * called) and with the person on their held-out transcripts (none without them), its mean loss,
   * its training time, and where its data came from.
   */
  learnedH?: {
    agreement?: number; humanAgreement?: number; steps: number; loss?: number; trainMs: number;
    data: { source: ExpertSource; transcriptsOfH: number; human: number; heldOut: number };
  };
}

export interface ModeSpec<N extends string = string> {
  /** The name in run configs, run folders and `--mode`. */
  readonly name: N;
  /** How charts, legends and tables name it, e.g. "amplification (H)". */
  readonly label: string;
  /** Its line colour in charts and its dash pattern (SVG `stroke-dasharray`; absent: solid). */
  readonly colour: string;
  readonly dash?: string;
  /** One line: what X learns from (the New Run… picker's detail, `--help`). */
  readonly help: string;
  readonly needs: ModeNeeds;
  /** Who makes the round's targets, as the run's record of targets names them (targets.jsonl). */
  readonly maker: ModeMaker;
  targets(inputs: TargetInputs): RoundTargets;
}

/** Keeps a mode's name as a literal type, so that `Mode` can be derived from the table. */
export function defineMode<const N extends string>(spec: ModeSpec<N>): ModeSpec<N> {
  return spec;
}
