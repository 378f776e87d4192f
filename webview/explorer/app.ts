/**
 * The Explorer webview: the header (run, rounds, training), the question bar, the tree, the
 * inspector, the charts; the host messages in, the user's actions out.
 */
import { parseHostMessage, type AnnotationView, type HostMessage, type OverrideView, type PinView, type RoundView, type RunView, type StatusView, type TaskSummary, type TreeView } from '../../src/protocol/explorer';
import { Charts } from './charts';
import { button, h, iconButton, isTextField, pct, setChildren } from '../dom';
import { icon } from '../icons';
import { Inspector } from './inspector';
import { iconOf, indexTree, pathOf, sourceWord, stateOf, whyWrong, type IndexedTree } from './model';
import { Host } from './state';
import { TreeCanvas } from './tree';

interface ErrorEntry {
  id: number;
  message: string;
  detail?: string;
  /** Where the error is (e.g. a user task that failed to compile): the banner offers to open it. */
  file?: string;
  line?: number;
  column?: number;
}

type ErrorPlace = Pick<ErrorEntry, 'file' | 'line' | 'column'>;

export class App {
  private host: Host;
  // Data from the host.
  private run: RunView | null = null;
  private compare: RunView | null = null;
  private pins: PinView[] = [];
  private selectedPin: string | null = null;
  private selectedRound: number | null = null;
  private status: StatusView = { status: 'none', round: 0 };
  private tasks: TaskSummary[] = [];
  private tree: TreeView | null = null;
  private ix: IndexedTree | null = null;
  private annotations: AnnotationView[] = [];
  private overrides: OverrideView[] = [];
  private initialized = false;
  private restored = false;
  private errors: ErrorEntry[] = [];
  private errorSeq = 0;
  /**
   * Correctness per node across the rounds viewed: pin → round → key → correct. Only for the
   * history strip of trees whose nodes carry no `history` of their own.
   */
  private history = new Map<string, Map<number, Map<string, boolean | null>>>();
  /** The last round a runRounds asked for (for the ETA). */
  private runTarget: number | null = null;

  // Views.
  private root: HTMLElement;
  private banner = h('div', { cls: 'banners', attrs: { 'aria-live': 'assertive' } });
  private headerEl = h('header', { cls: 'top' });
  private progressEl = h('div', { cls: 'progress', attrs: { role: 'status', 'aria-live': 'polite' } });
  private mainEl = h('main', { cls: 'main' });
  private welcomeEl = h('section', { cls: 'welcome', attrs: { 'aria-label': 'Welcome' } });
  private workspace = h('div', { cls: 'workspace' });
  private noticeEl = h('div', { cls: 'notices' });
  private qbar = h('div', { cls: 'qbar', attrs: { role: 'toolbar', 'aria-label': 'Question' } });
  private treeWrap = h('div', { cls: 'tree-wrap' });
  private treeEmpty = h('div', { cls: 'tree-empty muted' });
  private chartsWrap = h('details', { cls: 'charts-wrap' });
  private tree3: TreeCanvas;
  private inspector: Inspector;
  private charts: Charts;
  // Controls that are updated in place.
  private pinSelect = h('select', { attrs: { 'aria-label': 'Pinned question' } });
  private rootSummary = h('span', { cls: 'root-summary', attrs: { 'aria-live': 'polite' } });
  private searchInput = h('input', { cls: 'search', attrs: { type: 'search', placeholder: 'Search questions  /', 'aria-label': 'Search the questions in the tree (slash)', spellcheck: 'false' } });
  private searchCount = h('span', { cls: 'search-count muted', attrs: { 'aria-live': 'polite' } });
  private truthToggle = h('input', { attrs: { type: 'checkbox', 'aria-label': 'Show the ground truth' } });
  private slider = h('input', { cls: 'slider', attrs: { type: 'range', min: 0, max: 0, step: 1, 'aria-label': 'Round' } });
  private runCount = h('input', { cls: 'run-count', attrs: { type: 'number', min: 1, max: 10000, value: 10, 'aria-label': 'Rounds to run' } });

  constructor(mount: HTMLElement) {
    this.root = mount;
    this.host = new Host((m) => this.addError(m));
    this.tree3 = new TreeCanvas({
      select: (key) => this.onTreeSelect(key),
      hostExpand: (key, open) => this.post({ type: 'expand', path: pathOf(key), open }),
      viewChanged: () => this.host.saveSoon(),
      activate: () => this.inspector.openOverride(),
    });
    this.inspector = new Inspector({
      select: (key) => this.selectNode(key, true),
      override: (key, answer) => this.post({ type: 'override', path: pathOf(key), answer }),
      annotate: (key, note, tags) => this.post({ type: 'annotate', path: pathOf(key), note, tags }),
      removeAnnotation: (id) => this.post({ type: 'removeAnnotation', id }),
      toggle: (key) => {
        this.tree3.toggle(key);
        this.renderInspector();
      },
      selectRound: (round) => this.selectRound(round),
      showTruth: () => this.setHideTruth(false),
      closed: () => this.tree3.focus(),
    });
    this.charts = new Charts((round) => this.selectRound(round));
    this.build();
    window.addEventListener('message', (ev: MessageEvent) => this.onMessage(ev.data));
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    this.renderAll();
    this.post({ type: 'ready' });
  }

  // ------------------------------------------------------------------ messages

  /** Validates a host message and applies it; a malformed one is reported, never acted on. */
  onMessage(raw: unknown): void {
    const checked = parseHostMessage(raw);
    if (!checked.ok) {
      this.addError(`Ignored a malformed message from the extension (${checked.error.slice(0, 160)}).`, checked.error);
      return;
    }
    try {
      this.apply(checked.value);
    } catch (e) {
      this.addError(`Could not show the ${checked.value.type} message.`, e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e));
    }
  }

  private apply(m: HostMessage): void {
    switch (m.type) {
      case 'init': {
        if (this.tree && (m.run === null || m.run.id !== this.run?.id)) {
          // Another run (or none): the tree shown belongs to the old one.
          this.tree = null;
          this.ix = null;
          this.tree3.clear();
        }
        this.run = m.run;
        this.compare = m.compare ?? null;
        this.pins = m.pins;
        this.selectedPin = m.selectedPin;
        this.selectedRound = m.selectedRound;
        this.status = m.status;
        this.tasks = m.tasks;
        this.initialized = true;
        if (!this.restored) this.restoreSelection();
        this.renderAll();
        break;
      }
      case 'round': {
        if (!this.run) break;
        const rounds = this.run.rounds.filter((r) => r.round !== m.round.round);
        rounds.push(m.round);
        rounds.sort((a, b) => a.round - b.round);
        this.run = { ...this.run, rounds };
        this.renderHeader();
        this.renderProgress();
        this.charts.set(this.run, this.compare, this.currentRound());
        break;
      }
      case 'tree':
        this.setTree(m.tree);
        break;
      case 'status':
        if (m.status.status !== 'running') this.runTarget = null;
        this.status = m.status;
        this.renderHeader();
        this.renderProgress();
        this.renderNotices();
        break;
      case 'pins':
        this.pins = m.pins;
        if (m.selectedPin !== undefined) this.selectedPin = m.selectedPin;
        this.renderPins();
        break;
      case 'annotations':
        this.annotations = m.annotations;
        this.renderInspector();
        break;
      case 'overrides':
        this.overrides = m.overrides;
        this.renderInspector();
        break;
      case 'error':
        this.addError(m.message, m.detail, { file: m.file, line: m.line, column: m.column });
        break;
      case 'reveal':
        // The host selected the pin and round (and opened the ancestors); the tree may come later.
        this.pendingReveal = { pin: m.pin, key: m.path.join('.') };
        this.applyPendingReveal();
        break;
    }
  }

  private pendingReveal: { pin: string; key: string } | null = null;

  private applyPendingReveal(): void {
    const r = this.pendingReveal;
    if (!r || !this.tree || this.tree.pin !== r.pin || !this.ix?.byKey.has(r.key)) return;
    this.pendingReveal = null;
    this.selectNode(r.key, true);
  }

  /** After a reload: ask the host for the pin and round this view showed before. */
  private restoreSelection(): void {
    this.restored = true;
    const s = this.host.state;
    if (s.pin !== null && s.pin !== this.selectedPin && this.pins.some((p) => p.id === s.pin)) {
      this.selectedPin = s.pin;
      this.post({ type: 'selectPin', pin: s.pin });
    }
    if (s.round !== null && s.round !== this.selectedRound && this.run?.rounds.some((r) => r.round === s.round)) {
      this.selectedRound = s.round;
      this.post({ type: 'selectRound', round: s.round });
    }
  }

  private setTree(t: TreeView): void {
    this.setTreeInner(t);
    this.applyPendingReveal();
  }

  private setTreeInner(t: TreeView): void {
    const prev = this.tree;
    const samePin = prev !== null && prev.pin === t.pin;
    this.tree = t;
    this.ix = indexTree(t);
    this.selectedPin = t.pin;
    this.selectedRound = t.round;
    this.host.state.pin = t.pin;
    this.host.state.round = t.round;
    this.recordHistory();
    const pin = this.host.pinState(t.pin);
    this.showWorkspace();
    this.tree3.setTree(this.ix, pin, { sameView: samePin, flash: samePin && prev.round !== t.round });
    if (this.searchInput.value.trim()) this.searchCount.textContent = countText(this.tree3.setSearch(this.searchInput.value));
    this.host.save();
    this.renderHeader();
    this.renderPins();
    this.renderRootSummary();
    this.renderNotices();
    this.renderInspector();
    this.charts.setSelected(this.currentRound());
  }

  private recordHistory(): void {
    // The host's own per-node history makes this record unnecessary.
    if (!this.ix || !this.tree || this.ix.count > 20000 || this.tree.root.history) return;
    let byRound = this.history.get(this.tree.pin);
    if (!byRound) {
      byRound = new Map();
      this.history.set(this.tree.pin, byRound);
    }
    const m = new Map<string, boolean | null>();
    for (const n of this.ix.byKey.values()) m.set(n.key, n.node.answer.correct);
    byRound.set(this.tree.round, m);
  }

  /** Posts a (validated) message; returns the reason when it is invalid. */
  private post(m: Parameters<Host['post']>[0]): string | null {
    const err = this.host.post(m);
    if (err) this.addError('Could not send that to the extension.', err);
    return err;
  }

  // ------------------------------------------------------------------ actions

  private currentRound(): number | null {
    if (this.selectedRound !== null) return this.selectedRound;
    const rs = this.run?.rounds;
    return rs && rs.length ? rs[rs.length - 1].round : null;
  }

  private roundNumbers(): number[] {
    return (this.run?.rounds ?? []).map((r) => r.round);
  }

  selectRound(round: number): void {
    if (!this.roundNumbers().includes(round)) return;
    if (round === this.currentRound() && this.tree?.round === round) return;
    this.selectedRound = round;
    this.host.state.round = round;
    this.host.save();
    this.post({ type: 'selectRound', round });
    this.renderHeader();
    this.charts.setSelected(round);
  }

  stepRound(dir: 1 | -1): void {
    const rs = this.roundNumbers();
    if (!rs.length) return;
    const cur = this.currentRound();
    const i = cur === null ? rs.length - 1 : rs.indexOf(cur);
    const j = i < 0 ? rs.length - 1 : Math.min(rs.length - 1, Math.max(0, i + dir));
    if (rs[j] !== cur) this.selectRound(rs[j]);
  }

  private onTreeSelect(key: string): void {
    void key;
    this.renderInspector();
    this.host.saveSoon();
  }

  /** Selects a node from outside the tree (inspector, why-wrong, search). */
  selectNode(key: string, center = false): void {
    this.tree3.select(key, { center });
    this.renderInspector();
    this.host.saveSoon();
  }

  whyWrong(): void {
    const n = this.ix?.byKey.get(this.tree3.selected);
    if (!n) return;
    const to = whyWrong(n);
    if (!to) {
      this.flashMessage(n.node.answer.correct === false ? 'Nothing below is wrong.' : 'This node’s answer is not wrong.');
      return;
    }
    this.selectNode(to.key, true);
    this.tree3.focus();
  }

  private setHideTruth(hide: boolean): void {
    this.host.state.hideTruth = hide;
    this.truthToggle.checked = !hide;
    this.tree3.setHideTruth(hide);
    this.renderRootSummary();
    this.renderInspector();
    this.host.save();
  }

  private flashMessage(text: string): void {
    this.searchCount.textContent = text;
    window.setTimeout(() => {
      if (this.searchCount.textContent === text) this.searchCount.textContent = '';
    }, 2500);
  }

  addError(message: string, detail?: string, place: ErrorPlace = {}): void {
    this.errors.push({ id: ++this.errorSeq, message, detail, ...(place.file ? place : {}) });
    if (this.errors.length > 5) this.errors.shift();
    this.renderBanner();
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (isTextField(ev.target)) {
      if (ev.key === 'Escape' && ev.target === this.searchInput) {
        this.searchInput.value = '';
        this.searchCount.textContent = countText(this.tree3.setSearch(''));
        this.tree3.focus();
      }
      return;
    }
    const inTree = this.tree3.el.contains(ev.target as Node);
    switch (ev.key) {
      case '/':
        this.searchInput.focus();
        this.searchInput.select();
        break;
      case 'f':
        this.tree3.fit();
        break;
      case '[':
        this.stepRound(-1);
        break;
      case ']':
        this.stepRound(1);
        break;
      case 'n':
        if (!this.ix) return;
        this.inspector.openNote();
        break;
      case 'w':
        this.whyWrong();
        break;
      case 't':
        this.setHideTruth(!this.host.state.hideTruth);
        break;
      case 'Escape':
        if (this.inspector.editorOpen) this.inspector.close();
        else if (this.errors.length) {
          this.errors = [];
          this.renderBanner();
        } else return;
        break;
      case 'Enter':
        if (!inTree) return;
        this.inspector.openOverride();
        break;
      default:
        return;
    }
    ev.preventDefault();
  }

  // ------------------------------------------------------------------ build and render

  private build(): void {
    // Question bar.
    this.pinSelect.addEventListener('change', () => {
      const pin = this.pinSelect.value;
      if (!pin) return;
      this.selectedPin = pin;
      this.host.state.pin = pin;
      this.host.save();
      this.post({ type: 'selectPin', pin });
    });
    const pinText = h('input', { cls: 'pin-text mono', attrs: { type: 'text', placeholder: 'σ^29(ab)', 'aria-label': 'A question to pin, in the task’s notation', spellcheck: 'false' } });
    const pinForm = h('form', { cls: 'pin-form', attrs: { 'aria-label': 'Pin a question' } },
      pinText,
      h('button', { cls: 'btn with-icon', attrs: { type: 'submit', 'aria-label': 'Pin this question', title: 'Pin this question' } }, icon('pin'), 'Pin'),
    );
    pinForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!pinText.value.trim()) return;
      if (!this.post({ type: 'pinQuestion', text: pinText.value.trim() })) pinText.value = '';
    });
    this.searchInput.addEventListener('input', () => {
      this.searchCount.textContent = countText(this.tree3.setSearch(this.searchInput.value), this.searchInput.value);
    });
    this.searchInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        if (this.tree3.nextMatch(ev.shiftKey ? -1 : 1) !== null) this.renderInspector();
      }
    });
    this.truthToggle.checked = !this.host.state.hideTruth;
    this.truthToggle.addEventListener('change', () => this.setHideTruth(!this.truthToggle.checked));
    this.tree3.setHideTruth(this.host.state.hideTruth);

    setChildren(this.qbar,
      h('div', { cls: 'qrow' },
        h('label', { cls: 'k', text: 'Question' }),
        this.pinSelect,
        this.rootSummary,
        h('span', { cls: 'spacer' }),
        button('Sample', 'Sample a new question', () => this.post({ type: 'sampleQuestion' }), '', icon('dice')),
        pinForm,
      ),
      h('div', { cls: 'qrow' },
        h('span', { cls: 'search-box' }, h('span', { cls: 'glyph', text: '⌕', attrs: { 'aria-hidden': 'true' } }), this.searchInput),
        this.searchCount,
        h('span', { cls: 'spacer' }),
        h('label', { cls: 'toggle' }, this.truthToggle, ' truth'),
        iconButton('⊟', 'Collapse all', () => {
          this.tree3.collapseAll();
          this.renderInspector();
        }),
        iconButton('⊞', 'Expand all', () => this.tree3.expandAll()),
        iconButton('⤢', 'Fit the tree to the view (f)', () => this.tree3.fit()),
        button('Why wrong?', 'Why is this wrong? Select the deepest wrong node whose own subanswers are right (w)', () => this.whyWrong()),
        keysHelp(),
      ),
    );
    this.treeWrap.append(this.tree3.el, this.treeEmpty);
    const left = h('div', { cls: 'left' }, this.qbar, this.noticeEl, this.treeWrap);
    this.workspace.append(left, this.inspector.el);

    // Charts (collapsible).
    this.chartsWrap.open = this.host.state.chartsOpen;
    this.chartsWrap.append(h('summary', { text: 'Curves' }), this.charts.el);
    this.chartsWrap.addEventListener('toggle', () => {
      this.host.state.chartsOpen = this.chartsWrap.open;
      this.host.save();
      if (this.chartsWrap.open) this.charts.set(this.run, this.compare, this.currentRound());
    });

    // Timeline.
    this.slider.addEventListener('input', () => this.renderRoundInfo(Number(this.slider.value)));
    this.slider.addEventListener('change', () => this.selectRound(Number(this.slider.value)));

    this.mainEl.append(this.welcomeEl, this.workspace);
    setChildren(this.root, this.banner, this.headerEl, this.progressEl, this.mainEl, this.chartsWrap);
    this.root.classList.add('explorer');
  }

  private renderAll(): void {
    this.renderBanner();
    this.renderHeader();
    this.renderProgress();
    this.renderPins();
    this.renderRootSummary();
    this.renderNotices();
    this.renderInspector();
    this.charts.set(this.run, this.compare, this.currentRound());
    const welcome = this.initialized && this.run === null;
    this.welcomeEl.hidden = !welcome && this.initialized;
    this.workspace.hidden = welcome || !this.initialized;
    this.chartsWrap.hidden = !this.run;
    if (!this.initialized) {
      setChildren(this.welcomeEl, h('p', { cls: 'muted loading', text: 'Connecting to the extension…' }));
    } else if (welcome) {
      this.renderWelcome();
    }
    if (!this.tree) {
      this.treeEmpty.hidden = false;
      this.treeEmpty.textContent = this.run ? (this.pins.length ? 'Loading the tree…' : 'No question pinned yet: sample one (🎲) or type one and pin it (📌).') : '';
    }
  }

  private showWorkspace(): void {
    this.welcomeEl.hidden = true;
    this.workspace.hidden = false;
    this.treeEmpty.hidden = true;
    this.chartsWrap.hidden = !this.run;
  }

  private renderWelcome(): void {
    const list = h('ul', { cls: 'tasks' });
    for (const t of this.tasks) {
      list.append(h('li', { cls: 'task' }, h('div', { cls: 'task-name mono', text: t.name }), h('div', { cls: 'task-desc', text: t.description }), h('div', { cls: 'task-ex' }, h('span', { cls: 'muted', text: 'e.g. ' }), h('code', { text: t.example }))));
    }
    setChildren(this.welcomeEl,
      h('h2', { text: 'No run yet' }),
      h('p', { text: 'Train X by Iterated Amplification on one of the tasks below: H decomposes each question, X answers the subquestions, and every decomposition stays visible and editable.' }),
      h('div', { cls: 'actions' },
        button('New Run…', 'Start a new training run', () => this.post({ type: 'command', command: 'newRun' }), 'primary'),
        button('Open Run…', 'Open a recorded run folder', () => this.post({ type: 'command', command: 'openRun' })),
      ),
      this.tasks.length ? h('h3', { text: 'Tasks' }) : null,
      list,
    );
  }

  /** One banner: the latest error with its detail; the earlier ones (up to 5) listed below it. */
  private renderBanner(): void {
    const e = this.errors[this.errors.length - 1];
    if (!e) {
      setChildren(this.banner);
      return;
    }
    const dismiss = iconButton('✕', this.errors.length > 1 ? 'Dismiss this error (the next one shows)' : 'Dismiss this error', () => {
      this.errors = this.errors.filter((x) => x.id !== e.id);
      this.renderBanner();
    });
    const earlier = this.errors.slice(0, -1).reverse();
    setChildren(this.banner, h('div', { cls: 'banner error', attrs: { role: 'alert' } },
      icon('error'),
      h('div', { cls: 'banner-body' },
        h('div', { cls: 'banner-msg' }, h('span', { text: e.message }), this.openFileLink(e)),
        e.detail ? h('details', {}, h('summary', { text: 'Details' }), h('pre', { text: e.detail })) : null,
        earlier.length ? h('details', { cls: 'earlier' }, h('summary', { text: `${earlier.length} earlier error${earlier.length > 1 ? 's' : ''}` }), h('ul', {}, ...earlier.map((x) => h('li', {}, x.detail ? `${x.message} — ${x.detail.split('\n')[0]}` : x.message, this.openFileLink(x))))) : null,
      ),
      earlier.length ? button('Dismiss all', 'Dismiss all errors', () => {
        this.errors = [];
        this.renderBanner();
      }) : null,
      dismiss,
    ));
  }

  /** "Open file:line" for an error that says where it is (posts `openFile`). */
  private openFileLink(e: ErrorEntry): HTMLElement | null {
    const file = e.file;
    if (!file) return null;
    const at = e.line !== undefined ? `:${e.line}` : '';
    const where = `${file}${at}${e.line !== undefined && e.column !== undefined ? `:${e.column}` : ''}`;
    return h('button', {
      cls: 'link open-file mono',
      text: `Open ${file}${at}`,
      attrs: { type: 'button', title: `Open ${where} in the editor`, 'aria-label': `Open ${file}${e.line !== undefined ? ` at line ${e.line}` : ''}` },
      on: { click: () => this.post({ type: 'openFile', file, ...(e.line !== undefined ? { line: e.line } : {}) }) },
    });
  }

  private renderHeader(): void {
    const run = this.run;
    const st = this.status;
    const statusText =
      st.status === 'running' ? `running · round ${st.round}${st.phase ? ` · ${st.phase}` : ''}` :
      st.status === 'crashed' ? `crashed${st.message ? `: ${st.message}` : ''}` :
      st.status === 'none' ? 'no run' : st.status;
    const statusGlyph = st.status === 'running' ? '⟳' : st.status === 'crashed' ? '✕' : st.status === 'stopped' ? '■' : '●';
    const title = h('div', { cls: 'title-row' },
      h('h1', { text: 'Amplification Explorer' }),
      run ? h('span', { cls: 'run-summary' }, ...[run.task, run.id, run.mode, run.model, run.backend].flatMap((s, i) => (i ? [h('span', { cls: 'dot', text: '·', attrs: { 'aria-hidden': 'true' } }), h('span', { text: s })] : [h('strong', { text: s })]))) : null,
      h('span', { cls: `status st-${st.status}`, attrs: { role: 'status', 'aria-label': `Status: ${statusText}` } }, h('span', { cls: 'glyph', text: statusGlyph, attrs: { 'aria-hidden': 'true' } }), statusText),
      h('span', { cls: 'spacer' }),
      iconButton(icon('plus'), 'New Run…', () => this.post({ type: 'command', command: 'newRun' })),
      iconButton(icon('folder'), 'Open Run…', () => this.post({ type: 'command', command: 'openRun' })),
      iconButton(icon('compare'), 'Compare with another run…', () => this.post({ type: 'command', command: 'compareRuns' })),
      iconButton(icon('export'), 'Export the notes', () => this.post({ type: 'command', command: 'exportAnnotations' })),
    );
    const rows: HTMLElement[] = [title];
    if (run) {
      const rs = this.roundNumbers();
      const cur = this.currentRound();
      const i = cur === null ? -1 : rs.indexOf(cur);
      const running = st.status === 'running';
      this.slider.min = '0';
      this.slider.disabled = rs.length === 0;
      if (rs.length) {
        this.slider.min = String(rs[0]);
        this.slider.max = String(rs[rs.length - 1]);
        this.slider.value = String(cur ?? rs[rs.length - 1]);
      }
      const prev = iconButton('◀', 'Previous round ([)', () => this.stepRound(-1));
      const next = iconButton('▶', 'Next round (])', () => this.stepRound(1));
      prev.disabled = i <= 0;
      next.disabled = i < 0 || i >= rs.length - 1;
      const play = running
        ? button('Pause', 'Pause training', () => this.post({ type: 'pause' }), 'pause', icon('pause'))
        : button('Run', 'Run more rounds of training', () => {
            const n = Math.max(1, Math.min(10000, Math.round(Number(this.runCount.value) || 1)));
            this.runTarget = (rs.at(-1) ?? 0) + n;
            this.post({ type: 'runRounds', rounds: n });
          }, 'play', icon('play'));
      const step = button('Step', 'Train one round', () => this.post({ type: 'step' }), '', icon('step'));
      step.disabled = running;
      this.runCount.disabled = running;
      rows.push(
        h('div', { cls: 'timeline', attrs: { role: 'group', 'aria-label': 'Rounds and training' } },
          prev, next,
          h('span', { cls: 'round-label', attrs: { 'aria-live': 'polite' } }),
          this.slider,
          h('span', { cls: 'group' }, play, this.runCount, h('span', { cls: 'muted', text: 'rounds' }), step),
          h('span', { cls: 'round-info' }),
        ),
      );
    }
    if (run && this.compare) {
      const c = this.tree?.compare;
      const text = !c
        ? `Comparing with ${this.compare.id}`
        : c.found
          ? `Compared with ${c.label}: ${c.differing === 0 ? 'no node differs' : `${c.differing} node${c.differing === 1 ? '' : 's'} differ (marked ≠)`}`
          : `Compared with ${c.label}: ${c.reason ?? 'no tree to compare'}`;
      rows.push(h('div', { cls: 'compare-bar', attrs: { role: 'status' } },
        h('span', { cls: 'badge b-differs', text: '≠', attrs: { 'aria-hidden': 'true' } }),
        h('span', { cls: 'compare-text', text }),
        button('Stop comparing', 'Stop comparing runs', () => this.post({ type: 'command', command: 'stopComparing' }), 'small'),
      ));
    }
    setChildren(this.headerEl, ...rows);
    if (run) this.renderRoundInfo(this.currentRound());
  }

  /** The selected (or previewed, while dragging the slider) round's numbers. */
  private renderRoundInfo(round: number | null): void {
    const rs = this.run?.rounds ?? [];
    const r: RoundView | undefined = rs.find((x) => x.round === round);
    const label = this.headerEl.querySelector('.round-label');
    const info = this.headerEl.querySelector('.round-info');
    if (label) label.textContent = rs.length ? `round ${round ?? '—'} / ${rs[rs.length - 1].round}` : 'no rounds yet';
    if (!info) return;
    if (!r) {
      setChildren(info);
      return;
    }
    setChildren(info,
      metric('N', String(r.size), 'size N of the contexts this round'),
      metric('X acc', pct(r.accuracy), 'X alone against ground truth'),
      metric('targets', pct(r.targetAccuracy), 'accuracy of the amplified targets'),
      metric('agree', pct(r.agreementAverage), 'X’s agreement with its targets (the curriculum gate)'),
      this.compare ? metric('compare X', pct(this.compare.rounds.find((c) => c.round === r.round)?.accuracy), `X of ${this.compare.id}`) : null,
    );
  }

  private renderProgress(): void {
    const st = this.status;
    if (st.status !== 'running') {
      this.progressEl.hidden = true;
      setChildren(this.progressEl);
      return;
    }
    this.progressEl.hidden = false;
    const rs = this.run?.rounds ?? [];
    let eta = '';
    if (rs.length >= 2) {
      const per = (rs[rs.length - 1].elapsed - rs[0].elapsed) / (rs[rs.length - 1].round - rs[0].round || 1);
      if (per > 0) {
        eta = ` · ~${fmtSeconds(per)} per round`;
        if (this.runTarget !== null && this.runTarget >= st.round) eta += ` · ~${fmtSeconds(per * (this.runTarget - st.round + 1))} left (to round ${this.runTarget})`;
      }
    }
    setChildren(this.progressEl,
      h('div', { cls: 'bar', attrs: { 'aria-hidden': 'true' } }, h('div', { cls: 'bar-fill' })),
      h('span', { text: `Training round ${st.round}${st.phase ? ` — ${st.phase}` : ''}${eta}. The recorded rounds stay browsable.` }),
    );
  }

  private renderPins(): void {
    const opts = this.pins.map((p) => h('option', { text: p.label, attrs: { value: p.id, selected: p.id === this.selectedPin } }));
    if (!this.pins.length) opts.push(h('option', { text: 'no pinned question', attrs: { value: '', disabled: true, selected: true } }));
    setChildren(this.pinSelect, ...opts);
    if (this.selectedPin) this.pinSelect.value = this.selectedPin;
  }

  private renderRootSummary(): void {
    const n = this.tree?.root;
    if (!n) {
      setChildren(this.rootSummary);
      return;
    }
    const s = stateOf(n.answer);
    setChildren(this.rootSummary,
      h('span', { cls: 'mono', text: n.label }),
      h('span', { cls: 'arrow', text: ' → ' }),
      h('span', { cls: `root-answer mono s-${s}`, text: n.answer.label, attrs: { 'data-state': s } }),
      h('span', { cls: `icon s-${s}`, text: ` ${iconOf(s)}`, attrs: { 'aria-label': s } }),
      h('span', { cls: 'muted', text: ` by ${sourceWord(n.source)}` }),
      this.host.state.hideTruth ? null : h('span', { cls: 'muted', text: ` · truth ${n.truth.label}` }),
      this.tree ? h('span', { cls: 'muted', text: ` · N=${this.tree.size} · round ${this.tree.round}` }) : null,
    );
  }

  private renderNotices(): void {
    const items: HTMLElement[] = [];
    const st = this.status;
    if (st.status === 'crashed') {
      const rs = this.roundNumbers();
      items.push(h('div', { cls: 'notice crashed', attrs: { role: 'alert' } },
        h('strong', { text: 'The training worker crashed. ' }),
        h('span', { text: st.message ?? 'No message.' }),
        h('div', { cls: 'muted', text: rs.length ? `What still works: the ${rs.length} recorded rounds (${rs[0]}–${rs[rs.length - 1]}) stay browsable; Run resumes from the last checkpoint.` : 'No round was recorded.' }),
      ));
    }
    if (this.run && this.run.skipped > 0) items.push(h('div', { cls: 'notice warn', text: `${this.run.skipped} line(s) of rounds.jsonl could not be read (e.g. a truncated last line after a crash).` }));
    if (this.tree?.truncated) items.push(h('div', { cls: 'notice info', text: `The node budget cut this tree at ${this.tree.nodes} nodes; leaves marked ⊕ can be expanded.` }));
    setChildren(this.noticeEl, ...items);
  }

  private renderInspector(): void {
    const key = this.tree3.selected;
    const n = this.ix?.byKey.get(key) ?? null;
    let history: Parameters<Inspector['render']>[0]['history'];
    if (n?.node.history) {
      history = { source: 'host', rounds: n.node.history.map((correct, i) => ({ round: i + 1, correct })) };
    } else {
      // No history from the host: the rounds this view has shown.
      const rounds: { round: number; correct: boolean | null }[] = [];
      const byRound = this.tree ? this.history.get(this.tree.pin) : undefined;
      if (byRound && n) {
        for (const [round, m] of [...byRound.entries()].sort((a, b) => a[0] - b[0])) if (m.has(key)) rounds.push({ round, correct: m.get(key)! });
      }
      history = { source: 'viewed', rounds };
    }
    this.inspector.render({
      node: n,
      facts: this.tree?.facts ?? [],
      annotations: this.annotations,
      overrides: this.overrides,
      pin: this.tree?.pin ?? null,
      hideTruth: this.host.state.hideTruth,
      history,
      round: this.tree?.round ?? null,
      compareLabel: this.tree?.compare?.label,
      isOpen: n ? this.tree3.isOpen(n) : false,
    });
  }
}

function metric(k: string, v: string, title: string): HTMLElement {
  return h('span', { cls: 'metric', attrs: { title } }, h('span', { cls: 'mk', text: k }), h('span', { cls: 'mv', text: v }));
}

function countText(n: number, q = 'x'): string {
  if (!q.trim()) return '';
  return n === 0 ? 'no match' : `${n} match${n === 1 ? '' : 'es'} · Enter: next`;
}

function fmtSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function keysHelp(): HTMLElement {
  const keys: [string, string][] = [
    ['click', 'select'], ['↑ ↓', 'siblings'], ['← →', 'collapse / expand, parent / child'], ['double-click', 'expand (HCH)'],
    ['Enter', 'override'], ['n', 'note'], ['w', 'why is this wrong?'], ['/', 'search'], ['f', 'fit'], ['[ ]', 'rounds'], ['t', 'truth'], ['Esc', 'close'],
  ];
  return h('details', { cls: 'keys-help' },
    h('summary', { text: '⌨', attrs: { 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts' } }),
    h('dl', {}, ...keys.flatMap(([k, v]) => [h('dt', {}, h('kbd', { text: k })), h('dd', { text: v })])),
  );
}

