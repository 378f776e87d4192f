import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostMessage, parseWebviewMessage, type HostMessage } from '../../../src/protocol/explorer';
import type { TargetsView } from '../../../src/protocol/targets';

const view: TargetsView = {
  question: 'σ^5(ab)', cls: '3-bit k', perClass: 32, more: 2,
  targets: [
    { round: 3, answer: { symbols: ['cd'], label: 'cd', correct: false }, maker: 'override', sameContext: true },
    { round: 2, answer: { symbols: ['ef'], label: 'ef', correct: true }, maker: 'H', sameContext: false },
  ],
  classRounds: [{ round: 3, made: 40, sampled: 33, right: 30, makers: { H: 32, override: 1 } }],
};
const message: HostMessage = { type: 'targets', pin: 'p1', round: 3, path: [0, 1], view };

test('targets: the request and the answer pass as they were sent; each malformed field is named', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'targets', path: [0, 1] }), { ok: true, value: { type: 'targets', path: [0, 1] } });
  assert.deepEqual(parseWebviewMessage({ type: 'targets', path: [0, 1], extra: 'dropped' }), { ok: true, value: { type: 'targets', path: [0, 1] } });
  assert.deepEqual(parseWebviewMessage({ type: 'targets', path: [-1] }), { ok: false, error: 'malformed targets: path is not a node path' });
  const ok = parseHostMessage(message);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value, message);
  assert.ok(parseHostMessage({ ...message, view: { ...view, targets: [], classRounds: [], perClass: 0, more: 0, note: 'this run has recorded no targets' } }).ok);
  const bad: [unknown, RegExp][] = [
    [{ ...message, pin: 3 }, /pin is not a string/],
    [{ ...message, path: 'root' }, /path is not a node path/],
    [{ ...message, view: { ...view, targets: [{ ...view.targets[0], answer: { symbols: ['cd'], label: 'cd', correct: 'yes' } }] } }, /view\.targets\[0\]\.answer\.correct is not true, false or null/],
    [{ ...message, view: { ...view, targets: [{ ...view.targets[0], sameContext: 1 }] } }, /view\.targets\[0\]\.sameContext is not true or false/],
    [{ ...message, view: { ...view, classRounds: [{ ...view.classRounds[0], makers: { H: -1 } }] } }, /view\.classRounds\[0\]\.makers is not a table of counts/],
    [{ ...message, view: { ...view, classRounds: [{ ...view.classRounds[0], sampled: 1.5 }] } }, /view\.classRounds\[0\]\.sampled is not a count/],
    [{ ...message, view: { ...view, note: 7 } }, /view\.note is not a string/],
    [{ ...message, view: null }, /view is not an object/],
  ];
  for (const [m, why] of bad) {
    const r = parseHostMessage(m);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, why);
    assert.match(r.ok ? '' : r.error, /^malformed targets: /);
  }
});
