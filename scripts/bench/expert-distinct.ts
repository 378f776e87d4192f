/**
 * How many of the partial transcripts H′ is asked about in a round are distinct (docs/performance.md
 * §7b): H′'s decoders decode each distinct one once (learner/expert-dedup.ts). For each task at its
 * default size (or `--size`), H′ (`--preset`, default a run's) is trained `--train` steps of 32 on H's
 * transcripts, then one round's targets (`--questions`, 256 contexts × 8 questions) are built by
 * Amplify^{H′}(X) twice: with X (`small`, untrained: a run's first rounds) answering the
 * subquestions, and with the ground truth answering them (X once it is right: a run's late rounds).
 * Counts come from the decoder's grouping, per call of `next` (one per action of the lockstep loop,
 * two when some transcripts must answer) and per round. No timing.
 * One JSON line per task on stdout, a markdown table on stderr.
 * Usage: node out/bench/expert-distinct.js [--tasks a,b] [--size N] [--preset tiny] [--questions 2048] [--train 300] [--backend wasm]
 * (build: esbuild scripts/bench/expert-distinct.ts --bundle --platform=node --format=cjs --external:@tensorflow/* --outfile=out/bench/expert-distinct.js)
 */
import { parseArgs } from 'node:util';
import { amplifyMany, BUILTIN_TASKS, builtinTask, sameTuple, truthAnswerer, type Answerer } from '../../src/core/index';
import { amplifyLearnedMany } from '../../src/engine/learned-expert';
import { DEFAULT_EXPERT_MODEL } from '../../src/engine/modes/index';
import { modelAnswerer } from '../../src/engine/run';
import { setDedupListener } from '../../src/learner/expert-dedup';
import { createModelX } from '../../src/learner/factory';
import type { BackendPreference, ModelPreset } from '../../src/learner/types';
import { requests, trainedExpert } from './expert-setup';

const { values } = parseArgs({
  options: { tasks: { type: 'string' }, size: { type: 'string' }, preset: { type: 'string' }, questions: { type: 'string' }, train: { type: 'string' }, backend: { type: 'string' } },
});
const tasks = values.tasks ? values.tasks.split(',') : BUILTIN_TASKS.map((t) => t.name);
const preset = (values.preset ?? DEFAULT_EXPERT_MODEL) as ModelPreset;
const questions = Number(values.questions ?? 2048);
const trainSteps = Number(values.train ?? 300);
const backend = (values.backend ?? 'wasm') as BackendPreference;

interface Count {
  states: number;
  distinct: number;
}

/** The decoder's counts over one build of the targets. */
function counted(build: () => unknown): { calls: Count[]; states: number; distinct: number; fraction: number } {
  const calls: Count[] = [];
  setDedupListener((states, distinct) => calls.push({ states, distinct }));
  try {
    build();
  } finally {
    setDedupListener(undefined);
  }
  const states = calls.reduce((n, c) => n + c.states, 0);
  const distinct = calls.reduce((n, c) => n + c.distinct, 0);
  return { calls, states, distinct, fraction: distinct / Math.max(1, states) };
}

async function main() {
  const rows: string[] = [];
  for (const name of tasks) {
    const task = builtinTask(name);
    if (!task) throw new Error(`no built-in task ${name}`);
    const size = Number(values.size ?? task.sizes.default);
    const { h, last } = await trainedExpert(task, { backend, size, preset, steps: trainSteps });
    const x = await createModelX({ task, backend, preset: 'small', seed: 1 });
    try {
      const rs = requests(task, size, 'expert-bench/round', questions);
      const truth = truthAnswerer(task);
      const byX: Answerer = modelAnswerer(x, true);
      const withX = counted(() => amplifyLearnedMany(task, rs, byX, h));
      let byTruth: ReturnType<typeof amplifyLearnedMany> = [];
      const withTruth = counted(() => (byTruth = amplifyLearnedMany(task, rs, truth, h)));
      const ofH = amplifyMany(task, rs, truth);
      const agreement = ofH.filter((t, i) => sameTuple(t.answer, byTruth[i].answer)).length / rs.length;
      const distinctQuestions = new Set(rs.map((r) => r.question.join(' '))).size;
      const result = { kind: 'expert-distinct', task: name, size, preset, questions, trainSteps, expertLoss: last.loss, agreement, distinctQuestions, withX, withTruth };
      console.log(JSON.stringify(result));
      const per = (c: ReturnType<typeof counted>): string => c.calls.map((k) => `${k.distinct}/${k.states}`).join(', ');
      const pct = (f: number): string => `${(100 * f).toFixed(1)}%`;
      rows.push(`| ${name} | ${size} | ${distinctQuestions} | ${per(withX)} | ${pct(withX.fraction)} | ${per(withTruth)} | ${pct(withTruth.fraction)} | ${pct(agreement)} |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    } finally {
      x.dispose();
      h.dispose();
    }
  }
  process.stderr.write(`\n| task | N | distinct questions | X answers: distinct/states per call | round | truth answers: per call | round | H′ agrees with H |\n|---|---:|---:|---|---:|---|---:|---:|\n${rows.join('\n')}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
