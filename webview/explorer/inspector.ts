/**
 * The inspector: everything about the selected node — the question, X's answer and its
 * alternatives, H's answer, the ground truth, the subquestions as a transcript, the training targets
 * of its question (provenance.ts), the facts, the notes — and the override and note editors.
 */
import { counted, type AnnotationView, type BlameView, type FactView, type OverrideView } from '../../src/protocol/explorer';
import type { TargetsView } from '../../src/protocol/targets';
import { button, h, setChildren } from '../dom';
import { iconOf, keyOf, sourceWord, stateOf, stateWord, symbolsOf, type INode } from './model';
import { personSection } from './person';
import { targetsSection } from './provenance';

export interface InspectorCallbacks {
  select(key: string): void;
  /** Returns an error to show, or null when the message was sent. */
  override(key: string, answer: string[] | null): string | null;
  annotate(key: string, note: string, tags: string[]): string | null;
  removeAnnotation(id: string): void;
  toggle(key: string): void;
  /** A round picked in the history strip. */
  selectRound(round: number): void;
  showTruth(): void;
  /** An editor closed (focus goes back to the tree). */
  closed(): void;
  /** Play H on this node's question (the play panel). */
  answerAsExpert(key: string): void;
  /** "Why is this wrong?" about a node (the host answers with its blame). */
  explain(key: string): void;
  openFile(file: string, line?: number): void;
}

export interface InspectorData {
  node: INode | null;
  facts: FactView[];
  annotations: AnnotationView[];
  overrides: OverrideView[];
  pin: string | null;
  hideTruth: boolean;
  /**
   * Correctness of this node's answer per round: from the host (`NodeView.history`, every recorded
   * round) or, when the host sent none, the rounds this view has shown.
   */
  history: { source: 'host' | 'viewed'; rounds: { round: number; correct: boolean | null }[] };
  /** The round the tree shows (marked in the history strip). */
  round: number | null;
  /** Compare mode: what the tree is compared with (e.g. "run-b · round 12"). */
  compareLabel?: string;
  isOpen: boolean;
  /** The last "Why is this wrong?" answer, shown while the selected node is on its path. */
  blame: BlameView | null;
  /** The node's recorded training targets (provenance.ts); null while asked for; 'none' when the view has no run (a check). */
  targets: TargetsView | null | 'none';
}

export class Inspector {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private editor: { key: string; kind: 'override' | 'note'; el: HTMLElement } | null = null;
  private data: InspectorData | null = null;

  constructor(private cb: InspectorCallbacks) {
    this.body = h('div', { cls: 'inspector-body' });
    this.el = h('aside', { cls: 'inspector', attrs: { 'aria-label': 'Inspector' } }, this.body);
  }

  render(d: InspectorData): void {
    this.data = d;
    const n = d.node;
    if (!n) {
      setChildren(this.body, h('p', { cls: 'muted', text: 'Select a node of the tree to inspect it.' }));
      return;
    }
    const node = n.node;
    const sections: HTMLElement[] = [];

    // Title and breadcrumb.
    const crumbs: HTMLElement[] = [];
    for (let p: INode | null = n; p; p = p.parent) {
      const target = p;
      crumbs.unshift(
        p === n
          ? h('span', { cls: 'crumb current', text: p.parent ? String(p.index + 1) : 'root', attrs: { 'aria-current': 'true' } })
          : h('button', { cls: 'crumb link', text: p.parent ? String(p.index + 1) : 'root', attrs: { type: 'button', 'aria-label': `Select ${p.node.label}`, title: p.node.label }, on: { click: () => this.cb.select(target.key) } }),
      );
    }
    sections.push(
      h('header', { cls: 'insp-head' },
        h('div', { cls: 'insp-kicker', text: 'Inspector' }),
        h('h2', { cls: 'insp-title mono', text: node.label, attrs: { id: 'insp-title' } }),
        h('div', { cls: 'insp-sub' },
          h('nav', { cls: 'crumbs', attrs: { 'aria-label': 'Path' } }, ...crumbs.flatMap((c, i) => (i ? [h('span', { cls: 'sep', text: '›', attrs: { 'aria-hidden': 'true' } }), c] : [c]))),
          h('span', { cls: 'mono muted', text: node.question.join(' ') }),
        ),
      ),
    );

    // Answers.
    const ans = stateOf(node.answer, d.hideTruth);
    const rows: HTMLElement[] = [];
    rows.push(answerRow('Answer', node.answer.label, ans, `by ${sourceWord(node.source)}`, 'used'));
    if (node.replaced) rows.push(answerRow('Before override', node.replaced.label, stateOf(node.replaced, d.hideTruth), '', 'replaced'));
    if (node.x) {
      const alts = h('ol', { cls: 'alts', attrs: { 'aria-label': "X's top answers" } });
      const top = node.x.top.length ? node.x.top : [{ label: node.x.label, probability: node.x.probability }];
      for (const t of top.slice(0, 5)) {
        const bar = h('span', { cls: 'bar', attrs: { 'aria-hidden': 'true' } });
        bar.style.setProperty('--p', String(Math.max(0, Math.min(1, t.probability))));
        alts.append(h('li', { cls: t.label === node.x.label ? 'alt chosen' : 'alt' }, h('span', { cls: 'mono', text: t.label }), bar, h('span', { cls: 'prob', text: t.probability.toFixed(2) })));
      }
      rows.push(answerRow('X (model)', node.x.label, stateOf(node.x, d.hideTruth), `p ${node.x.probability.toFixed(2)}`, 'x', alts));
    } else if (node.primitive) {
      rows.push(h('div', { cls: 'row muted', text: 'Primitive question: answered by a lookup in the facts; X is not asked.' }));
    }
    if (node.h) rows.push(answerRow('Amplify (H)', node.h.label, stateOf(node.h, d.hideTruth), 'H combining the subanswers', 'h'));
    if (d.hideTruth) rows.push(h('div', { cls: 'row' }, h('span', { cls: 'k', text: 'Truth' }), h('button', { cls: 'link', text: 'hidden — show', attrs: { type: 'button', 'aria-label': 'Show the ground truth' }, on: { click: () => this.cb.showTruth() } })));
    else rows.push(answerRow('Truth', node.truth.label, null, 'ground truth (amplification never sees it)', 'truth'));
    if (node.compared) {
      const c = node.compared;
      const note = `${d.compareLabel ?? 'compared tree'}${c.x ? ` · X ${c.x.label}` : ''}${c.differs ? ' · differs' : ' · same'}`;
      // Another subquestion at this position: both questions, this one's above.
      if (c.label) rows.push(h('div', { cls: 'row ans-compared-q' }, h('span', { cls: 'k', text: 'Compared asks' }), h('span', { cls: 'v mono', text: `${c.label} (here: ${node.label})` })));
      rows.push(answerRow('Compared', c.answer.label, stateOf(c.answer, d.hideTruth), note, c.differs ? 'compared differs' : 'compared'));
    }
    if (node.error) rows.push(h('div', { cls: 'row error-text', attrs: { role: 'status' } }, h('span', { text: '⚠ ' }), node.error));
    sections.push(h('section', { cls: 'answers', attrs: { 'aria-label': 'Answers' } }, ...rows));

    // Actions.
    const actions = h('div', { cls: 'actions' });
    actions.append(button('Override answer…', `Override the answer of ${node.label} (Enter)`, () => this.openOverride(), 'primary'));
    if (node.source === 'override') actions.append(button('Undo override', `Undo the override of ${node.label}`, () => this.showError(this.cb.override(n.key, null))));
    actions.append(button('Add note…', `Add a note to ${node.label} (n)`, () => this.openNote()));
    if (!node.primitive) actions.append(button('Answer as the Expert…', `Decompose ${node.label} yourself, as H`, () => this.cb.answerAsExpert(n.key)));
    if (node.answer.correct === false && !d.hideTruth) actions.append(button('Why is this wrong?', 'Where the error starts, in one sentence, and whether the true answer there would fix the root (w)', () => this.cb.explain(n.key), 'why'));
    if (n.children.length || node.expandable) {
      const aria = !d.isOpen ? `Expand ${node.label}` : node.opened ? `Collapse ${node.label} (close the decomposition opened on request)` : `Collapse ${node.label}`;
      actions.append(button(d.isOpen ? 'Collapse' : 'Expand', aria, () => this.cb.toggle(n.key)));
    }
    sections.push(actions);
    const errorLine = h('div', { cls: 'editor-error', attrs: { role: 'alert' } });
    sections.push(errorLine);
    const b = d.blame;
    if (b && (keyOf(b.from) === n.key || keyOf(b.path) === n.key)) sections.push(this.blameBox(b));
    if (this.editor && this.editor.key === n.key) sections.push(this.editor.el);
    else this.editor = null;

    // Transcript.
    if (n.children.length) {
      const list = h('ol', { cls: 'transcript' });
      for (const c of n.children) {
        const s = stateOf(c.node.answer, d.hideTruth);
        list.append(
          h('li', {},
            h('button', { cls: `tr-item s-${s}`, attrs: { type: 'button', 'aria-label': `Subquestion ${c.index + 1}: ${c.node.label}, answer ${c.node.answer.label} by ${sourceWord(c.node.source)}${s === 'hidden' ? '' : `, ${stateWord(s)}`}` }, on: { click: () => this.cb.select(c.key) } },
              h('span', { cls: 'ord', text: String(c.index + 1) }),
              h('span', { cls: 'mono q', text: c.node.label }),
              h('span', { cls: 'arrow', text: '→' }),
              h('span', { cls: 'mono a', text: c.node.answer.label }),
              h('span', { cls: `icon s-${s}`, text: iconOf(s) }),
              h('span', { cls: `who who-${c.node.source}`, text: sourceWord(c.node.source) }),
            ),
          ),
        );
      }
      sections.push(section('Transcript', `${counted(n.children.length, 'subquestion')}, asked in order`, list));
    } else {
      sections.push(section('Transcript', '', h('p', { cls: 'muted', text: node.primitive ? 'A primitive question: no subquestions.' : node.expandable ? 'Not decomposed here. Expand it (→ or double-click) to see H’s subquestions.' : 'No subquestions.' })));
    }

    const person = personSection(n);
    if (person) sections.push(person);
    if (!node.primitive && d.targets !== 'none') sections.push(targetsSection(d.targets, n, d.hideTruth));

    // History: the host's record of every round, or the rounds this view has shown (correctness: not in blind mode).
    const hist = d.history.rounds;
    if (!d.hideTruth && (d.history.source === 'host' ? hist.length > 0 : hist.length > 1)) {
      sections.push(section('History', historyMeta(d.history.source, hist), this.historyStrip(hist, d.round, d.history.source)));
    }

    // Facts: the ones that mention a symbol of this node's question are lit (and listed first).
    if (d.facts.length) {
      const lit = new Set(node.mentions.filter((i) => i >= 0 && i < d.facts.length));
      const order = d.facts.map((_, i) => i).sort((a, b) => Number(lit.has(b)) - Number(lit.has(a)) || a - b);
      const grid = h('ul', { cls: 'facts', attrs: { 'aria-label': `Facts; ${lit.size} mention ${node.label}` } });
      for (const i of order) {
        const on = lit.has(i);
        grid.append(h('li', { cls: on ? 'fact lit' : 'fact', text: d.facts[i].label, attrs: { 'data-index': i, title: on ? `mentions a symbol of ${node.label}` : undefined } }));
      }
      sections.push(section('Facts', `${counted(d.facts.length, 'fact')}${lit.size ? `, ${lit.size} ${lit.size === 1 ? 'mentions' : 'mention'} this question (lit)` : ', none mentions this question'}`, grid));
    }

    // Notes.
    const notes = d.annotations.filter((a) => (a.pin === undefined || a.pin === d.pin) && keyOf(a.path) === n.key);
    const noteList = h('ul', { cls: 'notes' });
    for (const a of notes) {
      noteList.append(
        h('li', { cls: 'note' },
          h('div', { cls: 'note-text', text: a.note }),
          h('div', { cls: 'note-meta' },
            ...a.tags.map((t) => h('span', { cls: 'tag', text: t })),
            h('span', { cls: 'muted', text: `${a.round !== undefined ? `round ${a.round} · ` : ''}${a.at.slice(0, 16).replace('T', ' ')}` }),
            button('✕', `Remove the note “${a.note.slice(0, 40)}”`, () => this.cb.removeAnnotation(a.id), 'icon-btn small'),
          ),
        ),
      );
    }
    if (!notes.length) noteList.append(h('li', { cls: 'muted', text: node.annotations ? `${node.annotations} note(s) (not loaded)` : 'No notes.' }));
    sections.push(section('Notes', notes.length ? String(notes.length) : '', noteList));

    // Overrides in this run.
    if (d.overrides.length) {
      const list = h('ul', { cls: 'overrides' });
      for (const o of d.overrides) list.append(h('li', {}, h('span', { cls: 'mono', text: o.label }), ' ✎ ', h('span', { cls: 'mono', text: o.answer.label }), o.pin === d.pin ? '' : h('span', { cls: 'muted', text: ' (other question)' })));
      sections.push(section('Overrides in this run', String(d.overrides.length), list));
    }

    setChildren(this.body, ...sections);
  }

  /** ✓/✗ per round (· or ? when unknown), the round shown marked; a mark selects its round. */
  private historyStrip(hist: { round: number; correct: boolean | null }[], selected: number | null, source: 'host' | 'viewed'): HTMLElement {
    const strip = h('ol', { cls: `history h-${source}`, attrs: { 'aria-label': 'Correct per round' } });
    for (const r of hist) {
      const s = r.correct === null ? 'unknown' : r.correct ? 'correct' : 'wrong';
      const word = r.correct === null ? (source === 'host' ? 'not recorded' : 'unknown') : stateWord(s);
      const glyph = r.correct === null && source === 'host' ? '·' : iconOf(s);
      const sel = r.round === selected;
      strip.append(
        h('li', {},
          h('button', {
            cls: `hist s-${s}${sel ? ' sel' : ''}`,
            text: glyph,
            attrs: { type: 'button', 'data-round': r.round, 'aria-current': sel ? 'true' : undefined, title: `round ${r.round}: ${word}${sel ? ' (shown)' : ''}`, 'aria-label': `round ${r.round}: ${word}${sel ? ', shown' : ''}` },
            on: { click: () => this.cb.selectRound(r.round) },
          }),
        ),
      );
    }
    return strip;
  }

  private blameBox(b: BlameView): HTMLElement {
    const kinds: Record<BlameView['kind'], string> = { expert: 'An expert bug', answerer: 'An answerer error', override: 'A wrong override', fault: 'An injected fault', none: 'Nothing wrong' };
    const src = b.source;
    return h('section', { cls: 'blame-box', attrs: { 'aria-label': 'Why is this wrong?', role: 'status' } },
      h('div', { cls: 'k', text: `${kinds[b.kind]} at ${b.question}` }),
      h('div', { cls: 'blame-detail', text: b.detail }),
      b.counterfactual ? h('div', { cls: 'cf', text: b.counterfactual }) : null,
      src ? button('Open the expert’s source', `Open ${src.file}${src.line ? ` at line ${src.line}` : ''}`, () => this.cb.openFile(src.file, src.line), 'link') : null,
    );
  }

  /** The selected node's targets, when the host's answer comes: their section is replaced in place (an open editor keeps its focus). */
  showTargets(v: TargetsView | null): void {
    const d = this.data;
    const old = this.body.querySelector('.targets-section');
    if (!d?.node || !old) return;
    this.data = { ...d, targets: v };
    old.replaceWith(targetsSection(v, d.node, d.hideTruth));
  }

  /** The host refused an override: its one-line reason, next to the override button. */
  showRejected(message: string): void {
    this.showError(`Not overridden: ${message}`);
  }

  private showError(err: string | null): void {
    const line = this.body.querySelector('.editor-error');
    if (line) line.textContent = err ?? '';
  }

  get editorOpen(): boolean {
    return this.editor !== null;
  }

  /** Opens the override editor for the selected node (Enter). */
  openOverride(): void {
    const n = this.data?.node;
    if (!n) return;
    const input = h('input', { cls: 'mono', attrs: { type: 'text', 'aria-label': `New answer for ${n.node.label}: symbols separated by spaces`, spellcheck: 'false', autocomplete: 'off' } });
    input.value = n.node.answer.symbols.join(' ');
    const err = h('div', { cls: 'editor-error', attrs: { role: 'alert' } });
    const form = h('form', { cls: 'editor override-editor', attrs: { 'aria-label': 'Override the answer' } },
      h('label', { cls: 'k', text: `Override the answer of ${n.node.label}` }),
      h('div', { cls: 'hint', text: 'Symbols separated by spaces. H re-runs up the path at once.' }),
      input,
      h('div', { cls: 'editor-buttons' },
        h('button', { cls: 'btn primary', text: 'Override', attrs: { type: 'submit', 'aria-label': 'Send the override' } }),
        button('Cancel', 'Cancel the override (Escape)', () => this.close()),
      ),
      err,
    );
    input.addEventListener('input', () => (err.textContent = ''));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const symbols = symbolsOf(input.value);
      if (!symbols.length) {
        err.textContent = 'Type at least one symbol.';
        return;
      }
      const e = this.cb.override(n.key, symbols);
      if (e) err.textContent = e;
      else this.close();
    });
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        ev.stopPropagation();
        this.close();
      }
    });
    this.mount(n.key, 'override', form);
    input.focus();
    input.select();
  }

  /** Opens the note editor for the selected node (`n`). */
  openNote(): void {
    const n = this.data?.node;
    if (!n) return;
    const note = h('textarea', { attrs: { rows: 3, 'aria-label': `Note on ${n.node.label}`, placeholder: 'What do you see here?' } });
    const tags = h('input', { attrs: { type: 'text', 'aria-label': 'Tags, separated by commas', placeholder: 'tags, comma, separated', autocomplete: 'off' } });
    const err = h('div', { cls: 'editor-error', attrs: { role: 'alert' } });
    const form = h('form', { cls: 'editor note-editor', attrs: { 'aria-label': 'Add a note' } },
      h('label', { cls: 'k', text: `Note on ${n.node.label}` }),
      note,
      tags,
      h('div', { cls: 'editor-buttons' },
        h('button', { cls: 'btn primary', text: 'Add note', attrs: { type: 'submit', 'aria-label': 'Save the note' } }),
        button('Cancel', 'Cancel the note (Escape)', () => this.close()),
      ),
      err,
    );
    const submit = (): void => {
      const tagList = tags.value.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
      if (!note.value.trim() && !tagList.length) {
        err.textContent = 'Write a note or a tag.';
        return;
      }
      const e = this.cb.annotate(n.key, note.value.trim(), tagList);
      if (e) err.textContent = e;
      else this.close();
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      submit();
    });
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        ev.stopPropagation();
        this.close();
      } else if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        submit();
      }
    });
    this.mount(n.key, 'note', form);
    note.focus();
  }

  private mount(key: string, kind: 'override' | 'note', el: HTMLElement): void {
    this.editor?.el.remove();
    this.editor = { key, kind, el };
    const anchor = this.body.querySelector('.editor-error');
    if (anchor) anchor.after(el);
    else this.body.append(el);
    el.scrollIntoView({ block: 'nearest' });
  }

  close(): void {
    if (!this.editor) return;
    const hadFocus = this.editor.el.contains(document.activeElement);
    this.editor.el.remove();
    this.editor = null;
    if (hadFocus) this.cb.closed();
  }
}

function answerRow(k: string, value: string, state: ReturnType<typeof stateOf> | null, note: string, cls: string, extra?: HTMLElement): HTMLElement {
  return h('div', { cls: `row ans-${cls}${state ? ` s-${state}` : ''}` },
    h('span', { cls: 'k', text: k }),
    h('span', { cls: 'v' },
      h('span', { cls: 'mono val', text: value }),
      state && state !== 'hidden' ? h('span', { cls: `icon s-${state}`, text: ` ${iconOf(state)} `, attrs: { 'aria-label': stateWord(state) } }) : null,
      note ? h('span', { cls: 'muted note-s', text: note }) : null,
    ),
    extra ?? null,
  );
}

function historyMeta(source: 'host' | 'viewed', hist: { round: number; correct: boolean | null }[]): string {
  if (source === 'viewed') return `rounds viewed: ${hist[0].round}–${hist[hist.length - 1].round}`;
  const right = hist.filter((r) => r.correct === true).length;
  const wrong = hist.filter((r) => r.correct === false).length;
  const none = hist.length - right - wrong;
  return `rounds ${hist[0].round}–${hist[hist.length - 1].round}: ${right} ✓ ${wrong} ✗${none ? ` · ${none} not recorded` : ''}`;
}

function section(title: string, meta: string, body: HTMLElement): HTMLElement {
  return h('section', { cls: 'insp-section' }, h('h3', {}, title, meta ? h('span', { cls: 'meta', text: meta }) : null), body);
}
