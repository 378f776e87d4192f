import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { builtinTask, groundTruth, makeContext, questionKey } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import { ExplorerController, type ControllerHost } from '../../../src/extension/controller';
import { RunSession } from '../../../src/extension/session';
import type { HostMessage } from '../../../src/protocol/explorer';
import { permutationOracleFactory } from '../engine/fake-learner';
import { learnerModule, workerFile } from '../engine/fake-worker';

const pp = builtinTask('permutation-powering')!;
process.env.AMP_FAKE_LEARNER = 'oracle';
const sessions: RunSession[] = [];
after(() => Promise.all(sessions.map((s) => s.dispose())));

let module = '';
test.before(async () => {
  module = await learnerModule();
});

function harness() {
  const posted: HostMessage[] = [];
  const host: ControllerHost = {
    post: (m) => posted.push(JSON.parse(JSON.stringify(m))),
    command: () => undefined,
    openFile: () => undefined,
    workerOptions: () => ({ workerFile, learnerModule: module }),
  };
  const last = <T extends HostMessage['type']>(type: T) => [...posted].reverse().find((m) => m.type === type) as Extract<HostMessage, { type: T }> | undefined;
  return { ctl: new ExplorerController(host), posted, last };
}

test('Targets for this question: the override\'s target in this context, the same question text elsewhere, the class per round, up to the round shown', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-prov-')), 'run');
  const config = { ...DEFAULT_CONFIG, task: pp.name, mode: 'supervised' as const, stepsPerRound: 2, batchSize: 8, contextsPerRound: 16, questionsPerContext: 4, evalContexts: 2 };
  const run = await Run.create(pp, config, permutationOracleFactory(), dir);
  const instance = { size: 8, seed: 'pin', index: 0 };
  const ctx = makeContext(pp, instance);
  const names = ctx.facts.map(([n]) => n);
  const q = pp.format.parseQuestion!(`σ^5(${names[0]})`)!;
  const wrong = names.find((n) => n !== groundTruth(pp, ctx, q).answer[0])!;
  const folder = RunFolder.open(dir);
  folder.savePinned([{ id: 'p1', instance, question: q }]);
  folder.setOverride({ instance, question: q }, [wrong]); // feeds training: a target made by the override, in this context
  for (let i = 0; i < 3; i++) await run.runRound();
  // A question some round recorded in another context, whose name is also one of this context: pinned here.
  const other = folder.targets().records.flatMap((r) => r.targets).find((t) => names.includes(t.question.at(-1)!) && questionKey(t.question) !== questionKey(q))!;
  assert.ok(other, 'a recorded question about a name of the pin\'s context');
  folder.savePinned([{ id: 'p1', instance, question: q }, { id: 'p2', instance, question: other.question }]);

  const s = await RunSession.open(dir, true);
  sessions.push(s);
  const { ctl, last } = harness();
  await ctl.setSession(s);
  await ctl.handle({ type: 'ready' });
  await ctl.handle({ type: 'targets', path: [] });
  let m = last('targets')!;
  assert.equal(m.pin, 'p1');
  assert.equal(m.round, 3);
  assert.deepEqual(m.path, []);
  const v = m.view;
  assert.equal(v.question, pp.format.question(q));
  assert.equal(v.cls, pp.classify(ctx, q));
  assert.equal(v.perClass, 32);
  assert.deepEqual(v.targets.map((t) => [t.round, t.maker, t.answer.label, t.answer.correct, t.sameContext]), [3, 2, 1].map((r) => [r, 'override', wrong, false, true]), 'newest first: the override\'s wrong target each round');
  assert.deepEqual(v.classRounds.map((r) => r.round), [3, 2, 1]);
  for (const r of v.classRounds) {
    assert.ok(r.sampled >= 1 && r.sampled <= r.made);
    assert.equal(r.makers.override, 1);
    assert.equal(r.right, r.sampled - 1, 'ground truth is right, the override is not');
    assert.equal(Object.values(r.makers).reduce((a, b) => a + b, 0), r.sampled);
    assert.deepEqual(Object.keys(r.makers).sort(), r.sampled > 1 ? ['ground truth', 'override'] : ['override']);
  }
  assert.equal(v.note, undefined);

  // An earlier round: only what was recorded up to it.
  await ctl.handle({ type: 'selectRound', round: 1 });
  await ctl.handle({ type: 'targets', path: [] });
  m = last('targets')!;
  assert.equal(m.round, 1);
  assert.deepEqual(m.view.targets.map((t) => t.round), [1]);
  assert.deepEqual(m.view.classRounds.map((r) => r.round), [1]);

  // The same question text in another context, said so; a lookup is never a target.
  await ctl.handle({ type: 'selectRound', round: 3 });
  await ctl.handle({ type: 'selectPin', pin: 'p2' });
  await ctl.handle({ type: 'targets', path: [] });
  m = last('targets')!;
  assert.equal(m.pin, 'p2');
  assert.ok(m.view.targets.length >= 1);
  assert.ok(m.view.targets.every((t) => !t.sameContext && t.maker === 'ground truth' && t.answer.correct === true));
  const tree = last('tree')!.tree;
  const lookup = tree.root.children!.findIndex((c) => c.primitive);
  await ctl.handle({ type: 'targets', path: [lookup] });
  assert.match(last('targets')!.view.note!, /lookup/);

  // A path that is not in the tree is an error; a malformed request is rejected.
  await ctl.handle({ type: 'targets', path: [9, 9] });
  assert.match(last('error')!.message, /no node at path 9\.9/);
  await ctl.handle({ type: 'targets', path: 'root' });
  assert.match(last('error')!.message, /malformed targets: path is not a node path/);
});

test('a run recorded before targets.jsonl says so; a damaged line is counted', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-prov-')), 'run');
  const config = { ...DEFAULT_CONFIG, task: pp.name, mode: 'supervised' as const, stepsPerRound: 2, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2 };
  const run = await Run.create(pp, config, permutationOracleFactory(), dir);
  const instance = { size: 8, seed: 'pin', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  RunFolder.open(dir).savePinned([{ id: 'p1', instance, question: pp.format.parseQuestion!(`σ^5(${x})`)! }]);
  await run.runRound();
  const file = path.join(dir, 'targets.jsonl');
  fs.rmSync(file);
  const s = await RunSession.open(dir, true);
  sessions.push(s);
  const { ctl, last } = harness();
  await ctl.setSession(s);
  await ctl.handle({ type: 'targets', path: [] });
  assert.match(last('targets')!.view.note!, /has recorded no targets/);
  fs.writeFileSync(file, '{"round":1,"perClass":32\n');
  await ctl.handle({ type: 'targets', path: [] });
  assert.match(last('targets')!.view.note!, /no round up to 1 recorded its targets \(1 line\(s\) of targets\.jsonl could not be read\)/);
});
