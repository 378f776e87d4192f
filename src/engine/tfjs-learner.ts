/**
 * The real learner factory: X on TensorFlow.js. The learner module (and so TensorFlow.js) is loaded
 * on first use only, so that importing the engine stays cheap (the extension host never loads it).
 */
import type { LearnerFactory } from './run';

async function learner() {
  return import('../learner/index');
}

async function learnedExpert() {
  return import('../learner/model-h');
}

export const tfjsLearnerFactory: LearnerFactory = {
  async create(o) {
    const l = await learner();
    return l.createModelX({ task: o.task, backend: o.backend, preset: o.preset, seed: o.seed, learningRate: o.learningRate });
  },
  async load(dir, backend) {
    const l = await learner();
    return l.loadModelX(dir, { backend });
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
    const v: Record<string, string> = {};
    for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node']) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        v[pkg] = (require(`${pkg}/package.json`) as { version: string }).version;
      } catch {
        // not installed
      }
    }
    return v;
  },
};
