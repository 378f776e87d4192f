/**
 * The decomposition (HCH) tree: what is open, what is selected, search, and the mouse and keys.
 * Built for big trees: nodes beyond a depth start collapsed (at most ~150 show by default); the
 * layout, zoom and culling are in tree-viewport.ts, the drawing of one node in tree-nodes.ts.
 */
import { button } from '../dom';
import { searchNodes, type INode, type IndexedTree } from './model';
import type { PinState } from './state';
import { NodeLayers, type NodeLook } from './tree-nodes';
import { Viewport } from './tree-viewport';

export interface TreeCallbacks {
  /** The selection changed inside the tree (click, keys). */
  select(key: string): void;
  /** Ask the host to open (or close) a node into its own decomposition. */
  hostExpand(key: string, open: boolean): void;
  /** The zoom transform or the open nodes changed (persist them). */
  viewChanged(): void;
  /** Enter on a node. */
  activate(key: string): void;
}

export class TreeCanvas implements NodeLook {
  readonly el: HTMLElement;
  private live: HTMLElement;
  private layers: NodeLayers;
  private view: Viewport;
  /** Shown once the user has panned or zoomed: the tree is then no longer fitted on changes. */
  private refitBtn: HTMLButtonElement;

  private ix: IndexedTree | null = null;
  private pin: PinState | null = null;
  private truthHidden = false;
  readonly matches = new Set<string>();
  private matchOrder: string[] = [];
  private revealed = new Set<string>();
  private searchQuery = '';
  private flashKeys = new Set<string>();
  private flashTimer = 0;
  private depthOpen = 3;
  blamePath: ReadonlySet<string> = new Set();
  blameOrigin: string | null = null;

  constructor(private cb: TreeCallbacks) {
    this.el = document.createElement('div');
    this.el.className = 'tree-pane';
    this.el.tabIndex = 0;
    this.el.setAttribute('role', 'tree');
    this.el.setAttribute('aria-label', 'Decomposition tree. Arrow keys move, Enter overrides, n adds a note, f fits, slash searches.');
    this.layers = new NodeLayers(this, this.el);
    this.view = new Viewport(this.layers, (t) => {
      this.refitBtn.hidden = !this.ix || this.view.fitted;
      if (!this.pin) return;
      // A fitted view is kept as "fitted" (fit again on return), not as its transform.
      this.pin.transform = this.view.fitted ? null : t;
      this.cb.viewChanged();
    });
    this.live = document.createElement('div');
    this.live.className = 'sr-only';
    this.live.setAttribute('aria-live', 'polite');
    this.refitBtn = button('⤢ Re-fit', 'Fit the tree to the panel again, and on every change from now on (f). Panning or zooming stops the automatic fit.', () => {
      this.fit();
      this.focus();
    }, 'refit');
    this.refitBtn.hidden = true;
    this.el.append(this.view.svgEl, this.refitBtn, this.live);

    this.view.svgEl.addEventListener('click', (ev) => this.onClick(ev));
    this.view.svgEl.addEventListener('dblclick', (ev) => this.onDblClick(ev));
    this.el.addEventListener('keydown', (ev) => this.onKey(ev));
    new ResizeObserver(() => this.view.resized()).observe(this.el);
  }

  // ------------------------------------------------------------------ public API

  /**
   * Shows a tree. A fitted view (the user has not panned or zoomed since) is fitted again.
   * Otherwise `sameView` (the same question as before: a new round, an override) keeps the
   * viewport, anchored on the selected node. `flash`: nodes marked `changed` flash once.
   */
  setTree(ix: IndexedTree, pin: PinState, opts: { sameView: boolean; flash: boolean }): void {
    const anchor = opts.sameView ? this.view.screenOf(pin.selected) : null;
    this.ix = ix;
    this.pin = pin;
    this.layers.setFontFamily(getComputedStyle(this.view.svgEl).fontFamily || 'monospace');
    this.depthOpen = defaultOpenDepth(ix);
    if (!ix.byKey.has(pin.selected)) pin.selected = this.nearestExisting(pin.selected);
    this.revealSelected();
    if (this.searchQuery) this.computeSearch();
    this.flashKeys = new Set();
    window.clearTimeout(this.flashTimer);
    if (opts.flash) {
      for (const n of ix.byKey.values()) if (n.node.changed) this.flashKeys.add(n.key);
      this.flashTimer = window.setTimeout(() => this.flashKeys.clear(), 1500);
    }
    this.layout();
    if (opts.sameView && !this.view.fitted) {
      if (!this.view.keepAt(pin.selected, anchor)) this.view.redraw();
    } else if (!opts.sameView && pin.transform) {
      this.view.setTransform(pin.transform);
    } else {
      this.view.fit();
    }
    this.refitBtn.hidden = this.view.fitted;
    this.announce();
  }

  clear(): void {
    this.ix = null;
    this.refitBtn.hidden = true;
    this.layout();
    this.view.redraw();
  }

  get selected(): string {
    return this.pin?.selected ?? '';
  }

  get hideTruth(): boolean {
    return this.truthHidden;
  }

  get searching(): boolean {
    return this.searchQuery !== '';
  }

  takeFlash(key: string): boolean {
    return this.flashKeys.delete(key);
  }

  /** Selects a node; `reveal` opens its ancestors, `scroll` pans it into view. */
  select(key: string, opts: { reveal?: boolean; scroll?: boolean; center?: boolean } = {}): void {
    if (!this.ix || !this.pin || !this.ix.byKey.has(key)) return;
    const prev = this.pin.selected;
    this.pin.selected = key;
    if (opts.reveal !== false && this.revealSelected()) {
      const anchor = this.view.screenOf(prev);
      this.layout();
      this.view.keepAt(prev, anchor);
    }
    this.layers.updateSelection(prev);
    if (this.view.mode === 'overview') this.view.refresh();
    if (opts.center) this.view.centerOn(key);
    else if (opts.scroll !== false) this.view.scrollIntoView(key);
    this.announce();
    this.cb.viewChanged();
  }

  /** Highlights a blame path (keys from the node asked about down to the origin of the error); empty clears it. */
  setBlame(path: readonly string[], origin: string | null): void {
    this.blamePath = new Set(path);
    this.blameOrigin = origin;
    this.view.redraw(true);
  }

  setHideTruth(hide: boolean): void {
    this.truthHidden = hide;
    this.view.redraw(true);
  }

  isOpen(n: INode): boolean {
    if (n.children.length === 0) return false;
    if (this.revealed.has(n.key)) return true;
    const o = this.pin?.open[n.key];
    if (o !== undefined) return o;
    // A node the host opened on request shows its decomposition, whatever its depth.
    return n.node.opened || n.depth < this.depthOpen;
  }

  /**
   * Opens or closes a node. Expandable leaves open through the host; a node the host opened on
   * request (`opened`) closes through the host; any other subtree the host sent opens and closes
   * here.
   */
  toggle(key: string, open?: boolean): void {
    const n = this.ix?.byKey.get(key);
    if (!n || !this.pin) return;
    if (n.children.length === 0) {
      if (n.node.expandable && open !== false) this.hostExpand(key, true);
      return;
    }
    const now = this.isOpen(n);
    const want = open ?? !now;
    if (want === now) return;
    if (!want && n.node.opened) {
      this.hostExpand(key, false);
      return;
    }
    this.relayoutKeeping(key, () => {
      this.pin!.open[key] = want;
      if (!want) this.revealed.delete(key);
    });
  }

  expandAll(): void {
    if (!this.ix || !this.pin) return;
    this.relayoutKeeping(this.pin.selected, () => {
      for (const n of this.ix!.byKey.values()) if (n.children.length) this.pin!.open[n.key] = true;
    });
  }

  collapseAll(): void {
    if (!this.ix || !this.pin) return;
    const sel = this.pin.selected;
    this.relayoutKeeping('', () => {
      this.pin!.open = {};
      for (const n of this.ix!.byKey.values()) if (n.children.length && n.depth >= 1) this.pin!.open[n.key] = false;
      this.revealed.clear();
    });
    if (!this.view.has(sel)) this.select(this.nearestVisible(sel), { reveal: false });
  }

  /** Fits the whole (open) tree into the view (at a readable scale; see Viewport.fit), and on every change from now on. */
  fit(): void {
    this.view.fit();
  }

  /** Highlights the nodes whose question matches; opens their ancestors. Returns the match count. */
  setSearch(query: string): number {
    this.searchQuery = query.trim();
    this.computeSearch();
    this.layout();
    if (this.view.fitted) this.view.fit();
    else this.view.redraw(true);
    return this.matches.size;
  }

  /** Selects the next (or previous) search match. */
  nextMatch(dir: 1 | -1 = 1): string | null {
    if (!this.matchOrder.length || !this.pin) return null;
    const i = this.matchOrder.indexOf(this.pin.selected);
    const next = this.matchOrder[(i + dir + this.matchOrder.length) % this.matchOrder.length];
    this.select(next, { center: true });
    this.cb.select(next);
    return next;
  }

  focus(): void {
    this.el.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------ open nodes and search

  private computeSearch(): void {
    this.matches.clear();
    this.matchOrder = [];
    this.revealed.clear();
    if (!this.ix || !this.searchQuery) return;
    for (const n of searchNodes(this.ix, this.searchQuery, this.truthHidden)) {
      this.matches.add(n.key);
      this.matchOrder.push(n.key);
      for (let p = n.parent; p; p = p.parent) this.revealed.add(p.key);
    }
  }

  /** Opens the ancestors of the selection; returns whether anything changed. */
  private revealSelected(): boolean {
    if (!this.ix || !this.pin) return false;
    let changed = false;
    for (let p = this.ix.byKey.get(this.pin.selected)?.parent; p; p = p.parent) {
      if (!this.isOpen(p)) {
        this.pin.open[p.key] = true;
        changed = true;
      }
    }
    return changed;
  }

  private nearestExisting(key: string): string {
    let k: string | null = key;
    while (k !== null && !this.ix?.byKey.has(k)) k = k === '' ? null : k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '';
    return k ?? '';
  }

  private nearestVisible(key: string): string {
    let n = this.ix?.byKey.get(key);
    while (n && !this.view.has(n.key)) n = n.parent ?? undefined;
    return n?.key ?? '';
  }

  private layout(): void {
    this.view.layout(this.ix, (n) => this.isOpen(n));
  }

  /** Changes open state, fitting again (a fitted view) or keeping `key` at the same place on the screen. */
  private relayoutKeeping(key: string, change: () => void): void {
    const anchor = this.view.screenOf(key);
    change();
    this.layout();
    if (this.view.fitted) this.view.fit();
    else if (!this.view.keepAt(key, anchor, true)) this.view.redraw(true);
    this.cb.viewChanged();
  }

  private announce(): void {
    const n = this.ix?.byKey.get(this.selected);
    if (n) this.live.textContent = this.layers.describe(n);
  }

  private hostExpand(key: string, open: boolean): void {
    if (!this.pin) return;
    // The host's next tree says whether the node is open (`opened`); a local choice would shadow it.
    delete this.pin.open[key];
    this.cb.hostExpand(key, open);
    this.cb.viewChanged();
  }

  // ------------------------------------------------------------------ mouse and keys

  private keyAt(ev: Event): string | null {
    const target = ev.target as Element | null;
    const g = target?.closest?.('g.node') as SVGGElement | null;
    if (g) return g.dataset.key ?? null;
    if (this.view.mode === 'overview' && ev instanceof MouseEvent) return this.view.keyNear(ev);
    return null;
  }

  private onClick(ev: MouseEvent): void {
    if (ev.defaultPrevented) return;
    const key = this.keyAt(ev);
    if (key === null) return;
    this.focus();
    const moreClicked = (ev.target as Element).classList?.contains('more');
    if (moreClicked) {
      this.select(key, { scroll: false });
      this.cb.select(key);
      this.toggle(key);
      return;
    }
    this.select(key, { scroll: false });
    this.cb.select(key);
  }

  private onDblClick(ev: MouseEvent): void {
    const key = this.keyAt(ev);
    if (key === null) return;
    ev.preventDefault();
    if (this.view.mode === 'overview') {
      this.view.centerOn(key);
      return;
    }
    if ((ev.target as Element).classList?.contains('more')) return; // the click already toggled
    this.toggle(key);
  }

  private onKey(ev: KeyboardEvent): void {
    if (!this.ix || !this.pin || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const n = this.ix.byKey.get(this.pin.selected);
    if (!n) return;
    let to: INode | undefined;
    switch (ev.key) {
      case 'ArrowUp':
        to = n.parent?.children[n.index - 1];
        break;
      case 'ArrowDown':
        to = n.parent?.children[n.index + 1];
        break;
      case 'ArrowRight':
        if (n.children.length && this.isOpen(n)) to = n.children[0];
        else this.toggle(n.key, true);
        break;
      case 'ArrowLeft':
        if (n.children.length && this.isOpen(n)) this.toggle(n.key, false);
        else to = n.parent ?? undefined;
        break;
      case 'Home':
        to = this.ix.root;
        break;
      case 'Enter':
        this.cb.activate(n.key);
        break;
      default:
        return;
    }
    ev.preventDefault();
    ev.stopPropagation();
    if (to) {
      this.select(to.key);
      this.cb.select(to.key);
    }
  }
}

/** The depth to which nodes start open: at most ~150 nodes show by default. */
function defaultOpenDepth(ix: IndexedTree): number {
  let total = 0;
  for (let d = 0; d < ix.levels.length; d++) {
    total += ix.levels[d];
    if (total > 150) return Math.max(1, d - 1);
  }
  return ix.levels.length;
}
