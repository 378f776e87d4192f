/** The learner factory turns a run's knobs into the model's settings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinTask } from '../../../src/core/index';
import { loadModelX, tfjsLearnerFactory, type TransformerModelX } from '../../../src/learner/index';

test("--teacher-horizon H sets the teacher's decay to 1 − 1/H; without it the preset's stays (and both survive a save)", async () => {
  const task = builtinTask('permutation-powering')!;
  const dir = mkdtempSync(join(tmpdir(), 'factory-'));
  const base = { task, vocabulary: [], preset: 'tiny' as const, backend: 'wasm' as const, seed: 5, threads: 1 };
  const plain = (await tfjsLearnerFactory.create(base)) as TransformerModelX;
  const short = (await tfjsLearnerFactory.create({ ...base, teacherHorizon: 25 })) as TransformerModelX;
  try {
    assert.equal(plain.optimiser.emaDecay, 0.99);
    assert.ok(Math.abs(short.optimiser.emaDecay - 0.96) < 1e-12, String(short.optimiser.emaDecay));
    assert.equal(short.optimiser.learningRate, plain.optimiser.learningRate, 'only the decay changes');
    await short.save(dir);
    const loaded = await loadModelX(dir, { backend: 'wasm' });
    assert.equal(loaded.optimiser.emaDecay, short.optimiser.emaDecay, 'a resumed run keeps its teacher');
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    plain.dispose();
    short.dispose();
  }
});
