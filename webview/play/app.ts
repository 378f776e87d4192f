/// <reference lib="dom" />
/**
 * The play panel: a person plays H. They see the question being answered (never the context), its
 * subquestions with their subanswers as `$1 $2 …`, an input for the next subquestion or the answer
 * (completion from the host's PlaySession.complete; a refused command's one-line reason inline),
 * Ask / Answer / Undo / Skip with keys, the count of calls and the budget, and the tree so far.
 * Every message both ways is validated by src/protocol/play.ts.
 */
import { parsePlayHostMessage, parsePlayWebviewMessage, type PlayCompareView, type PlayView, type PlayWebviewMessage } from '../../src/protocol/play';
import { button, h, setChildren } from '../dom';
import { renderPlayTree } from './tree';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Completions shown under the input at most. */
const SHOWN = 8;

export class PlayApp {
  private readonly api: VsCodeApi | null;
  private view: PlayView | null = null;
  private readonly header = h('header', { cls: 'play-header' });
  private readonly question = h('section', { cls: 'play-question', attrs: { 'aria-live': 'polite' } });
  private readonly steps = h('ol', { cls: 'play-steps', attrs: { 'aria-label': 'Subquestions so far' } });
  private readonly input = h('input', { cls: 'play-input', attrs: { type: 'text', 'aria-label': 'Subquestion or answer', spellcheck: 'false', autocomplete: 'off', placeholder: 'a subquestion, e.g. σ^2($1) — or your answer, e.g. $2' } });
  private readonly completions = h('ul', { cls: 'play-completions', attrs: { role: 'listbox', 'aria-label': 'Completions' } });
  private readonly problem = h('div', { cls: 'play-problem', attrs: { role: 'alert' } });
  private readonly actions = h('div', { cls: 'play-actions' });
  private readonly done = h('section', { cls: 'play-done' });
  private readonly tree = h('section', { cls: 'play-tree-pane', attrs: { 'aria-label': 'The tree so far' } });
  private readonly compare = h('section', { cls: 'play-compare' });
  private items: string[] = [];
  private active = 0;
  private completionId = 0;

  constructor(mount: HTMLElement) {
    let api: VsCodeApi | null;
    try {
      api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : null;
    } catch {
      api = null;
    }
    this.api = api;
    this.actions.append(
      button('Ask', 'Ask the subquestion (Enter)', () => this.submit('ask'), 'primary'),
      button('Answer', 'Answer the question (Ctrl+Enter)', () => this.submit('answer')),
      button('Undo', 'Undo the last step (Alt+U)', () => this.post({ type: 'undo' }), 'secondary'),
      button('Skip', 'Skip this question (Alt+S)', () => this.post({ type: 'skip' }), 'secondary'),
    );
    this.input.addEventListener('input', () => this.requestCompletions());
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('blur', () => window.setTimeout(() => this.showCompletions([]), 150));
    const inputRow = h('div', { cls: 'play-input-row' }, this.input, this.completions);
    mount.append(
      this.header,
      h('main', { cls: 'play-main' },
        h('div', { cls: 'play-left' }, this.question, this.steps, inputRow, this.problem, this.actions,
          h('p', { cls: 'play-keys', text: 'Enter ask · Ctrl+Enter answer · Tab complete · Alt+U undo · Alt+S skip · $n = the n-th subanswer' }), this.done),
        this.tree),
      this.compare,
    );
    window.addEventListener('message', (e: MessageEvent) => this.receive(e.data));
    this.post({ type: 'ready' });
  }

  private post(m: PlayWebviewMessage): void {
    const checked = parsePlayWebviewMessage(m);
    if (checked.ok) this.api?.postMessage(checked.value);
  }

  private receive(data: unknown): void {
    const parsed = parsePlayHostMessage(data);
    if (!parsed.ok) {
      this.showProblem(`the host sent a malformed message (${parsed.error})`);
      return;
    }
    const m = parsed.value;
    if (m.type === 'state') this.render(m.view);
    else if (m.type === 'problem') this.showProblem(m.message);
    else if (m.type === 'completions') {
      if (m.id === this.completionId) this.showCompletions(m.items);
    } else this.renderCompare(m.compare);
  }

  private submit(type: 'ask' | 'answer'): void {
    const text = this.input.value.trim();
    if (text === '') {
      this.showProblem(type === 'ask' ? 'type a subquestion first' : 'type your answer first ($n for a subanswer)');
      return;
    }
    this.post({ type, text });
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === 'Enter') {
      e.preventDefault();
      this.submit(e.ctrlKey || e.metaKey ? 'answer' : 'ask');
    } else if (e.key === 'Tab' && this.items.length > 0) {
      e.preventDefault();
      this.accept(this.items[this.active]);
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && this.items.length > 0) {
      e.preventDefault();
      const n = Math.min(this.items.length, SHOWN);
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.showCompletions(this.items);
    } else if (e.key === 'Escape') this.showCompletions([]);
    else if (e.altKey && (e.key === 'u' || e.key === 'U')) {
      e.preventDefault();
      this.post({ type: 'undo' });
    } else if (e.altKey && (e.key === 's' || e.key === 'S')) {
      e.preventDefault();
      this.post({ type: 'skip' });
    }
  }

  private requestCompletions(): void {
    this.problem.textContent = '';
    this.post({ type: 'complete', id: ++this.completionId, line: this.input.value });
  }

  private accept(item: string): void {
    this.input.value = item;
    this.input.focus();
    this.requestCompletions();
  }

  private showCompletions(items: string[]): void {
    // Nothing to offer when the only completion is what is typed already.
    this.items = items.length === 1 && items[0] === this.input.value ? [] : items;
    if (this.active >= Math.min(this.items.length, SHOWN)) this.active = 0;
    setChildren(this.completions, this.items.slice(0, SHOWN).map((c, i) =>
      h('li', {
        cls: i === this.active ? 'active' : '', text: c, attrs: { role: 'option', 'aria-selected': i === this.active ? 'true' : 'false' },
        on: { mousedown: (e) => { e.preventDefault(); this.accept(c); } },
      })));
    this.completions.hidden = this.items.length === 0;
  }

  private showProblem(message: string): void {
    this.problem.textContent = message;
  }

  private render(v: PlayView): void {
    const before = this.view;
    this.view = v;
    const changed = !before || before.steps.length !== v.steps.length || before.question !== v.question || before.done !== v.done;
    if (changed) {
      this.input.value = '';
      this.problem.textContent = '';
      this.showCompletions([]);
    }
    setChildren(this.header,
      h('span', { cls: 'play-title', text: `You are H · ${v.task}` }),
      h('span', { cls: 'play-meta', text: `subanswers: lookup for primitives, ${v.answerer} for the rest` }),
      h('span', { cls: 'play-count', attrs: { 'aria-label': 'calls and budget' }, text: `${v.calls} call${v.calls === 1 ? '' : 's'}${v.budget !== undefined ? ` · budget ${v.budget}` : ''} · at most ${v.maxSubquestions} subquestions a question` }),
    );
    setChildren(this.question,
      h('div', { cls: 'play-q-label', text: v.depth > 0 ? `Nested question (depth ${v.depth}) of ${v.root}` : 'Question (you see it, never the context)' }),
      h('div', { cls: 'play-q', text: v.question }),
    );
    setChildren(this.steps, v.steps.map((s, i) => h('li', { cls: `play-step src-${s.source.replace(/[^a-zA-Z]/g, '')}` },
      h('span', { cls: 'ptr', text: `$${i + 1}` }), h('span', { cls: 'a', text: s.answer }),
      h('span', { cls: 'from', text: `← ${s.question}` }), h('span', { cls: 'badge', text: s.source }))));
    if (v.steps.length === 0 && !v.done) this.steps.append(h('li', { cls: 'play-empty', text: 'No subquestions yet: ask one, or answer directly.' }));
    this.input.disabled = v.done;
    for (const b of this.actions.querySelectorAll('button')) b.disabled = v.done;
    if (v.done) {
      setChildren(this.done,
        h('div', { cls: 'play-result', text: v.skipped ? `Skipped ${v.root}.` : `Answered ${v.root} = ${v.answer ?? '?'}.` }),
        v.savedTo ? h('div', { cls: 'play-saved', text: `Saved to ${v.savedTo}` }) : null,
        h('div', { cls: 'play-actions' },
          v.skipped ? null : button('Compare with H', "Show H's own tree beside yours", () => this.post({ type: 'compareWithH' })),
          button('Next question', 'Play the next question', () => this.post({ type: 'next' }), 'secondary')),
      );
    } else {
      setChildren(this.done);
      setChildren(this.compare);
      this.input.focus();
    }
    setChildren(this.tree, h('h2', { text: 'The tree so far' }), renderPlayTree(v.tree, v.done ? null : this.currentPath(v), 'The tree so far'));
  }

  /** The child indices of the question being answered: the open nodes' chain from the root. */
  private currentPath(v: PlayView): number[] {
    const path: number[] = [];
    let n = v.tree;
    for (;;) {
      const i = (n.children ?? []).findIndex((c) => c.source === 'open');
      if (i < 0) return path;
      path.push(i);
      n = n.children![i];
    }
  }

  private renderCompare(c: PlayCompareView): void {
    setChildren(this.compare,
      h('h2', { text: `Compare with H: ${c.differing} node${c.differing === 1 ? '' : 's'} differ (≠, by position)` }),
      h('div', { cls: 'play-compare-cols' },
        h('div', {}, h('h3', { text: 'You' }), renderPlayTree(c.mine, null, 'Your tree')),
        h('div', {}, h('h3', { text: "H (ground truth at its leaves)" }), renderPlayTree(c.h, null, "H's tree"))),
    );
  }
}
