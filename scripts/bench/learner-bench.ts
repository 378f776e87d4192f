/**
 * One backend's measurements, as one JSON line on stdout: training throughput of model X on
 * permutation powering (ms per step, questions per second), prediction time, and — with
 * `--memory N` — live tensors and RSS over N training steps. The throughput line also describes
 * the model and the batch shape under `model` (what scripts/bench/torch_x.py rebuilds in PyTorch).
 * Usage: node out/bench/learner-bench.js --backend wasm|cpu|tfjs-node [--preset small] [--steps 20] [--size 8] [--memory 2000]
 */
import { parseArgs } from 'node:util';
import { builtinTask, groundTruth, makeContext, makeQuestion } from '../../src/core/index';
import { createModelX } from '../../src/learner/index';
import type { BackendPreference, ModelPreset, TrainingExample } from '../../src/learner/types';

const { values } = parseArgs({
  options: { backend: { type: 'string' }, preset: { type: 'string' }, steps: { type: 'string' }, size: { type: 'string' }, batch: { type: 'string' }, memory: { type: 'string' } },
});
const task = builtinTask('permutation-powering')!;
const size = Number(values.size ?? 8);
const batchSize = Number(values.batch ?? 64);
const questionsPerContext = 8;

function batch(seed: number): TrainingExample[] {
  const out: TrainingExample[] = [];
  for (let i = 0; out.length < batchSize; i++) {
    const id = { size, seed: `bench/${seed}`, index: i };
    const ctx = makeContext(task, id);
    for (let j = 0; j < questionsPerContext && out.length < batchSize; j++) {
      const question = makeQuestion(task, id, ctx, j);
      out.push({ facts: ctx.facts, question, answer: groundTruth(task, ctx, question).answer });
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const model = await createModelX({ task, backend: values.backend as BackendPreference, preset: (values.preset ?? 'small') as ModelPreset, seed: 1 });
  const batches = Array.from({ length: 8 }, (_, i) => batch(i));
  for (let i = 0; i < 3; i++) model.trainStep(batches[i % batches.length]);
  if (values.memory) {
    const steps = Number(values.memory);
    const samples: { step: number; tensors: number; rssMB: number }[] = [];
    const t0 = performance.now();
    for (let s = 1; s <= steps; s++) {
      model.trainStep(batches[s % batches.length]);
      if (s % 250 === 0 || s === 1) {
        model.predict(batches[0].slice(0, 16), { teacher: true });
        samples.push({ step: s, tensors: model.numTensors(), rssMB: Math.round(process.memoryUsage().rss / 1048576) });
      }
    }
    console.log(JSON.stringify({ kind: 'memory', backend: model.backend, preset: model.preset, steps, seconds: (performance.now() - t0) / 1000, samples }));
  } else {
    const times: number[] = [];
    for (let s = 0; s < Number(values.steps ?? 20); s++) {
      const t = performance.now();
      model.trainStep(batches[s % batches.length]);
      times.push(performance.now() - t);
    }
    const p = performance.now();
    model.predict(batches[0], { teacher: false });
    const predictMs = performance.now() - p;
    const ms = median(times);
    const tok = model.tokenizer;
    const spec = {
      parameterCount: model.parameterCount,
      config: model.config,
      optimiser: model.optimiser,
      tokenizer: { tokens: tok.tokens, lengths: tok.lengths, answerSteps: tok.answerSteps },
      contexts: Math.ceil(batchSize / questionsPerContext),
      questionsPerContext,
      factsPerContext: batches[0][0].facts.length,
    };
    console.log(JSON.stringify({ kind: 'throughput', backend: model.backend, preset: model.preset, size, batch: batchSize, msPerStep: ms, questionsPerSecond: (1000 * batchSize) / ms, predictMs, parameterCount: model.parameterCount, model: spec }));
  }
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
