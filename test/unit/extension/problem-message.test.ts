import assert from 'node:assert/strict';
import { test } from 'node:test';
import { problemText } from '../../../src/extension/tasks/problem-message';

const mismatch = {
  text: [
    '✗ mismatch at size 8, seed 0, sample 3: H with ground-truth subanswers disagrees with the ground truth',
    '  context: 8 facts: a→b; b→c',
    '  question: σ^3(ab)   (pow ab 3)',
    '  expected: hg',
    '  got:      hh',
    "  H's transcript:",
    '    σ^1(ab) = bc',
  ].join('\n'),
  question: 'σ^3(ab)',
  expected: 'hg',
  got: 'hh',
};

test('a mismatch leads with the question, expected and got; the preamble and context are related information', () => {
  const p = problemText('permutation', { kind: 'mismatch', message: 'H with ground-truth subanswers disagrees with the ground truth' }, mismatch);
  assert.equal(p.message, 'permutation: σ^3(ab) — expected hg, got hh · mismatch');
  assert.ok(!p.message.includes('disagrees'), 'no preamble in the message');
  assert.ok(p.related.some((l) => l.startsWith('✗ mismatch') && l.includes('disagrees with the ground truth')), 'the preamble is related information');
  assert.ok(p.related.includes('context: 8 facts: a→b; b→c'), 'the context is related information');
  assert.ok(p.related.includes('σ^1(ab) = bc'), "H's transcript too");
  assert.ok(p.related.every((l) => l === l.trim() && l !== ''));
});

test('other kinds keep what went wrong after the question; without a question, the kind and message lead', () => {
  const threw = problemText('t', { kind: 'expert-error', message: 'H threw: TypeError: x is undefined\n    at expert (t.ts:3:1)' }, { text: '✗ expert-error …', question: 'f(3)', expected: '9' });
  assert.equal(threw.message, 't: f(3) — expected 9 · expert-error: H threw: TypeError: x is undefined');
  const ctx = problemText('t', { kind: 'context-error', message: 'context() threw: boom' }, { text: '✗ context-error at size 2, seed 0, sample 0: context() threw: boom' });
  assert.equal(ctx.message, 't: context-error: context() threw: boom');
  assert.deepEqual(ctx.related, ['✗ context-error at size 2, seed 0, sample 0: context() threw: boom']);
});
