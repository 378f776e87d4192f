import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, createRng, groundTruth, makeContext, makeQuestion, sameTuple, truthAnswerer, type AnswerRequest } from '../../../src/core/index';
import { ReplayBuffer } from '../../../src/engine/buffer';
import { BASELINE_MODE, DEFAULT_MODE, MODES, MODE_TABLE, isMode, modeSpec } from '../../../src/engine/modes/index';
import { DEFAULT_CONFIG, Run } from '../../../src/engine/run';
import type { RunConfig } from '../../../src/engine/run-types';
import { FakeExpert, fakeFactory } from './fake-learner';

const pp = builtinTask('permutation-powering')!;
const config = (over: Partial<RunConfig> = {}): RunConfig => ({ ...DEFAULT_CONFIG, task: pp.name, ...over });

function requests(n: number): AnswerRequest[] {
  const out: AnswerRequest[] = [];
  for (let i = 0; i < n; i++) {
    const instance = { size: 8, seed: 'modes', index: i };
    const ctx = makeContext(pp, instance);
    out.push({ ctx, question: makeQuestion(pp, instance, ctx) });
  }
  return out;
}

test('the mode table: unique names, the type list and the default come from it, one baseline with ground-truth targets', () => {
  assert.deepEqual(MODES, MODE_TABLE.map((m) => m.name));
  assert.equal(new Set(MODES).size, MODES.length);
  assert.equal(new Set(MODE_TABLE.map((m) => m.colour)).size, MODES.length, 'each mode has its own colour');
  assert.equal(new Set(MODE_TABLE.map((m) => m.label)).size, MODES.length, 'each mode has its own label');
  assert.equal(DEFAULT_MODE, MODES[0]);
  assert.deepEqual(MODE_TABLE.filter((m) => m.needs.groundTruth).map((m) => m.name), [BASELINE_MODE]);
  for (const m of MODE_TABLE) {
    assert.match(m.colour, /^#[0-9a-f]{6}$/);
    assert.ok(m.help.length > 10 && !m.help.includes('\n'), `${m.name}: one help line`);
    assert.ok(!m.needs.learnedH || m.needs.H, `${m.name}: H′ is trained on H's transcripts`);
    assert.equal(modeSpec(m.name), m);
  }
  assert.ok(isMode(DEFAULT_MODE));
  assert.ok(!isMode('telepathy'));
  assert.equal(modeSpec('telepathy'), undefined);
});

test("each mode's targets: ground truth (undefined), Amplify^H, or Amplify^H′ with H′ trained on H's transcripts", () => {
  const reqs = requests(6);
  const rng = createRng('modes');
  for (const m of MODE_TABLE) {
    const buffer = new ReplayBuffer<Parameters<FakeExpert['trainStep']>[0][number]>(100);
    const expert = new FakeExpert(pp);
    const built = m.targets({
      task: pp, config: config({ mode: m.name, expertCallsPerRound: 4, expertStepsPerRound: 3 }), requests: reqs, answerer: truthAnswerer(pp), rng,
      ...(m.needs.learnedH ? { learnedH: { model: expert, buffer } } : {}),
    });
    assert.equal(built.transcripts.length, reqs.length, m.name);
    // With ground truth answering the subquestions, H (and an H′ that imitates H) answer right.
    const right = (ts: typeof built.transcripts) => ts.every((t, i) => t && sameTuple(t.answer, groundTruth(pp, reqs[i].ctx, reqs[i].question).answer));
    if (m.needs.groundTruth) {
      assert.ok(built.transcripts.every((t) => t === undefined), `${m.name}: the ground truth is the target`);
      assert.equal(built.callsToH, 0);
    } else if (!m.needs.learnedH) assert.ok(right(built.transcripts), `${m.name}: Amplify^H with true subanswers`);
    if (m.needs.learnedH) {
      assert.equal(built.callsToH, 4, 'expertCallsPerRound questions go to H');
      assert.equal(buffer.size, 4, "H's transcripts fill H′'s buffer");
      assert.equal(expert.step, 3, 'expertStepsPerRound steps of H′');
      assert.ok(built.transcripts.every((t) => t?.answer[0] === '?'), 'H′ built the targets before it was trained: ?');
      assert.equal(built.learnedH?.agreement, 0);
      assert.equal(built.learnedH?.loss, 0, 'the fake H′ has learned after its first step');
      const again = m.targets({
        task: pp, config: config({ mode: m.name, expertCallsPerRound: 4, expertStepsPerRound: 3 }), requests: reqs, answerer: truthAnswerer(pp), rng, learnedH: { model: expert, buffer },
      });
      assert.ok(right(again.transcripts), 'the trained H′ builds the targets');
      assert.equal(again.learnedH?.agreement, 1);
    } else {
      assert.equal(built.learnedH, undefined);
      if (m.needs.H) assert.equal(built.callsToH, reqs.length, 'H decomposes every question');
    }
  }
  const learned = MODE_TABLE.find((m) => m.needs.learnedH)!;
  assert.throws(() => learned.targets({ task: pp, config: config(), requests: reqs, answerer: truthAnswerer(pp), rng }), /needs the learned expert/);
});

test('a run with an unknown mode is refused before anything is made', async () => {
  const factory = fakeFactory();
  await assert.rejects(Run.create(pp, config({ mode: 'telepathy' as RunConfig['mode'] }), factory), /mode must be one of/);
  assert.equal(factory.models.length, 0);
});

test("no mode's name is spelt in src/ or webview/ outside src/engine/modes/", () => {
  const root = path.resolve(__dirname, '../../../..');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== path.join(root, 'src', 'engine', 'modes')) walk(p);
      } else if (/\.(ts|js|mjs)$/.test(e.name)) files.push(p);
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'webview'));
  assert.ok(files.length > 20, `found the sources under ${root}`);
  const names = MODES.map((m) => m.replace(/[-]/g, '\\-')).join('|');
  // A quoted name, a list of names with '|', or a hyphenated name anywhere.
  const spelt = new RegExp(`['"](${names})['"]|\\b(${names})\\|(${names})\\b|${MODES.filter((m) => m.includes('-')).join('|')}`);
  const offenders = files.filter((f) => spelt.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
  assert.deepEqual(offenders, []);
});
