import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostMessage, parseWebviewMessage, type HostMessage, type NodeView, type TreeView } from '../../../src/protocol/explorer';
import { bigTree, initMessage, pinTree, rounds } from '../../webview/fixtures';

/** A deep copy of a tree whose node at `path` is replaced by `patch(node)`. */
function patched(tree: TreeView, path: number[], patch: (n: NodeView) => unknown): TreeView {
  const copy = structuredClone(tree);
  let n = copy.root;
  for (const i of path) n = n.children![i];
  const parent = path.length ? path.slice(0, -1).reduce((p, i) => p.children![i], copy.root) : null;
  const replaced = patch(n) as NodeView;
  if (parent) parent.children![path[path.length - 1]] = replaced;
  else copy.root = replaced;
  return copy;
}

const errorOf = (r: { ok: boolean; error?: string }): string => {
  assert.equal(r.ok, false, 'the message is rejected');
  return r.error!;
};

test('well-formed host messages pass, as they were sent', () => {
  const tree = pinTree('p1', 12, { overrides: { '2': ['ee'] }, notes: { '0.1': 2 } });
  const messages: HostMessage[] = [
    initMessage(),
    initMessage({ run: null, compare: null, selectedPin: null, selectedRound: null, pins: [], status: { status: 'none', round: 0 } }),
    { type: 'round', round: rounds(3)[2] },
    { type: 'tree', tree },
    { type: 'tree', tree: bigTree(2000) },
    { type: 'status', status: { status: 'running', round: 4, phase: 'train' } },
    { type: 'pins', pins: [{ id: 'p1', label: 'σ^29(ab)', question: ['pow', 'ab'] }], selectedPin: 'p1' },
    { type: 'annotations', annotations: [{ id: 'a1', pin: 'p1', path: [0, 1], round: 3, note: 'why?', tags: ['h'], at: '2026-11-27T10:00:00Z' }] },
    { type: 'overrides', overrides: [{ pin: 'p1', question: ['pow', 'ab'], label: 'σ^29(ab)', answer: { symbols: ['ee'], label: 'ee', correct: false } }] },
    { type: 'error', message: 'x.task.ts failed to compile', detail: 'x.task.ts:3:1: …', file: 'x.task.ts', line: 3, column: 1 },
    { type: 'reveal', pin: 'p1', path: [2, 0] },
  ];
  for (const m of messages) {
    const r = parseHostMessage(m);
    assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
    assert.equal(r.value, m);
  }
});

test('a malformed host message is one line naming its type and the field', () => {
  const tree = pinTree('p1', 12);
  const cases: [unknown, string][] = [
    [null, 'a message must be an object'],
    [[{ type: 'tree' }], 'a message must be an object'],
    [{ type: 'nope' }, 'unknown message type "nope"'],
    [{ type: 'toString' }, 'unknown message type "toString"'],
    [{ type: '__proto__' }, 'unknown message type "__proto__"'],
    [{ type: 'tree' }, 'malformed tree: tree is not an object'],
    [{ type: 'tree', tree: { ...tree, facts: 'many' } }, 'malformed tree: tree.facts is not a list'],
    [{ type: 'tree', tree: patched(tree, [1, 0], (n) => ({ ...n, label: 7 })) }, 'malformed tree: tree.root.children[1].children[0].label is not a string'],
    [{ type: 'tree', tree: patched(tree, [0], (n) => ({ ...n, children: 'many' })) }, 'malformed tree: tree.root.children[0].children is not a list'],
    [{ type: 'tree', tree: patched(tree, [], (n) => ({ ...n, opened: 'yes' })) }, 'malformed tree: tree.root.opened is not true or false'],
    [{ type: 'tree', tree: patched(tree, [], (n) => ({ ...n, mentions: [0, 99] })) }, `malformed tree: tree.root.mentions is not a list of indexes into the ${tree.facts.length} facts`],
    [{ type: 'tree', tree: patched(tree, [2], (n) => ({ ...n, answer: { ...n.answer, correct: 'no' } })) }, 'malformed tree: tree.root.children[2].answer.correct is not true, false or null'],
    [{ ...initMessage(), status: {} }, 'malformed init: status.status undefined is not one of none, idle, running, stopped, crashed'],
    [{ ...initMessage(), tasks: [{ name: 'x', description: 'y' }] }, 'malformed init: tasks[0].example is not a string'],
    [{ ...initMessage(), run: { ...initMessage().run, rounds: [{ ...rounds(1)[0], round: 1.5 }] } }, 'malformed init: run.rounds[0].round is not a round number'],
    [{ type: 'round', round: { round: 3 } }, 'malformed round: round.size is not a number'],
    [{ type: 'status', status: { status: 'exploded', round: 1 } }, 'malformed status: status.status "exploded" is not one of none, idle, running, stopped, crashed'],
    [{ type: 'pins', pins: [{ id: 'p1', label: 'x', question: 'pow' }] }, 'malformed pins: pins[0].question is not a list of strings'],
    [{ type: 'annotations', annotations: [{ id: 1 }] }, 'malformed annotations: annotations[0].id is not a string'],
    [{ type: 'overrides', overrides: [{ pin: 'p1', label: 'x', question: ['q'], answer: 'ee' }] }, 'malformed overrides: overrides[0].answer is not an object'],
    [{ type: 'error', message: 'bad place', file: 'a.ts', line: -3 }, 'malformed error: line is not a line number'],
    [{ type: 'reveal', pin: 'p1', path: [-1] }, 'malformed reveal: path is not a node path'],
  ];
  for (const [m, want] of cases) {
    const error = errorOf(parseHostMessage(m));
    assert.equal(error, want);
    assert.ok(!error.includes('\n'));
  }
});

test('trees too deep or too big are refused, not drawn', () => {
  // A chain deeper than the protocol allows.
  const leaf = pinTree('p1', 12).root;
  let deep: NodeView = { ...leaf, children: undefined };
  for (let i = 0; i < 300; i++) deep = { ...leaf, children: [deep] };
  assert.equal(errorOf(parseHostMessage({ type: 'tree', tree: { ...pinTree('p1', 12), root: deep } })), 'malformed tree: the tree is deeper than 256');
  // More nodes than the protocol allows: 500 × 500 leaves.
  const wide: NodeView = { ...leaf, children: Array.from({ length: 500 }, () => ({ ...leaf, children: Array.from({ length: 500 }, () => ({ ...leaf, children: undefined })) })) };
  assert.equal(errorOf(parseHostMessage({ type: 'tree', tree: { ...pinTree('p1', 12), root: wide } })), 'malformed tree: the tree has more than 200000 nodes');
});

test('webview messages are rebuilt from their checked fields; malformed ones name the type and the field', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'override', path: [1, 2], answer: ['ee'], extra: 'dropped' }), { ok: true, value: { type: 'override', path: [1, 2], answer: ['ee'] } });
  assert.deepEqual(parseWebviewMessage({ type: 'openFile', file: 'a.ts' }), { ok: true, value: { type: 'openFile', file: 'a.ts' } });
  assert.deepEqual(parseWebviewMessage({ type: 'command', command: 'stopComparing' }), { ok: true, value: { type: 'command', command: 'stopComparing' } });
  const cases: [unknown, string][] = [
    ['ready', 'a message must be an object'],
    [{ type: 'hello' }, 'unknown message type "hello"'],
    [{ type: 'selectRound', round: -1 }, 'malformed selectRound: round is not a round number'],
    [{ type: 'selectPin', pin: '' }, 'malformed selectPin: pin is not a pin id'],
    [{ type: 'expand', path: [0], open: 'yes' }, 'malformed expand: open is not true or false'],
    [{ type: 'override', path: [0], answer: ['a b'] }, 'malformed override: answer is not symbols without white space, or null to undo'],
    [{ type: 'annotate', path: [0], note: ' ', tags: [] }, 'malformed annotate: note and tags are both empty'],
    [{ type: 'annotate', path: [0], note: 'x', tags: [''] }, 'malformed annotate: tags is not a list of up to 32 short strings'],
    [{ type: 'runRounds', rounds: 0 }, 'malformed runRounds: rounds is not 1..10000'],
    [{ type: 'pinQuestion', text: '   ' }, 'malformed pinQuestion: text is not a question (1 to 500 characters)'],
    [{ type: 'openFile', file: 'a.ts', line: 1.5 }, 'malformed openFile: line is not a line number'],
    [{ type: 'command', command: 'rm' }, 'malformed command: command "rm" is not one of newRun, openRun, compareRuns, exportAnnotations, stopComparing, exportTree'],
  ];
  for (const [m, want] of cases) assert.equal(errorOf(parseWebviewMessage(m)), want);
});
