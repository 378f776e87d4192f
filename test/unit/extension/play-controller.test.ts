import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext, playRecordProblem, questionKey, type Question } from '../../../src/core/index';
import { powQuestion } from '../../../src/core/tasks/permutation-powering';
import { humanTranscriptsFile, readPlayRecords } from '../../../src/engine/human-transcripts';
import { PlayController, type PlayAnswerer, type PlaySetup } from '../../../src/extension/play/play-controller';
import { humanTranscriptCount, humanTranscriptsText, playTranscriptsFile, savePlayRecord } from '../../../src/extension/play/transcripts';
import { parsePlayHostMessage, type PlayHostMessage, type PlayView } from '../../../src/protocol/play';

const pp = builtinTask('permutation-powering')!;
const instance = { size: 8, seed: 'play', index: 0 };
const ctx = makeContext(pp, instance);
const x = ctx.facts[0][0];
const sigma = (k: number, y: string) => pp.answer(ctx, powQuestion(k, y))[0];

function setUp(answerer: PlayAnswerer, next?: () => PlaySetup | undefined) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-play-'));
  const file = playTranscriptsFile(runDir, '/unused');
  const posted: PlayHostMessage[] = [];
  const setup: PlaySetup = { task: pp, ctx, instance, question: powQuestion(4, x), answerer, who: 'tester', now: () => new Date('2026-01-02T03:04:05Z') };
  const c = new PlayController({
    post: (m) => {
      // Every message the host posts is one the webview accepts.
      const r = parsePlayHostMessage(JSON.parse(JSON.stringify(m)));
      assert.ok(r.ok, r.ok ? '' : r.error);
      posted.push(m);
    },
    save: (record) => savePlayRecord(file, record),
    ...(next ? { next } : {}),
  }, setup);
  const last = <T extends PlayHostMessage['type']>(type: T) => posted.filter((m): m is Extract<PlayHostMessage, { type: T }> => m.type === type).at(-1);
  const view = (): PlayView => last('state')!.view;
  return { c, runDir, file, posted, last, view };
}

test('the host side of the play panel: σ^4(x) as σ^2(x), σ^2($1), answer $2 — a malformed subquestion gets its one-line problem, the finished question is one line of <run>/human/transcripts.jsonl', async () => {
  const { c, runDir, file, posted, last, view } = setUp({ kind: 'truth' });
  assert.equal(file, humanTranscriptsFile(runDir));
  await c.handle({ type: 'ready' });
  assert.equal(view().question, `σ^4(${x})`);
  assert.deepEqual(view().steps, []);
  await c.handle({ type: 'ask', text: `σ^2(${x})` });
  assert.deepEqual(view().steps, [{ question: `σ^2(${x})`, answer: sigma(2, x), source: 'truth' }]);
  const states = posted.filter((m) => m.type === 'state').length;
  await c.handle({ type: 'ask', text: 'σ^2($1' });
  assert.match(last('problem')!.message, /^cannot ask 'σ\^2\(\$1'/);
  assert.equal(posted.filter((m) => m.type === 'state').length, states, 'a refused command changes nothing');
  await c.handle({ type: 'complete', id: 7, line: 'σ^2($' });
  assert.deepEqual(last('completions'), { type: 'completions', id: 7, items: ['σ^2($1'] });
  await c.handle({ type: 'ask', text: 'σ^2($1)' });
  assert.equal(view().calls, 2);
  assert.equal(fs.existsSync(file), false, 'nothing is written before the question is finished');
  await c.handle({ type: 'answer', text: '$2' });
  assert.equal(view().done, true);
  assert.equal(view().answer, sigma(4, x));
  assert.equal(view().savedTo, file);

  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0]);
  assert.equal(playRecordProblem(record), undefined);
  assert.deepEqual(record.transcript.steps.map((s: { question: Question }) => questionKey(s.question)), [questionKey(powQuestion(2, x)), questionKey(powQuestion(2, sigma(2, x)))]);
  assert.deepEqual(record.transcript.answer, [sigma(4, x)]);
  assert.deepEqual({ who: record.who, answerer: record.answerer, at: record.at, instance: record.instance, path: record.path }, { who: 'tester', answerer: 'truth', at: '2026-01-02T03:04:05.000Z', instance, path: [] });
  assert.equal(readPlayRecords(file).records.length, 1);
  assert.equal(humanTranscriptCount(runDir), 1);
  const exported = humanTranscriptsText(runDir);
  assert.deepEqual({ count: exported.count, skipped: exported.skipped }, { count: 1, skipped: 0 });
  assert.deepEqual(JSON.parse(exported.text.trim()), record);

  // Compare with H: the person decomposed as H does, so nothing differs.
  await c.handle({ type: 'compareWithH' });
  const cmp = last('compare')!.compare;
  assert.equal(cmp.mine.question, `σ^4(${x})`);
  assert.equal(cmp.h.question, `σ^4(${x})`);
  assert.equal(cmp.h.answer, sigma(4, x));
  const marked = (n: typeof cmp.mine): number => (n.differs ? 1 : 0) + (n.children ?? []).reduce((s, k) => s + marked(k), 0);
  assert.equal(cmp.differing, marked(cmp.mine) + marked(cmp.h));
  assert.equal(cmp.differing, 0);

  // Another decomposition (σ^1 then σ^3): the same answer at the root, different children.
  const other = setUp({ kind: 'truth' });
  for (const text of [`σ^1(${x})`, 'σ^3($1)']) await other.c.handle({ type: 'ask', text });
  await other.c.handle({ type: 'answer', text: '$2' });
  await other.c.handle({ type: 'compareWithH' });
  const diff = other.last('compare')!.compare;
  assert.equal(diff.mine.differs, false, 'the same question with the same answer at the root');
  assert.equal(diff.mine.children?.length, 2);
  assert.ok(diff.mine.children!.every((k) => k.differs), 'σ^1 and σ^3 where H asks σ^2 twice');
  assert.equal(diff.differing, marked(diff.mine) + marked(diff.h));
});

test('answerer X: the subanswer comes from the worker (asynchronously) before the session asks; `me` asks the person again within the budget; next plays another instance', async () => {
  const asked: Question[] = [];
  const xAnswer = async (_i: unknown, q: Question) => {
    asked.push(q);
    return [x];
  };
  const { c, view, file } = setUp({ kind: 'x', round: 3, xAnswer }, () => ({ task: pp, ctx, instance: { ...instance, index: 1 }, question: powQuestion(3, x), answerer: { kind: 'truth' }, who: 'tester' }));
  await c.handle({ type: 'ready' });
  assert.match(view().answerer, /X of round 3/);
  await c.handle({ type: 'ask', text: `σ^2(${x})` });
  assert.deepEqual(asked, [powQuestion(2, x)]);
  assert.deepEqual(view().steps[0], { question: `σ^2(${x})`, answer: x, source: 'X' });
  await c.handle({ type: 'ask', text: `σ^1(${x})` });
  assert.equal(asked.length, 1, 'a primitive is looked up, never sent to X');
  await c.handle({ type: 'next' });
  assert.equal(view().question, `σ^4(${x})`, 'next before the question is finished changes nothing');
  await c.handle({ type: 'answer', text: '$1' });
  const record = readPlayRecords(file).records[0];
  assert.deepEqual({ answerer: record.answerer, round: record.round }, { answerer: 'X', round: 3 });
  await c.handle({ type: 'next' });
  assert.equal(view().question, `σ^3(${x})`);
  assert.equal(view().done, false);

  const failing = setUp({ kind: 'x', round: 3, xAnswer: async () => { throw new Error('the worker stopped'); } });
  await failing.c.handle({ type: 'ready' });
  await failing.c.handle({ type: 'ask', text: `σ^2(${x})` });
  assert.equal(failing.last('problem')!.message, `X could not answer σ^2(${x}): the worker stopped`);
  assert.deepEqual(failing.view().steps, [], 'nothing was asked');

  const me = setUp({ kind: 'me', budget: 1 });
  await me.c.handle({ type: 'ask', text: `σ^2(${x})` });
  assert.equal(me.view().depth, 1);
  assert.equal(me.view().budget, 0);
  await me.c.handle({ type: 'ask', text: `σ^1(${x})` });
  await me.c.handle({ type: 'ask', text: 'σ^1($1)' });
  await me.c.handle({ type: 'answer', text: '$2' });
  assert.equal(me.view().depth, 0);
  assert.deepEqual(me.view().steps[0], { question: `σ^2(${x})`, answer: sigma(2, x), source: 'human' });
  assert.equal(readPlayRecords(me.file).records.length, 1, 'the nested question is saved as soon as it is answered');
});
