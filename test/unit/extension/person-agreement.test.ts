// Where H′ agrees with the person (issue 16): the comparison action by action (engine), the
// run-level figure and the records of one context (personAgreement), the marks on a tree view
// (addPersonMarks), and the Explorer's controller asking the run's worker, where H′ lives.
// H′ here is the fake expert that plays H; the scripted person differs from H on odd k > 3 only.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { makeContext, type InstanceId, type Question } from '../../../src/core/index';
import { powQuestion } from '../../../src/core/tasks/permutation-powering';
import { compareWithPerson, agreementWithPerson, humanTranscriptsFile, personAgreement, readHumanData } from '../../../src/engine/human-transcripts';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import type { RunConfig } from '../../../src/engine/run-types';
import { ExplorerController, type ControllerHost } from '../../../src/extension/controller';
import { addPersonMarks } from '../../../src/extension/play/person-marks';
import { RunSession } from '../../../src/extension/session';
import { recomputeTree, treeView } from '../../../src/extension/explorer/view-model';
import { parseHostMessage, type HostMessage, type NodeView } from '../../../src/protocol/explorer';
import { personSummaryText } from '../../../src/protocol/person';
import { jsonLines, learned, personRecordOf, personRecords, pp } from '../engine/expert-source-person';
import { FakeExpert, fakeFactory, fakeFactoryWithExpert } from '../engine/fake-learner';
import { learnerModule, workerFile } from '../engine/fake-worker';

const kOf = (q: Question) => parseInt(q.slice(1, 7).join(''), 2);

function transcriptsFileWith(lines: string): { dir: string; file: string } {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'person-agreement-')), 'run');
  const file = humanTranscriptsFile(dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines);
  return { dir, file };
}

test('compareWithPerson: per action, H′ (playing H) differs from the person at the 1st and 3rd of 4 actions on odd k > 3, agrees elsewhere; two batched calls', () => {
  const records = personRecords('person/compare', 40);
  const expert = new FakeExpert(pp, 0);
  const compared = compareWithPerson(expert, pp, records.map(learned));
  assert.ok(expert.nextCalls.length <= 2, `${expert.nextCalls.length} calls of H′`);
  let oddSeen = 0;
  compared.forEach((c, i) => {
    const t = records[i].transcript;
    const k = kOf(t.question);
    assert.equal(c.actions.length, t.steps.length + 1, 'one per subquestion, one for the answer');
    t.steps.forEach((s, n) => assert.deepEqual(c.actions[n].person, { ask: s.question }));
    assert.deepEqual(c.actions[t.steps.length].person, { answer: t.answer });
    if (k % 2 === 1 && k > 3) {
      oddSeen++;
      assert.deepEqual(c.actions.map((a) => a.agrees), [false, true, false, true], `k = ${k}`);
      // H asks σ^m(x) where the person asks σ^1(x).
      assert.deepEqual(c.actions[0].expert, { ask: powQuestion(k >> 1, t.question[7]) });
      assert.equal(c.agrees, false);
    } else {
      assert.ok(c.actions.every((a) => a.agrees && JSON.stringify(a.expert) === JSON.stringify(a.person)), `k = ${k}`);
      assert.equal(c.agrees, true);
    }
  });
  assert.ok(oddSeen > 3, `${oddSeen} odd k > 3`);
  assert.equal(agreementWithPerson(new FakeExpert(pp, 0), pp, records.map(learned)), compared.filter((c) => c.agrees).length / records.length);
  assert.deepEqual(compareWithPerson(expert, pp, []), []);
  // An untrained H′ (it answers ? at once) does none of what the person did.
  assert.ok(compareWithPerson(new FakeExpert(pp, 1), pp, records.map(learned)).every((c) => !c.agrees && !c.actions[0].agrees));
});

test('personAgreement: k of n over the usable records of the task, of those H′ never trained on, and the records of one context in full', () => {
  const records = personRecords('person/file', 30);
  const here = records[4].instance;
  // A second question of the same context, another task's record and a torn line are in the file too.
  const second = personRecordOf(here, powQuestion(6, makeContext(pp, here).facts[1][0]));
  const other = { ...records[0], task: 'union-find' };
  const { file } = transcriptsFileWith(`${jsonLines([...records, second, other])}{"torn`);
  const expert = new FakeExpert(pp, 0);
  const all = [...records, second];
  const agrees = compareWithPerson(expert, pp, all.map(learned)).filter((c) => c.agrees).length;

  const byH = personAgreement(expert, pp, 'H', file, here);
  assert.deepEqual({ agrees: byH.agrees, recorded: byH.recorded }, { agrees, recorded: 31 });
  assert.deepEqual(byH.unseen, { agrees, recorded: 31 }, 'H′ learning from H never trained on a person’s transcript');
  assert.deepEqual(byH.records.map((r) => r.record.question), [records[4].question, second.question]);
  assert.ok(byH.records.every((r) => !r.trainedOn));
  assert.equal(byH.records[1].agrees, true, 'σ^6: the person decomposes as H does');

  const byPerson = personAgreement(expert, pp, 'human', file, here);
  const heldOut = readHumanData(pp, file).heldOut;
  assert.equal(byPerson.unseen.recorded, heldOut.length, 'learning from the person: only the held-out part is unseen');
  assert.ok(heldOut.length > 0 && heldOut.length < 31);
  assert.equal(byPerson.unseen.agrees, compareWithPerson(expert, pp, heldOut).filter((c) => c.agrees).length);
  assert.equal(personAgreement(expert, pp, 'H', file, { size: 8, seed: 'elsewhere', index: 0 }).records.length, 0);
  assert.equal(personAgreement(expert, pp, 'H', path.join(path.dirname(file), 'none.jsonl'), here).recorded, 0);
  assert.equal(personSummaryText({ ...byH, round: 4 }), `H′ agrees with the person on ${agrees} of 31 recorded questions, none of which it trained on — H′ of round 4`);
  assert.equal(personSummaryText({ agrees: 3, recorded: 4, unseen: { agrees: 1, recorded: 2 }, round: 2 }), 'H′ agrees with the person on 3 of 4 recorded questions (1 of 2 it never trained on) — H′ of round 2');
});

/** The tree of σ^5(x) decomposed by H with true subanswers, as the Explorer's host builds it. */
function tree(instance: InstanceId, question: Question) {
  const ctx = makeContext(pp, instance);
  const t = recomputeTree({ task: pp, ctx, question, answers: {}, overrides: new Map(), depth: 3, expanded: new Set(), leaves: 'truth' });
  return treeView('p1', 2, instance.size, t, { task: pp, ctx, answers: {}, annotations: new Map(), expanded: new Set() });
}

const nodes = (n: NodeView): NodeView[] => [n, ...(n.children ?? []).flatMap(nodes)];

test('addPersonMarks: the run-level figure, and on each node a person decomposed their transcript beside H′ action by action (the latest record when several)', () => {
  const instance = { size: 8, seed: 'marks', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  const view = tree(instance, powQuestion(5, x));
  const child = view.root.children![0];
  assert.equal(child.label, `σ^2(${x})`);
  const root = personRecordOf(instance, powQuestion(5, x));
  const older = { ...root, at: '2025-12-01T00:00:00.000Z', who: 'earlier person' };
  const { file } = transcriptsFileWith(jsonLines([root, older, personRecordOf(instance, powQuestion(2, x))]));
  const marked = addPersonMarks(view, { ...personAgreement(new FakeExpert(pp, 0), pp, 'both', file, instance), round: 2 });
  assert.equal(marked, 2);
  assert.deepEqual(view.person && { agrees: view.person.agrees, recorded: view.person.recorded, round: view.person.round }, { agrees: 1, recorded: 3, round: 2 });

  const p = view.root.person!;
  assert.equal(p.who, 'scripted person', 'the latest of the two records');
  assert.equal(p.recorded, 2);
  assert.deepEqual(p.steps.map((s) => s.question), [`σ^1(${x})`, `σ^2(${root.transcript.steps[0].answer[0]})`, `σ^2(${root.transcript.steps[1].answer[0]})`]);
  assert.equal(p.answer, root.transcript.answer[0]);
  assert.deepEqual(p.expert.map((a) => [a.kind, a.agrees]), [['ask', false], ['ask', true], ['ask', false], ['answer', true]]);
  assert.equal(p.expert[0].label, `σ^2(${x})`, 'H′ (playing H) asks σ^2(x) where the person asks σ^1(x)');
  assert.equal(p.agrees, false);
  assert.equal(child.person?.agrees, true);
  assert.equal(nodes(view.root).filter((n) => n.person).length, 2, 'no other node is marked');
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify({ type: 'tree', tree: view }))).ok, 'the marks pass the protocol');

  const broken = JSON.parse(JSON.stringify({ type: 'tree', tree: view }));
  broken.tree.root.person.expert.pop();
  const refused = parseHostMessage(broken);
  assert.ok(!refused.ok && /tree\.root\.person\.expert is not one action per step/.test(refused.error), refused.ok ? '' : refused.error);
  const unmarked = tree(instance, powQuestion(5, x));
  assert.equal(addPersonMarks(unmarked, { agrees: 0, recorded: 0, unseen: { agrees: 0, recorded: 0 }, records: [], round: 2 }), 0);
  assert.equal(unmarked.person, undefined, 'no records: no figure');
});

// ---------------------------------------------------------------- the controller and the worker

const sessions: RunSession[] = [];
after(() => Promise.all(sessions.map((s) => s.dispose())));

async function recordedRun(mode: RunConfig['mode'], withRecords: boolean) {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-person-')), 'run');
  const config: RunConfig = { ...DEFAULT_CONFIG, task: pp.name, mode, stepsPerRound: 2, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2, expertCallsPerRound: 4, expertStepsPerRound: 2 };
  const run = await Run.create(pp, config, mode === 'supervised' ? fakeFactory(1) : fakeFactoryWithExpert(pp), dir);
  const instance = { size: 8, seed: 'pin', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  RunFolder.open(dir).savePinned([{ id: 'p1', instance, question: powQuestion(5, x) }]);
  for (let i = 0; i < 2; i++) await run.runRound();
  run.dispose();
  if (withRecords) {
    fs.mkdirSync(path.dirname(humanTranscriptsFile(dir)), { recursive: true });
    fs.writeFileSync(humanTranscriptsFile(dir), jsonLines([personRecordOf(instance, powQuestion(5, x)), personRecordOf(instance, powQuestion(2, x)), ...personRecords('person/elsewhere', 3)]));
  }
  const s = await RunSession.open(dir, true);
  sessions.push(s);
  return s;
}

async function treeOf(s: RunSession) {
  const posted: HostMessage[] = [];
  const host: ControllerHost = { post: (m) => posted.push(JSON.parse(JSON.stringify(m))), command: () => undefined, openFile: () => undefined, workerOptions: () => ({ workerFile, learnerModule: module }) };
  const ctl = new ExplorerController(host);
  await ctl.setSession(s);
  const errors = posted.filter((m) => m.type === 'error');
  const trees = posted.filter((m): m is Extract<HostMessage, { type: 'tree' }> => m.type === 'tree');
  return { tree: trees.at(-1)!.tree, errors };
}

let module = '';
test.before(async () => {
  module = await learnerModule();
});

test('the Explorer: a run with H′ and a person’s transcripts gets the figure and the marks from its worker; a run without H′ or without transcripts none', async () => {
  const s = await recordedRun('amplify-learned-h' as RunConfig['mode'], true);
  const { tree, errors } = await treeOf(s);
  assert.deepEqual(errors, []);
  assert.ok(tree.person, 'the run-level figure');
  assert.equal(tree.person.recorded, 5);
  assert.equal(tree.person.round, 2);
  assert.equal(tree.person.unseen.recorded, 5, 'expert source H: H′ never trained on the person');
  const data = readHumanData(pp, humanTranscriptsFile(s.folder.dir));
  assert.equal(tree.person.agrees, compareWithPerson(new FakeExpert(pp, 0), pp, [...data.train, ...data.heldOut]).filter((c) => c.agrees).length, 'the trained fake H′ plays H');
  assert.equal(tree.root.person?.agrees, false);
  assert.deepEqual(tree.root.person?.expert.map((a) => a.agrees), [false, true, false, true]);
  assert.equal(tree.root.children![0].person?.agrees, true);
  assert.equal(nodes(tree.root).filter((n) => n.person).length, 2);

  for (const other of [await recordedRun('amplify-learned-h' as RunConfig['mode'], false), await recordedRun('supervised' as RunConfig['mode'], true)]) {
    const { tree: plain, errors: none } = await treeOf(other);
    assert.deepEqual(none, []);
    assert.equal(plain.person, undefined);
    assert.equal(nodes(plain.root).filter((n) => n.person).length, 0);
  }
});
