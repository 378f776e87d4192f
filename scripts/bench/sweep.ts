/**
 * A learner sweep: supervised training of X on fresh contexts every step (no replay), held-out
 * accuracy (student and teacher) every `--every` steps, one JSON line each. Used to choose the
 * presets' settings; compare runs by steps (and by ms/step from the same machine state).
 * Usage: npm run bench:sweep -- --task permutation-powering --size 8 --preset small
 *   [--config '{"encoderLayers":2}'] [--optimiser '{"learningRate":2e-3}'] [--contexts 16]
 *   [--questions 8] [--steps 4000] [--seconds 300] [--every 250] [--seed 1] [--threads 2]
 */
import { parseArgs } from 'node:util';
import { builtinTask, groundTruth, makeContext, makeQuestion, sameTuple } from '../../src/core/index';
import { createModelX, DataParallelGroup } from '../../src/learner/index';
import type { ModelPreset, TrainingExample } from '../../src/learner/types';

const { values } = parseArgs({
  options: {
    task: { type: 'string' }, size: { type: 'string' }, preset: { type: 'string' }, config: { type: 'string' }, optimiser: { type: 'string' },
    contexts: { type: 'string' }, questions: { type: 'string' }, steps: { type: 'string' }, seconds: { type: 'string' }, every: { type: 'string' },
    seed: { type: 'string' }, label: { type: 'string' }, threads: { type: 'string' },
  },
});
const task = builtinTask(values.task ?? 'permutation-powering')!;
const size = Number(values.size ?? 8);
const contexts = Number(values.contexts ?? 16);
const questions = Number(values.questions ?? 8);
const seed = Number(values.seed ?? 1);

function examples(tag: string, n: number): (TrainingExample & { cls: string })[] {
  const out: (TrainingExample & { cls: string })[] = [];
  for (let i = 0; i < n; i++) {
    const id = { size, seed: `sweep/${seed}/${tag}`, index: i };
    const ctx = makeContext(task, id);
    for (let j = 0; j < questions; j++) {
      const question = makeQuestion(task, id, ctx, j);
      out.push({ facts: ctx.facts, question, answer: groundTruth(task, ctx, question).answer, cls: task.classify(ctx, question) });
    }
  }
  return out;
}

async function main() {
  const model = await createModelX({
    task, backend: 'wasm', preset: (values.preset ?? 'small') as ModelPreset, seed,
    config: values.config ? JSON.parse(values.config) : undefined, optimiser: values.optimiser ? JSON.parse(values.optimiser) : undefined,
  });
  if (Number(values.threads ?? 1) > 1) await DataParallelGroup.start(model, Number(values.threads));
  const held = examples('eval', 128);
  const maxSteps = Number(values.steps ?? 1e9);
  const maxSeconds = Number(values.seconds ?? 1e9);
  const every = Number(values.every ?? 250);
  const t0 = performance.now();
  let trainMs = 0;
  let loss = 0;
  const accuracy = (teacher: boolean) => {
    const p = model.predict(held, { teacher });
    return held.filter((e, i) => sameTuple(p[i].answer, e.answer)).length / held.length;
  };
  const byClass = () => {
    const p = model.predict(held, { teacher: true });
    const acc: Record<string, [number, number]> = {};
    held.forEach((e, i) => {
      const a = (acc[e.cls] ??= [0, 0]);
      a[0] += sameTuple(p[i].answer, e.answer) ? 1 : 0;
      a[1]++;
    });
    return Object.fromEntries(Object.entries(acc).sort().map(([k, [n, d]]) => [k, +(n / d).toFixed(2)]));
  };
  for (let step = 1; step <= maxSteps; step++) {
    const batch = examples(`train/${step}`, contexts);
    const t = performance.now();
    loss += model.trainStep(batch).loss;
    trainMs += performance.now() - t;
    const seconds = (performance.now() - t0) / 1000;
    if (step % every === 0 || seconds > maxSeconds) {
      console.log(JSON.stringify({ label: values.label, step, seconds: Math.round(seconds), msPerStep: +(trainMs / step).toFixed(1), loss: +(loss / every).toFixed(3), student: accuracy(false), teacher: accuracy(true), byClass: byClass() }));
      loss = 0;
    }
    if (seconds > maxSeconds) break;
  }
  model.dispose();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
