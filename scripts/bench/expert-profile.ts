/**
 * Where H′'s decoding time goes (docs/performance.md §7): H′ (`--preset`, default a run's) is trained to imitate
 * H on permutation powering (`--train` steps of 32; or loaded from `--checkpoint DIR`, which a
 * first run writes), then the targets of one round (`--questions`, default 2,048 at N = 8) are
 * built by Amplify^{H′} (X, untrained, answers) `--reps` times. The decoder's phases are timed by
 * wrapping HDecoding's methods (and TransformerModelH's blocks) from outside (wall and process CPU, summed per build,
 * medians over the repetitions): every call of a decoder, encoding transcripts to tokens, and, where
 * decoding copies memos (the `memos` variant, or the tfjs layers), the prefill (set-up, the layers,
 * the read-back), appending generated tokens (the same parts), reading back memos, and the rest of
 * nextChunk (the JS loop: picking tokens, building rows); persistent rows (decode-rows.ts, the
 * default on wasm) are timed as a whole. It also counts calls, the batch size of
 * every token step and the columns of its cache, and profiles the kernels of one build
 * (`tf.profile`: count and time per kernel, per token step).
 * `--variants a,b`: interleaved A/B of the decoder's batch (`chunk256`, `chunk512`, `chunk2048`; `base`: 1,024)
 * and of in-place writes to the cache (`rebuild`: off) and of grouping identical transcripts
 * (`nodedup`: off, learner/expert-dedup.ts), of the fused token step (`nofused`: the layers through
 * tfjs, learner/decode-step.ts) and, with it off, of keeping the cache's column bias and ids as
 * columns are written (`rebuildcolumns`: rebuilt every token step, §7c), of persistent rows
 * (`memos`: the fused step with memos copied out and back, §12–13); the phase table is the first variant's.
 * Usage: node out/bench/expert-profile.js [--backend wasm] [--preset tiny] [--size 8] [--questions 2048] [--train 300] [--reps 3] [--checkpoint DIR] [--variants base]
 * (built by `npm run bench:expert-profile`).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { builtinTask } from '../../src/core/index';
import { amplifyLearnedMany } from '../../src/engine/learned-expert';
import { DEFAULT_EXPERT_MODEL } from '../../src/engine/modes/index';
import { modelAnswerer } from '../../src/engine/run';
import { setFusedDecodeStep } from '../../src/learner/decode-step';
import { setRowDecoding } from '../../src/learner/decode-rows';
import { setIncrementalColumns, setInPlaceCache, setMemosOnHeap } from '../../src/learner/expert-decoding';
import { setDedupDecoding } from '../../src/learner/expert-dedup';
import { createModelX, loadModelH } from '../../src/learner/factory';
import { TransformerModelH } from '../../src/learner/model-h';
import { HDecoding } from '../../src/learner/model-h-decoding';
import type { BackendPreference, ModelPreset } from '../../src/learner/types';
import { median, requests, trainedExpert } from './expert-setup';

const { values } = parseArgs({
  options: { backend: { type: 'string' }, preset: { type: 'string' }, size: { type: 'string' }, questions: { type: 'string' }, train: { type: 'string' }, reps: { type: 'string' }, checkpoint: { type: 'string' }, variants: { type: 'string' } },
});
const task = builtinTask('permutation-powering')!;
const backend = (values.backend ?? 'wasm') as BackendPreference;
const size = Number(values.size ?? 8);
const preset = (values.preset ?? DEFAULT_EXPERT_MODEL) as ModelPreset;
const questions = Number(values.questions ?? 2048);
const trainSteps = Number(values.train ?? 300);
const reps = Number(values.reps ?? 3);

type Clock = { wall: number; cpu: number; calls: number };
const clocks = new Map<string, Clock>();
/** Times every call of obj[name] under `label` (nested calls are counted in both). */
function wrap(obj: Record<string, unknown>, name: string, label: string): void {
  const f = obj[name] as (...a: unknown[]) => unknown;
  obj[name] = function (this: unknown, ...args: unknown[]) {
    const c = process.cpuUsage();
    const t = performance.now();
    try {
      return f.apply(this, args);
    } finally {
      const k = clocks.get(label) ?? { wall: 0, cpu: 0, calls: 0 };
      const d = process.cpuUsage(c);
      k.wall += performance.now() - t;
      k.cpu += (d.user + d.system) / 1000;
      k.calls++;
      clocks.set(label, k);
    }
  };
}

async function main() {
  const x = await createModelX({ task, backend, preset: 'small', seed: 1 });
  let h: TransformerModelH;
  if (values.checkpoint && fs.existsSync(values.checkpoint)) {
    h = await loadModelH(values.checkpoint, { backend });
    process.stderr.write(`H′ loaded from ${values.checkpoint} (step ${h.step})\n`);
  } else {
    const trained = await trainedExpert(task, { backend, size, preset, steps: trainSteps });
    h = trained.h;
    process.stderr.write(`H′ trained ${trainSteps} steps: loss ${trained.last.loss.toFixed(3)}, token accuracy ${trained.last.tokenAccuracy?.toFixed(3)}\n`);
    if (values.checkpoint) await h.save(values.checkpoint);
  }
  const answerer = modelAnswerer(x, true);
  const rs = requests(task, size, 'expert-bench/round', questions);

  // Token steps: rows and cache columns of every appended token.
  const steps: { rows: number; columns: number }[] = [];
  const proto = HDecoding.prototype as unknown as Record<string, unknown>;
  const extend = proto.extend as (cache: { ids: number[][] }, keep: readonly number[], seqs: unknown) => unknown;
  proto.extend = function (this: unknown, cache: { ids: number[][] }, keep: readonly number[], seqs: unknown) {
    steps.push({ rows: keep.length, columns: cache.ids[0].length + 1 });
    return extend.call(this, cache, keep, seqs);
  };
  // Every call of a decoder (persistent rows, decode-rows.ts, or the memo path below).
  const makeDecoder = proto.decoder as (this: unknown) => Record<string, unknown>;
  proto.decoder = function (this: unknown) {
    const d = makeDecoder.call(this);
    wrap(d, 'next', 'decoding (decoder calls)');
    return d;
  };
  wrap(proto, 'nextChunk', '· memo path (nextChunk)');
  wrap(proto, 'prefill', 'prefill');
  wrap(proto, 'extend', 'append tokens');
  wrap(proto, 'memosOf', 'memo read-back');
  wrap(proto, 'prefillSteps', '· prefill as fused steps');
  wrap(proto, 'extendLayers', '· token step through tfjs');
  wrap(TransformerModelH.prototype as unknown as Record<string, unknown>, 'blocks', 'layers (blocks)');
  wrap(proto, 'read', 'sync reads (dataSync)');
  wrap(h.vocabulary as unknown as Record<string, unknown>, 'encode', 'tokenising (encode)');
  wrap(answerer as unknown as Record<string, unknown>, 'answerBatch', "X's answers");

  // Variants for an interleaved A/B (`--variants base,chunk256,…`): the decoder's batch (a private
  // field, set from here) and in-place writes to the cache's buffers.
  const chunk = (n: number) => ((h as unknown as { decoding: { decodeChunk: number } }).decoding.decodeChunk = n);
  const set = (inPlace: boolean, dedup: boolean, n: number, fused = true, incremental = true, memosOnHeap = true, rows = true) => {
    setRowDecoding(rows);
    setMemosOnHeap(memosOnHeap);
    setInPlaceCache(inPlace);
    setDedupDecoding(dedup);
    chunk(n);
    setFusedDecodeStep(fused);
    setIncrementalColumns(incremental);
  };
  const variants: Record<string, () => void> = {
    base: () => set(true, true, 1024),
    chunk256: () => set(true, true, 256, true, true, true, false),
    chunk512: () => set(true, true, 512, true, true, true, false),
    chunk2048: () => set(true, true, 2048, true, true, true, false),
    rebuild: () => set(false, true, 1024, true, true, true, false),
    nodedup: () => set(true, false, 1024),
    nofused: () => set(true, true, 1024, false),
    rebuildcolumns: () => set(true, true, 1024, false, false),
    memocopies: () => set(true, true, 1024, true, true, false, false),
    memos: () => set(true, true, 1024, true, true, true, false),
  };
  const chosen = (values.variants ?? 'base').split(',');
  const perVariant = new Map<string, { label: string; wall: number; cpu: number; calls: number }[][]>();
  let builds: { label: string; wall: number; cpu: number; calls: number }[][] = [];
  let stepsPerBuild = 0;
  let firstSteps: typeof steps = [];
  for (let r = 0; r < reps; r++) {
    for (const v of chosen) {
      variants[v]();
      clocks.clear();
      steps.length = 0;
      const c = process.cpuUsage();
      const t = performance.now();
      amplifyLearnedMany(task, rs, answerer, h);
      const d = process.cpuUsage(c);
      clocks.set('targets by H′ (whole build)', { wall: performance.now() - t, cpu: (d.user + d.system) / 1000, calls: 1 });
      const b = perVariant.get(v) ?? [];
      b.push([...clocks].map(([label, k]) => ({ label, ...k })));
      perVariant.set(v, b);
      if (v === chosen[0]) {
        stepsPerBuild = steps.length;
        firstSteps = [...steps];
      }
    }
  }
  for (const [v, bs] of perVariant) {
    const of = (label: string) => bs.map((b) => b.find((x) => x.label === label)!);
    process.stderr.write(`variant ${v}: build ${median(of('targets by H′ (whole build)').map((k) => k.wall)).toFixed(0)} ms wall ${median(of('targets by H′ (whole build)').map((k) => k.cpu)).toFixed(0)} ms CPU; decoding ${median(of('decoding (decoder calls)').map((k) => k.cpu)).toFixed(0)} ms CPU (all: ${of('decoding (decoder calls)').map((k) => k.cpu.toFixed(0)).join(', ')})\n`);
  }
  builds = perVariant.get(chosen[0])!;
  variants[chosen[0]]();
  const labels = builds[0].map((b) => b.label);
  const table = labels.map((label) => {
    const of = builds.map((b) => b.find((x) => x.label === label)!);
    return { label, wallMs: median(of.map((k) => k.wall)), cpuMs: median(of.map((k) => k.cpu)), calls: of[0].calls };
  });
  // Batch sizes and columns of the token steps of the first variant's last build.
  const hist = new Map<string, number>();
  for (const s of firstSteps) {
    const bucket = s.rows >= 512 ? '512+' : s.rows >= 256 ? '256–511' : s.rows >= 128 ? '128–255' : s.rows >= 32 ? '32–127' : s.rows >= 8 ? '8–31' : '1–7';
    hist.set(bucket, (hist.get(bucket) ?? 0) + 1);
  }
  const rowsTotal = firstSteps.reduce((m, s) => m + s.rows, 0);
  const meanColumns = firstSteps.reduce((m, s) => m + s.columns * s.rows, 0) / Math.max(1, rowsTotal);

  // Kernels of one build.
  const tf = h.tf;
  const profile = await tf.profile(() => {
    amplifyLearnedMany(task, rs, answerer, h);
  });
  const kernels = new Map<string, { count: number; ms: number }>();
  for (const k of profile.kernels) {
    const e = kernels.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernels.set(k.name, e);
  }
  const kernelRows = [...kernels].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
  const kernelMs = kernelRows.reduce((m, k) => m + k.ms, 0);
  const result = {
    kind: 'expert-profile', backend: h.backend, size, questions, reps, phases: table,
    tokenSteps: { perBuild: stepsPerBuild, rows: rowsTotal, meanRows: rowsTotal / Math.max(1, firstSteps.length), meanColumns, histogram: Object.fromEntries(hist) },
    kernels: { count: profile.kernels.length, ms: kernelMs, perTokenStep: profile.kernels.length / Math.max(1, stepsPerBuild), top: kernelRows.slice(0, 15) },
  };
  for (const p of table) process.stderr.write(`${p.label.padEnd(32)} ${p.wallMs.toFixed(0).padStart(7)} ms wall ${p.cpuMs.toFixed(0).padStart(7)} ms CPU ${String(p.calls).padStart(6)} calls\n`);
  process.stderr.write(`token steps per build: ${stepsPerBuild}, rows ${rowsTotal} (mean ${result.tokenSteps.meanRows.toFixed(1)}), mean cache columns ${meanColumns.toFixed(1)}; ${JSON.stringify(result.tokenSteps.histogram)}\n`);
  process.stderr.write(`kernels of one build: ${profile.kernels.length} (${result.kernels.perTokenStep.toFixed(0)} per token step), ${kernelMs.toFixed(0)} ms\n`);
  for (const k of result.kernels.top) process.stderr.write(`  ${k.name.padEnd(20)} ${String(k.count).padStart(7)} ${k.ms.toFixed(1).padStart(8)} ms ${((100 * k.ms) / kernelMs).toFixed(0).padStart(3)}%\n`);
  console.log(JSON.stringify(result));
  x.dispose();
  h.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
