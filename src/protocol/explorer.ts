/**
 * The Explorer panel's messages between the extension host and its webview — one module, used by
 * both sides. Every message is validated on receipt, deeply (`parseHostMessage` walks a whole tree
 * before the webview draws it; `parseWebviewMessage` bounds what the host acts on): a malformed
 * message is rejected with a one-line reason naming its type and field, never acted on.
 * Pure TypeScript (no vscode, no Node APIs): the webview bundles it.
 */
import { checkPersonNode, checkPersonSummary, type PersonSummaryView, type PersonView } from './person';
import { checkTargetsView, type TargetsView } from './targets';
import { isExportFormat, parseExportedTree, type ExportedTree, type ExportFormat } from './export';
import { isCount, isId, isIndex, isNum, isObj, isPath, isStr, isStrArray, isSymbols, checkWith, need, needList, needObj, parseWith, type Checks, type Obj, type Parsers, type Result } from './validate';

/** `n` and the noun, plural unless n is 1: `counted(1, 'subquestion')` is "1 subquestion". */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

// ---------------------------------------------------------------- views (host → webview data)

/** An answer as the webview shows it. `correct`: against ground truth; null when unknown. */
export interface AnswerView {
  symbols: string[];
  /** In the task's notation (e.g. `∞` for `inf`). */
  label: string;
  correct: boolean | null;
}

export type NodeSource = 'lookup' | 'H' | 'X' | 'truth' | 'override' | 'fault' | string;

/** One node of a decomposition (HCH) tree. */
export interface NodeView {
  /** Child indices from the root: the node's identity within its tree. */
  path: number[];
  question: string[];
  /** The question in the task's notation, e.g. `σ^29(ab)`. */
  label: string;
  kind: string;
  primitive: boolean;
  /** The answer the parent used, and who gave it (lookup, H, X at a leaf, override). */
  answer: AnswerView;
  source: NodeSource;
  /** X alone (the model, no decomposition), with its probability. Absent for primitives. */
  x?: AnswerView & { probability: number; top: { label: string; probability: number }[] };
  /** Amplify: H combining its subanswers (present when H was run at this node). */
  h?: AnswerView;
  truth: AnswerView;
  /** For an overridden node: the answer before the override. */
  replaced?: AnswerView;
  /** The answer differs from the previous round's answer at the same node. */
  changed: boolean;
  /**
   * What the overrides in force did to this node, against the same tree without them: `changed`
   * (same question, another answer — the overridden node itself included), `new` (a subquestion H
   * asks only because of an override). Absent: untouched. Independent of `changed` (round to round).
   */
  byOverride?: 'changed' | 'new';
  /**
   * Compare mode: the node at the same path (position) in the compared tree — another run's, or
   * another round's — with its answer and X's. `question` and `label`: that node's question, only
   * when it is not this node's (H asked another subquestion there). `differs` when the question,
   * the answer or X's answer differs from this node's.
   */
  compared?: { answer: AnswerView; x?: AnswerView; differs: boolean; question?: string[]; label?: string };
  /** A non-primitive leaf that can be expanded into its own decomposition. */
  expandable: boolean;
  annotations: number;
  /** The host opened this node beyond the default depth because the user asked (`expand`). */
  opened: boolean;
  /** Indexes into `TreeView.facts` of the facts that mention a symbol of this node's question. */
  mentions: number[];
  /** Per recorded round (index 0 = round 1): was the answer at this node right? null: not recorded. */
  history?: (boolean | null)[];
  /** A person decomposed this question in this context (runs with H′): their transcript beside H′'s actions. */
  person?: PersonView;
  error?: string;
  children?: NodeView[];
}

export interface FactView {
  symbols: string[];
  label: string;
  /** The fact mentions a symbol of the selected question. */
  mentioned: boolean;
}

export interface TreeView {
  pin: string;
  round: number;
  /** Size N of the pinned question's context. */
  size: number;
  root: NodeView;
  facts: FactView[];
  /** Nodes built; true when the node budget cut the expansion. */
  nodes: number;
  truncated: boolean;
  /** What the overrides in this tree changed (absent when no override is in the tree). */
  overrideSummary?: OverrideSummaryView;
  /**
   * Who answered the subquestions the round did not record (H asked them anew after an override or
   * an expansion), e.g. "X of round 12 (the run's latest checkpoint)"; or why some stay `?`.
   */
  answeredBy?: string;
  /** Compare mode: what this tree is compared with, and how many nodes differ (`reason` when there is no tree to compare). */
  compare?: { label: string; found: boolean; differing: number; reason?: string };
  /** Runs with H′ and a person's transcripts: how often H′ does what the person did. */
  person?: PersonSummaryView;
}

export interface OverrideSummaryView {
  /** One line: "override at σ^9(da): root gg ✗ → hg ✓; 3 nodes changed, 2 new". */
  text: string;
  /** The overridden nodes' questions (task notation). */
  at: string[];
  /** The root's answer without the overrides, and with them. */
  before: AnswerView;
  after: AnswerView;
  changed: number;
  added: number;
}

/** "Why is this wrong?": where the error of a node starts (core/blame.ts), and the counterfactual. */
export interface BlameView {
  kind: 'expert' | 'answerer' | 'override' | 'fault' | 'none';
  /** The node asked about, and the node where the error starts (paths from the root). */
  from: number[];
  path: number[];
  question: string;
  /** One sentence, in the task's notation. */
  detail: string;
  /** "With the true answer here, the root would be ✓" (absent for kind none). */
  counterfactual?: string;
  /** kind expert on a user task: the task file, to open at the expert's source. */
  source?: { file: string; line?: number };
}

export interface PinView {
  id: string;
  label: string;
  question: string[];
}

/** One round's numbers for the charts (a subset of the engine's RoundRecord). */
export interface RoundView {
  round: number;
  size: number;
  accuracy: number;
  accuracyByClass: Record<string, number>;
  targetAccuracy: number;
  agreementAverage: number;
  loss: number;
  callsToHTotal: number;
  questionsTotal: number;
  elapsed: number;
}

export interface RunView {
  /** `check`: a read-only view of a task's counterexample (no rounds, no training); else a run. */
  kind: 'run' | 'check';
  id: string;
  folder: string;
  task: string;
  mode: string;
  model: string;
  backend: string;
  rounds: RoundView[];
  /** Lines of the run's JSON Lines files that could not be read and were skipped (e.g. a truncated last line after a crash). */
  skipped: SkippedLineView[];
}

/** A skipped line: its file (rounds.jsonl, overrides.jsonl, annotations.jsonl), its number and why. */
export interface SkippedLineView {
  file: string;
  line: number;
  reason: string;
}

export const RUN_STATUSES = ['none', 'idle', 'running', 'stopped', 'crashed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * The run's status, and "the round" every view shows (the header, its pill and progress line, the
 * status bar, the Runs view, the tree): round r is the state after r rounds were trained — the
 * latest recorded round, 0 before the first. While round r + 1 trains, `round` stays r: the views
 * say "training round r + 1" (`roundWords`) and show round r's tree.
 */
export interface StatusView {
  status: RunStatus;
  /** The rounds trained: the latest recorded round. */
  round: number;
  /** The phase of the round under way (targets, train, eval, pinned, checkpoint). */
  phase?: string;
  message?: string;
}

/** The round in words, the same for every view: "training round r + 1 · phase" while it trains, else "round r". */
export function roundWords(st: StatusView): string {
  return st.status === 'running' ? `training round ${st.round + 1}${st.phase ? ` · ${st.phase}` : ''}` : `round ${st.round}`;
}

export interface AnnotationView {
  id: string;
  pin?: string;
  path: number[];
  round?: number;
  note: string;
  tags: string[];
  at: string;
}

export interface OverrideView {
  pin: string;
  question: string[];
  label: string;
  answer: AnswerView;
}

export interface TaskSummary {
  name: string;
  description: string;
  example: string;
}

// ---------------------------------------------------------------- messages

/** The extension commands the webview may ask for (`amplification.<command>`). */
export const EXPLORER_COMMANDS = ['newRun', 'openRun', 'compareRuns', 'exportAnnotations', 'stopComparing', 'exportTree'] as const;
export type ExplorerCommand = (typeof EXPLORER_COMMANDS)[number];

export type HostMessage =
  /** The whole state; sent in answer to `ready` and after big changes. */
  | { type: 'init'; run: RunView | null; pins: PinView[]; selectedPin: string | null; selectedRound: number | null; status: StatusView; tasks: TaskSummary[]; compare: RunView | null }
  | { type: 'round'; round: RoundView }
  | { type: 'tree'; tree: TreeView }
  | { type: 'status'; status: StatusView }
  | { type: 'pins'; pins: PinView[]; selectedPin: string | null }
  | { type: 'annotations'; annotations: AnnotationView[] }
  | { type: 'overrides'; overrides: OverrideView[] }
  | { type: 'error'; message: string; detail?: string; file?: string; line?: number; column?: number }
  /** Select a node (e.g. from the Annotations view): the pin and round are already selected by init/tree. */
  | { type: 'reveal'; pin: string; path: number[] }
  /** An override or a pin the host refused (not a question/answer of the task): shown inline next to its input. */
  | { type: 'rejected'; input: 'override' | 'pin'; message: string; path?: number[] }
  /** The answer to `explain`. */
  | { type: 'blame'; pin: string; blame: BlameView }
  /** The answer to `targets`: the node's recorded training targets at the round shown (targets.ts). */
  | { type: 'targets'; pin: string; round: number; path: number[]; view: TargetsView }
  /** Export Tree: the webview answers with `exportedTree` in this format. */
  | { type: 'exportTree'; format: ExportFormat };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'selectRound'; round: number }
  | { type: 'selectPin'; pin: string }
  /** Open a node into its own decomposition (or close it). */
  | { type: 'expand'; path: number[]; open: boolean }
  /** Replace the answer at a node (`answer: null` undoes the override). */
  | { type: 'override'; path: number[]; answer: string[] | null }
  | { type: 'annotate'; path: number[]; note: string; tags: string[] }
  | { type: 'removeAnnotation'; id: string }
  /** Remove a pinned question. */
  | { type: 'unpin'; pin: string }
  /** "Why is this wrong?" about the node at `path`. */
  | { type: 'explain'; path: number[] }
  /** "Targets for this question" of the node at `path` (asked when the node is selected). */
  | { type: 'targets'; path: number[] }
  | { type: 'step' }
  | { type: 'runRounds'; rounds: number }
  | { type: 'pause' }
  | { type: 'sampleQuestion' }
  | { type: 'pinQuestion'; text: string }
  | { type: 'command'; command: ExplorerCommand }
  /** Play H on a node's question (the host opens the play panel on it). */
  | { type: 'answerAsExpert'; path: number[] }
  /** Open a file (e.g. a user task that failed to compile) at a line. */
  | { type: 'openFile'; file: string; line?: number }
  /** The answer to `exportTree` (see export.ts): the host saves it. */
  | ExportedTree;

// ---------------------------------------------------------------- validation: webview → host

/** Per message type: its fields checked, the message rebuilt from them (or, for `Checks`, only checked). */

/** Each message rebuilt from its checked fields (nothing else reaches the host). */
const webviewParsers: Parsers<WebviewMessage> = {
  ready: () => ({ type: 'ready' }),
  step: () => ({ type: 'step' }),
  pause: () => ({ type: 'pause' }),
  sampleQuestion: () => ({ type: 'sampleQuestion' }),
  selectRound: (m) => {
    need(isCount(m.round, 1e6), 'round is not a round number');
    return { type: 'selectRound', round: m.round };
  },
  selectPin: (m) => {
    need(isId(m.pin, 199), 'pin is not a pin id');
    return { type: 'selectPin', pin: m.pin };
  },
  expand: (m) => {
    need(isPath(m.path), 'path is not a node path');
    need(typeof m.open === 'boolean', 'open is not true or false');
    return { type: 'expand', path: m.path, open: m.open };
  },
  override: (m) => {
    need(isPath(m.path), 'path is not a node path');
    need(m.answer === null || isSymbols(m.answer), 'answer is not symbols without white space, or null to undo');
    return { type: 'override', path: m.path, answer: m.answer };
  },
  annotate: (m) => {
    need(isPath(m.path), 'path is not a node path');
    need(isStr(m.note) && m.note.length <= 10000, 'note is not a string of at most 10,000 characters');
    need(isStrArray(m.tags) && m.tags.length <= 32 && m.tags.every((t) => isId(t, 64)), 'tags is not a list of up to 32 short strings');
    need(m.note.trim() !== '' || m.tags.length > 0, 'note and tags are both empty');
    return { type: 'annotate', path: m.path, note: m.note, tags: m.tags };
  },
  unpin: (m) => {
    need(isId(m.pin, 199), 'pin is not a pin id');
    return { type: 'unpin', pin: m.pin };
  },
  explain: (m) => {
    need(isPath(m.path), 'path is not a node path');
    return { type: 'explain', path: m.path };
  },
  targets: (m) => {
    need(isPath(m.path), 'path is not a node path');
    return { type: 'targets', path: m.path };
  },
  removeAnnotation: (m) => {
    need(isId(m.id, 199), 'id is not an annotation id');
    return { type: 'removeAnnotation', id: m.id };
  },
  runRounds: (m) => {
    need(Number.isInteger(m.rounds) && (m.rounds as number) >= 1 && (m.rounds as number) <= 10000, 'rounds is not 1..10000');
    return { type: 'runRounds', rounds: m.rounds as number };
  },
  pinQuestion: (m) => {
    need(isStr(m.text) && m.text.trim().length > 0 && m.text.length <= 500, 'text is not a question (1 to 500 characters)');
    return { type: 'pinQuestion', text: m.text };
  },
  openFile: (m) => {
    need(isId(m.file, 4096), 'file is not a file name');
    need(m.line === undefined || isCount(m.line, 1e7), 'line is not a line number');
    return { type: 'openFile', file: m.file, ...(m.line !== undefined ? { line: m.line } : {}) };
  },
  answerAsExpert: (m) => {
    need(isPath(m.path), 'path is not a node path');
    return { type: 'answerAsExpert', path: m.path };
  },
  exportedTree: (m) => parseExportedTree(m),
  command: (m) => {
    need(EXPLORER_COMMANDS.includes(m.command as ExplorerCommand), `command ${JSON.stringify(m.command)?.slice(0, 40)} is not one of ${EXPLORER_COMMANDS.join(', ')}`);
    return { type: 'command', command: m.command as ExplorerCommand };
  },
};

/** Validates a message from the webview. */
export function parseWebviewMessage(x: unknown): Result<WebviewMessage> {
  return parseWith(x, webviewParsers);
}

// ---------------------------------------------------------------- validation: host → webview

/** The most nodes a tree may have before the webview refuses it (the host budgets far fewer). */
const MAX_NODES = 200_000;
const MAX_DEPTH = 256;

const needStr = (x: unknown, where: string): void => need(isStr(x), `${where} is not a string`);
const needNum = (x: unknown, where: string): void => need(isNum(x), `${where} is not a number`);
const needBool = (x: unknown, where: string): void => need(typeof x === 'boolean', `${where} is not true or false`);
const needStrs = (x: unknown, where: string): void => need(isStrArray(x), `${where} is not a list of strings`);
const optional = (x: unknown, where: string, check: (x: unknown, where: string) => void): void => {
  if (x !== undefined) check(x, where);
};

function checkAnswer(x: unknown, where: string): Obj {
  const a = needObj(x, where);
  needStrs(a.symbols, `${where}.symbols`);
  needStr(a.label, `${where}.label`);
  need(a.correct === null || typeof a.correct === 'boolean', `${where}.correct is not true, false or null`);
  return a;
}

/** `facts`: how many facts the tree has (a node's `mentions` index them). */
function checkNode(x: unknown, where: string, depth: number, count: { n: number }, facts: number): void {
  need(depth <= MAX_DEPTH, `the tree is deeper than ${MAX_DEPTH}`);
  need(++count.n <= MAX_NODES, `the tree has more than ${MAX_NODES} nodes`);
  const n = needObj(x, where);
  needStr(n.label, `${where}.label`);
  needStrs(n.question, `${where}.question`);
  need(Array.isArray(n.path) && n.path.every(isIndex), `${where}.path is not a list of indices`);
  needBool(n.primitive, `${where}.primitive`);
  checkAnswer(n.answer, `${where}.answer`);
  checkAnswer(n.truth, `${where}.truth`);
  needStr(n.source, `${where}.source`);
  optional(n.x, `${where}.x`, (v, w) => {
    const xv = checkAnswer(v, w);
    needNum(xv.probability, `${w}.probability`);
    need(Array.isArray(xv.top) && xv.top.every((t) => isObj(t) && isStr(t.label) && isNum(t.probability)), `${w}.top is not a list of labels with probabilities`);
  });
  optional(n.h, `${where}.h`, checkAnswer);
  optional(n.replaced, `${where}.replaced`, checkAnswer);
  needBool(n.changed, `${where}.changed`);
  need(n.byOverride === undefined || n.byOverride === 'changed' || n.byOverride === 'new', `${where}.byOverride is not changed or new`);
  optional(n.compared, `${where}.compared`, (v, w) => {
    const c = needObj(v, w);
    checkAnswer(c.answer, `${w}.answer`);
    optional(c.x, `${w}.x`, checkAnswer);
    needBool(c.differs, `${w}.differs`);
    optional(c.question, `${w}.question`, needStrs);
    optional(c.label, `${w}.label`, needStr);
  });
  needBool(n.expandable, `${where}.expandable`);
  needNum(n.annotations, `${where}.annotations`);
  needBool(n.opened, `${where}.opened`);
  need(Array.isArray(n.mentions) && n.mentions.every((i) => isIndex(i) && i < facts), `${where}.mentions is not a list of indexes into the ${facts} facts`);
  need(n.history === undefined || (Array.isArray(n.history) && n.history.every((c) => c === null || typeof c === 'boolean')), `${where}.history is not a list of true, false or null`);
  optional(n.person, `${where}.person`, checkPersonNode);
  optional(n.error, `${where}.error`, needStr);
  optional(n.children, `${where}.children`, (v, w) => needList(v, w, (c, wc) => checkNode(c, wc, depth + 1, count, facts)));
}

function checkTree(x: unknown, where: string): void {
  const t = needObj(x, where);
  needStr(t.pin, `${where}.pin`);
  needNum(t.round, `${where}.round`);
  needNum(t.size, `${where}.size`);
  const facts = needList(t.facts, `${where}.facts`, (f, w) => {
    const fact = needObj(f, w);
    needStr(fact.label, `${w}.label`);
    needStrs(fact.symbols, `${w}.symbols`);
    needBool(fact.mentioned, `${w}.mentioned`);
  });
  optional(t.overrideSummary, `${where}.overrideSummary`, (v, w) => {
    const o = needObj(v, w);
    needStr(o.text, `${w}.text`);
    needStrs(o.at, `${w}.at`);
    checkAnswer(o.before, `${w}.before`);
    checkAnswer(o.after, `${w}.after`);
    needNum(o.changed, `${w}.changed`);
    needNum(o.added, `${w}.added`);
  });
  optional(t.answeredBy, `${where}.answeredBy`, needStr);
  optional(t.compare, `${where}.compare`, (v, w) => {
    const c = needObj(v, w);
    needStr(c.label, `${w}.label`);
    needBool(c.found, `${w}.found`);
    needNum(c.differing, `${w}.differing`);
    optional(c.reason, `${w}.reason`, needStr);
  });
  optional(t.person, `${where}.person`, checkPersonSummary);
  checkNode(t.root, `${where}.root`, 0, { n: 0 }, facts.length);
}

function checkRound(x: unknown, where: string): void {
  const r = needObj(x, where);
  need(Number.isInteger(r.round), `${where}.round is not a round number`);
  for (const k of ['size', 'accuracy', 'targetAccuracy', 'callsToHTotal'] as const) needNum(r[k], `${where}.${k}`);
  need(isObj(r.accuracyByClass) && Object.values(r.accuracyByClass).every(isNum), `${where}.accuracyByClass is not a record of numbers`);
  // Drawn when present (the agreement line skips a round recorded without it).
  need(r.agreementAverage === undefined || r.agreementAverage === null || isNum(r.agreementAverage), `${where}.agreementAverage is not a number`);
}

function checkRun(x: unknown, where: string): void {
  const r = needObj(x, where);
  need(r.kind === 'run' || r.kind === 'check', `${where}.kind is not run or check`);
  for (const k of ['id', 'task', 'mode', 'model', 'backend'] as const) needStr(r[k], `${where}.${k}`);
  needList(r.rounds, `${where}.rounds`, checkRound);
  needList(r.skipped, `${where}.skipped`, (x, w) => {
    const k = needObj(x, w);
    needStr(k.file, `${w}.file`);
    need(Number.isInteger(k.line), `${w}.line is not a line number`);
    needStr(k.reason, `${w}.reason`);
  });
}

function checkStatus(x: unknown, where: string): void {
  const s = needObj(x, where);
  need(RUN_STATUSES.includes(s.status as RunStatus), `${where}.status ${JSON.stringify(s.status)?.slice(0, 40)} is not one of ${RUN_STATUSES.join(', ')}`);
  needNum(s.round, `${where}.round`);
  optional(s.phase, `${where}.phase`, needStr);
  optional(s.message, `${where}.message`, needStr);
}

const checkPins = (x: unknown, where: string): void => {
  needList(x, where, (p, w) => {
    const pin = needObj(p, w);
    needStr(pin.id, `${w}.id`);
    needStr(pin.label, `${w}.label`);
    needStrs(pin.question, `${w}.question`);
  });
};

const checkSelectedPin = (x: unknown, where: string): void => need(x === null || isStr(x), `${where} is not a string or null`);

/** The checks per host message (each throws `Invalid` naming the field). */
const hostChecks: Checks<HostMessage> = {
  targets: (m) => {
    needStr(m.pin, 'pin');
    needNum(m.round, 'round');
    need(isPath(m.path), 'path is not a node path');
    checkTargetsView(m.view, 'view');
  },
  init: (m) => {
    if (m.run !== null) checkRun(m.run, 'run');
    if (m.compare !== null && m.compare !== undefined) checkRun(m.compare, 'compare');
    checkPins(m.pins, 'pins');
    checkStatus(m.status, 'status');
    checkSelectedPin(m.selectedPin, 'selectedPin');
    need(m.selectedRound === null || isNum(m.selectedRound), 'selectedRound is not a number or null');
    needList(m.tasks, 'tasks', (t, w) => {
      const task = needObj(t, w);
      for (const k of ['name', 'description', 'example'] as const) needStr(task[k], `${w}.${k}`);
    });
  },
  round: (m) => checkRound(m.round, 'round'),
  tree: (m) => checkTree(m.tree, 'tree'),
  status: (m) => checkStatus(m.status, 'status'),
  pins: (m) => {
    checkPins(m.pins, 'pins');
    optional(m.selectedPin, 'selectedPin', checkSelectedPin);
  },
  annotations: (m) => {
    needList(m.annotations, 'annotations', (a, w) => {
      const an = needObj(a, w);
      for (const k of ['id', 'note', 'at'] as const) needStr(an[k], `${w}.${k}`);
      needStrs(an.tags, `${w}.tags`);
      need(isPath(an.path), `${w}.path is not a node path`);
    });
  },
  overrides: (m) => {
    needList(m.overrides, 'overrides', (o, w) => {
      const ov = needObj(o, w);
      needStr(ov.pin, `${w}.pin`);
      needStr(ov.label, `${w}.label`);
      needStrs(ov.question, `${w}.question`);
      checkAnswer(ov.answer, `${w}.answer`);
    });
  },
  error: (m) => {
    needStr(m.message, 'message');
    optional(m.detail, 'detail', needStr);
    need(m.file === undefined || isId(m.file, 4096), 'file is not a file name');
    need(m.line === undefined || isIndex(m.line), 'line is not a line number');
    need(m.column === undefined || isIndex(m.column), 'column is not a column number');
  },
  reveal: (m) => {
    needStr(m.pin, 'pin');
    need(isPath(m.path), 'path is not a node path');
  },
  rejected: (m) => {
    need(m.input === 'override' || m.input === 'pin', 'input is not override or pin');
    needStr(m.message, 'message');
    need(m.path === undefined || isPath(m.path), 'path is not a node path');
  },
  exportTree: (m) => need(isExportFormat(m.format), 'format is not an export format'),
  blame: (m) => {
    needStr(m.pin, 'pin');
    const b = needObj(m.blame, 'blame');
    need(['expert', 'answerer', 'override', 'fault', 'none'].includes(b.kind as string), 'blame.kind is not expert, answerer, override, fault or none');
    need(isPath(b.from), 'blame.from is not a node path');
    need(isPath(b.path), 'blame.path is not a node path');
    needStr(b.question, 'blame.question');
    needStr(b.detail, 'blame.detail');
    optional(b.counterfactual, 'blame.counterfactual', needStr);
    optional(b.source, 'blame.source', (v, w) => {
      const src = needObj(v, w);
      need(isId(src.file, 4096), `${w}.file is not a file name`);
      need(src.line === undefined || isIndex(src.line), `${w}.line is not a line number`);
    });
  },
};

/** Validates a message from the host, down to every node of a tree (the webview trusts nothing either). */
export function parseHostMessage(x: unknown): Result<HostMessage> {
  return checkWith(x, hostChecks);
}
