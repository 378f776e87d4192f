import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { discoverRuns, isExperiment } from '../../../src/extension/run-discovery';
import { permutationOracleFactory } from '../engine/fake-learner';

const pp = builtinTask('permutation-powering')!;

async function makeRun(dir: string, mode: 'supervised' | 'amplify') {
  const run = await Run.create(pp, { ...DEFAULT_CONFIG, task: pp.name, mode, stepsPerRound: 1, batchSize: 8, contextsPerRound: 1, questionsPerContext: 4, evalContexts: 1 }, permutationOracleFactory(), dir);
  await run.runRound();
  run.dispose();
}

test('the Runs view finds runs, the runs of experiment folders, and opened runs or experiments elsewhere', async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-disc-'));
  const runs = path.join(ws, '.amplification', 'runs');
  const experiments = path.join(ws, '.amplification', 'experiments');
  await makeRun(path.join(runs, 'r1'), 'amplify');
  await makeRun(path.join(experiments, 'fig', 'permutation-powering-supervised'), 'supervised');
  await makeRun(path.join(experiments, 'fig', 'permutation-powering-amplify'), 'amplify');
  fs.writeFileSync(path.join(experiments, 'fig', 'summary.json'), '{}');
  fs.mkdirSync(path.join(experiments, 'fig', 'curves'));
  fs.mkdirSync(path.join(runs, 'not-a-run'));
  const elsewhere = path.join(ws, 'elsewhere');
  await makeRun(path.join(elsewhere, 'exp2', 'permutation-powering-amplify'), 'amplify');

  assert.equal(isExperiment(path.join(experiments, 'fig')), true);
  assert.equal(isExperiment(path.join(runs, 'r1')), false, 'a run is not an experiment');
  assert.equal(isExperiment(path.join(runs, 'not-a-run')), false);

  const found = discoverRuns([runs, experiments], [path.join(elsewhere, 'exp2')]);
  const byFolder = new Map(found.map((r) => [path.relative(ws, r.folder), r]));
  assert.deepEqual([...byFolder.keys()].sort(), [
    '.amplification/experiments/fig/permutation-powering-amplify',
    '.amplification/experiments/fig/permutation-powering-supervised',
    '.amplification/runs/r1',
    'elsewhere/exp2/permutation-powering-amplify',
  ]);
  assert.equal(byFolder.get('.amplification/runs/r1')!.experiment, undefined);
  assert.equal(byFolder.get('.amplification/experiments/fig/permutation-powering-supervised')!.experiment, 'fig');
  assert.equal(byFolder.get('elsewhere/exp2/permutation-powering-amplify')!.experiment, 'exp2');
  assert.equal(byFolder.get('.amplification/experiments/fig/permutation-powering-supervised')!.meta.config.mode, 'supervised');
  assert.equal(byFolder.get('.amplification/runs/r1')!.round, 1);
  // A corrupt run.json is left out, not thrown.
  fs.writeFileSync(path.join(experiments, 'fig', 'permutation-powering-amplify', 'run.json'), '{ not json');
  assert.equal(discoverRuns([runs, experiments], []).length, 2);
});
