/**
 * H′'s size against its agreement with H (docs/performance.md §7a): for each task (at its default
 * size) and each H′ preset, H′ is trained as a run of mode amplify-learned-h trains it — each round
 * `--calls` new transcripts of H join its buffer, then `--steps` optimiser steps of 32 transcripts
 * drawn from the buffer — and after rounds `--at` its agreement with H is measured on `--held-out`
 * questions never trained on: the share of questions where Amplify^{H′} and Amplify^H give the same
 * answer, with the ground truth answering every subquestion in both. H's transcripts here have true
 * subanswers (in a run X answers them). Also reported per preset: CPU ms per training step and per
 * 1,000 held-out transcripts decoded (medians).
 * One JSON line per task and preset on stdout, a table on stderr.
 * Usage: node out/bench/expert-presets.js [--tasks a,b] [--presets tiny,small] [--rounds 40] [--calls 64] [--steps 8] [--held-out 512] [--at 1,2,3,4,6,8,12,16,24,32,40] [--seed 1] [--backend wasm]
 * (build: esbuild scripts/bench/expert-presets.ts --bundle --platform=node --format=cjs --external:@tensorflow/* --outfile=out/bench/expert-presets.js)
 */
import { parseArgs } from 'node:util';
import { amplifyMany, BUILTIN_TASKS, builtinTask, createRng, sameTuple, truthAnswerer } from '../../src/core/index';
import { amplifyLearnedMany } from '../../src/engine/learned-expert';
import { createModelH } from '../../src/learner/factory';
import type { ExpertTranscript } from '../../src/learner/model-h';
import type { BackendPreference, ModelPreset } from '../../src/learner/types';
import { median, requests, transcriptsOfH } from './expert-setup';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string' }, presets: { type: 'string' }, rounds: { type: 'string' }, calls: { type: 'string' }, steps: { type: 'string' },
    'held-out': { type: 'string' }, at: { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' },
  },
});
const tasks = values.tasks ? values.tasks.split(',') : BUILTIN_TASKS.map((t) => t.name);
const presets = (values.presets ?? 'tiny,small').split(',') as ModelPreset[];
const rounds = Number(values.rounds ?? 40);
const calls = Number(values.calls ?? 64);
const stepsPerRound = Number(values.steps ?? 8);
const heldOutN = Number(values['held-out'] ?? 512);
const at = new Set((values.at ?? '1,2,3,4,6,8,12,16,24,32,40').split(',').map(Number));
const seed = Number(values.seed ?? 1);
const backend = (values.backend ?? 'wasm') as BackendPreference;

const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

async function main() {
  for (const name of tasks) {
    const task = builtinTask(name);
    if (!task) throw new Error(`no built-in task ${name}`);
    const size = task.sizes.default;
    const truth = truthAnswerer(task);
    const heldOut = requests(task, size, `expert-presets/held-out/${seed}`, heldOutN);
    const answersOfH = amplifyMany(task, heldOut, truth).map((t) => t.answer);
    const stream = transcriptsOfH(task, requests(task, size, `expert-presets/train/${seed}`, rounds * calls));
    for (const preset of presets) {
      // As a run makes H′: seed + 1.
      const h = await createModelH({ task, backend, preset, seed: seed + 1 });
      const rng = createRng(['expert-presets', seed, name]);
      const buffer: ExpertTranscript[] = [];
      const stepCpu: number[] = [];
      const decodeCpu: number[] = [];
      const curve: { round: number; transcripts: number; steps: number; agreement: number; loss: number }[] = [];
      for (let round = 1; round <= rounds; round++) {
        buffer.push(...stream.slice((round - 1) * calls, round * calls));
        let loss = 0;
        for (let s = 0; s < stepsPerRound; s++) {
          const c = process.cpuUsage();
          loss += h.trainStep(Array.from({ length: 32 }, () => buffer[rng.int(buffer.length)])).loss;
          stepCpu.push(cpuMs(c));
        }
        if (!at.has(round)) continue;
        const c = process.cpuUsage();
        const byExpert = amplifyLearnedMany(task, heldOut, truth, h);
        decodeCpu.push((1000 * cpuMs(c)) / heldOut.length);
        const agreement = byExpert.filter((t, i) => sameTuple(t.answer, answersOfH[i])).length / heldOut.length;
        curve.push({ round, transcripts: buffer.length, steps: round * stepsPerRound, agreement, loss: loss / Math.max(1, stepsPerRound) });
        process.stderr.write(`${name.padEnd(24)} ${preset.padEnd(6)} round ${String(round).padStart(3)} (${String(buffer.length).padStart(5)} transcripts of H, ${String(round * stepsPerRound).padStart(4)} steps): agreement ${(100 * agreement).toFixed(1).padStart(5)}%, loss ${curve[curve.length - 1].loss.toFixed(3)}\n`);
      }
      const result = { kind: 'expert-presets', task: name, size, preset, seed, calls, stepsPerRound, heldOut: heldOutN, curve, trainStepCpuMs: median(stepCpu), decodeCpuMsPer1000: median(decodeCpu) };
      process.stderr.write(`${name.padEnd(24)} ${preset.padEnd(6)} training step ${result.trainStepCpuMs.toFixed(0)} ms CPU, decoding ${result.decodeCpuMsPer1000.toFixed(0)} ms CPU per 1,000 transcripts\n`);
      console.log(JSON.stringify(result));
      h.dispose();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
