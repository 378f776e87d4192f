/**
 * One backend's measurements, as one JSON line on stdout: training throughput of model X on
 * permutation powering (ms per step, questions per second), prediction time, and — with
 * `--memory N` — live tensors and RSS over N training steps. The throughput line also describes
 * the model and the batch shape under `model` (what scripts/bench/torch_x.py rebuilds in PyTorch).
 * With `--threads 2`, X trains data-parallel (learner/parallel.ts; needs the build's dist/learner-replica.js).
 * Times are wall-clock medians; `cpuMsPerStep` is the process's CPU time (all threads) per step.
 * Usage: node out/bench/learner-bench.js --backend wasm|cpu|tfjs-node [--preset small] [--steps 20] [--warmup 40] [--size 8] [--batch 64] [--threads 1] [--memory 2000]
 */
import { parseArgs } from 'node:util';
import { builtinTask, groundTruth, makeContext, makeQuestion } from '../../src/core/index';
import { createModelX } from '../../src/learner/index';
import { DataParallelGroup } from '../../src/learner/parallel';
import type { BackendPreference, ModelPreset, TrainingExample } from '../../src/learner/types';

const { values } = parseArgs({
  options: { backend: { type: 'string' }, preset: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' }, size: { type: 'string' }, batch: { type: 'string' }, memory: { type: 'string' }, threads: { type: 'string' } },
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
  const threads = Number(values.threads ?? 1);
  if (threads > 1) await DataParallelGroup.start(model, threads);
  const batches = Array.from({ length: 8 }, (_, i) => batch(i));
  // Warm-up: the first ~20 steps run slower while V8 optimises (wasm and JS); a run trains thousands.
  const warmup = Number(values.warmup ?? 40);
  const warm: number[] = [];
  for (let i = 0; i < warmup; i++) {
    const t = performance.now();
    model.trainStep(batches[i % batches.length]);
    warm.push(performance.now() - t);
  }
  if (process.env.BENCH_TRACE) console.error(`warm-up ms: ${warm.map((x) => x.toFixed(1)).join(' ')}`);
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
    const cpu: number[] = [];
    for (let s = 0; s < Number(values.steps ?? 20); s++) {
      const t = performance.now();
      const c = process.cpuUsage();
      model.trainStep(batches[s % batches.length]);
      const d = process.cpuUsage(c);
      times.push(performance.now() - t);
      cpu.push((d.user + d.system) / 1000);
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
    console.log(JSON.stringify({ kind: 'throughput', backend: model.backend, preset: model.preset, size, batch: batchSize, threads: model.threads, msPerStep: ms, cpuMsPerStep: median(cpu), questionsPerSecond: (1000 * batchSize) / ms, predictMs, parameterCount: model.parameterCount, model: spec }));
  }
  await model.peerGroup?.close();
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
