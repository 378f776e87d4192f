/**
 * The fake learner as a module for the worker thread (`learnerModule`). AMP_FAKE_CRASH makes it
 * misbehave at a training step: `exit:N` ends the worker thread abruptly, `throw:N` throws.
 * AMP_FAKE_LEARNER=oracle makes it the permutation-powering oracle X (permutationOracleFactory).
 * Otherwise it also has the fake H′ of permutation powering (modes with a learned expert).
 */
import { builtinTask } from '../../../src/core/index';
import { FakeModel, fakeFactory, fakeFactoryWithExpert, permutationOracleFactory } from './fake-learner';

const crash = process.env.AMP_FAKE_CRASH ?? '';
const [mode, at] = crash.split(':');
const base = fakeFactory(1);

function sabotage(m: FakeModel): FakeModel {
  if (!mode) return m;
  const train = m.trainStep.bind(m);
  m.trainStep = (batch) => {
    if (m.step + 1 === Number(at)) {
      if (mode === 'exit') process.exit(3);
      throw new Error(`fake learner failed at step ${at}`);
    }
    return train(batch);
  };
  return m;
}

// H′ (modes with a learned expert) for permutation powering: the fake expert, which plays H once trained.
const expert = fakeFactoryWithExpert(builtinTask('permutation-powering')!);

const fake = {
  create: async (o: Parameters<typeof base.create>[0]) => sabotage((await base.create(o)) as FakeModel),
  load: async (dir: string, backend: Parameters<typeof base.load>[1]) => sabotage((await base.load(dir, backend)) as FakeModel),
  versions: base.versions,
  createExpert: expert.createExpert,
  loadExpert: expert.loadExpert,
};

export const factory = process.env.AMP_FAKE_LEARNER === 'oracle' ? permutationOracleFactory() : fake;
