/**
 * Deep checks of host messages. `parseHostMessage` (the protocol module) checks a message's shape
 * at the top; the webview then walks the data it is about to draw, so that a malformed tree or
 * round is reported as an error (with where it went wrong) instead of crashing a render.
 */
import { parseHostMessage, type AnswerView, type HostMessage, type NodeView, type RoundView, type RunView, type TreeView } from '../../src/protocol/explorer';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStrArr = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);
const isIndex = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

/** The most nodes a tree may have before the webview refuses it (the host budgets far fewer). */
export const MAX_NODES = 200_000;
const MAX_DEPTH = 256;

class Invalid extends Error {}
const need = (cond: boolean, what: string): void => {
  if (!cond) throw new Invalid(what);
};

function checkAnswer(x: unknown, where: string): void {
  need(isObj(x), `${where} is not an object`);
  const a = x as Obj;
  need(isStrArr(a.symbols), `${where}.symbols is not a list of strings`);
  need(isStr(a.label), `${where}.label is not a string`);
  need(a.correct === null || typeof a.correct === 'boolean', `${where}.correct is not true, false or null`);
}

/** `facts`: how many facts the tree has (a node's `mentions` index them). */
function checkNode(x: unknown, where: string, depth: number, count: { n: number }, facts: number): void {
  need(depth <= MAX_DEPTH, `the tree is deeper than ${MAX_DEPTH}`);
  need(++count.n <= MAX_NODES, `the tree has more than ${MAX_NODES} nodes`);
  need(isObj(x), `${where} is not an object`);
  const n = x as Obj;
  need(isStr(n.label), `${where}.label is not a string`);
  need(isStrArr(n.question), `${where}.question is not a list of strings`);
  need(Array.isArray(n.path) && n.path.every((i) => Number.isInteger(i) && (i as number) >= 0), `${where}.path is not a list of indices`);
  need(typeof n.primitive === 'boolean', `${where}.primitive is not a boolean`);
  checkAnswer(n.answer, `${where}.answer`);
  checkAnswer(n.truth, `${where}.truth`);
  need(isStr(n.source), `${where}.source is not a string`);
  if (n.x !== undefined) {
    checkAnswer(n.x, `${where}.x`);
    const xv = n.x as Obj;
    need(isNum(xv.probability), `${where}.x.probability is not a number`);
    need(Array.isArray(xv.top) && xv.top.every((t) => isObj(t) && isStr(t.label) && isNum(t.probability)), `${where}.x.top is malformed`);
  }
  if (n.h !== undefined) checkAnswer(n.h, `${where}.h`);
  if (n.replaced !== undefined) checkAnswer(n.replaced, `${where}.replaced`);
  need(typeof n.changed === 'boolean', `${where}.changed is not a boolean`);
  if (n.compared !== undefined) {
    need(isObj(n.compared), `${where}.compared is not an object`);
    const c = n.compared as Obj;
    checkAnswer(c.answer, `${where}.compared.answer`);
    if (c.x !== undefined) checkAnswer(c.x, `${where}.compared.x`);
    need(typeof c.differs === 'boolean', `${where}.compared.differs is not a boolean`);
  }
  need(typeof n.expandable === 'boolean', `${where}.expandable is not a boolean`);
  need(isNum(n.annotations), `${where}.annotations is not a number`);
  need(typeof n.opened === 'boolean', `${where}.opened is not a boolean`);
  need(Array.isArray(n.mentions) && n.mentions.every((i) => isIndex(i) && i < facts), `${where}.mentions is not a list of indexes into the ${facts} facts`);
  need(n.history === undefined || (Array.isArray(n.history) && n.history.every((c) => c === null || typeof c === 'boolean')), `${where}.history is not a list of true, false or null`);
  need(n.error === undefined || isStr(n.error), `${where}.error is not a string`);
  if (n.children !== undefined) {
    need(Array.isArray(n.children), `${where}.children is not a list`);
    (n.children as unknown[]).forEach((c, i) => checkNode(c, `${where}.children[${i}]`, depth + 1, count, facts));
  }
}

function checkTree(x: unknown): void {
  need(isObj(x), 'tree is not an object');
  const t = x as Obj;
  need(isStr(t.pin), 'tree.pin is not a string');
  need(isNum(t.round), 'tree.round is not a number');
  need(isNum(t.size), 'tree.size is not a number');
  need(Array.isArray(t.facts) && t.facts.every((f) => isObj(f) && isStr(f.label) && isStrArr(f.symbols) && typeof f.mentioned === 'boolean'), 'tree.facts is malformed');
  if (t.compare !== undefined) {
    need(isObj(t.compare), 'tree.compare is not an object');
    const c = t.compare as Obj;
    need(isStr(c.label) && typeof c.found === 'boolean' && isNum(c.differing) && (c.reason === undefined || isStr(c.reason)), 'tree.compare is malformed');
  }
  checkNode(t.root, 'tree.root', 0, { n: 0 }, (t.facts as unknown[]).length);
}

function checkRound(x: unknown, where: string): void {
  need(isObj(x), `${where} is not an object`);
  const r = x as Obj;
  for (const k of ['round', 'size', 'accuracy', 'targetAccuracy', 'callsToHTotal'] as const) need(isNum(r[k]), `${where}.${k} is not a number`);
  need(isObj(r.accuracyByClass) && Object.values(r.accuracyByClass).every(isNum), `${where}.accuracyByClass is malformed`);
  // Drawn when present (the agreement line skips a round recorded without it).
  need(r.agreementAverage === undefined || r.agreementAverage === null || isNum(r.agreementAverage), `${where}.agreementAverage is not a number`);
}

function checkRun(x: unknown, where: string): void {
  need(isObj(x), `${where} is not an object`);
  const r = x as Obj;
  for (const k of ['id', 'task', 'mode', 'model', 'backend'] as const) need(isStr(r[k]), `${where}.${k} is not a string`);
  need(Array.isArray(r.rounds), `${where}.rounds is not a list`);
  (r.rounds as unknown[]).forEach((rr, i) => checkRound(rr, `${where}.rounds[${i}]`));
}

function checkStatus(x: unknown): void {
  need(isObj(x), 'status is not an object');
  const s = x as Obj;
  need(['none', 'idle', 'running', 'stopped', 'crashed'].includes(s.status as string), `status.status ${JSON.stringify(s.status)} is not one of none, idle, running, stopped, crashed`);
  need(isNum(s.round), 'status.round is not a number');
  need(s.phase === undefined || isStr(s.phase), 'status.phase is not a string');
  need(s.message === undefined || isStr(s.message), 'status.message is not a string');
}

const checkPins = (x: unknown): void =>
  need(Array.isArray(x) && x.every((p) => isObj(p) && isStr(p.id) && isStr(p.label) && isStrArr(p.question)), 'pins is malformed');

/** Parses and deeply checks a message from the host. */
export function validateHostMessage(raw: unknown): { ok: true; value: HostMessage } | { ok: false; error: string } {
  const parsed = parseHostMessage(raw);
  if (!parsed.ok) return parsed;
  const m = parsed.value as unknown as Obj;
  try {
    switch (parsed.value.type) {
      case 'init':
        if (m.run !== null) checkRun(m.run, 'run');
        need(m.compare === null || m.compare === undefined || isObj(m.compare), 'compare is malformed');
        if (isObj(m.compare)) checkRun(m.compare, 'compare');
        checkPins(m.pins);
        checkStatus(m.status);
        need(m.selectedPin === null || isStr(m.selectedPin), 'selectedPin is not a string or null');
        need(m.selectedRound === null || isNum(m.selectedRound), 'selectedRound is not a number or null');
        need((m.tasks as unknown[]).every((t) => isObj(t) && isStr(t.name) && isStr(t.description) && isStr(t.example)), 'tasks is malformed');
        break;
      case 'round':
        checkRound(m.round, 'round');
        break;
      case 'tree':
        checkTree(m.tree);
        break;
      case 'status':
        checkStatus(m.status);
        break;
      case 'pins':
        checkPins(m.pins);
        need(m.selectedPin === null || m.selectedPin === undefined || isStr(m.selectedPin), 'selectedPin is not a string or null');
        break;
      case 'annotations':
        need((m.annotations as unknown[]).every((a) => isObj(a) && isStr(a.id) && isStr(a.note) && isStrArr(a.tags) && Array.isArray(a.path) && isStr(a.at)), 'annotations is malformed');
        break;
      case 'overrides':
        need((m.overrides as unknown[]).every((o) => isObj(o) && isStr(o.pin) && isStr(o.label) && isStrArr(o.question) && isObj(o.answer)), 'overrides is malformed');
        break;
      case 'reveal':
        need(isStr(m.pin) && Array.isArray(m.path) && m.path.every((i) => isIndex(i)), 'reveal needs a pin and a path');
        break;
      case 'error':
        need(m.detail === undefined || isStr(m.detail), 'error.detail is not a string');
        need(m.file === undefined || (isStr(m.file) && m.file.length > 0 && m.file.length <= 4096), 'error.file is not a file name');
        need(m.line === undefined || isIndex(m.line), 'error.line is not a line number');
        need(m.column === undefined || isIndex(m.column), 'error.column is not a column number');
        break;
    }
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: `malformed ${parsed.value.type}: ${e.message}` };
    if (e instanceof RangeError) return { ok: false, error: `malformed ${parsed.value.type}: too deeply nested` };
    throw e;
  }
  return parsed;
}

export type { AnswerView, NodeView, RoundView, RunView, TreeView };
