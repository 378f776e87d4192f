import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counted } from '../../../src/protocol/explorer';

test('counted: singular for exactly one, plural otherwise', () => {
  assert.equal(counted(1, 'subquestion'), '1 subquestion');
  assert.equal(counted(2, 'subquestion'), '2 subquestions');
  assert.equal(counted(0, 'annotation'), '0 annotations');
  assert.equal(counted(1, 'match', 'matches'), '1 match');
  assert.equal(counted(3, 'match', 'matches'), '3 matches');
});
