import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext } from '../../../src/core/index';
import { DEFAULT_CONFIG } from '../../../src/engine/run';
import type { RunConfig } from '../../../src/engine/run-types';
import { RunSession } from '../../../src/extension/session';
import { is, roundIs, startWorker } from '../engine/fake-worker';

const pp = builtinTask('permutation-powering')!;
const config: RunConfig = {
  ...DEFAULT_CONFIG, task: pp.name, mode: 'amplify', stepsPerRound: 2, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2,
};

test('the host owns edits: an override and pins written through RunSession reach the worker’s next round, its pinned answers and inspect', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-session-')), 'run');
  const w = await startWorker();
  w.send({ type: 'open', folder: dir, create: { config } });
  await w.waitFor(is('ready'));
  const session = await RunSession.open(dir);
  session.attachWorker(w);

  const instance = { size: 8, seed: 'pin', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  const q = pp.format.parseQuestion!(`σ^9(${x})`)!;
  const sub = pp.format.parseQuestion!(`σ^4(${x})`)!; // H's first subquestion of q
  session.savePins([{ id: 'p1', instance, question: q }]);
  session.setOverride({ instance, question: sub }, ['hh']);

  w.send({ type: 'step' });
  const r1 = (await w.waitFor(roundIs(1))).record;
  assert.equal(r1.overridesUsed, 1, 'the overridden pair is one of the round’s targets');
  const [p1] = session.pinnedRound(1)!.answers;
  assert.equal(p1.pin, 'p1', 'the pin saved by the host is answered without any message to the worker');
  assert.deepEqual(p1.amplified.steps[0], { question: sub, answer: ['hh'], source: 'override' });
  assert.equal(p1.tree.root.children![0].source, 'override');
  const live = await w.inspect({ instance, question: q, depth: 1, expand: [] });
  assert.equal(live.tree.root.children![0].source, 'override');

  // Undo the override and pin a second question: the next inspect and round see both edits.
  session.setOverride({ instance, question: sub }, null);
  session.savePins([...session.pins(), { id: 'p2', instance, question: sub }]);
  const undone = await w.inspect({ instance, question: q, depth: 1, expand: [] });
  assert.notEqual(undone.tree.root.children![0].source, 'override');
  w.send({ type: 'step' });
  const r2 = (await w.waitFor(roundIs(2))).record;
  assert.equal(r2.overridesUsed, 0);
  assert.deepEqual(session.pinnedRound(2)!.answers.map((a) => a.pin), ['p1', 'p2']);
  assert.equal(session.overridesFor(instance).size, 0);

  // The edit files hold exactly what the host wrote.
  assert.deepEqual(session.pins().map((p) => p.id), ['p1', 'p2']);
  assert.deepEqual(fs.readFileSync(session.folder.overridesFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { op: string }).op), ['set', 'clear']);
  await session.dispose();
  assert.equal(w.alive, false);
});
