/**
 * The Explorer webview: the host's messages in (validated by the protocol), the state they carry,
 * the user's actions out; the page's parts — header.ts, question-bar.ts, the tree (tree.ts), the
 * inspector, the charts, banner.ts — and the keys (keys.ts) are wired here.
 */
import { counted, parseHostMessage, type AnnotationView, type BlameView, type HostMessage, type OverrideView, type PinView, type RunView, type StatusView, type TaskSummary, type TreeView, type WebviewMessage } from '../../src/protocol/explorer';
import { button, h, setChildren } from '../dom';
import { Banner } from './banner';
import type { ExportFormat } from '../../src/protocol/export';
import { Charts } from './charts';
import { exportTree } from './export';
import { Header, type HeaderData } from './header';
import { Inspector } from './inspector';
import { explorerKeys } from './keys';
import { Legend } from './legend';
import { Provenance } from './provenance';
import { indexTree, keyOf, pathOf, type IndexedTree } from './model';
import { personNotice } from './person';
import { QuestionBar } from './question-bar';
import { Host } from './state';
import { TreeCanvas } from './tree';

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
  /** The host's last answer to "Why is this wrong?" (cleared by a new tree). */
  private blame: BlameView | null = null;
  private initialized = false;
  private restored = false;
  /**
   * Correctness per node across the rounds viewed: pin → round → key → correct. Only for the
   * history strip of trees whose nodes carry no `history` of their own.
   */
  private history = new Map<string, Map<number, Map<string, boolean | null>>>();

  // Views.
  private root: HTMLElement;
  private banner: Banner;
  private header: Header;
  private qbar: QuestionBar;
  private mainEl = h('main', { cls: 'main' });
  private welcomeEl = h('section', { cls: 'welcome', attrs: { 'aria-label': 'Welcome' } });
  private workspace = h('div', { cls: 'workspace' });
  private noticeEl = h('div', { cls: 'notices' });
  private treeWrap = h('div', { cls: 'tree-wrap' });
  private treeEmpty = h('div', { cls: 'tree-empty muted' });
  private chartsWrap = h('details', { cls: 'charts-wrap' });
  private tree3: TreeCanvas;
  private inspector: Inspector;
  private charts: Charts;
  private legend = new Legend();
  private provenance = new Provenance((m) => this.post(m));

  constructor(mount: HTMLElement) {
    this.root = mount;
    this.banner = new Banner((m) => this.post(m));
    this.host = new Host((m) => this.banner.add(m));
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
      answerAsExpert: (key) => this.post({ type: 'answerAsExpert', path: pathOf(key) }),
      explain: (key) => this.explain(key),
      openFile: (file, line) => this.post({ type: 'openFile', file, ...(line !== undefined ? { line } : {}) }),
    });
    this.charts = new Charts((round) => this.selectRound(round), this.host.state.hideTruth);
    this.header = new Header({
      post: (m) => this.post(m),
      stepRound: (dir) => this.stepRound(dir),
      selectRound: (round) => this.selectRound(round),
    });
    this.qbar = new QuestionBar({
      selectPin: (pin) => {
        this.selectedPin = pin;
        this.host.state.pin = pin;
        this.host.save();
        this.post({ type: 'selectPin', pin });
      },
      post: (m) => this.post(m),
      search: (query) => this.tree3.setSearch(query),
      nextMatch: (dir) => {
        if (this.tree3.nextMatch(dir) !== null) this.renderInspector();
      },
      showTruth: (show) => this.setHideTruth(!show),
      collapseAll: () => {
        this.tree3.collapseAll();
        this.renderInspector();
      },
      expandAll: () => this.tree3.expandAll(),
      fit: () => this.tree3.fit(),
      whyWrong: () => this.whyWrong(),
      leaveSearch: () => this.tree3.focus(),
    }, this.host.state.hideTruth);
    this.tree3.setHideTruth(this.host.state.hideTruth);
    this.build();
    window.addEventListener('message', (ev: MessageEvent) => this.onMessage(ev.data));
    document.addEventListener('keydown', explorerKeys({
      focusSearch: () => this.qbar.focusSearch(),
      fit: () => this.tree3.fit(),
      stepRound: (dir) => this.stepRound(dir),
      openNote: () => {
        if (!this.ix) return false;
        this.inspector.openNote();
        return true;
      },
      whyWrong: () => this.whyWrong(),
      toggleTruth: () => this.setHideTruth(!this.host.state.hideTruth),
      toggleLegend: () => this.legend.toggle(),
      escape: () => {
        if (!this.inspector.editorOpen) return this.banner.clear();
        this.inspector.close();
        return true;
      },
      openOverride: () => this.inspector.openOverride(),
      inTree: (target) => this.tree3.el.contains(target as Node),
    }));
    this.renderAll();
    this.post({ type: 'ready' });
  }

  // ------------------------------------------------------------------ messages

  /** Validates a host message and applies it; a malformed one is reported, never acted on. */
  onMessage(raw: unknown): void {
    const checked = parseHostMessage(raw);
    if (!checked.ok) {
      this.banner.add(`Ignored a malformed message from the extension (${checked.error.slice(0, 160)}).`, checked.error);
      return;
    }
    try {
      this.apply(checked.value);
    } catch (e) {
      this.banner.add(`Could not show the ${checked.value.type} message.`, e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e));
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
        this.chartsWrap.hidden = this.noCurves();
        this.renderHeader();
        this.header.renderProgress(this.headerData());
        this.charts.set(this.run, this.compare, this.currentRound());
        break;
      }
      case 'tree':
        this.setTree(m.tree);
        break;
      case 'status':
        if (m.status.status !== 'running') this.header.trainingStopped();
        this.status = m.status;
        this.renderHeader();
        this.header.renderProgress(this.headerData());
        this.renderNotices();
        break;
      case 'pins':
        this.pins = m.pins;
        if (m.selectedPin !== undefined) this.selectedPin = m.selectedPin;
        this.qbar.renderPins(this.pins, this.selectedPin);
        this.renderHeader(); // a check's title names its question
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
        this.banner.add(m.message, m.detail, { file: m.file, line: m.line, column: m.column });
        break;
      case 'rejected':
        if (m.input === 'pin') this.qbar.rejectPin(m.message);
        else this.inspector.showRejected(m.message);
        break;
      case 'blame':
        this.showBlame(m.pin, m.blame);
        break;
      case 'targets':
        // In place: an editor open in the inspector keeps its focus.
        if (this.provenance.receive(m)) this.inspector.showTargets(this.provenance.view(this.tree, this.ix?.byKey.get(this.tree3.selected) ?? null));
        return;
      case 'exportTree':
        void this.exportTree(m.format);
        break;
      case 'reveal':
        // The host selected the pin and round (and opened the ancestors); the tree may come later.
        this.pendingReveal = { pin: m.pin, key: m.path.join('.') };
        this.applyPendingReveal();
        break;
    }
  }

  /** Builds the export the host asked for and sends it back (the host saves it). */
  private async exportTree(format: ExportFormat): Promise<void> {
    const shown = this.tree3.el.querySelector<SVGSVGElement>('svg.tree-svg');
    if (!this.tree || !shown) {
      this.banner.add('There is no tree to export yet.');
      return;
    }
    const bg = [this.tree3.el, this.treeWrap, document.body].map((el) => getComputedStyle(el).backgroundColor).find((c) => c && c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)') ?? '#ffffff';
    try {
      this.post(await exportTree(format, this.tree, shown, bg, this.host.state.hideTruth));
    } catch (e) {
      this.banner.add(`Could not export the tree as ${format.toUpperCase()}.`, e instanceof Error ? e.message : String(e));
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
    if (this.blame) {
      this.blame = null;
      this.tree3.setBlame([], null);
    }
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
    this.qbar.searchAgain();
    this.host.save();
    this.renderHeader();
    this.qbar.renderPins(this.pins, this.selectedPin);
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
  private post(m: WebviewMessage): string | null {
    const err = this.host.post(m);
    if (err) this.banner.add('Could not send that to the extension.', err);
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

  /** "Why is this wrong?" (w) about the selected node. */
  whyWrong(): void {
    this.explain(this.tree3.selected);
  }

  private explain(key: string): void {
    const n = this.ix?.byKey.get(key);
    if (!n) return;
    if (this.host.state.hideTruth) {
      // Blind mode: finding what is wrong would reveal correctness.
      this.qbar.flash('The truth is hidden: show it (t) to find what is wrong.');
      return;
    }
    if (n.node.answer.correct !== false) {
      this.qbar.flash('This node’s answer is not wrong.');
      return;
    }
    this.post({ type: 'explain', path: pathOf(key) });
  }

  /** The host's blame: the path from the node asked about to the origin highlighted, the origin selected, the sentence in the inspector. */
  private showBlame(pin: string, b: BlameView): void {
    if (!this.tree || this.tree.pin !== pin) return;
    this.blame = b;
    const keys = b.path.slice(b.from.length).map((_, i) => keyOf(b.path.slice(0, b.from.length + i + 1)));
    this.tree3.setBlame([keyOf(b.from), ...keys], keyOf(b.path));
    this.selectNode(keyOf(b.path), true);
    this.tree3.focus();
  }

  private setHideTruth(hide: boolean): void {
    this.host.state.hideTruth = hide;
    this.qbar.setTruthShown(!hide);
    this.tree3.setHideTruth(hide);
    this.qbar.searchAgain(); // hidden truth is not searched
    this.legend.render(hide);
    this.charts.setHideTruth(hide);
    this.renderHeader();
    this.renderRootSummary();
    this.renderInspector();
    this.host.save();
  }

  // ------------------------------------------------------------------ build and render

  private build(): void {
    this.legend.render(this.host.state.hideTruth);
    this.treeWrap.append(this.tree3.el, this.treeEmpty, this.legend.el);
    const left = h('div', { cls: 'left' }, this.qbar.el, this.noticeEl, this.treeWrap);
    this.workspace.append(left, this.inspector.el);

    // Charts (collapsible).
    this.chartsWrap.open = this.host.state.chartsOpen;
    this.chartsWrap.append(h('summary', { text: 'Curves' }), this.charts.el);
    this.chartsWrap.addEventListener('toggle', () => {
      this.host.state.chartsOpen = this.chartsWrap.open;
      this.host.save();
      if (this.chartsWrap.open) this.charts.set(this.run, this.compare, this.currentRound());
    });

    this.mainEl.append(this.welcomeEl, this.workspace);
    setChildren(this.root, this.banner.el, this.header.el, this.header.progress, this.mainEl, this.chartsWrap);
    this.root.classList.add('explorer');
  }

  private renderAll(): void {
    this.banner.render();
    this.renderHeader();
    this.header.renderProgress(this.headerData());
    this.qbar.renderPins(this.pins, this.selectedPin);
    this.renderRootSummary();
    this.renderNotices();
    this.renderInspector();
    this.charts.set(this.run, this.compare, this.currentRound());
    const welcome = this.initialized && this.run === null;
    this.welcomeEl.hidden = !welcome && this.initialized;
    this.workspace.hidden = welcome || !this.initialized;
    this.chartsWrap.hidden = this.noCurves();
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
    this.chartsWrap.hidden = this.noCurves();
  }

  /** No curves without rounds, nor in a check of a task (nothing is trained there). */
  private noCurves(): boolean {
    return !this.run?.rounds.length || this.run.kind === 'check';
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

  private headerData(): HeaderData {
    return { run: this.run, compare: this.compare, status: this.status, treeCompare: this.tree?.compare, round: this.currentRound(), hideTruth: this.host.state.hideTruth, pinLabel: this.pins.find((p) => p.id === this.selectedPin)?.label ?? null };
  }

  private renderHeader(): void {
    this.header.render(this.headerData());
  }

  private renderRootSummary(): void {
    this.qbar.renderRootSummary(this.tree, this.host.state.hideTruth, this.run?.kind === 'check');
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
    const ov = this.tree?.overrideSummary;
    if (ov) items.push(h('div', { cls: 'notice override', attrs: { role: 'status' } }, h('strong', { text: '✎ ' }), ov.text));
    const person = personNotice(this.tree);
    if (person) items.push(person);
    if (this.tree?.answeredBy) items.push(h('div', { cls: 'notice info answered-by', text: `${this.tree.answeredBy}.` }));
    if (this.tree?.truncated) items.push(h('div', { cls: 'notice info', text: `The node budget cut this tree at ${counted(this.tree.nodes, 'node')}; leaves marked ⊕ can be expanded.` }));
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
      blame: this.blame,
      // A check of a task (a counterexample) has no run, so no training targets to show.
      targets: this.run?.kind === 'check' ? 'none' : this.provenance.view(this.tree, n),
    });
  }
}
