/**
 * H′'s decoding against H's, as one JSON line on stdout (and a summary on stderr): H′ (`--preset`,
 * default a run's, DEFAULT_EXPERT_MODEL) is first trained to imitate H on permutation powering (H's transcripts with true
 * subanswers, `--train` steps of 32), then the targets of one round (`--questions`, default 2,048 =
 * 256 contexts × 8) are built by Amplify with H and with H′ (X, untrained, answers the
 * subquestions in both), interleaved `--reps` times. Reported per build: wall and process CPU
 * time (medians), transcripts per second, and how the time splits between H′'s decoding, X's
 * answers and the rest. A round of each mode is composed from parts measured in the same loop: its
 * targets; in H′ rounds, H's decompositions of a run's 64 calls (they train H′) and H′'s training
 * steps of 32 (`--expert-steps`, default a run's: 8); and what both rounds share — X's 16 training
 * steps of 256 (one thread here) and X's predictions of 256 gate questions. `hPrimeAgreedTwoThreadsMs`
 * is the H′ round without H′'s training: a round of `--expert-training while-disagreeing` (the
 * default of new runs) in which H′ agreed with H on every call.
 * `--task` picks the task (default permutation powering; `--size` defaults to its default size).
 * `distinct` counts the states H′'s decoder was asked about in the first build and how many were
 * distinct (decoded once each, learner/expert-dedup.ts). With `--ab-before`, every repetition also
 * builds the H′ targets (one thread, two threads) as before session 8 — identical transcripts decoded
 * each, and (on the model's thread) the token steps through tfjs's kernels, not the fused step of
 * learner/decode-step.ts — reported under `before`, and counts the transcripts that differ (`differingTranscripts`).
 * (`--ab-dedup` is the same.)
 * `hPrimeTwoThreads` is H′ (kept keys/values) decoding on two threads (learner/decode-threads.ts; needs
 * the build's dist/learner-decode.js; its weights are copied to the worker on the first call after
 * each training, inside the measured time), checked to build the same transcripts; the composed
 * round `hPrimeTwoThreadsMs` uses it.
 * With `--ab-simd-matmul`, every repetition measures all of it twice, with our wasm SIMD
 * BatchMatMul and _FusedMatMul (src/learner/batch-matmul.ts) on and off, and reports the kernel-off parts and
 * round under `simdOff`. `--ab-fused-attention` does the same with fused attention
 * (src/learner/attention-kernel.ts) on and off, reported under `fusedAttentionOff`.
 * Usage: node out/bench/expert.js [--task permutation-powering] [--backend wasm] [--preset tiny] [--size 8] [--questions 2048] [--train 300] [--reps 3] [--expert-steps 8] [--ab-before] [--ab-simd-matmul] [--ab-fused-attention]
 */
import { parseArgs } from 'node:util';
import { amplifyMany, builtinTask, groundTruth, type Answerer } from '../../src/core/index';
import { amplifyLearnedMany } from '../../src/engine/learned-expert';
import { DEFAULT_EXPERT_CALLS, DEFAULT_EXPERT_MODEL, DEFAULT_EXPERT_STEPS } from '../../src/engine/modes/index';
import { modelAnswerer } from '../../src/engine/run';
import { setSimdBatchMatMul } from '../../src/learner/batch-matmul';
import { setFusedAttention } from '../../src/learner/attention-kernel';
import { DecodeThreads } from '../../src/learner/decode-threads';
import { setFusedDecodeStep } from '../../src/learner/decode-step';
import { setDedupDecoding, setDedupListener } from '../../src/learner/expert-dedup';
import { createModelX } from '../../src/learner/factory';
import type { BackendPreference, ModelH, ModelPreset } from '../../src/learner/types';
import { median, requests, trainedExpert } from './expert-setup';

const { values } = parseArgs({
  options: { task: { type: 'string' }, 'ab-before': { type: 'boolean' }, 'ab-dedup': { type: 'boolean' }, backend: { type: 'string' }, preset: { type: 'string' }, size: { type: 'string' }, questions: { type: 'string' }, train: { type: 'string' }, reps: { type: 'string' }, 'expert-steps': { type: 'string' }, threads: { type: 'string' }, 'ab-simd-matmul': { type: 'boolean' }, 'ab-fused-attention': { type: 'boolean' } },
});
const task = builtinTask(values.task ?? 'permutation-powering')!;
if (!task) throw new Error(`no built-in task ${values.task}`);
const backend = (values.backend ?? 'wasm') as BackendPreference;
const size = Number(values.size ?? task.sizes.default);
const preset = (values.preset ?? DEFAULT_EXPERT_MODEL) as ModelPreset;
const questions = Number(values.questions ?? 2048);
const trainSteps = Number(values.train ?? 300);
const reps = Number(values.reps ?? 3);
/** H′'s training steps of 32 in the composed H′ round (a run's `--expert-steps`). */
const expertSteps = Number(values['expert-steps'] ?? DEFAULT_EXPERT_STEPS);
const abSimd = values['ab-simd-matmul'] === true;
const abFused = values['ab-fused-attention'] === true;
const abBefore = values['ab-before'] === true || values['ab-dedup'] === true;

/** Wall and CPU time of fn (ms), and the time spent inside the wrapped callees. */
function measure(fn: () => unknown, clocks: { expertMs: number; answererMs: number }) {
  clocks.expertMs = clocks.answererMs = 0;
  const c = process.cpuUsage();
  const t = performance.now();
  fn();
  const wall = performance.now() - t;
  const d = process.cpuUsage(c);
  return { wall, cpu: (d.user + d.system) / 1000, expertMs: clocks.expertMs, answererMs: clocks.answererMs };
}

async function main() {
  const x = await createModelX({ task, backend, preset: 'small', seed: 1 });
  const tt = performance.now();
  const { h, examples, last } = await trainedExpert(task, { backend, size, preset, steps: trainSteps });
  process.stderr.write(`H′ (${preset}) trained ${trainSteps} steps in ${((performance.now() - tt) / 1000).toFixed(0)} s: loss ${last.loss.toFixed(3)}, token accuracy ${last.tokenAccuracy?.toFixed(3)}\n`);

  const clocks = { expertMs: 0, answererMs: 0 };
  const x0 = modelAnswerer(x, true);
  const answerer: Answerer = {
    answerBatch(rs) {
      const t = performance.now();
      const out = x0.answerBatch(rs);
      clocks.answererMs += performance.now() - t;
      return out;
    },
  };
  const expert: ModelH = Object.assign(Object.create(h) as ModelH, {
    decoder() {
      const d = h.decoder();
      return {
        next(...args: Parameters<typeof d.next>) {
          const t = performance.now();
          const out = d.next(...args);
          clocks.expertMs += performance.now() - t;
          return out;
        },
        forget: (id: number) => d.forget(id),
        close: () => d.close?.(),
      };
    },
  });
  // The same H′ decoding every action from the whole transcript (ModelH.next; before decoder()).
  const stateless: ModelH = Object.assign(Object.create(h) as ModelH, {
    decoder() {
      return {
        next(_ids: readonly number[], states: Parameters<ModelH['next']>[0], options?: Parameters<ModelH['next']>[1]) {
          const t = performance.now();
          const out = h.next(states, options);
          clocks.expertMs += performance.now() - t;
          return out;
        },
        forget: () => undefined,
      };
    },
  });
  // H′ decoding on two threads (a worker with a copy of H′).
  const threads = await DecodeThreads.start(h);
  const twoThreads: ModelH = Object.assign(Object.create(h) as ModelH, {
    decoder() {
      const d = threads.decoder();
      return {
        next(...args: Parameters<typeof d.next>) {
          const t = performance.now();
          const out = d.next(...args);
          clocks.expertMs += performance.now() - t;
          return out;
        },
        forget: (id: number) => d.forget(id),
        close: () => d.close?.(),
      };
    },
  });
  const rs = requests(task, size, 'expert-bench/round', questions);
  const xBatch = rs.slice(0, 256).map((r) => ({ facts: r.ctx.facts, question: r.question, answer: groundTruth(task, r.ctx, r.question).answer }));
  type Samples = Record<'h' | 'hPrime' | 'hPrimeTwoThreads' | 'hPrimeWithoutKeptKeys' | 'hPrimeTraining' | 'hCalls' | 'shared', ReturnType<typeof measure>[]>;
  const samples = (): Samples => ({ h: [], hPrime: [], hPrimeTwoThreads: [], hPrimeWithoutKeptKeys: [], hPrimeTraining: [], hCalls: [], shared: [] });
  // An H′ round also has H decompose a few questions (its transcripts train H′, and H′'s agreement is measured on them).
  const callsToH = rs.slice(0, DEFAULT_EXPERT_CALLS);
  const on = samples();
  const off = samples();
  const fusedOff = samples();
  const beforeS8: Pick<Samples, 'hPrime' | 'hPrimeTwoThreads'> = { hPrime: [], hPrimeTwoThreads: [] };
  let distinct: { states: number; distinct: number }[] | undefined;
  /** The most transcripts that differed between a build as before session 8 and now. */
  let differing = 0;
  let agreement = 0;
  const repetition = (into: Samples) => {
    let hT: ReturnType<typeof amplifyMany> = [];
    let eT: ReturnType<typeof amplifyMany> = [];
    into.h.push(measure(() => (hT = amplifyMany(task, rs, answerer)), clocks));
    const calls: { states: number; distinct: number }[] = [];
    setDedupListener((states, d) => calls.push({ states, distinct: d }));
    into.hPrime.push(measure(() => (eT = amplifyLearnedMany(task, rs, answerer, expert)), clocks));
    setDedupListener(undefined);
    distinct ??= calls;
    let sT: ReturnType<typeof amplifyMany> = [];
    into.hPrimeWithoutKeptKeys.push(measure(() => (sT = amplifyLearnedMany(task, rs, answerer, stateless)), clocks));
    if (sT.some((t, i) => JSON.stringify(t) !== JSON.stringify(eT[i]))) throw new Error('H′ with kept keys/values built other transcripts than without');
    let tT: ReturnType<typeof amplifyMany> = [];
    into.hPrimeTwoThreads.push(measure(() => (tT = amplifyLearnedMany(task, rs, answerer, twoThreads)), clocks));
    if (tT.some((t, i) => JSON.stringify(t) !== JSON.stringify(eT[i]))) throw new Error('H′ on two threads built other transcripts than on one');
    if (abBefore && into === on) {
      // The same builds with the decoding before session 8 (no grouping, no fused token step on this
      // thread; the worker keeps its own), before H′'s weights change.
      setDedupDecoding(false);
      setFusedDecodeStep(false);
      try {
        let oT: ReturnType<typeof amplifyMany> = [];
        beforeS8.hPrime.push(measure(() => (oT = amplifyLearnedMany(task, rs, answerer, expert)), clocks));
        // Counted, not thrown (grouping must not change any: the docs quote the count).
        differing = Math.max(differing, oT.filter((t, i) => JSON.stringify(t) !== JSON.stringify(eT[i])).length);
        beforeS8.hPrimeTwoThreads.push(measure(() => (oT = amplifyLearnedMany(task, rs, answerer, twoThreads)), clocks));
        differing = Math.max(differing, oT.filter((t, i) => JSON.stringify(t) !== JSON.stringify(eT[i])).length);
      } finally {
        setDedupDecoding(true);
        setFusedDecodeStep(true);
      }
    }
    into.hCalls.push(measure(() => amplifyMany(task, callsToH, answerer), clocks));
    into.hPrimeTraining.push(measure(() => {
      for (let s = 0; s < expertSteps; s++) h.trainStep(Array.from({ length: 32 }, (_, i) => examples[(s * 32 + i) % examples.length]));
    }, clocks));
    into.shared.push(measure(() => {
      for (let s = 0; s < 16; s++) x.trainStep(xBatch);
      x.predict(xBatch, { teacher: true });
    }, clocks));
    agreement = hT.filter((t, i) => t.answer.join(' ') === eT[i].answer.join(' ')).length / rs.length;
  };
  for (let r = 0; r < reps; r++) {
    repetition(on);
    if (abFused) {
      setFusedAttention(false);
      repetition(fusedOff);
      setFusedAttention(true);
    }
    if (!abSimd) continue;
    setSimdBatchMatMul(false);
    repetition(off);
    setSimdBatchMatMul(true);
  }
  const summary = (ms: ReturnType<typeof measure>[]) => ({
    wallMs: median(ms.map((m) => m.wall)), cpuMs: median(ms.map((m) => m.cpu)), expertMs: median(ms.map((m) => m.expertMs)), answererMs: median(ms.map((m) => m.answererMs)),
    transcriptsPerSecond: (1000 * questions) / median(ms.map((m) => m.wall)),
  });
  const compose = (ss: Samples) => {
    const parts = { h: summary(ss.h), hPrime: summary(ss.hPrime), hPrimeTwoThreads: summary(ss.hPrimeTwoThreads), hPrimeWithoutKeptKeys: summary(ss.hPrimeWithoutKeptKeys), hPrimeTraining: summary(ss.hPrimeTraining), hCalls: summary(ss.hCalls), shared: summary(ss.shared) };
    // A round of H′ that agreed with H on every call under `--expert-training while-disagreeing` takes no step of H′'s.
    const agreedMs = parts.hPrimeTwoThreads.wallMs + parts.hCalls.wallMs + parts.shared.wallMs;
    const round = {
      hMs: parts.h.wallMs + parts.shared.wallMs,
      hPrimeMs: parts.hPrime.wallMs + parts.hCalls.wallMs + parts.hPrimeTraining.wallMs + parts.shared.wallMs,
      hPrimeTwoThreadsMs: agreedMs + parts.hPrimeTraining.wallMs,
      hPrimeAgreedTwoThreadsMs: agreedMs,
      hCpuMs: parts.h.cpuMs + parts.shared.cpuMs,
      hPrimeCpuMs: parts.hPrime.cpuMs + parts.hCalls.cpuMs + parts.hPrimeTraining.cpuMs + parts.shared.cpuMs,
    };
    return {
      ...parts,
      round: { ...round, ratio: round.hPrimeMs / round.hMs, twoThreadsRatio: round.hPrimeTwoThreadsMs / round.hMs, agreedTwoThreadsRatio: round.hPrimeAgreedTwoThreadsMs / round.hMs, cpuRatio: round.hPrimeCpuMs / round.hCpuMs },
    };
  };
  const { round, ...parts } = compose(on);
  const simdOff = abSimd ? compose(off) : undefined;
  const fusedAttentionOff = abFused ? compose(fusedOff) : undefined;
  const states = (distinct ?? []).reduce((n, c) => n + c.states, 0);
  const distinctStates = (distinct ?? []).reduce((n, c) => n + c.distinct, 0);
  const grouping = { calls: distinct ?? [], states, distinct: distinctStates, fraction: distinctStates / Math.max(1, states) };
  // The H′ round as before session 8: its targets measured so, the rest as measured above.
  const asBefore = () => {
    const hPrime = summary(beforeS8.hPrime);
    const hPrimeTwoThreads = summary(beforeS8.hPrimeTwoThreads);
    const hPrimeMs = hPrime.wallMs + parts.hCalls.wallMs + parts.hPrimeTraining.wallMs + parts.shared.wallMs;
    const hPrimeTwoThreadsMs = hPrimeTwoThreads.wallMs + parts.hCalls.wallMs + parts.hPrimeTraining.wallMs + parts.shared.wallMs;
    const hPrimeCpuMs = hPrime.cpuMs + parts.hCalls.cpuMs + parts.hPrimeTraining.cpuMs + parts.shared.cpuMs;
    return { hPrime, hPrimeTwoThreads, differingTranscripts: differing, round: { hPrimeMs, hPrimeTwoThreadsMs, hPrimeCpuMs, ratio: hPrimeMs / round.hMs, twoThreadsRatio: hPrimeTwoThreadsMs / round.hMs, cpuRatio: hPrimeCpuMs / round.hCpuMs } };
  };
  const before = abBefore ? asBefore() : undefined;
  const result = { kind: 'expert', backend: x.backend, preset, size, questions, trainSteps, expertSteps, expertLoss: last.loss, expertTokenAccuracy: last.tokenAccuracy, agreement, reps, ...parts, round, distinct: grouping, ...(before ? { before } : {}), ...(simdOff ? { simdOff } : {}), ...(fusedAttentionOff ? { fusedAttentionOff } : {}) };
  process.stderr.write(`targets of ${questions} questions: H ${parts.h.wallMs.toFixed(0)} ms (cpu ${parts.h.cpuMs.toFixed(0)}; X ${parts.h.answererMs.toFixed(0)}), H′ ${parts.hPrime.wallMs.toFixed(0)} ms (cpu ${parts.hPrime.cpuMs.toFixed(0)}; H′ decoding ${parts.hPrime.expertMs.toFixed(0)}, X ${parts.hPrime.answererMs.toFixed(0)}); H′ decodes ${parts.hPrime.transcriptsPerSecond.toFixed(0)} transcripts/s; H′ agrees with H on ${(100 * agreement).toFixed(1)}%\n`);
  process.stderr.write(`H′ targets on two threads: ${parts.hPrimeTwoThreads.wallMs.toFixed(0)} ms (cpu ${parts.hPrimeTwoThreads.cpuMs.toFixed(0)}, both threads; H′ decoding ${parts.hPrimeTwoThreads.expertMs.toFixed(0)}); same transcripts; round ${round.hPrimeTwoThreadsMs.toFixed(0)} ms (${round.twoThreadsRatio.toFixed(2)}× H's); without H′'s training (a round where it agreed, --expert-training while-disagreeing) ${round.hPrimeAgreedTwoThreadsMs.toFixed(0)} ms (${round.agreedTwoThreadsRatio.toFixed(2)}×)\n`);
  process.stderr.write(`H′ targets without kept keys/values (every action from the whole transcript): ${parts.hPrimeWithoutKeptKeys.wallMs.toFixed(0)} ms (cpu ${parts.hPrimeWithoutKeptKeys.cpuMs.toFixed(0)}; H′ decoding ${parts.hPrimeWithoutKeptKeys.expertMs.toFixed(0)}); same transcripts\n`);
  process.stderr.write(`round (composed): H ${round.hMs.toFixed(0)} ms, H′ ${round.hPrimeMs.toFixed(0)} ms (${round.ratio.toFixed(2)}×; CPU ${round.cpuRatio.toFixed(2)}×); H′ training ${parts.hPrimeTraining.wallMs.toFixed(0)} ms, H's ${callsToH.length} calls ${parts.hCalls.wallMs.toFixed(0)} ms, X training + gate ${parts.shared.wallMs.toFixed(0)} ms\n`);
  process.stderr.write(`H′'s decoder was asked about ${states} states, ${distinctStates} distinct (${(100 * grouping.fraction).toFixed(1)}%; per call ${grouping.calls.map((c) => `${c.distinct}/${c.states}`).join(', ')})\n`);
  if (before) {
    const o = before;
    process.stderr.write(`as before session 8 (interleaved): H′ targets ${o.hPrime.wallMs.toFixed(0)} ms (cpu ${o.hPrime.cpuMs.toFixed(0)}; H′ decoding ${o.hPrime.expertMs.toFixed(0)}), on two threads ${o.hPrimeTwoThreads.wallMs.toFixed(0)} ms (cpu ${o.hPrimeTwoThreads.cpuMs.toFixed(0)}); round ${o.round.ratio.toFixed(2)}× H's (two threads ${o.round.twoThreadsRatio.toFixed(2)}×; CPU ${o.round.cpuRatio.toFixed(2)}×); ${o.differingTranscripts} of ${questions} transcripts differ\n`);
  }
  for (const [label, o] of [['SIMD matmul kernels off', simdOff], ['fused attention off', fusedAttentionOff]] as const) {
    if (!o) continue;
    process.stderr.write(`${label} (interleaved): targets H ${o.h.wallMs.toFixed(0)} ms (cpu ${o.h.cpuMs.toFixed(0)}), H′ ${o.hPrime.wallMs.toFixed(0)} ms (cpu ${o.hPrime.cpuMs.toFixed(0)}; H′ decoding ${o.hPrime.expertMs.toFixed(0)}); round H ${o.round.hMs.toFixed(0)} ms, H′ ${o.round.hPrimeMs.toFixed(0)} ms (${o.round.ratio.toFixed(2)}×; CPU ${o.round.cpuRatio.toFixed(2)}×)\n`);
  }
  console.log(JSON.stringify(result));
  await threads.close();
  x.dispose();
  h.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
