/**
 * The play panel's host side: one PlaySession (src/core/play.ts) driven by the webview's messages.
 * No vscode here, so it is unit-tested directly. The webview sees the question, never the context.
 *
 * With answerer X the subanswers come from the run's worker (`xAnswer`, asynchronous), while
 * PlaySession asks its answerer synchronously: the controller resolves the typed subquestion the way
 * the session will, fetches X's answer first, then lets the session ask with that answer relayed.
 * Each finished question (PlayRecord) is handed to `save` — the host is the one writer of run edits.
 */
import {
  expandHCH, isPrimitive, OPEN_SOURCE, PlaySession, playVocabulary, questionKey, questionProblem, substitutePointers, truthAnswerer,
  type Answer, type Answerer, type AnyContext, type AnyTask, type HCHNode, type InstanceId, type PlayOutcome, type PlayRecord, type Question,
} from '../../core/index';
import { parsePlayWebviewMessage, type PlayCompareView, type PlayHostMessage, type PlayNodeView, type PlayView } from '../../protocol/play';

/** Who answers non-primitive subquestions. */
export type PlayAnswerer =
  | { kind: 'truth' }
  | { kind: 'me'; budget: number }
  /** X of a run's latest round, through its worker (`undefined`: X could not answer). */
  | { kind: 'x'; round: number; xAnswer(instance: InstanceId, question: Question): Promise<Answer | undefined> };

export interface PlaySetup {
  task: AnyTask;
  ctx: AnyContext;
  instance: InstanceId;
  question: Question;
  answerer: PlayAnswerer;
  who: string;
  now?: () => Date;
}

export interface PlayControllerHost {
  post(m: PlayHostMessage): void;
  /** Appends a finished question to the transcripts file; returns where it went. */
  save(record: PlayRecord): string;
  /** The next question to play (a new instance), or undefined when there is none to offer. */
  next?(): PlaySetup | undefined;
  log?(message: string): void;
}

/** Relays answers fetched ahead of `ask` to PlaySession's synchronous answerer call. */
class RelayAnswerer implements Answerer {
  readonly ready = new Map<string, Answer>();
  answerBatch(requests: Parameters<Answerer['answerBatch']>[0]) {
    return requests.map((r) => {
      const a = this.ready.get(questionKey(r.question));
      return a ? { answer: a, source: 'X' } : { answer: ['?'], source: 'none' };
    });
  }
}

export class PlayController {
  private session!: PlaySession;
  private setup!: PlaySetup;
  private relay = new RelayAnswerer();
  private savedTo: string | undefined;
  /** Messages are handled one at a time (an X answer is awaited mid-`ask`). */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly host: PlayControllerHost, setup: PlaySetup) {
    this.start(setup);
  }

  /** The records of the questions finished in this panel, in order. */
  readonly records: PlayRecord[] = [];

  private start(setup: PlaySetup): void {
    this.setup = setup;
    this.relay = new RelayAnswerer();
    const a = setup.answerer;
    this.session = new PlaySession(setup.task, setup.ctx, setup.question, {
      answerer: a.kind === 'me' ? 'me' : a.kind === 'truth' ? truthAnswerer(setup.task) : this.relay,
      answererName: a.kind === 'x' ? 'X' : a.kind,
      ...(a.kind === 'x' ? { round: a.round } : {}),
      ...(a.kind === 'me' ? { budget: a.budget } : {}),
      who: setup.who, instance: setup.instance, ...(setup.now ? { now: setup.now } : {}),
    });
  }

  get task(): AnyTask {
    return this.setup.task;
  }

  /** Validates and handles one message from the webview (in order with the others). */
  handle(raw: unknown): Promise<void> {
    this.queue = this.queue.then(() => this.handleNow(raw)).catch((e: unknown) => {
      this.host.log?.(`play: ${(e as Error).stack ?? String(e)}`);
      this.host.post({ type: 'problem', message: `internal error: ${(e as Error).message}` });
    });
    return this.queue;
  }

  private async handleNow(raw: unknown): Promise<void> {
    const parsed = parsePlayWebviewMessage(raw);
    if (!parsed.ok) {
      this.host.log?.(`play: ignored a message: ${parsed.error}`);
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'ready':
        this.postState();
        return;
      case 'complete':
        this.host.post({ type: 'completions', id: m.id, items: this.session.complete(m.line).slice(0, 500) });
        return;
      case 'ask': {
        const problem = await this.prefetch(m.text);
        return this.outcome(problem ? { ok: false, error: problem } : this.session.ask(m.text));
      }
      case 'answer':
        return this.outcome(this.session.answer(m.text));
      case 'undo':
        return this.outcome(this.session.undo());
      case 'skip':
        return this.outcome(this.session.skip());
      case 'compareWithH':
        this.host.post({ type: 'compare', compare: this.compareWithH() });
        return;
      case 'next': {
        const next = this.session.done ? this.host.next?.() : undefined;
        if (!next) {
          this.host.post({ type: 'problem', message: this.session.done ? 'there is no next question here' : 'answer or skip this question first' });
          return;
        }
        this.start(next);
        this.postState();
        return;
      }
    }
  }

  /**
   * With answerer X: fetches X's answer to the subquestion `text` will ask, when it is one X
   * answers; returns why X could not answer (the worker failed), or undefined.
   */
  private async prefetch(text: string): Promise<string | undefined> {
    const a = this.setup.answerer;
    if (a.kind !== 'x' || this.session.done) return;
    const sub = substitutePointers(text, this.session.steps.map((s) => s.answer), 'question');
    if ('error' in sub) return;
    const task = this.setup.task;
    let q: Question;
    try {
      q = task.format.parseQuestion?.(sub.text) ?? sub.text.trim().split(/[\s,]+/);
    } catch {
      q = sub.text.trim().split(/[\s,]+/);
    }
    if (questionProblem(playVocabulary(task), q) || isPrimitive(task, q) || this.relay.ready.has(questionKey(q))) return;
    try {
      const answer = await a.xAnswer(this.setup.instance, q);
      if (answer) this.relay.ready.set(questionKey(q), answer);
    } catch (e) {
      return `X could not answer ${task.format.question(q)}: ${(e as Error).message}`;
    }
    return undefined;
  }

  private outcome(o: PlayOutcome): void {
    if (!o.ok) {
      this.host.post({ type: 'problem', message: o.error });
      return;
    }
    for (const record of this.session.records.slice(this.records.length)) {
      this.records.push(record);
      this.savedTo = this.host.save(record);
    }
    this.postState();
  }

  private postState(): void {
    this.host.post({ type: 'state', view: this.view() });
  }

  private answererWords(): string {
    const a = this.setup.answerer;
    return a.kind === 'truth' ? 'ground truth (practice)' : a.kind === 'x' ? `X of round ${a.round}` : 'you (nested questions)';
  }

  view(): PlayView {
    const s = this.session;
    const f = this.task.format;
    const root = s.tree();
    return {
      task: this.task.name, answerer: this.answererWords(), root: f.question(s.rootQuestion), question: f.question(s.question), depth: s.path.length,
      steps: s.steps.map((st) => ({ question: f.question(st.question), answer: f.answer(st.answer), source: st.source })),
      calls: s.calls, ...(s.budget !== undefined ? { budget: s.budget } : {}), maxSubquestions: this.task.maxSubquestions,
      done: s.done, skipped: s.skipped, ...(s.done && !s.skipped ? { answer: f.answer(root.answer) } : {}),
      ...(this.savedTo ? { savedTo: this.savedTo } : {}), tree: this.nodeView(root),
    };
  }

  private nodeView(n: HCHNode): PlayNodeView {
    const f = this.task.format;
    return {
      question: f.question(n.question), answer: n.source === OPEN_SOURCE ? '…' : f.answer(n.answer), source: n.source,
      ...(n.children && n.children.length > 0 ? { children: n.children.map((c) => this.nodeView(c)) } : {}),
    };
  }

  /**
   * H's own tree for the same (instance, question), as deep as the person's (ground truth at its
   * leaves), beside the person's; a node differs when the other tree has no node at its position
   * or one with another question or answer there.
   */
  compareWithH(): PlayCompareView {
    const mine = this.nodeView(this.session.tree());
    const depthOf = (n: PlayNodeView): number => 1 + Math.max(0, ...(n.children ?? []).map(depthOf));
    const tree = expandHCH(this.task, this.setup.ctx, this.session.rootQuestion, { answerer: truthAnswerer(this.task), depth: Math.max(1, depthOf(mine) - 1), maxNodes: 2000 });
    const h = this.nodeView(tree.root);
    let differing = 0;
    const mark = (a: PlayNodeView, b: PlayNodeView | undefined): void => {
      a.differs = !b || a.question !== b.question || a.answer !== b.answer;
      if (a.differs) differing++;
      (a.children ?? []).forEach((c, i) => mark(c, b?.children?.[i]));
    };
    mark(mine, h);
    mark(h, mine);
    return { mine, h, differing };
  }
}
