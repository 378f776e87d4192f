import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_TASKS, expandHCH, makeContext, makeQuestion, questionKey, truthAnswerer, type InstanceId } from '../../../src/core/index';
import { deepQuestion } from '../../../src/engine/deep-question';

test('a new run pins, among 16 sampled questions, one whose HCH tree is the largest, the same for every run of a task at a size', () => {
  for (const task of BUILTIN_TASKS) {
    const instance: InstanceId = { size: task.sizes.default, seed: 'explorer/pinned', index: 0 };
    const ctx = makeContext(task, instance);
    const treeSize = (q: readonly string[]) => expandHCH(task, ctx, [...q], { answerer: truthAnswerer(task), depth: 3, maxNodes: 400 }).nodes;
    const sampled = Array.from({ length: 16 }, (_, j) => makeQuestion(task, instance, ctx, j));
    const q = deepQuestion(task, instance);
    assert.ok(sampled.some((s) => questionKey(s) === questionKey(q)), `${task.name}: the pinned question is one of the sampled ones`);
    assert.equal(treeSize(q), Math.max(...sampled.map(treeSize)), `${task.name}: no sampled question has a larger tree`);
    assert.deepEqual(deepQuestion(task, instance), q, `${task.name}: the same question every time`);
  }
});
