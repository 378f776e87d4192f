/**
 * The real learner factory: X on TensorFlow.js. The learner module (and so TensorFlow.js) is loaded
 * on first use only, so that importing the engine stays cheap (the extension host never loads it).
 */
import type { TransformerModelX } from '../learner/model-x';
import type { LearnerFactory } from './run';

let loaded: typeof import('../learner/index') | undefined;

async function learner() {
  loaded ??= await import('../learner/index');
  return loaded;
}

async function learnedExpert() {
  return import('../learner/model-h');
}

/**
 * Starts data-parallel replicas (threads 0/undefined = one per core, at most 2). Training on one
 * thread is a correct fallback: a failure to start replicas is reported on stderr, not thrown.
 */
async function withThreads(l: Awaited<ReturnType<typeof learner>>, model: TransformerModelX, threads: number | undefined): Promise<TransformerModelX> {
  // tfjs-node runs its kernels on several threads itself: replicas only when asked for.
  const n = threads && threads > 0 ? threads : model.backend === 'tfjs-node' ? 1 : l.autoThreads();
  if (n <= 1) return model;
  try {
    await l.DataParallelGroup.start(model, n);
  } catch (e) {
    process.stderr.write(`amplification: training on one thread (replicas failed to start: ${e instanceof Error ? e.message : String(e)})\n`);
  }
  return model;
}

export const tfjsLearnerFactory: LearnerFactory = {
  async create(o) {
    const l = await learner();
    return withThreads(l, await l.createModelX({ task: o.task, backend: o.backend, preset: o.preset, config: o.switches, seed: o.seed, learningRate: o.learningRate }), o.threads);
  },
  async load(dir, backend, threads) {
    const l = await learner();
    return withThreads(l, await l.loadModelX(dir, { backend }), threads);
  },
  async createExpert(o) {
    const h = await learnedExpert();
    return h.createModelH({ task: o.task, backend: o.backend, preset: o.preset, seed: o.seed });
  },
  async loadExpert(dir, backend) {
    const h = await learnedExpert();
    return h.loadModelH(dir, { backend });
  },
  versions() {
    return loaded?.backendVersions() ?? {};
  },
};
