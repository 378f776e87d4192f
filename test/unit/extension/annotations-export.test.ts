import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext, makeQuestion, type InstanceId } from '../../../src/core/index';
import { DEFAULT_CONFIG } from '../../../src/engine/run';
import { RunFolder } from '../../../src/engine/run-folder';
import { RUN_FORMAT_VERSION, type RunMeta } from '../../../src/engine/run-types';
import { annotationsText, collectAnnotations } from '../../../src/extension/annotations/export';
import { importAnnotations } from '../../../src/extension/annotations/import';
import { discoverRuns } from '../../../src/extension/run-discovery';

const pp = builtinTask('permutation-powering')!;

function makeFolder(dir: string, id: string, taskName: string, createdAt: string): RunFolder {
  const meta: RunMeta = {
    formatVersion: RUN_FORMAT_VERSION, id, kind: 'check', createdAt, taskName,
    config: { ...DEFAULT_CONFIG, task: taskName, size: 8, mode: 'supervised' }, backend: 'fake', versions: {},
  };
  return RunFolder.create(dir, meta);
}

/** Parses one line of the CSV export (every cell quoted, quotes doubled). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  const re = /"((?:[^"]|"")*)"(?:,|$)/gy;
  for (let m = re.exec(line); m && m[0] !== ''; m = re.exec(line)) cells.push(m[1].replace(/""/g, '"'));
  return cells;
}

test('Export Annotations writes the notes in force of every run, with the question in the task’s notation, as JSON Lines or CSV', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-export-'));
  const instance: InstanceId = { size: 8, seed: 'explorer/pinned', index: 0 };
  const question = makeQuestion(pp, instance, makeContext(pp, instance), 0);
  const builtin = makeFolder(path.join(root, 'a'), 'run-a', pp.name, '2024-01-02T00:00:00.000Z');
  builtin.appendAnnotation({ op: 'add', id: 'n1', at: 't1', key: { instance, question }, path: [0, 1], round: 3, note: 'X says "b", H wants a, b', tags: ['wrong', 'early'] });
  builtin.appendAnnotation({ op: 'add', id: 'n2', at: 't2', note: 'removed later' });
  builtin.appendAnnotation({ op: 'remove', id: 'n2', at: 't3' });
  builtin.appendAnnotation({ op: 'add', id: 'n3', at: 't4', note: 'about the whole run' });
  // A task file's task: no built-in notation, the question's symbols are written as they are.
  const user = makeFolder(path.join(root, 'b'), 'run-b', 'my-task', '2024-01-01T00:00:00.000Z');
  user.appendAnnotation({ op: 'add', id: 'm1', at: 't5', key: { instance, question: ['sum', 'i0', 'i3'] }, note: 'fine' });

  const all = collectAnnotations(discoverRuns([root], []));
  assert.deepEqual(all.map((a) => [a.run, a.id, a.task, a.question]), [
    ['run-a', 'n1', pp.name, pp.format.question(question)],
    ['run-a', 'n3', pp.name, undefined],
    ['run-b', 'm1', 'my-task', 'sum i0 i3'],
  ]);
  assert.notEqual(pp.format.question(question), question.join(' '), 'the built-in task has a notation of its own');

  const jsonl = annotationsText(all, false);
  assert.ok(jsonl.endsWith('\n'));
  assert.deepEqual(jsonl.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), JSON.parse(JSON.stringify(all)));

  const csv = annotationsText(all, true).trimEnd().split('\n');
  assert.equal(csv[0], 'run,task,question,path,round,note,tags,at,instance,node_question,answer,source,x,x_probability,h,truth');
  const none = ['', '', '', '', '', '', '', ''];
  assert.deepEqual(csv.slice(1).map(csvCells), [
    ['run-a', pp.name, pp.format.question(question), '0.1', '3', 'X says "b", H wants a, b', 'wrong early', 't1', JSON.stringify(instance), ...none.slice(1)],
    ['run-a', pp.name, '', '', '', 'about the whole run', '', 't4', ...none],
    ['run-b', 'my-task', 'sum i0 i3', '', '', 'fine', '', 't5', JSON.stringify(instance), ...none.slice(1)],
  ]);
});

test('a note is a labelled example: its node’s question and answers are exported, and Import Annotations merges a file back line by line', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-import-'));
  const instance: InstanceId = { size: 8, seed: 'explorer/pinned', index: 0 };
  const question = makeQuestion(pp, instance, makeContext(pp, instance), 0);
  const node = { question: ['pow', '0', '0', '0', '0', '1', '0', 'ab'], answer: ['cd'], source: 'H', x: ['ef'], xProbability: 0.25, h: ['cd'], truth: ['cd'] };
  const a = makeFolder(path.join(root, 'a'), 'run-a', pp.name, '2024-01-02T00:00:00.000Z');
  a.appendAnnotation({ op: 'add', id: 'n1', at: 't1', key: { instance, question }, path: [1], round: 4, note: 'X wrong, H right', tags: ['x-wrong'], node });
  const exported = annotationsText(collectAnnotations(discoverRuns([root], [])), false);
  const csv = annotationsText(collectAnnotations(discoverRuns([root], [])), true).trimEnd().split('\n');
  assert.deepEqual(csvCells(csv[1]).slice(9), ['pow 0 0 0 0 1 0 ab', 'cd', 'H', 'ef', '0.25', 'cd', 'cd']);
  // Another workspace: the same run without the note (and another run).
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'amp-import-'));
  const a2 = makeFolder(path.join(other, 'a'), 'run-a', pp.name, '2024-01-02T00:00:00.000Z');
  makeFolder(path.join(other, 'b'), 'run-b', pp.name, '2024-01-03T00:00:00.000Z');
  const file = [
    exported.trimEnd(),
    '{"run":"run-a","op":"add","id":"n2","at":"t2","note":"about the run"}',
    'not json',
    'null',
    '{"run":"run-z","op":"add","id":"z1","at":"t"}',
    '{"run":"run-a","op":"remove","id":"n1","at":"t"}',
    '{"run":"run-a","op":"add","id":"n3","at":"t","node":{"question":["pow"],"answer":"cd","source":"H","truth":["cd"]}}',
    '',
  ].join('\n');
  const r = importAnnotations(file, discoverRuns([other], []));
  assert.deepEqual([...r.added.entries()], [[path.join(other, 'a'), 2]]);
  assert.deepEqual(r.skipped, [
    { line: 3, reason: 'not JSON' },
    { line: 4, reason: 'not a JSON object' },
    { line: 5, reason: "no run 'run-z' in this workspace" },
    { line: 6, reason: 'op is not add (an export holds the notes in force)' },
    { line: 7, reason: 'node is not { question, answer, source, truth, … }' },
  ]);
  const notes = RunFolder.open(a2.dir).annotations();
  assert.deepEqual(notes.map((n) => n.id), ['n1', 'n2']);
  assert.deepEqual(notes[0], { op: 'add', id: 'n1', at: 't1', key: JSON.parse(JSON.stringify({ instance, question })), path: [1], round: 4, note: 'X wrong, H right', tags: ['x-wrong'], node }, 'stored as the run stores notes (no run, task or question text)');
  // Importing again adds nothing.
  const again = importAnnotations(file, discoverRuns([other], []));
  assert.equal(again.added.size, 0);
  assert.equal(again.present, 2);
});
