/**
 * The question bar above the tree: the pinned question (select, sample, pin a typed one) with the
 * root's answer; search, the truth toggle, collapse/expand all, fit, "why wrong?" and the keys.
 */
import { counted, type PinView, type TreeView, type WebviewMessage } from '../../src/protocol/explorer';
import { button, h, iconButton, setChildren } from '../dom';
import { icon } from '../icons';
import { keysHelp } from './keys';
import { iconOf, sourceWord, stateOf } from './model';

export interface QuestionBarActions {
  selectPin(pin: string): void;
  /** Returns the reason when the message was not sent. */
  post(m: WebviewMessage): string | null;
  /** Searches the tree; returns the number of matches. */
  search(query: string): number;
  /** Selects the next (or previous) match. */
  nextMatch(dir: 1 | -1): void;
  showTruth(show: boolean): void;
  collapseAll(): void;
  expandAll(): void;
  fit(): void;
  whyWrong(): void;
  /** Escape in the search field: back to the tree. */
  leaveSearch(): void;
}

export class QuestionBar {
  readonly el = h('div', { cls: 'qbar', attrs: { role: 'toolbar', 'aria-label': 'Question' } });
  private pinSelect = h('select', { attrs: { 'aria-label': 'Pinned question' } });
  private rootSummary = h('span', { cls: 'root-summary', attrs: { 'aria-live': 'polite' } });
  private searchInput = h('input', { cls: 'search', attrs: { type: 'search', placeholder: 'Search questions, answers  /', 'aria-label': 'Search the questions and answers in the tree (slash)', spellcheck: 'false' } });
  private searchCount = h('span', { cls: 'search-count muted', attrs: { 'aria-live': 'polite' } });
  private truthToggle = h('input', { attrs: { type: 'checkbox', 'aria-label': 'Show the ground truth' } });
  private pinText = h('input', { cls: 'pin-text mono', attrs: { type: 'text', placeholder: 'σ^29(ab)', 'aria-label': 'A question to pin, in the task’s notation', spellcheck: 'false' } });
  /** Why the host refused the last question pinned (next to the pin input). */
  private pinError = h('span', { cls: 'pin-error', attrs: { role: 'alert' } });
  private lastPinned = '';

  constructor(private actions: QuestionBarActions, hideTruth: boolean) {
    this.pinSelect.addEventListener('change', () => {
      if (this.pinSelect.value) actions.selectPin(this.pinSelect.value);
    });
    const pinText = this.pinText;
    pinText.addEventListener('input', () => (this.pinError.textContent = ''));
    const pinForm = h('form', { cls: 'pin-form', attrs: { 'aria-label': 'Pin a question' } },
      pinText,
      h('button', { cls: 'btn with-icon', attrs: { type: 'submit', 'aria-label': 'Pin this question', title: 'Pin this question' } }, icon('pin'), 'Pin'),
    );
    pinForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!pinText.value.trim()) return;
      this.pinError.textContent = '';
      this.lastPinned = pinText.value.trim();
      if (!actions.post({ type: 'pinQuestion', text: this.lastPinned })) pinText.value = '';
    });
    this.searchInput.addEventListener('input', () => {
      this.searchCount.textContent = countText(actions.search(this.searchInput.value), this.searchInput.value);
    });
    this.searchInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        actions.nextMatch(ev.shiftKey ? -1 : 1);
      } else if (ev.key === 'Escape' && !(ev.ctrlKey || ev.metaKey || ev.altKey)) {
        this.searchInput.value = '';
        this.searchCount.textContent = countText(actions.search(''));
        actions.leaveSearch();
      }
    });
    this.truthToggle.checked = !hideTruth;
    this.truthToggle.addEventListener('change', () => actions.showTruth(this.truthToggle.checked));

    setChildren(this.el,
      h('div', { cls: 'qrow' },
        h('label', { cls: 'k', text: 'Question' }),
        this.pinSelect,
        iconButton('✕', 'Remove the selected question from the pins', () => {
          if (this.pinSelect.value) actions.post({ type: 'unpin', pin: this.pinSelect.value });
        }),
        this.rootSummary,
        h('span', { cls: 'spacer' }),
        button('Sample', 'Sample a new question', () => actions.post({ type: 'sampleQuestion' }), '', icon('dice')),
        pinForm,
        this.pinError,
      ),
      h('div', { cls: 'qrow' },
        h('span', { cls: 'search-box' }, h('span', { cls: 'glyph', text: '⌕', attrs: { 'aria-hidden': 'true' } }), this.searchInput),
        this.searchCount,
        h('span', { cls: 'spacer' }),
        h('label', { cls: 'toggle' }, this.truthToggle, ' truth'),
        iconButton('⊟', 'Collapse all', () => actions.collapseAll()),
        iconButton('⊞', 'Expand all', () => actions.expandAll()),
        iconButton('⤢', 'Fit the tree to the view (f)', () => actions.fit()),
        button('Why wrong?', 'Why is this wrong? Where the error starts, in one sentence, and whether the true answer there would fix the root (w)', () => actions.whyWrong()),
        keysHelp(),
      ),
    );
  }

  renderPins(pins: PinView[], selected: string | null): void {
    const opts = pins.map((p) => h('option', { text: p.label, attrs: { value: p.id, selected: p.id === selected } }));
    if (!pins.length) opts.push(h('option', { text: 'no pinned question', attrs: { value: '', disabled: true, selected: true } }));
    setChildren(this.pinSelect, ...opts);
    if (selected) this.pinSelect.value = selected;
  }

  /** The root's question, its answer and who gave it, the truth (unless hidden), N and the round (a check has none). */
  renderRootSummary(tree: TreeView | null, hideTruth: boolean, check = false): void {
    const n = tree?.root;
    if (!tree || !n) {
      setChildren(this.rootSummary);
      return;
    }
    const s = stateOf(n.answer, hideTruth);
    setChildren(this.rootSummary,
      h('span', { cls: 'mono', text: n.label }),
      h('span', { cls: 'arrow', text: ' → ' }),
      h('span', { cls: `root-answer mono s-${s}`, text: n.answer.label, attrs: { 'data-state': s } }),
      s === 'hidden' ? null : h('span', { cls: `icon s-${s}`, text: ` ${iconOf(s)}`, attrs: { 'aria-label': s } }),
      h('span', { cls: 'muted', text: ` by ${sourceWord(n.source)}` }),
      hideTruth ? null : h('span', { cls: 'muted', text: ` · truth ${n.truth.label}` }),
      h('span', { cls: 'muted', text: ` · N=${tree.size}${check ? '' : ` · round ${tree.round}`}` }),
    );
  }

  /** The host refused the question just pinned: it comes back into the input, with the reason beside it. */
  rejectPin(message: string): void {
    if (!this.pinText.value) this.pinText.value = this.lastPinned;
    this.pinError.textContent = message;
  }

  setTruthShown(show: boolean): void {
    this.truthToggle.checked = show;
  }

  focusSearch(): void {
    this.searchInput.focus();
    this.searchInput.select();
  }

  /** A new tree: the search under way (if any) applies to it too. */
  searchAgain(): void {
    if (this.searchInput.value.trim()) this.searchCount.textContent = countText(this.actions.search(this.searchInput.value));
  }

  /** A short message where the match count goes, for 2.5 s. */
  flash(text: string): void {
    this.searchCount.textContent = text;
    window.setTimeout(() => {
      if (this.searchCount.textContent === text) this.searchCount.textContent = '';
    }, 2500);
  }
}

function countText(n: number, q = 'x'): string {
  if (!q.trim()) return '';
  return n === 0 ? 'no match' : `${counted(n, 'match', 'matches')} · Enter: next`;
}
