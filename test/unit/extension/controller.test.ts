import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { builtinTask, createRng, makeContext, type InstanceId } from '../../../src/core/index';
import { DEFAULT_CONFIG, Run, type LearnerFactory } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import { RUN_FORMAT_VERSION, type RunMeta } from '../../../src/engine/run-types';
import { ExplorerController, type ControllerHost } from '../../../src/extension/controller';
import { RunSession } from '../../../src/extension/session';
import { viewNodeAt } from '../../../src/extension/explorer/view-model';
import type { HostMessage, NodeView } from '../../../src/protocol/explorer';
import { permutationOracleFactory } from '../engine/fake-learner';
import { learnerModule, workerFile } from '../engine/fake-worker';

const pp = builtinTask('permutation-powering')!;
// Workers the controller starts to answer new subquestions load the run's checkpoint with the oracle X.
process.env.AMP_FAKE_LEARNER = 'oracle';
const sessions: RunSession[] = [];
after(() => Promise.all(sessions.map((s) => s.dispose())));
/** Opens a run as a trusted workspace would (task files allowed). */
async function open(dir: string): Promise<RunSession> {
  const s = await RunSession.open(dir, true);
  sessions.push(s);
  return s;
}

async function recordedRun(
  rounds = 3, before?: (folder: RunFolder, instance: { size: number; seed: string; index: number }, x: string) => void,
  options: { pinnedDepth?: number; factory?: LearnerFactory } = {},
) {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-ctl-')), 'run');
  const config = { ...DEFAULT_CONFIG, task: pp.name, mode: 'supervised' as const, stepsPerRound: 2, batchSize: 8, contextsPerRound: 2, questionsPerContext: 4, evalContexts: 2, ...(options.pinnedDepth ? { pinnedDepth: options.pinnedDepth } : {}) };
  const run = await Run.create(pp, config, options.factory ?? permutationOracleFactory(), dir);
  const instance = { size: 8, seed: 'pin', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  RunFolder.open(dir).savePinned([{ id: 'p1', instance, question: pp.format.parseQuestion!(`σ^5(${x})`)! }]);
  before?.(RunFolder.open(dir), instance, x);
  for (let i = 0; i < rounds; i++) await run.runRound();
  return { dir, instance, x };
}

let module = '';
function harness() {
  const posted: HostMessage[] = [];
  const commands: string[] = [];
  const host: ControllerHost = {
    post: (m) => posted.push(JSON.parse(JSON.stringify(m))),
    command: (c) => commands.push(c),
    openFile: () => undefined,
    workerOptions: () => ({ workerFile, learnerModule: module }),
  };
  const ctl = new ExplorerController(host);
  const last = <T extends HostMessage['type']>(type: T) => [...posted].reverse().find((m) => m.type === type) as Extract<HostMessage, { type: T }> | undefined;
  return { ctl, posted, commands, last };
}

test.before(async () => {
  module = await learnerModule();
});

test('ready: init with the run, the pins, the tree of the selected pin at the latest round', async () => {
  const { dir } = await recordedRun();
  const { ctl, last } = harness();
  await ctl.setSession(await open(dir));
  await ctl.handle({ type: 'ready' });
  const init = last('init')!;
  assert.equal(init.run!.rounds.length, 3);
  assert.equal(init.pins[0].label.startsWith('σ^5('), true);
  assert.equal(init.tasks.length, 5);
  const tree = last('tree')!.tree;
  assert.equal(tree.round, 3);
  assert.equal(tree.root.label, init.pins[0].label);
  assert.equal(tree.root.answer.correct, true, 'an oracle X: H combines right answers');
  assert.equal(tree.root.x!.correct, true);
  assert.equal(tree.root.children!.length, 3);
  assert.equal(tree.root.children![2].primitive, true);
  assert.equal(tree.root.children![0].source, 'H', 'depth 3: σ^2 is decomposed into lookups');
  assert.deepEqual(tree.root.history, [true, true, true]);
  assert.ok(tree.root.mentions.length >= 1);
  assert.ok(tree.facts.length === 8);
});

test('override at a node re-runs H up to the root, persists, and undoes', async () => {
  const { dir, instance, x } = await recordedRun();
  const { ctl, last } = harness();
  await ctl.setSession(await open(dir));
  await ctl.handle({ type: 'ready' });
  const ctx = makeContext(pp, instance);
  const sigma = new Map(ctx.facts.map((f) => [f[0], f[1]]));
  const pow = (y: string, k: number) => { for (let i = 0; i < k; i++) y = sigma.get(y)!; return y; };
  const wrong = ctx.facts.map((f) => f[0]).find((n) => n !== pow(x, 2) && n !== x)!;
  await ctl.handle({ type: 'override', path: [0], answer: [wrong] });
  const tree = last('tree')!.tree;
  const c0 = tree.root.children![0];
  assert.equal(c0.source, 'override');
  assert.deepEqual(c0.answer.symbols, [wrong]);
  assert.deepEqual(c0.replaced!.symbols, [pow(x, 2)]);
  assert.equal(tree.root.children![1].label, `σ^2(${wrong})`, 'H asks its next subquestion with the overridden answer');
  assert.deepEqual(tree.root.answer.symbols, [pow(wrong, 3)], 'the root is recomputed: σ(σ^2(wrong))');
  assert.equal(RunFolder.open(dir).overrides().size, 1);
  assert.equal(last('overrides')!.overrides.length, 1);
  await ctl.handle({ type: 'override', path: [0], answer: null });
  assert.deepEqual(last('tree')!.tree.root.answer.symbols, [pow(x, 5)]);
  assert.equal(RunFolder.open(dir).overrides().size, 0);
  await ctl.handle({ type: 'override', path: [2], answer: ['aa'] });
  assert.match(last('rejected')!.message, /lookup in the context cannot be overridden/);
});

test('annotate, select rounds, expand; errors for what does not exist', async () => {
  const { dir, x } = await recordedRun();
  const { ctl, last } = harness();
  await ctl.setSession(await open(dir));
  await ctl.handle({ type: 'annotate', path: [1], note: 'X learns this late', tags: ['curious'] });
  assert.equal(last('annotations')!.annotations[0].note, 'X learns this late');
  assert.equal(viewNodeAt(last('tree')!.tree.root, [1])!.annotations, 1);
  // The note records its node: question, the answer used, X's, H's and the truth at that moment.
  const n1 = viewNodeAt(last('tree')!.tree.root, [1])!;
  const recorded = RunFolder.open(dir).annotations()[0].node!;
  assert.deepEqual(recorded.question, n1.question);
  assert.deepEqual([recorded.answer, recorded.source, recorded.truth], [n1.answer.symbols, n1.source, n1.truth.symbols]);
  assert.deepEqual([recorded.x, recorded.xProbability], [n1.x!.symbols, n1.x!.probability]);
  assert.deepEqual(recorded.h, n1.h!.symbols);
  await ctl.handle({ type: 'selectRound', round: 2 });
  assert.equal(last('tree')!.tree.round, 2);
  await ctl.handle({ type: 'selectRound', round: 9 });
  assert.match(last('error')!.message, /round 9 is not recorded \(rounds 1\.\.3\)/);
  await ctl.handle({ type: 'selectPin', pin: 'nope' });
  assert.match(last('error')!.message, /no pinned question 'nope'/);
  await ctl.handle({ type: 'override', path: [7, 7], answer: ['aa'] });
  assert.match(last('error')!.message, /no node at path 7\.7/);
  await ctl.handle({ type: 'pinQuestion', text: 'σ^99(zz)' });
  assert.match(last('rejected')!.message, /'σ\^99\(zz\)' is not a question X answers \(kinds: pow\)/);
  await ctl.handle({ type: 'pinQuestion', text: `σ^7(${x})` });
  assert.equal(last('pins')!.pins.length, 2);
  assert.equal(last('tree')!.tree.root.label, `σ^7(${x})`);
  await ctl.handle({ type: 'command', command: 'newRun' });
});

test('10,000 random and malformed messages are all rejected and change nothing', async () => {
  const { dir } = await recordedRun(1);
  const { ctl, posted } = harness();
  await ctl.setSession(await open(dir));
  const files = () => fs.readdirSync(dir).sort().map((f) => [f, fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f), 'utf8') : 'dir']);
  const before = { files: files(), state: JSON.stringify(ctl.state()) };
  const rng = createRng('fuzz');
  const junk = (depth: number): unknown => {
    const k = rng.int(depth > 2 ? 6 : 9);
    switch (k) {
      case 0: return null;
      case 1: return rng.int(2000) - 1000;
      case 2: return ['', 'step', 'override', '🙂', 'x'.repeat(300)][rng.int(5)];
      case 3: return rng.float() < 0.5;
      case 4: return undefined;
      case 5: return [-1, 1.5, 'a'][rng.int(3)];
      case 6: return Array.from({ length: rng.int(4) }, () => junk(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        const keys = ['type', 'path', 'answer', 'round', 'pin', 'note', 'tags', 'rounds', 'open', 'text', 'command', 'file', 'line', '__proto__'];
        for (let i = 0; i < 1 + rng.int(4); i++) o[rng.pick(keys)] = junk(depth + 1);
        // Often a real type with wrong fields.
        if (rng.int(2) === 0) o.type = rng.pick(['selectRound', 'override', 'annotate', 'expand', 'runRounds', 'pinQuestion', 'command', 'openFile', 'selectPin', 'removeAnnotation']);
        return o;
      }
    }
  };
  let sent = 0;
  for (let i = 0; i < 10000; i++) {
    const m = junk(0);
    // Skip the rare junk that happens to be a valid message (a real action).
    if ((await import('../../../src/protocol/explorer')).parseWebviewMessage(m).ok) continue;
    const n = posted.length;
    await ctl.handle(m);
    sent++;
    assert.equal(posted.length, n + 1);
    const reply = posted[posted.length - 1];
    assert.equal(reply.type, 'error');
  }
  assert.ok(sent > 9000, `sent ${sent}`);
  assert.deepEqual({ files: files(), state: JSON.stringify(ctl.state()) }, before);
});

test('no run: init offers the tasks; actions explain that a run is needed', async () => {
  const { ctl, last } = harness();
  await ctl.setSession(null);
  const init = last('init')!;
  assert.equal(init.run, null);
  assert.equal(init.status.status, 'none');
  assert.ok(init.tasks.every((t) => t.example.length > 0));
  await ctl.handle({ type: 'step' });
  assert.match(last('error')!.message, /no run is open/);
});

test('view: a changed answer between rounds is marked', async () => {
  const { dir } = await recordedRun(2);
  const { ctl, last } = harness();
  await ctl.setSession(await open(dir));
  await ctl.handle({ type: 'ready' });
  const walk = (n: NodeView): NodeView[] => [n, ...(n.children ?? []).flatMap(walk)];
  assert.ok(walk(last('tree')!.tree.root).every((n) => n.changed === false), 'an oracle never changes its answers');
});

test('compare: the same pinned question in another run is diffed node by node; another round of one run; a run without the question says why', async () => {
  const a = await recordedRun();
  // Run B: the same question, with σ^2(x) overridden to a wrong name: the node and the root differ.
  let wrong = '';
  const b = await recordedRun(3, (folder, instance, x) => {
    const ctx = makeContext(pp, instance);
    const q2 = pp.format.parseQuestion!(`σ^2(${x})`)!;
    wrong = ctx.facts.map((f) => f[0]).find((n) => n !== x && n !== ctx.facts.find((f) => f[0] === ctx.facts.find((g) => g[0] === x)![1])![1])!;
    folder.setOverride({ instance, question: q2 }, [wrong]);
  });
  const { ctl, last } = harness();
  await ctl.setSession(await open(a.dir));
  await ctl.setCompare(await open(b.dir));
  let tree = last('tree')!.tree;
  assert.equal(last('init')!.compare!.id, 'run');
  assert.equal(tree.compare?.found, true);
  assert.match(tree.compare!.label, /round 3$/);
  const sq = tree.root.children![0];
  assert.equal(sq.label.startsWith('σ^2('), true);
  assert.equal(sq.compared?.differs, true, 'the overridden subquestion differs');
  assert.deepEqual(sq.compared?.answer.symbols, [wrong]);
  assert.equal(tree.root.compared?.differs, true, 'and so does the root (H combined the wrong subanswer)');
  // Compared by position: H asked B about another name next, and that other subquestion is a difference.
  const next = tree.root.children![1];
  assert.equal(next.compared?.differs, true, 'a changed subquestion at the same path differs');
  assert.ok(next.compared?.label && next.compared.label !== next.label, `both questions are known (${next.label} vs ${next.compared?.label})`);
  assert.deepEqual(next.compared?.question, [...pp.format.parseQuestion!(next.compared!.label!)!]);
  assert.ok(tree.compare!.differing >= 2);
  // Two rounds of one run: an oracle X answers alike in rounds 1 and 3.
  await ctl.setCompare(await open(a.dir), 1);
  tree = last('tree')!.tree;
  assert.deepEqual(tree.compare, { label: 'round 1', found: true, differing: 0 });
  // A run that has not pinned this question.
  const c = await recordedRun(1);
  RunFolder.open(c.dir).savePinned([{ id: 'p1', instance: { size: 8, seed: 'other', index: 0 }, question: pp.format.parseQuestion!(`σ^5(${c.x})`)! }]);
  await ctl.setCompare(await open(c.dir));
  tree = last('tree')!.tree;
  assert.equal(tree.compare?.found, false);
  assert.match(tree.compare!.reason!, /not pinned in run/);
  assert.equal(tree.root.compared, undefined);
  // Stop comparing (from the webview).
  await ctl.handle({ type: 'command', command: 'stopComparing' });
  assert.equal(last('init')!.compare, null);
  assert.equal(last('tree')!.tree.compare, undefined);
});

test('edits are matched by one key on every side: the run, the session, the controller and compare agree however an instance is spelled', async () => {
  // The same context as the pin's { size: 8, seed: 'pin', index: 0 }, spelled otherwise (another key order, the seed as a list).
  const respelled = JSON.parse('{"index":0,"seed":["pin"],"size":8}') as { size: number; seed: string; index: number };
  let sub: readonly string[] = [];
  let question: string[] = [];
  let wrong = '';
  const { dir, instance } = await recordedRun(1, (folder, inst, x) => {
    const ctx = makeContext(pp, inst);
    question = [...folder.pinned()[0].question];
    sub = pp.format.parseQuestion!(`σ^2(${x})`)!;
    wrong = ctx.facts.map((f) => f[0]).find((n) => n !== x)!;
    folder.setOverride({ instance: respelled, question: sub }, [wrong]);
    folder.appendAnnotation({ op: 'add', id: 'n1', at: new Date().toISOString(), key: { instance: respelled, question }, path: [0], round: 1, note: 'respelled' });
  });
  // The run (engine): its recorded tree for the pin applies the override.
  const session = await open(dir);
  const recorded = session.pinnedRound(1)!.answers[0];
  assert.equal(recorded.tree.root.children![0].source, 'override');
  // The session (host): the override belongs to the pin's context.
  assert.deepEqual([...session.overridesFor(instance).values()], [[wrong]]);
  // The controller: the tree, the note's pin and node, the overrides list, reveal.
  const { ctl, last } = harness();
  await ctl.setSession(session);
  const tree = last('tree')!.tree;
  assert.equal(tree.root.children![0].source, 'override');
  assert.deepEqual(tree.root.children![0].answer.symbols, [wrong]);
  assert.equal(tree.root.children![0].annotations, 1);
  assert.deepEqual(last('annotations')!.annotations.map((a) => a.pin), ['p1']);
  await ctl.handle({ type: 'override', path: [], answer: [wrong] });
  assert.deepEqual(last('overrides')!.overrides.map((o) => [o.pin, o.label]), [['p1', pp.format.question(sub)], ['p1', pp.format.question(question)]]);
  await ctl.reveal({ key: { instance: respelled, question }, path: [0], round: 1 });
  assert.equal(last('reveal')!.pin, 'p1');
  // Compare: the same question pinned in another run under the other spelling is found.
  const other = await recordedRun(1, (folder) => folder.savePinned([{ id: 'q1', instance: respelled, question }]));
  await ctl.setCompare(await open(other.dir));
  assert.equal(last('tree')!.tree.compare?.found, true);
});

function nodesOf(n: NodeView): NodeView[] {
  return [n, ...(n.children ?? []).flatMap(nodesOf)];
}

test('a bad override or pin is refused in one line and changes nothing; a pin can be removed', async () => {
  const { dir, instance, x } = await recordedRun(1);
  const { ctl, last } = harness();
  await ctl.setSession(await open(dir));
  await ctl.handle({ type: 'override', path: [0], answer: ['h', 'g'] });
  const r = last('rejected')!;
  assert.deepEqual([r.input, r.path], ['override', [0]]);
  assert.match(r.message, /an answer of pow has 1 symbol, not 2/);
  await ctl.handle({ type: 'override', path: [0], answer: ['zz'] });
  assert.match(last('rejected')!.message, /zz is not a symbol of permutation-powering/);
  assert.equal(RunFolder.open(dir).overrides().size, 0);
  // A name of the task that this context has no fact about.
  const names = new Set(makeContext(pp, instance).facts.flat());
  const absent = makeContext(pp, { size: 8, seed: 'other', index: 1 }).facts.map((f) => f[0]).find((n) => !names.has(n))!;
  await ctl.handle({ type: 'pinQuestion', text: `σ^29(${absent})` });
  assert.equal(last('rejected')!.input, 'pin');
  assert.match(last('rejected')!.message, new RegExp(`no fact mentions ${absent}`));
  assert.equal(RunFolder.open(dir).pinned().length, 1);
  // Unpin: the pin is gone from the folder, another is selected.
  await ctl.handle({ type: 'pinQuestion', text: `σ^7(${x})` });
  const added = last('pins')!.selectedPin!;
  await ctl.handle({ type: 'selectPin', pin: 'p1' });
  await ctl.handle({ type: 'unpin', pin: 'p1' });
  assert.deepEqual(RunFolder.open(dir).pinned().map((p) => p.id), [added]);
  assert.equal(last('init')!.selectedPin, added);
  await ctl.handle({ type: 'unpin', pin: 'p1' });
  assert.match(last('error')!.message, /no pinned question 'p1'/);
});

test('an override: every subquestion H asks anew is answered by X of the run, with a summary and marks apart from Δ', async () => {
  const { dir, instance, x } = await recordedRun(3, undefined, { pinnedDepth: 1 });
  const { ctl, last } = harness();
  await ctl.setSession(await open(dir));
  assert.equal(last('tree')!.tree.overrideSummary, undefined);
  const sigma = new Map(makeContext(pp, instance).facts.map((f) => [f[0], f[1]]));
  const pow = (y: string, k: number) => { for (let i = 0; i < k; i++) y = sigma.get(y)!; return y; };
  const wrong = [...sigma.keys()].find((n) => n !== pow(x, 2) && n !== x)!;
  await ctl.handle({ type: 'override', path: [0], answer: [wrong] });
  let tree = last('tree')!.tree;
  assert.ok(nodesOf(tree.root).every((n) => n.source !== 'unrecorded' && n.answer.label !== '?'), 'no unexplained ?');
  assert.equal(tree.root.children![1].label, `σ^2(${wrong})`);
  assert.equal(tree.root.children![1].source, 'X', 'a leaf beyond the depth limit: X of the run answers it');
  assert.deepEqual(tree.root.answer.symbols, [pow(wrong, 3)]);
  assert.match(tree.answeredBy!, /X of round 3$/);
  assert.deepEqual(nodesOf(tree.root).map((n) => n.byOverride), ['changed', 'changed', 'new', 'new']);
  assert.equal(tree.overrideSummary!.text, `override at σ^2(${x}): root ${pow(x, 5)} ✓ → ${pow(wrong, 3)} ✗; 2 nodes changed, 2 new`);
  assert.ok(nodesOf(tree.root).every((n) => !n.changed), 'Δ stays round to round: the rounds agree');
  // An earlier round: its checkpoint is gone, the latest answers, and the tree says so.
  await ctl.handle({ type: 'selectRound', round: 1 });
  tree = last('tree')!.tree;
  assert.match(tree.answeredBy!, /X of round 3: the run keeps only its latest checkpoint, not round 1's/);
  assert.deepEqual(tree.root.answer.symbols, [pow(wrong, 3)]);
});

test('a run whose worker crashed: the Explorer does not restart the worker to answer new subquestions, and says why they stay ?', async () => {
  const { dir, instance, x } = await recordedRun(3, undefined, { pinnedDepth: 1 });
  const { ctl, last } = harness();
  const session = await open(dir);
  session.status = { status: 'crashed', round: 3, message: 'the training worker exited unexpectedly (code 1)' };
  await ctl.setSession(session);
  const sigma = new Map(makeContext(pp, instance).facts.map((f) => [f[0], f[1]]));
  const wrong = [...sigma.keys()].find((n) => n !== sigma.get(sigma.get(x)!) && n !== x)!;
  await ctl.handle({ type: 'override', path: [0], answer: [wrong] });
  const tree = last('tree')!.tree;
  assert.equal(tree.root.children![1].answer.label, '?', 'the new subquestion is not answered');
  assert.match(tree.answeredBy!, /^1 new subquestion\(s\) stay \? : the run's training worker crashed; Step Round or Run Rounds… restarts it/);
  assert.equal(session.worker, undefined, 'no worker was started');
  assert.equal(session.status.status, 'crashed');
});

test('Why is this wrong? on an X error: blame answerer with the path, p and the counterfactual', async () => {
  const instance = { size: 8, seed: 'pin', index: 0 };
  const x = makeContext(pp, instance).facts[0][0];
  const bad = pp.format.parseQuestion!(`σ^2(${x})`)!;
  const sigma = new Map(makeContext(pp, instance).facts.map((f) => [f[0], f[1]]));
  const wrongAnswer = [...sigma.keys()].find((n) => n !== sigma.get(sigma.get(x)!) && n !== x)!;
  const base = permutationOracleFactory();
  const buggy = <M extends Awaited<ReturnType<LearnerFactory['create']>>>(m: M): M => {
    const predict = m.predict.bind(m);
    m.predict = (items, o) => predict(items, o).map((p, i) => (items[i].question.join(' ') === bad.join(' ') ? { answer: [wrongAnswer], probability: 0.6, top: [{ answer: [wrongAnswer], probability: 0.6 }] } : p));
    return m;
  };
  const factory: LearnerFactory = { create: async (o) => buggy(await base.create(o)), load: async (d, b) => buggy(await base.load(d, b)), versions: base.versions };
  const { dir } = await recordedRun(1, undefined, { pinnedDepth: 1, factory });
  const { ctl, last } = harness();
  await ctl.setSession(await open(dir));
  assert.equal(last('tree')!.tree.root.answer.correct, false);
  await ctl.handle({ type: 'explain', path: [] });
  const b = last('blame')!.blame;
  assert.equal(b.kind, 'answerer');
  assert.deepEqual(b.path, [0]);
  assert.equal(b.question, `σ^2(${x})`);
  assert.match(b.detail, new RegExp(`^X answered σ\\^2\\(${x}\\) with ${wrongAnswer} \\(p = 0\\.60\\); the truth is ${sigma.get(sigma.get(x)!)}, and the error propagated`));
  assert.equal(b.counterfactual, 'With the true answer here, the root would be ✓.');
  // From a right node: nothing to blame.
  await ctl.handle({ type: 'explain', path: [2] });
  assert.equal(last('blame')!.blame.kind, 'none');
});

test('Why is this wrong? on a user task whose expert is buggy: blame expert, with a link to the expert\'s source', async () => {
  const file = path.resolve('test/fixtures/broken-expert.task.ts');
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-ctl-')), 'check');
  const meta: RunMeta = {
    formatVersion: RUN_FORMAT_VERSION, id: 'check', kind: 'check', createdAt: new Date().toISOString(), taskName: 'broken-range-sum', taskFile: file,
    config: { ...DEFAULT_CONFIG, task: 'broken-range-sum', size: 8, mode: 'supervised' }, backend: 'fake', versions: {},
  };
  const instance: InstanceId = { size: 8, seed: 'blame', index: 0 };
  const folder = RunFolder.create(dir, meta);
  folder.savePinned([{ id: 'c', instance, question: ['sum', 'i0', 'i7'] }]);
  const session = await open(dir);
  const { ctl, last } = harness();
  await ctl.setSession(session);
  const root = last('tree')!.tree.root;
  if (root.answer.correct) return assert.fail(`this context's values let the bug go unseen: pick another instance than ${JSON.stringify(instance)}`);
  await ctl.handle({ type: 'explain', path: [] });
  const b = last('blame')!.blame;
  assert.equal(b.kind, 'expert');
  assert.match(b.detail, /combined correct subanswers wrongly .* \(an expert bug\)\.$/);
  const node = viewNodeAt(last('tree')!.tree.root, b.path)!;
  assert.equal(node.answer.correct, false);
  assert.ok(node.children!.every((c) => c.answer.correct), 'its subanswers are all right');
  assert.deepEqual(b.source, { file, line: fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('*expert(')) + 1 });
  assert.match(b.counterfactual!, /^With the true answer here, the root would (be ✓|still be ✗)/);
});

test('skipped lines of rounds.jsonl, overrides.jsonl and annotations.jsonl reach the Explorer in init (its header warning), file by file', async () => {
  const { dir } = await recordedRun(2);
  const folder = RunFolder.open(dir);
  fs.appendFileSync(folder.roundsFile, '{"round":99}\n{"round": 3, "acc');
  fs.appendFileSync(folder.annotationsFile, 'null\n');
  const { ctl, posted, last } = harness();
  await ctl.setSession(await open(dir));
  const skipped = last('init')!.run!.skipped;
  assert.deepEqual(skipped.map((k) => `${k.file}:${k.line}`), ['rounds.jsonl:3', 'rounds.jsonl:4', 'annotations.jsonl:1']);
  assert.ok(skipped.every((k) => k.reason.length > 0), 'each says why');
  assert.equal(last('init')!.run!.rounds.length, 2, 'the readable rounds are shown');
  assert.equal(posted.some((m) => m.type === 'error'), false, 'a warning in the header, not an error');
});
