/**
 * The typed messages between the extension host and the Explorer webview — one module, used by
 * both sides. Every message is validated on receipt (`parseHostMessage`, `parseWebviewMessage`):
 * a malformed message is rejected with a reason, never acted on. No vscode, no Node APIs here.
 */

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
   * Compare mode: the same node (same path, same question) in the compared tree — another run's,
   * or another round's — with its answer and X's; `differs` when either differs from this node's.
   */
  compared?: { answer: AnswerView; x?: AnswerView; differs: boolean };
  /** A non-primitive leaf that can be expanded into its own decomposition. */
  expandable: boolean;
  annotations: number;
  /** The host opened this node beyond the default depth because the user asked (`expand`). */
  opened: boolean;
  /** Indexes into `TreeView.facts` of the facts that mention a symbol of this node's question. */
  mentions: number[];
  /** Per recorded round (index 0 = round 1): was the answer at this node right? null: not recorded. */
  history?: (boolean | null)[];
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
  /** Compare mode: what this tree is compared with, and how many nodes differ (`reason` when there is no tree to compare). */
  compare?: { label: string; found: boolean; differing: number; reason?: string };
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
  id: string;
  folder: string;
  task: string;
  mode: string;
  model: string;
  backend: string;
  rounds: RoundView[];
  /** Lines of rounds.jsonl that could not be read (e.g. a truncated last line after a crash). */
  skipped: number;
}

export type RunStatus = 'none' | 'idle' | 'running' | 'stopped' | 'crashed';

export interface StatusView {
  status: RunStatus;
  round: number;
  /** The phase of the round under way (targets, train, eval, pinned, checkpoint). */
  phase?: string;
  message?: string;
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
  | { type: 'reveal'; pin: string; path: number[] };

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
  | { type: 'step' }
  | { type: 'runRounds'; rounds: number }
  | { type: 'pause' }
  | { type: 'sampleQuestion' }
  | { type: 'pinQuestion'; text: string }
  | { type: 'command'; command: 'newRun' | 'openRun' | 'compareRuns' | 'exportAnnotations' | 'stopComparing' }
  /** Open a file (e.g. a user task that failed to compile) at a line. */
  | { type: 'openFile'; file: string; line?: number };

// ---------------------------------------------------------------- validation

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStrArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
const isSymbols = (x: unknown): x is string[] => Array.isArray(x) && x.length > 0 && x.length <= 64 && x.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 64 && !/\s/.test(s));
const isPath = (x: unknown): x is number[] => Array.isArray(x) && x.length <= 256 && x.every((i) => Number.isInteger(i) && i >= 0 && i < 1024);
const isCount = (x: unknown, max: number): x is number => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max;

/** Validates a message from the webview. */
export function parseWebviewMessage(x: unknown): Result<WebviewMessage> {
  const fail = (error: string): Result<WebviewMessage> => ({ ok: false, error });
  if (!isObj(x)) return fail('a message must be an object');
  const m = x;
  switch (m.type) {
    case 'ready':
    case 'step':
    case 'pause':
    case 'sampleQuestion':
      return { ok: true, value: { type: m.type } };
    case 'selectRound':
      return isCount(m.round, 1e6) ? { ok: true, value: { type: 'selectRound', round: m.round } } : fail('selectRound needs a round number');
    case 'selectPin':
      return typeof m.pin === 'string' && m.pin.length > 0 && m.pin.length < 200 ? { ok: true, value: { type: 'selectPin', pin: m.pin } } : fail('selectPin needs a pin id');
    case 'expand':
      return isPath(m.path) && typeof m.open === 'boolean' ? { ok: true, value: { type: 'expand', path: m.path, open: m.open } } : fail('expand needs a path and open');
    case 'override':
      if (!isPath(m.path)) return fail('override needs a node path');
      if (m.answer !== null && !isSymbols(m.answer)) return fail('override needs an answer: symbols without white space, or null to undo');
      return { ok: true, value: { type: 'override', path: m.path, answer: m.answer as string[] | null } };
    case 'annotate':
      if (!isPath(m.path)) return fail('annotate needs a node path');
      if (typeof m.note !== 'string' || m.note.length > 10000) return fail('annotate needs a note (at most 10,000 characters)');
      if (!isStrArray(m.tags) || m.tags.length > 32 || m.tags.some((t) => t.length === 0 || t.length > 64)) return fail('annotate needs tags (up to 32 short strings)');
      if (m.note.trim() === '' && m.tags.length === 0) return fail('an annotation needs a note or a tag');
      return { ok: true, value: { type: 'annotate', path: m.path, note: m.note, tags: m.tags } };
    case 'removeAnnotation':
      return typeof m.id === 'string' && m.id.length > 0 && m.id.length < 200 ? { ok: true, value: { type: 'removeAnnotation', id: m.id } } : fail('removeAnnotation needs an id');
    case 'runRounds':
      return Number.isInteger(m.rounds) && (m.rounds as number) >= 1 && (m.rounds as number) <= 10000 ? { ok: true, value: { type: 'runRounds', rounds: m.rounds as number } } : fail('runRounds needs 1..10000 rounds');
    case 'pinQuestion':
      return typeof m.text === 'string' && m.text.trim().length > 0 && m.text.length <= 500 ? { ok: true, value: { type: 'pinQuestion', text: m.text } } : fail('pinQuestion needs the question text');
    case 'openFile':
      if (typeof m.file !== 'string' || m.file.length === 0 || m.file.length > 4096) return fail('openFile needs a file');
      if (m.line !== undefined && !isCount(m.line, 1e7)) return fail('openFile: line must be a non-negative integer');
      return { ok: true, value: { type: 'openFile', file: m.file, ...(m.line !== undefined ? { line: m.line as number } : {}) } };
    case 'command':
      return ['newRun', 'openRun', 'compareRuns', 'exportAnnotations', 'stopComparing'].includes(m.command as string)
        ? { ok: true, value: { type: 'command', command: m.command as 'newRun' } }
        : fail('unknown command');
    default:
      return fail(`unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}`);
  }
}

/** Validates a message from the host (the webview trusts nothing either). */
export function parseHostMessage(x: unknown): Result<HostMessage> {
  const fail = (error: string): Result<HostMessage> => ({ ok: false, error });
  if (!isObj(x)) return fail('a message must be an object');
  switch (x.type) {
    case 'init':
      return Array.isArray(x.pins) && isObj(x.status) && Array.isArray(x.tasks) && (x.run === null || isObj(x.run)) ? { ok: true, value: x as HostMessage } : fail('malformed init');
    case 'round':
      return isObj(x.round) && Number.isInteger(x.round.round) ? { ok: true, value: x as HostMessage } : fail('malformed round');
    case 'tree':
      return isObj(x.tree) && isObj(x.tree.root) && Array.isArray(x.tree.facts) ? { ok: true, value: x as HostMessage } : fail('malformed tree');
    case 'status':
      return isObj(x.status) && typeof x.status.status === 'string' ? { ok: true, value: x as HostMessage } : fail('malformed status');
    case 'pins':
      return Array.isArray(x.pins) ? { ok: true, value: x as HostMessage } : fail('malformed pins');
    case 'annotations':
      return Array.isArray(x.annotations) ? { ok: true, value: x as HostMessage } : fail('malformed annotations');
    case 'overrides':
      return Array.isArray(x.overrides) ? { ok: true, value: x as HostMessage } : fail('malformed overrides');
    case 'error':
      return typeof x.message === 'string' ? { ok: true, value: x as HostMessage } : fail('malformed error');
    case 'reveal':
      return typeof x.pin === 'string' && isPath(x.path) ? { ok: true, value: x as HostMessage } : fail('malformed reveal');
    default:
      return fail(`unknown message type ${JSON.stringify(x.type)?.slice(0, 40)}`);
  }
}
