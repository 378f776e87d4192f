/**
 * `npm run bench:profile`: where the time of X's training step and of H′'s decoding goes, per phase
 * (wall and process CPU time, medians of interleaved repetitions) and per kernel (tf.profile), at
 * N = 8 and N = 32 on one backend. Prints markdown tables (the ones in docs/performance.md) and
 * writes bench-results/profile.json.
 * Options: --backend wasm|cpu|tfjs-node (default wasm), --preset small, --sizes 8,32, --reps 7,
 * --batch 64, --top 12 (kernels listed), --simd-matmul off (profile the kernels with tfjs's own
 * BatchMatMul and _FusedMatMul instead of our wasm SIMD kernels), --fused-layer-norm off (profile
 * with layers.ts's composite LayerNorm instead of our fused kernels), --fused-attention off
 * (attend() as the composite of tfjs kernels instead of the fused kernels of attention-kernel.ts),
 * --shared-saves off (profile with tfjs's Identity copies of the tensors saved for the gradient,
 * backend.ts), --attention-from-projections off (X's attention splits the heads and gathers the
 * memory before the fused kernels, instead of their reading the projections in place),
 * --fused-adam off (the optimiser's step by the composite ops of params.ts instead of the one
 * kernel of native/adam-kernel.ts).
 *
 * Phases of X's step (each timed on its own, with a sync read at its end so that the time is the
 * work's): data preparation (ids in JS), tensor creation (the step's input tensors), forward,
 * backward (the tape; forward + backward − forward), optimiser (flat gradient, clip, Adam, EMA),
 * host↔worker copies (what the data-parallel group copies per step: the weights out of tfjs, a
 * replica's gradient in), evaluation (teacher predictions, per 64 questions) and target building
 * (Amplify with H over 64 questions, X answering the subquestions). On wasm, the step is also
 * timed with our SIMD matmul kernels off (src/learner/batch-matmul.ts), with our fused
 * LayerNorm off (src/learner/layer-norm.ts), with fused attention switched the other way
 * (src/learner/attention-kernel.ts), with attention from the projections switched the other way
 * (ditto), with shared saves off (src/learner/backend.ts) and with the fused optimiser step
 * switched (src/learner/native/adam-kernel.ts), interleaved: the A/B of those levers;
 * and the kernel count of a step with fused attention switched, and with attention from the
 * projections switched.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type * as tfjs from '@tensorflow/tfjs';
import { amplifyMany, builtinTask, groundTruth, makeContext, makeQuestion, type AnswerRequest } from '../../src/core/index';
import { modelAnswerer } from '../../src/engine/run';
import { createModelX } from '../../src/learner/index';
import { setSimdBatchMatMul } from '../../src/learner/batch-matmul';
import { setSharedSaves } from '../../src/learner/backend';
import { setFusedLayerNorm } from '../../src/learner/layer-norm';
import { setAttentionFromProjections, setFusedAttention } from '../../src/learner/attention-kernel';
import { setFusedAdam } from '../../src/learner/native/adam-kernel';
import { encodeBatch } from '../../src/learner/x-inputs';
import type { BackendPreference, ModelPreset, TrainingExample } from '../../src/learner/types';
import type { TransformerModelX } from '../../src/learner/model-x';

const { values } = parseArgs({
  options: { 'simd-matmul': { type: 'string' }, 'fused-layer-norm': { type: 'string' }, 'fused-attention': { type: 'string' }, 'shared-saves': { type: 'string' }, 'attention-from-projections': { type: 'string' }, 'fused-adam': { type: 'string' }, backend: { type: 'string' }, preset: { type: 'string' }, sizes: { type: 'string' }, reps: { type: 'string' }, batch: { type: 'string' }, top: { type: 'string' } },
});
const task = builtinTask('permutation-powering')!;
const backend = (values.backend ?? 'wasm') as BackendPreference;
const preset = (values.preset ?? 'small') as ModelPreset;
const sizes = (values.sizes ?? '8,32').split(',').map(Number);
const reps = Number(values.reps ?? 7);
const batchSize = Number(values.batch ?? 64);
const top = Number(values.top ?? 12);
const QPC = 8;
const simdMatMul = values['simd-matmul'] !== 'off';
setSimdBatchMatMul(simdMatMul);
const fusedLayerNorm = values['fused-layer-norm'] !== 'off';
setFusedLayerNorm(fusedLayerNorm);
const fusedAttention = values['fused-attention'] !== 'off';
setFusedAttention(fusedAttention);
const fusedLabel = (on: boolean) => `fused attention ${on ? 'on' : 'off'}`;
const fromProjections = values['attention-from-projections'] !== 'off';
setAttentionFromProjections(fromProjections);
const projectionsLabel = (on: boolean) => `attention from the projections ${on ? 'on' : 'off'}`;
const sharedSaves = values['shared-saves'] !== 'off';
setSharedSaves(sharedSaves);
const fusedAdam = values['fused-adam'] !== 'off';
setFusedAdam(fusedAdam);

type Sample = { wall: number; cpu: number };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall and process CPU time (all threads) of fn, in ms. */
function timed<T>(fn: () => T): { result: T; s: Sample } {
  const c = process.cpuUsage();
  const t = performance.now();
  const result = fn();
  const wall = performance.now() - t;
  const d = process.cpuUsage(c);
  return { result, s: { wall, cpu: (d.user + d.system) / 1000 } };
}

function requests(size: number, seed: string, n: number): AnswerRequest[] {
  const out: AnswerRequest[] = [];
  for (let i = 0; out.length < n; i++) {
    const id = { size, seed, index: i };
    const ctx = makeContext(task, id);
    for (let j = 0; j < QPC && out.length < n; j++) out.push({ ctx, question: makeQuestion(task, id, ctx, j) });
  }
  return out;
}

function batch(size: number, seed: number): TrainingExample[] {
  return requests(size, `profile/${seed}`, batchSize).map((r) => ({ facts: r.ctx.facts, question: r.question, answer: groundTruth(task, r.ctx, r.question).answer }));
}

type TfEngine = { state: { activeProfile?: { kernels: unknown[] } }; gradients: (f: () => tfjs.Tensor, ...rest: unknown[]) => unknown };

async function profileX(size: number) {
  const model = (await createModelX({ task, backend, preset, seed: 1 })) as TransformerModelX;
  const tf = model.tf;
  const batches = Array.from({ length: 4 }, (_, i) => batch(size, i));
  for (let i = 0; i < 3; i++) model.trainStep(batches[i % batches.length]);

  // Forward time: variableGrads asks the engine for the gradients of f, which runs f (the forward)
  // before the backward pass; a sync read of the loss at f's end marks the boundary (profiling only).
  let forward: Sample = { wall: 0, cpu: 0 };
  let forwardKernels = -1;
  const engine = tf.engine() as unknown as TfEngine;
  const gradients = engine.gradients;
  engine.gradients = function (this: TfEngine, f: () => tfjs.Tensor, ...rest: unknown[]) {
    const wrapped = (): tfjs.Tensor => {
      const { result, s } = timed(() => {
        const loss = f();
        loss.dataSync();
        return loss;
      });
      forward = s;
      forwardKernels = engine.state.activeProfile?.kernels.length ?? -1;
      return result;
    };
    return gradients.call(this, wrapped, ...rest);
  };

  const phases: Record<string, Sample[]> = {};
  const add = (name: string, s: Sample) => (phases[name] ??= []).push(s);
  const answerer = modelAnswerer(model, true);
  const targetRequests = requests(size, 'profile/targets', 64);
  const evalItems = batches[0].map((e) => ({ facts: e.facts, question: e.question }));
  const shared = new Float32Array(new SharedArrayBuffer(4 * model.parameterCount));
  for (let r = 0; r < reps; r++) {
    const b = batches[r % batches.length];
    add('step (trainStep)', timed(() => model.trainStep(b)).s);
    if (backend === 'wasm') {
      setSimdBatchMatMul(!simdMatMul);
      add(`step, SIMD matmul kernels ${simdMatMul ? 'off' : 'on'}`, timed(() => model.trainStep(b)).s);
      setSimdBatchMatMul(simdMatMul);
      setFusedLayerNorm(!fusedLayerNorm);
      add(`step, fused LayerNorm ${fusedLayerNorm ? 'off' : 'on'}`, timed(() => model.trainStep(b)).s);
      setFusedLayerNorm(fusedLayerNorm);
      setFusedAttention(!fusedAttention);
      add(`step, ${fusedLabel(!fusedAttention)}`, timed(() => model.trainStep(b)).s);
      setFusedAttention(fusedAttention);
      setAttentionFromProjections(!fromProjections);
      add(`step, ${projectionsLabel(!fromProjections)}`, timed(() => model.trainStep(b)).s);
      setAttentionFromProjections(fromProjections);
      setFusedAdam(!fusedAdam);
      add(`step, fused Adam ${fusedAdam ? 'off' : 'on'}`, timed(() => model.trainStep(b)).s);
      setFusedAdam(fusedAdam);
    }
    setSharedSaves(!sharedSaves);
    add(`step, shared saves ${sharedSaves ? 'off' : 'on'}`, timed(() => model.trainStep(b)).s);
    setSharedSaves(sharedSaves);
    add('data preparation', timed(() => encodeBatch(model.tokenizer, b, model.config.symbolMatch === true)).s);
    const enc = encodeBatch(model.tokenizer, b, model.config.symbolMatch === true);
    add('tensor creation', timed(() => tf.tidy(() => {
      const ts = [tf.tensor(enc.factIds, undefined, 'int32'), tf.tensor(enc.factBias), tf.tensor(enc.symbolBias), tf.tensor(enc.contextOf, undefined, 'int32'), tf.tensor(enc.questionIds, undefined, 'int32'),
        ...(enc.factMatch ? [tf.tensor(enc.factMatch), tf.tensor(enc.questionMatch!)] : [])];
      ts.forEach((t) => t.dataSync());
    })).s);
    const fb = timed(() => tf.tidy(() => {
      const g = model.gradients(b);
      g.grad.dataSync();
      return undefined;
    })).s;
    add('forward', forward);
    add('backward (incl. flat gradient)', { wall: fb.wall - forward.wall, cpu: fb.cpu - forward.cpu });
    const grad = tf.tidy(() => tf.keep(model.gradients(b).grad));
    add('optimiser (clip, Adam, EMA)', timed(() => tf.tidy(() => {
      model.applyGradient(grad).dataSync();
    })).s);
    add('host↔worker copies (weights out, gradient in)', timed(() => {
      // As DataParallelGroup.trainStep: the weights into shared memory, a replica's gradient from it into a tensor.
      model.readParams(shared);
      tf.tidy(() => {
        tf.tensor1d(shared).mul(1);
      });
    }).s);
    grad.dispose();
    add('evaluation (64 questions, teacher)', timed(() => model.predict(evalItems, { teacher: true })).s);
    add('target building (Amplify, 64 questions)', timed(() => amplifyMany(task, targetRequests, answerer)).s);
  }
  const table = Object.entries(phases).map(([phase, ss]) => ({ phase, wallMs: median(ss.map((s) => s.wall)), cpuMs: median(ss.map((s) => s.cpu)) }));

  // Kernels of one step, profiled `reps` times: per kernel, the median over the profiles.
  const profiles: Summary[] = [];
  for (let r = 0; r < reps; r++) {
    const prof = await tf.profile(() => {
      model.trainStep(batches[r % batches.length]);
    });
    profiles.push(await summarise(prof.kernels as unknown as KernelRecord[], forwardKernels, (name) => tf.getKernel(name, tf.getBackend()) !== undefined));
  }
  const kernels = medianProfile(profiles);
  // The kernel count of a step with fused attention, or attention from the projections, switched the other way (counts do not vary).
  let flippedKernels: number | undefined;
  let flippedProjectionsKernels: number | undefined;
  if (backend === 'wasm') {
    const count = async (flip: (on: boolean) => void, on: boolean) => {
      flip(!on);
      const prof = await tf.profile(() => {
        model.trainStep(batches[0]);
      });
      flip(on);
      return (await summarise(prof.kernels as unknown as KernelRecord[], 0, (name) => tf.getKernel(name, tf.getBackend()) !== undefined)).count;
    };
    flippedKernels = await count(setFusedAttention, fusedAttention);
    flippedProjectionsKernels = await count(setAttentionFromProjections, fromProjections);
  }
  engine.gradients = gradients;
  model.dispose();
  return { size, parameters: model.parameterCount, phases: table, kernels, flippedKernels, flippedProjectionsKernels };
}

interface KernelRecord {
  name: string;
  kernelTimeMs: number | { error: string } | Promise<number | { error: string }>;
}

/**
 * Per-kernel totals. tf.profile also records ops written with customGrad (e.g. `fusedMatMul__op`,
 * `forward`), whose time is that of the kernels they run: those are counted apart, not in the total.
 */
async function summarise(records: KernelRecord[], forwardKernels: number, isKernel: (name: string) => boolean) {
  const composite = new Map<string, { count: number; ms: number }>();
  const rows = new Map<string, { count: number; ms: number }>();
  let total = 0;
  let kernels = 0;
  let forward = 0;
  let forwardMs = 0;
  for (const [i, k] of records.entries()) {
    const raw = await k.kernelTimeMs;
    const ms = typeof raw === 'number' ? raw : 0;
    const into = isKernel(k.name) ? rows : composite;
    const row = into.get(k.name) ?? { count: 0, ms: 0 };
    row.count++;
    row.ms += ms;
    into.set(k.name, row);
    if (into === composite) continue;
    kernels++;
    total += ms;
    if (i < forwardKernels) {
      forwardMs += ms;
      forward++;
    }
  }
  const list = [...rows.entries()].map(([name, r]) => ({ name, ...r })).sort((a, b) => b.ms - a.ms);
  return { count: kernels, totalMs: total, forwardKernels: forward, forwardMs, byKernel: list, composite: Object.fromEntries(composite) };
}

type Summary = Awaited<ReturnType<typeof summarise>>;

/** Per-kernel medians of several profiles of the same step (counts are the same in each). */
function medianProfile(ps: Summary[]): Omit<Summary, 'composite'> {
  const names = [...new Set(ps.flatMap((p) => p.byKernel.map((k) => k.name)))];
  const byKernel = names.map((name) => ({ name, count: ps[0].byKernel.find((k) => k.name === name)?.count ?? 0, ms: median(ps.map((p) => p.byKernel.find((k) => k.name === name)?.ms ?? 0)) }));
  byKernel.sort((a, b) => b.ms - a.ms);
  return { count: ps[0].count, forwardKernels: ps[0].forwardKernels, totalMs: median(ps.map((p) => p.totalMs)), forwardMs: median(ps.map((p) => p.forwardMs)), byKernel };
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function main() {
  const results = [];
  for (const size of sizes) results.push(await profileX(size));
  const lines: string[] = [];
  lines.push(`X's training step, ${backend}${backend === 'wasm' ? ` (SIMD matmul kernels ${simdMatMul ? 'on' : 'off'}, fused LayerNorm ${fusedLayerNorm ? 'on' : 'off'}, ${fusedLabel(fusedAttention)}, ${projectionsLabel(fromProjections)}, fused Adam ${fusedAdam ? 'on' : 'off'})` : ''}, shared saves ${sharedSaves ? 'on' : 'off'}, preset ${preset}, batch ${batchSize} (${batchSize / QPC} contexts × ${QPC}); medians of ${reps} interleaved repetitions; wall / process CPU ms`, '');
  lines.push(`| phase | ${results.map((r) => `N = ${r.size} wall | N = ${r.size} CPU`).join(' | ')} |`, `|---|${results.map(() => '---:|---:').join('|')}|`);
  for (const [i, p] of results[0].phases.entries()) lines.push(`| ${p.phase} | ${results.map((r) => `${fmt(r.phases[i].wallMs)} | ${fmt(r.phases[i].cpuMs)}`).join(' | ')} |`);
  lines.push('', `Kernels of one step (tf.profile, medians of ${reps} profiled steps; a kernel's time includes its dispatch): ${results.map((r) => `N = ${r.size}: ${r.kernels.count} kernels (${r.kernels.forwardKernels} forward), ${fmt(r.kernels.totalMs)} ms (forward ${fmt(r.kernels.forwardMs)})${r.flippedKernels === undefined ? '' : `, ${r.flippedKernels} with ${fusedLabel(!fusedAttention)}`}${r.flippedProjectionsKernels === undefined ? '' : `, ${r.flippedProjectionsKernels} with ${projectionsLabel(!fromProjections)}`}`).join('; ')}`, '');
  const names = [...new Set(results.flatMap((r) => r.kernels.byKernel.slice(0, top).map((k) => k.name)))];
  lines.push(`| kernel | ${results.map((r) => `N = ${r.size} count | ms | share`).join(' | ')} |`, `|---|${results.map(() => '---:|---:|---:').join('|')}|`);
  for (const name of names) {
    lines.push(`| ${name} | ${results.map((r) => {
      const k = r.kernels.byKernel.find((x) => x.name === name);
      return k ? `${k.count} | ${fmt(k.ms)} | ${((100 * k.ms) / r.kernels.totalMs).toFixed(0)}%` : '0 | 0 | 0%';
    }).join(' | ')} |`);
  }
  console.log(lines.join('\n'));
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/profile.json', `${JSON.stringify({ date: new Date().toISOString(), backend, simdMatMul, fusedLayerNorm, fusedAttention, fromProjections, sharedSaves, fusedAdam, preset, batch: batchSize, reps, results }, null, 2)}\n`);
  console.log('\nwrote bench-results/profile.json');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
