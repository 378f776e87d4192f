/**
 * The Explorer's host-side controller: validates every webview message against the protocol, acts on
 * the run session, and answers with protocol messages. No vscode: the panel is thin glue around it.
 * A malformed message is answered with an `error` message and changes nothing.
 */
import { basename } from 'node:path';
import { BUILTIN_TASKS, makeContext, makeQuestion, questionKey, sameTuple, type HCHNode, type HCHTree, type Question } from '../core/index';
import { nodeAt } from '../core/hch';
import { editKey, instanceKey } from '../engine/run-folder';
import type { AnnotatedNode, AnnotationEvent, NodeAnswers, PinnedQuestion } from '../engine/run-types';
import type { RunWorkerOptions } from '../engine/run-worker';
import type { TreeShape } from './explorer/task-views';
import { answerUnrecorded, modelWorker } from './explorer/unrecorded';
import { addHistory, roundView, runView } from './explorer/view-model';
import type { WorkerEvent } from '../engine/worker-protocol';
import { parseWebviewMessage, type BlameView, type HostMessage, type PinView, type StatusView, type TaskSummary, type TreeView, type WebviewMessage } from '../protocol/explorer';
import { expertLine } from './interventions';
import { personMarks } from './play/person-marks';
import { targetsView } from './provenance';
import type { RunSession } from './session';
import { TaskCodeError } from './session-task';

/** A pin's tree at a round, every subquestion answered (see answerUnrecorded, explorer/unrecorded.ts). */
interface BuiltTree {
  pin: string;
  round: number;
  tree: HCHTree;
  /** Its view, as the session's task made it (the host adds what needs no task code). */
  view: TreeView;
  /** How it was built (a counterfactual is built the same way). */
  shape: TreeShape;
  answers: Record<string, NodeAnswers>;
  answeredBy?: string;
  /** Compare mode without a record to compare with: what the view says instead. */
  compareMissing?: { label: string; reason?: string };
}

export interface ControllerHost {
  post(message: HostMessage): void;
  /** VS Code commands the webview asks for (New Run…, Open Run…, …). */
  command(command: Extract<WebviewMessage, { type: 'command' }>['command']): void;
  openFile(file: string, line?: number): void;
  /** How to start the run's worker thread. */
  workerOptions(): RunWorkerOptions;
  /** Annotations are also recorded workspace-wide (the extension's annotations file). */
  annotationAdded?(session: RunSession, annotation: { id: string; pin: string; path: number[]; note: string; tags: string[]; round: number }): void;
  /** Answer as the Expert… on a node of the tree (its run, context and question). */
  answerAsExpert?(args: { run: string; instance: PinnedQuestion['instance']; question: Question }): void;
  /** An override was set (the walkthrough's step "Override a subanswer" is done). */
  overrideSet?(): void;
}

/** What the panel persists across reloads (besides the webview's own view state). */
export interface ControllerState {
  runFolder: string | null;
  selectedPin: string | null;
  selectedRound: number | null;
  expanded: Record<string, string[]>;
}

export function taskSummaries(): TaskSummary[] {
  return BUILTIN_TASKS.map((t) => {
    const instance = { size: t.sizes.default, seed: 'example', index: 0 };
    const ctx = makeContext(t, instance);
    return { name: t.name, description: t.description, example: t.format.question(makeQuestion(t, instance, ctx)) };
  });
}

export class ExplorerController {
  session: RunSession | null = null;
  selectedPin: string | null = null;
  /** null: follow the latest round. */
  selectedRound: number | null = null;
  private expanded = new Map<string, Set<string>>();
  private offWorker: (() => void) | undefined;
  private treeRequest = 0;

  constructor(private readonly host: ControllerHost) {}

  state(): ControllerState {
    return {
      runFolder: this.session?.folder.dir ?? null,
      selectedPin: this.selectedPin,
      selectedRound: this.selectedRound,
      expanded: Object.fromEntries([...this.expanded].map(([k, v]) => [k, [...v]])),
    };
  }

  restore(state: Partial<ControllerState>): void {
    this.selectedPin = state.selectedPin ?? null;
    this.selectedRound = state.selectedRound ?? null;
    this.expanded = new Map(Object.entries(state.expanded ?? {}).map(([k, v]) => [k, new Set(v)]));
  }

  private compare: { session: RunSession; round: number | null } | null = null;

  /**
   * "Compare Runs": overlays another run's curves and marks, in the tree, the nodes whose answers
   * differ from the same question's record in the other run (at the round shown, or at `round`
   * when given — e.g. two rounds of one run). null stops comparing.
   */
  async setCompare(other: RunSession | null, round: number | null = null): Promise<void> {
    this.compare = other ? { session: other, round } : null;
    await this.sendInit();
  }

  /** The record of the pinned question in the compared run/round, or why there is none. */
  private comparedRecord(s: RunSession, pin: PinnedQuestion, round: number): { label: string; tree?: HCHTree; answers?: Record<string, NodeAnswers>; reason?: string } | undefined {
    const c = this.compare;
    if (!c) return undefined;
    const other = c.session;
    const r = Math.min(c.round ?? round, other.latestRound());
    const label = other.folder.dir === s.folder.dir ? `round ${r}` : `${other.meta.id} · round ${r}`;
    const same = other.pins().find((p) => editKey(p) === editKey(pin));
    if (!same) return { label, reason: `this question is not pinned in ${other.meta.id}` };
    if (r < 1) return { label, reason: `${other.meta.id} has no recorded round yet` };
    const rec = other.pinnedRound(r)?.answers.find((a) => a.pin === same.id);
    if (!rec) return { label, reason: `round ${r} of ${other.meta.id} has no record of this question` };
    return { label, tree: rec.tree, answers: rec.answers ?? {} };
  }

  /** Shows the node an annotation is about. */
  async reveal(a: Pick<AnnotationEvent, 'key' | 'path' | 'round'>): Promise<void> {
    const s = this.requireSession();
    const key = a.key ? editKey(a.key) : undefined;
    const pin = key ? s.pins().find((p) => editKey(p) === key) : undefined;
    if (!pin) throw new UserError('the question of this note is no longer pinned');
    this.selectedPin = pin.id;
    const latest = s.latestRound();
    this.selectedRound = a.round && a.round < latest ? a.round : null;
    // Open the ancestors so that the node exists in the tree.
    const set = this.expanded.get(pin.id) ?? new Set<string>();
    const path = a.path ?? [];
    for (let i = 1; i < path.length; i++) set.add(path.slice(0, i).join('.'));
    this.expanded.set(pin.id, set);
    await this.sendInit();
    this.host.post({ type: 'reveal', pin: pin.id, path });
  }

  /** Shows a run (or none). */
  async setSession(session: RunSession | null): Promise<void> {
    this.offWorker?.();
    this.offWorker = undefined;
    this.session = session;
    if (session) {
      const pins = session.pins();
      if (!pins.some((p) => p.id === this.selectedPin)) this.selectedPin = pins[0]?.id ?? null;
      this.offWorker = session.onWorkerEvent((e) => void this.onWorkerEvent(e));
    } else this.selectedPin = null;
    await this.sendInit();
  }

  private round(): number {
    const latest = this.session?.latestRound() ?? 0;
    return this.selectedRound === null ? latest : Math.min(this.selectedRound, latest);
  }

  private async pinViews(): Promise<PinView[]> {
    const s = this.session;
    if (!s) return [];
    const pins = s.pins();
    const { questions } = await s.task.view('labels', { questions: pins.map((p) => p.question), answers: [] });
    return pins.map((p, i) => ({ id: p.id, label: p.label ?? questions[i], question: [...p.question] }));
  }

  private statusView(): StatusView {
    return this.session ? this.session.status : { status: 'none', round: 0 };
  }

  async sendInit(): Promise<void> {
    const s = this.session;
    const read = s?.rounds();
    const pins = await this.pinViewsOrError();
    // Skipped lines of the run's JSON Lines files: a warning in the Explorer's header.
    const skipped = s ? s.folder.skippedLines().flatMap(({ file, skipped }) => skipped.map((k) => ({ file: basename(file), ...k }))) : [];
    this.host.post({
      type: 'init',
      run: s && read ? runView(s.meta, s.folder.dir, read.records, skipped) : null,
      pins,
      selectedPin: this.selectedPin,
      selectedRound: s ? this.round() : null,
      status: this.statusView(),
      tasks: taskSummaries(),
      compare: this.compare ? runView(this.compare.session.meta, this.compare.session.folder.dir, this.compare.session.rounds().records, []) : null,
    });
    await this.sendTree();
    this.sendAnnotations();
  }

  private sendAnnotations(): void {
    const s = this.session;
    if (!s) return;
    const pins = new Map(s.pins().map((p) => [editKey(p), p.id]));
    this.host.post({
      type: 'annotations',
      annotations: s.folder.annotations().map((a) => ({
        id: a.id, pin: a.key ? pins.get(editKey(a.key)) : undefined,
        path: a.path ?? [], round: a.round, note: a.note ?? '', tags: a.tags ?? [], at: a.at,
      })),
    });
  }

  /** The last tree built (the override and explain messages address its nodes). */
  private built: BuiltTree | null = null;

  /**
   * The pin's tree at a round: H re-run over the round's recorded answers with the overrides in
   * force, by the session's task (in the task's sandbox for a task file); subquestions the round
   * never recorded (H asks them anew after an override or an expansion) are answered by the run's
   * model (see `answerUnrecorded`).
   */
  private async buildTree(s: RunSession, pin: PinnedQuestion, round: number): Promise<BuiltTree> {
    const shape: TreeShape = {
      instance: pin.instance, question: pin.question, overrides: s.overridesIn(pin.instance), depth: s.meta.config.pinnedDepth ?? 3,
      expanded: [...(this.expanded.get(pin.id) ?? [])], leaves: s.meta.kind === 'check' ? 'truth' : 'recorded',
    };
    const recorded = s.pinnedRound(round)?.answers.find((a) => a.pin === pin.id);
    const before = s.pinnedRound(round - 1)?.answers.find((a) => a.pin === pin.id);
    const annotations: Record<string, number> = {};
    for (const a of s.folder.annotations()) {
      if (a.key && editKey(a.key) === editKey(pin)) {
        const k = (a.path ?? []).join('.');
        annotations[k] = (annotations[k] ?? 0) + 1;
      }
    }
    const cmp = this.comparedRecord(s, pin, round);
    const compared = cmp?.tree ? { tree: cmp.tree, answers: cmp.answers ?? {}, label: cmp.label } : undefined;
    const filled = await answerUnrecorded(s, this.host.workerOptions(), pin, round, recorded?.answers ?? {}, (answers) => s.task.view('tree', {
      ...shape, pin: pin.id, round, answers, annotations, compared,
      previous: before ? { tree: before.tree, answers: before.answers ?? {} } : undefined,
    }));
    const built: BuiltTree = {
      pin: pin.id, round, tree: filled.result.tree, view: filled.result.view, shape, answers: filled.answers, answeredBy: filled.answeredBy,
      ...(cmp && !cmp.tree ? { compareMissing: { label: cmp.label, reason: cmp.reason } } : {}),
    };
    this.built = built;
    return built;
  }

  /**
   * Builds and sends the selected pin's tree at the selected round. When the task's code fails (a
   * task file that loops, exits or runs out of memory in its sandbox), the Explorer shows why.
   */
  async sendTree(): Promise<void> {
    const s = this.session;
    const pin = s?.pins().find((p) => p.id === this.selectedPin);
    if (!s || !pin) return;
    const request = ++this.treeRequest;
    const round = this.round();
    let built: BuiltTree;
    try {
      built = await this.buildTree(s, pin, round);
    } catch (e) {
      if (!(e instanceof TaskCodeError)) throw e;
      if (request === this.treeRequest) this.host.post({ type: 'error', message: `the tree could not be built: ${e.message}` });
      return;
    }
    if (request !== this.treeRequest) return; // a newer request superseded this one
    const latest = s.latestRound();
    const history = (path: readonly number[], q: Question) => {
      const out: (boolean | null)[] = [];
      for (let r = 1; r <= latest; r++) {
        const t = s.pinnedRound(r)?.answers.find((a) => a.pin === pin.id)?.tree;
        const n: HCHNode | undefined = t ? nodeAt(t.root, path) : undefined;
        out.push(n && sameTuple(n.question, q) && n.truth ? sameTuple(n.answer, n.truth) : null);
      }
      return out;
    };
    const view: TreeView = structuredClone(built.view);
    addHistory(view.root, history);
    if (built.answeredBy) view.answeredBy = built.answeredBy;
    if (built.compareMissing) view.compare = { ...built.compareMissing, found: false, differing: 0 };
    const personProblem = await personMarks(s, pin.instance, view, () => modelWorker(s, this.host.workerOptions()));
    if (request !== this.treeRequest) return;
    if (personProblem) this.host.post({ type: 'error', message: personProblem });
    this.host.post({ type: 'tree', tree: view });
  }

  private async onWorkerEvent(e: WorkerEvent): Promise<void> {
    switch (e.type) {
      case 'round':
        this.host.post({ type: 'round', round: roundView(e.record) });
        this.host.post({ type: 'status', status: this.statusView() });
        if (this.selectedRound === null) await this.sendTree();
        return;
      case 'status':
      case 'phase':
        this.host.post({ type: 'status', status: this.statusView() });
        return;
      case 'ready':
        this.host.post({ type: 'status', status: this.statusView() });
        return;
      case 'error':
        this.host.post({ type: 'error', message: e.fatal ? e.message : `the training worker reported: ${e.message}`, detail: e.stack });
        this.host.post({ type: 'status', status: this.statusView() });
        return;
      default:
        return;
    }
  }

  private requireSession(): RunSession {
    if (!this.session) throw new UserError('no run is open: run "Amplification: New Run…" or "Open Run…"');
    return this.session;
  }

  /** Handles one message from the webview; never throws. */
  async handle(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.host.post({ type: 'error', message: `rejected a malformed message from the Explorer: ${parsed.error}` });
      return;
    }
    try {
      await this.act(parsed.value);
    } catch (e) {
      const shown = e instanceof UserError || e instanceof TaskCodeError;
      this.host.post({ type: 'error', message: shown ? e.message : `internal error: ${(e as Error).message}`, detail: shown ? undefined : (e as Error).stack });
    }
  }

  private async act(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.sendInit();
        return;
      case 'selectRound': {
        const latest = this.requireSession().latestRound();
        if (m.round < 1 || m.round > latest) throw new UserError(`round ${m.round} is not recorded (rounds 1..${latest})`);
        this.selectedRound = m.round === latest ? null : m.round;
        await this.sendTree();
        return;
      }
      case 'selectPin': {
        if (!this.requireSession().pins().some((p) => p.id === m.pin)) throw new UserError(`no pinned question '${m.pin}'`);
        this.selectedPin = m.pin;
        await this.sendTree();
        return;
      }
      case 'expand': {
        const pin = this.requirePin();
        const set = this.expanded.get(pin.id) ?? new Set<string>();
        const key = m.path.join('.');
        if (m.open) set.add(key);
        else for (const k of [...set]) if (k === key || k.startsWith(`${key}.`)) set.delete(k);
        this.expanded.set(pin.id, set);
        await this.sendTree();
        return;
      }
      case 'override': {
        const s = this.requireSession();
        const pin = this.requirePin();
        const node = await this.nodeQuestion(pin, m.path);
        const problem = await s.task.view('checkOverride', { instance: pin.instance, question: node, answer: m.answer });
        if (problem) {
          this.host.post({ type: 'rejected', input: 'override', message: problem, path: m.path });
          return;
        }
        s.setOverride({ instance: pin.instance, question: node }, m.answer);
        if (m.answer) this.host.overrideSet?.();
        await this.sendOverrides();
        await this.sendTree();
        return;
      }
      case 'annotate': {
        const s = this.requireSession();
        const pin = this.requirePin();
        const node = await this.annotatedNode(s, pin, m.path);
        const id = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
        const round = this.round();
        s.annotate({ op: 'add', id, at: new Date().toISOString(), key: { instance: pin.instance, question: pin.question }, path: m.path, round, note: m.note, tags: m.tags, node });
        this.host.annotationAdded?.(s, { id, pin: pin.id, path: m.path, note: m.note, tags: m.tags, round });
        this.sendAnnotations();
        await this.sendTree();
        return;
      }
      case 'removeAnnotation': {
        const s = this.requireSession();
        if (!s.folder.annotations().some((a) => a.id === m.id)) throw new UserError(`no annotation '${m.id}'`);
        s.annotate({ op: 'remove', id: m.id, at: new Date().toISOString() });
        this.sendAnnotations();
        await this.sendTree();
        return;
      }
      case 'step':
        this.worker().send({ type: 'step' });
        return;
      case 'runRounds':
        this.worker().send({ type: 'run', rounds: m.rounds });
        return;
      case 'pause':
        if (this.session?.worker?.alive) this.session.worker.send({ type: 'pause' });
        return;
      case 'sampleQuestion': {
        const s = this.requireSession();
        const pins = s.pins();
        const size = s.rounds().records.at(-1)?.size ?? s.meta.config.size;
        const index = pins.length;
        const instance = { size, seed: `${s.meta.config.seed}/pinned`, index };
        const question = await s.task.view('sample', { instance });
        await this.addPin({ id: `p${Date.now().toString(36)}${index}`, instance, question });
        await this.sendTree();
        return;
      }
      case 'pinQuestion': {
        const s = this.requireSession();
        const size = s.rounds().records.at(-1)?.size ?? s.meta.config.size;
        // The context the question's symbols should live in: the selected pin's, when there is one.
        const current = s.pins().find((p) => p.id === this.selectedPin);
        const read = await s.task.view('parsePin', { text: m.text, instance: current?.instance ?? { size, seed: `${s.meta.config.seed}/pinned`, index: s.pins().length } });
        if ('problem' in read) {
          this.host.post({ type: 'rejected', input: 'pin', message: read.problem });
          return;
        }
        await this.addPin({ id: `p${Date.now().toString(36)}${s.pins().length}`, instance: read.instance, question: read.question });
        await this.sendTree();
        return;
      }
      case 'unpin': {
        const s = this.requireSession();
        const pins = s.pins();
        const i = pins.findIndex((p) => p.id === m.pin);
        if (i < 0) throw new UserError(`no pinned question '${m.pin}'`);
        const rest = pins.filter((p) => p.id !== m.pin);
        s.savePins(rest);
        this.expanded.delete(m.pin);
        if (this.selectedPin === m.pin) this.selectedPin = rest[Math.min(i, rest.length - 1)]?.id ?? null;
        await this.sendInit();
        return;
      }
      case 'explain': {
        const s = this.requireSession();
        const pin = this.requirePin();
        this.host.post({ type: 'blame', pin: pin.id, blame: await this.explain(s, pin, m.path) });
        return;
      }
      case 'targets': {
        const [s, pin, round] = [this.requireSession(), this.requirePin(), this.round()];
        this.host.post({ type: 'targets', pin: pin.id, round, path: m.path, view: await targetsView(s.task, s.folder, pin.instance, await this.nodeQuestion(pin, m.path), round) });
        return;
      }
      case 'command':
        if (m.command === 'stopComparing') await this.setCompare(null);
        else this.host.command(m.command);
        return;
      case 'openFile':
        this.host.openFile(m.file, m.line);
        return;
      case 'answerAsExpert': {
        const pin = this.requirePin();
        this.host.answerAsExpert?.({ run: this.requireSession().folder.dir, instance: pin.instance, question: await this.nodeQuestion(pin, m.path) });
        return;
      }
    }
  }

  private async addPin(pin: PinnedQuestion): Promise<void> {
    const s = this.requireSession();
    s.savePins([...s.pins(), pin]);
    this.selectedPin = pin.id;
    this.host.post({ type: 'pins', pins: await this.pinViews(), selectedPin: pin.id });
  }

  /** The pins' views; when the task's code fails to label them, the Explorer says why and lists them by their symbols. */
  private async pinViewsOrError(): Promise<PinView[]> {
    try {
      return await this.pinViews();
    } catch (e) {
      if (!(e instanceof TaskCodeError)) throw e;
      this.host.post({ type: 'error', message: `the pinned questions could not be shown in the task's notation: ${e.message}` });
      return (this.session?.pins() ?? []).map((p) => ({ id: p.id, label: p.label ?? p.question.join(' '), question: [...p.question] }));
    }
  }

  private async sendOverrides(): Promise<void> {
    const s = this.requireSession();
    const pins = s.pins();
    const shown = [...s.folder.overrides().values()].flatMap(({ key, answer }) => {
      const pin = pins.find((p) => instanceKey(p.instance) === instanceKey(key.instance));
      return pin ? [{ pin: pin.id, question: key.question, answer }] : [];
    });
    const labels = await s.task.view('labels', { questions: shown.map((o) => o.question), answers: shown.map((o) => o.answer) });
    this.host.post({
      type: 'overrides',
      overrides: shown.map((o, i) => ({ pin: o.pin, question: [...o.question], label: labels.questions[i], answer: { symbols: [...o.answer], label: labels.answers[i], correct: null } })),
    });
  }

  private requirePin(): PinnedQuestion {
    const s = this.requireSession();
    const pin = s.pins().find((p) => p.id === this.selectedPin);
    if (!pin) throw new UserError('no question is selected: pin one first');
    return pin;
  }

  /** The tree the user sees (the last one built, when it is still the selected pin's at the selected round). */
  private async currentTree(s: RunSession, pin: PinnedQuestion): Promise<BuiltTree> {
    const b = this.built;
    return b && b.pin === pin.id && b.round === this.round() ? b : this.buildTree(s, pin, this.round());
  }

  /** The question at a path of the tree the user sees. */
  private async nodeQuestion(pin: PinnedQuestion, path: readonly number[]): Promise<Question> {
    const node = nodeAt((await this.currentTree(this.requireSession(), pin)).tree.root, path);
    if (!node) throw new UserError(`no node at path ${path.join('.') || '(root)'} in the current tree`);
    return node.question;
  }

  /** The node at `path` as a note records it: its question, and X's, H's and the true answers now. */
  private async annotatedNode(s: RunSession, pin: PinnedQuestion, path: readonly number[]): Promise<AnnotatedNode> {
    const built = await this.currentTree(s, pin);
    const n = nodeAt(built.tree.root, path);
    if (!n) throw new UserError(`no node at path ${path.join('.') || '(root)'} in the current tree`);
    const x = n.primitive ? undefined : built.answers[questionKey(n.question)]?.x;
    return {
      question: [...n.question], answer: [...n.answer], source: n.source,
      ...(x ? { x: [...x.answer], xProbability: x.probability } : {}),
      ...(n.children ? { h: [...(n.replaced ?? n.answer)] } : {}),
      truth: [...(n.truth ?? [])],
    };
  }

  /**
   * "Why is this wrong?" about the node at `path`: where its error starts (core blame), and the
   * counterfactual — the tree rebuilt with the true answer there, its new subquestions answered as
   * the tree's are.
   */
  private async explain(s: RunSession, pin: PinnedQuestion, from: number[]): Promise<BlameView> {
    const built = await this.currentTree(s, pin);
    const node = nodeAt(built.tree.root, from);
    if (!node) throw new UserError(`no node at path ${from.join('.') || '(root)'} in the current tree`);
    const args = { ...built.shape, from, node, answers: built.answers };
    const { result } = await answerUnrecorded(s, this.host.workerOptions(), pin, built.round, built.answers, (filled) => s.task.view('explain', { ...args, filled }));
    const view = result.view;
    if (view.kind === 'expert' && s.meta.taskFile) {
      const line = expertLine(s.meta.taskFile);
      view.source = { file: s.meta.taskFile, ...(line ? { line } : {}) };
    }
    return view;
  }

  private worker() {
    const s = this.requireSession();
    if (s.meta.kind === 'check') throw new UserError('a check of a task is read-only: it has no training');
    return s.ensureWorker(this.host.workerOptions());
  }
}

/** An error to show the user as it is (not an internal error). */
export class UserError extends Error {}

