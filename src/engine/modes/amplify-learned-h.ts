/**
 * The paper's full method: H decomposes a few questions each round, its transcripts train the
 * learned expert H′, and Amplify^{H′}(X) builds the targets. With `expertSource` `human`, H′ learns
 * from a person's recorded transcripts instead (the real H is never called); with `both`, from
 * theirs and H's.
 */
import { amplifyMany, sameTuple, type Rng } from '../../core/index';
import { DEFAULT_EXPERT_SOURCE, agreementWithPerson, type LearnedTranscript } from '../human-transcripts';
import { amplifyLearnedMany, expertTranscript } from '../learned-expert';
import type { ReplayBuffer } from '../buffer';
import type { ModelPreset } from '../../learner/types';
import type { ExpertTraining } from '../run-types';
import { defineMode } from './mode';

/** Questions H decomposes per round when the config does not say (`expertCallsPerRound`). */
export const DEFAULT_EXPERT_CALLS = 64;

/**
 * H′'s optimiser steps per round when the config does not say. Each cost ~130 ms on this project's
 * 2-core VM (batch 32, another run beside it); 40 made H′'s training 10 of a round's 14 s. With 8,
 * H′ agreed with H on every checked question from round 14 (99.9% on average after) and its run
 * reached 90% (permutation powering, N = 8; docs/results.md).
 */
export const DEFAULT_EXPERT_STEPS = 8;

/**
 * H′'s preset when the config does not say (`expertModel`; H′'s checkpoints record their own, so
 * runs made with `small`, the default before, load as they were). `tiny` agreed with H as well as
 * `small` after the same calls to H on all five tasks, at a third of the CPU per training step and
 * two thirds per decoded transcript (docs/performance.md §7a).
 */
export const DEFAULT_EXPERT_MODEL: ModelPreset = 'tiny';

/**
 * When H′ trains if the config does not say: every round, as every run made before session 12 did
 * (new runs record DEFAULT_CONFIG's `while-disagreeing`, docs/performance.md §14).
 */
const EXPERT_TRAINING_BEFORE: ExpertTraining = 'every-round';

/**
 * Whether H′ takes its steps this round: always with `every-round`; with `while-disagreeing`, when
 * it disagreed with H on one of the round's calls (with no call to H, with the person's held-out
 * transcripts) or there was nothing to compare.
 */
export function expertTrains(rule: ExpertTraining, agreement: number | undefined, humanAgreement: number | undefined): boolean {
  if (rule === 'every-round') return true;
  const measured = agreement ?? humanAgreement;
  return measured === undefined || measured < 1;
}

/** H′'s batch: transcripts per optimiser step. */
const EXPERT_BATCH = 32;

/** One batch for H′: from the person's transcripts, H's, or half from each when both are there. */
function expertBatch(rng: Rng, human: readonly LearnedTranscript[], ofH: ReplayBuffer<LearnedTranscript>): LearnedTranscript[] {
  const fromHuman = ofH.size === 0 ? EXPERT_BATCH : human.length === 0 ? 0 : EXPERT_BATCH / 2;
  return [...Array.from({ length: fromHuman }, () => human[rng.int(human.length)]), ...ofH.sample(rng, EXPERT_BATCH - fromHuman)];
}

export const amplifyLearnedH = defineMode({
  name: 'amplify-learned-h',
  label: 'amplification (H′)',
  colour: '#2ca02c',
  dash: '5 3',
  help: 'X learns from Amplify^H′(X): H′, trained on a few of H\'s decompositions each round (or a person\'s), builds the targets',
  needs: { H: true, learnedH: true, groundTruth: false },
  maker: 'H′',
  targets: ({ task, config, requests, answerer, rng, learnedH }) => {
    if (!learnedH) throw new Error('this mode needs the learned expert H′');
    const source = config.expertSource ?? DEFAULT_EXPERT_SOURCE;
    const human = source === 'H' ? { train: [], heldOut: [] } : (learnedH.human ?? { train: [], heldOut: [] });
    const calls = source === 'human' ? [] : requests.slice(0, Math.min(requests.length, config.expertCallsPerRound ?? DEFAULT_EXPERT_CALLS));
    const byH = amplifyMany(task, calls, answerer);
    const byExpert = amplifyLearnedMany(task, requests, answerer, learnedH.model);
    const agreement = byH.length === 0 ? undefined : byH.filter((t, i) => sameTuple(t.answer, byExpert[i].answer)).length / byH.length;
    const humanAgreement = human.heldOut.length === 0 ? undefined : agreementWithPerson(learnedH.model, task, human.heldOut);
    learnedH.buffer.add(byH.filter((t) => t.error === undefined).map(expertTranscript));
    const trains = learnedH.buffer.size + human.train.length > 0 && expertTrains(config.expertTraining ?? EXPERT_TRAINING_BEFORE, agreement, humanAgreement);
    const steps = trains ? (config.expertStepsPerRound ?? DEFAULT_EXPERT_STEPS) : 0;
    let loss = 0;
    const started = performance.now();
    for (let s = 0; s < steps; s++) loss += learnedH.model.trainStep(expertBatch(rng, human.train, learnedH.buffer)).loss;
    const trainMs = performance.now() - started;
    return {
      transcripts: byExpert, callsToH: byH.length,
      learnedH: {
        agreement, humanAgreement, steps, ...(steps > 0 ? { loss: loss / steps } : {}), trainMs,
        data: { source, transcriptsOfH: byH.length, human: human.train.length, heldOut: human.heldOut.length },
      },
    };
  },
});
