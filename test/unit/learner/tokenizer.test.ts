import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinTask, BUILTIN_TASKS, taskVocabulary } from '../../../src/core/index';
import { END, PAD, Tokenizer, tokenizerForTask, UnknownSymbolError } from '../../../src/learner/tokenizer';

const lengths = { maxFactLength: 3, maxQuestionLength: 4, maxAnswerLength: 2 };

test('tokenizer: facts, questions and answers round trip through ids', () => {
  const tok = new Tokenizer(['get', 'aa', 'ab', 'ac', '?'], lengths);
  assert.equal(tok.size, 3 + 5);
  assert.equal(tok.symbol(tok.padId), PAD);
  assert.equal(tok.symbol(tok.endId), END);
  const fact = tok.encodeFact(['aa', 'ab']);
  assert.equal(fact.length, 3);
  assert.deepEqual(fact.slice(0, 2).map((id) => tok.symbol(id)), ['aa', 'ab']);
  assert.equal(fact[2], tok.padId);
  const q = tok.encodeQuestion(['get', 'ac']);
  assert.deepEqual(q.slice(0, 2).map((id) => tok.symbol(id)), ['get', 'ac']);
  assert.deepEqual(q.slice(2), [tok.padId, tok.padId]);
  const a = tok.encodeAnswer(['ab', 'ac']);
  assert.deepEqual(a, [tok.id('ab'), tok.id('ac'), tok.endId]);
  assert.deepEqual(tok.decodeAnswer(a), ['ab', 'ac']);
  assert.deepEqual(tok.encodeAnswer(['?']), [tok.id('?'), tok.endId, tok.padId]);
  assert.deepEqual(tok.decodeAnswer(tok.encodeAnswer(['?'])), ['?']);
});

test('tokenizer: an unknown symbol is a clear error naming it', () => {
  const tok = new Tokenizer(['get', 'aa', 'ab'], lengths);
  assert.throws(() => tok.encodeFact(['aa', 'zz']), (e: unknown) => e instanceof UnknownSymbolError && e.symbol === 'zz' && /"zz"/.test(e.message) && /fact/.test(e.message));
  assert.throws(() => tok.encodeQuestion(['put', 'aa']), /unknown symbol "put" in question/);
  assert.throws(() => tok.encodeAnswer(['ac']), /unknown symbol "ac" in answer/);
  // Reserved tokens are not task symbols.
  assert.throws(() => tok.encodeAnswer([END]), UnknownSymbolError);
  assert.throws(() => tok.encodeFact(['aa', 'ab', 'aa', 'ab']), /at most 3/);
  assert.throws(() => new Tokenizer(['a b'], lengths), /bad vocabulary symbol/);
});

test('tokenizer: JSON round trip keeps ids and lengths', () => {
  const tok = tokenizerForTask(builtinTask('permutation-powering')!);
  const json = JSON.parse(JSON.stringify(tok.toJSON())) as unknown;
  const back = Tokenizer.fromJSON(json);
  assert.deepEqual(back.tokens, tok.tokens);
  assert.deepEqual(back.lengths, tok.lengths);
  assert.deepEqual(back.encodeQuestion(['pow', '0', '1', '1', '1', '0', '1', 'ab']), tok.encodeQuestion(['pow', '0', '1', '1', '1', '0', '1', 'ab']));
  assert.throws(() => Tokenizer.fromJSON({ format: 'something else' }), /not a tokenizer/);
});

test('tokenizer: every built-in task gets a tokenizer covering its vocabulary', () => {
  for (const task of BUILTIN_TASKS) {
    const tok = tokenizerForTask(task, { samples: 8 });
    for (const s of taskVocabulary(task)) assert.ok(tok.has(s), `${task.name}: ${s}`);
    assert.ok(tok.lengths.maxFactLength >= 1 && tok.lengths.maxQuestionLength >= 1 && tok.lengths.maxAnswerLength >= 1);
  }
  const pp = tokenizerForTask(builtinTask('permutation-powering')!);
  assert.deepEqual({ ...pp.lengths }, { maxFactLength: 2, maxQuestionLength: 8, maxAnswerLength: 1 });
});
