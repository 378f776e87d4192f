import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext, questionKey, type Question } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import { ExplorerController } from '../../../src/extension/controller';
import { RunSession } from '../../../src/extension/session';
import type { HostMessage } from '../../../src/protocol/explorer';
import { permutationOracleFactory } from '../engine/fake-learner';

const pp = builtinTask('permutation-powering')!;

test('Answer as the Expert from a node of the Explorer: the host side turns the message into the command’s { run, instance, question }', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-play-hook-')), 'run');
  const run = await Run.create(pp, { ...DEFAULT_CONFIG, task: pp.name, mode: 'supervised', stepsPerRound: 2, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2 }, permutationOracleFactory(), dir);
  const instance = { size: 8, seed: 'pin', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  RunFolder.open(dir).savePinned([{ id: 'p1', instance, question: pp.format.parseQuestion!(`σ^5(${x})`)! }]);
  await run.runRound();

  const calls: { run: string; instance: unknown; question: Question }[] = [];
  const posted: HostMessage[] = [];
  const ctl = new ExplorerController({
    post: (m) => posted.push(m), command: () => undefined, openFile: () => undefined, workerOptions: () => ({ workerFile: '/nonexistent' }),
    answerAsExpert: (args) => calls.push(args),
  });
  await ctl.setSession(await RunSession.open(dir));
  await ctl.handle({ type: 'ready' });
  const tree = [...posted].reverse().find((m): m is Extract<HostMessage, { type: 'tree' }> => m.type === 'tree')!.tree;
  await ctl.handle({ type: 'answerAsExpert', path: [0] });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].run, dir);
  assert.deepEqual(calls[0].instance, instance);
  assert.equal(questionKey(calls[0].question), questionKey(tree.root.children![0].question), 'the question of the node at that path');
  await ctl.handle({ type: 'answerAsExpert', path: [9, 9] });
  assert.equal(calls.length, 1, 'no node there: nothing is played');
  assert.match(JSON.stringify(posted.at(-1)), /no node at path 9\.9/);
});
