/**
 * The decomposition (HCH) tree: d3.hierarchy + d3.tree for the layout, d3.zoom for pan and zoom,
 * SVG for drawing. Built for big trees:
 * - nodes beyond a depth start collapsed (at most ~150 show by default);
 * - only the nodes in (a margin around) the viewport are in the DOM, and panning inside that
 *   margin touches nothing but one transform attribute;
 * - all edges are one <path>;
 * - zoomed out (scale < 0.4) the tree is drawn as an overview: one <path> per node state, no text.
 */
import { hierarchy, tree as d3tree, type HierarchyPointNode } from 'd3-hierarchy';
import { select } from 'd3-selection';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior } from 'd3-zoom';
import { svg } from '../dom';
import { iconOf, searchNodes, stateOf, stateWord, type AnswerState, type INode, type IndexedTree } from './model';
import type { PinState, Transform } from './state';

export const NODE_W = 204;
export const NODE_H = 48;
/** Between depths (room for the order label). */
const GAP_X = 46;
/** Between siblings. */
const GAP_Y = 12;
/** Extra room below a collapsed node for its "n hidden" line. */
const MORE_H = 16;
/** Below this scale the tree is drawn as an overview (no text). */
const OVERVIEW_SCALE = 0.4;
const MIN_SCALE = 0.001;
const MAX_SCALE = 2.5;

/** A laid-out node: (x, y) is the top-left corner of its card; the tree grows to the right. */
interface Point {
  data: INode;
  x: number;
  y: number;
  parent: Point | null;
}

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

interface Chip {
  tag: string;
  value: string;
  state: AnswerState | 'truth';
  used: boolean;
  kind: string;
}

const measureCache = new Map<string, number>();
let measureCtx: CanvasRenderingContext2D | null = null;

/** Text width in px for a CSS font (canvas measureText, cached). */
function textWidth(text: string, font: string): number {
  const k = `${font}|${text}`;
  let w = measureCache.get(k);
  if (w === undefined) {
    measureCtx ??= document.createElement('canvas').getContext('2d');
    if (measureCtx) {
      measureCtx.font = font;
      w = measureCtx.measureText(text).width;
    } else {
      w = text.length * 7;
    }
    if (measureCache.size > 20000) measureCache.clear();
    measureCache.set(k, w);
  }
  return w;
}

/** Cuts a text to a width, with an ellipsis. */
function fitText(text: string, font: string, width: number): string {
  if (textWidth(text, font) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (textWidth(`${text.slice(0, mid)}…`, font) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

export class TreeCanvas {
  readonly el: HTMLElement;
  readonly svgEl: SVGSVGElement;
  private viewport: SVGGElement;
  private linksPath: SVGPathElement;
  private nodesLayer: SVGGElement;
  private overviewLayer: SVGGElement;
  private live: HTMLElement;
  private zoomer: ZoomBehavior<SVGSVGElement, unknown>;

  private ix: IndexedTree | null = null;
  private pin: PinState | null = null;
  private points: Point[] = [];
  private pointByKey = new Map<string, Point>();
  private rendered = new Map<string, SVGGElement>();
  /** The region (layout coordinates) the DOM currently covers. */
  private region: { x0: number; y0: number; x1: number; y1: number } | null = null;
  private mode: 'detail' | 'overview' = 'detail';
  /** The scale the overview was drawn at (its shapes have a minimum size on screen). */
  private drawnK = 1;
  private t: Transform = { x: 0, y: 0, k: 1 };
  private pendingInitialView = false;
  /** The view is still the automatic initial one (no pan or zoom by the user): redo it on resize. */
  private autoView = false;
  private applyingTransform = false;
  private cullFrame = 0;
  private hideTruth = false;
  private matches = new Set<string>();
  private matchOrder: string[] = [];
  private revealed = new Set<string>();
  private searchQuery = '';
  private flashKeys = new Set<string>();
  private flashTimer = 0;
  private depthOpen = 3;
  private fontLabel = '600 12px monospace';
  private fontChip = '11px monospace';
  /** Statistics for the benchmark and tests. */
  stats = { layoutMs: 0, renderMs: 0, nodesInDom: 0, laidOut: 0 };

  constructor(private cb: TreeCallbacks) {
    this.el = document.createElement('div');
    this.el.className = 'tree-pane';
    this.el.tabIndex = 0;
    this.el.setAttribute('role', 'tree');
    this.el.setAttribute('aria-label', 'Decomposition tree. Arrow keys move, Enter overrides, n adds a note, f fits, slash searches.');
    this.svgEl = svg('svg', {}, 'tree-svg');
    this.svgEl.setAttribute('aria-hidden', 'false');
    this.viewport = svg('g', {}, 'viewport');
    this.linksPath = svg('path', { d: '' }, 'links');
    this.overviewLayer = svg('g', {}, 'overview');
    this.nodesLayer = svg('g', {}, 'nodes');
    this.viewport.append(this.linksPath, this.overviewLayer, this.nodesLayer);
    this.svgEl.append(this.viewport);
    this.live = document.createElement('div');
    this.live.className = 'sr-only';
    this.live.setAttribute('aria-live', 'polite');
    this.el.append(this.svgEl, this.live);

    this.zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, MAX_SCALE])
      .filter((ev: Event) => {
        // Wheel zooms; drags on the background or a node pan; no zoom on double-click.
        if (ev.type === 'dblclick') return false;
        const me = ev as MouseEvent;
        return (!me.ctrlKey || ev.type === 'wheel') && !me.button;
      })
      .on('zoom', (ev: D3ZoomEvent<SVGSVGElement, unknown>) => this.onZoom(ev.transform));
    select(this.svgEl).call(this.zoomer).on('dblclick.zoom', null);

    this.svgEl.addEventListener('click', (ev) => this.onClick(ev));
    this.svgEl.addEventListener('dblclick', (ev) => this.onDblClick(ev));
    this.el.addEventListener('keydown', (ev) => this.onKey(ev));
    new ResizeObserver(() => {
      if ((this.pendingInitialView || this.autoView) && this.size().w > 0) this.initialView();
      else this.scheduleCull(true);
    }).observe(this.el);
  }

  // ------------------------------------------------------------------ public API

  /**
   * Shows a tree. `sameView`: the same question as before (a new round, an override): keep the
   * viewport, anchored on the selected node. `flash`: nodes marked `changed` flash once.
   */
  setTree(ix: IndexedTree, pin: PinState, opts: { sameView: boolean; flash: boolean }): void {
    const anchor = opts.sameView ? this.screenOf(pin.selected) : null;
    this.ix = ix;
    this.pin = pin;
    const family = getComputedStyle(this.svgEl).fontFamily || 'monospace';
    this.fontLabel = `600 12px ${family}`;
    this.fontChip = `11px ${family}`;
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
    if (opts.sameView) {
      const now = this.pointByKey.get(pin.selected);
      if (anchor && now) this.setTransform({ k: this.t.k, x: anchor.x - now.x * this.t.k, y: anchor.y - now.y * this.t.k });
      else this.redraw();
    } else if (pin.transform) {
      this.setTransform(pin.transform);
    } else {
      this.initialView();
    }
    this.announce();
  }

  clear(): void {
    this.ix = null;
    this.points = [];
    this.pointByKey.clear();
    this.redraw();
  }

  get selected(): string {
    return this.pin?.selected ?? '';
  }

  /** Selects a node; `reveal` opens its ancestors, `scroll` pans it into view. */
  select(key: string, opts: { reveal?: boolean; scroll?: boolean; center?: boolean } = {}): void {
    if (!this.ix || !this.pin || !this.ix.byKey.has(key)) return;
    const prev = this.pin.selected;
    this.pin.selected = key;
    if (opts.reveal !== false && this.revealSelected()) {
      const anchor = this.screenOf(prev);
      this.layout();
      const p = this.pointByKey.get(prev);
      if (anchor && p) this.setTransform({ k: this.t.k, x: anchor.x - p.x * this.t.k, y: anchor.y - p.y * this.t.k });
    }
    this.updateSelectionClasses(prev);
    if (opts.center) this.centerOn(key);
    else if (opts.scroll !== false) this.scrollIntoView(key);
    this.announce();
    this.cb.viewChanged();
  }

  setHideTruth(hide: boolean): void {
    this.hideTruth = hide;
    this.redraw(true);
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
    if (!this.pointByKey.has(sel)) this.select(this.nearestVisible(sel), { reveal: false });
  }

  /** Fits the whole (open) tree into the view. */
  fit(auto = false): void {
    const { w, h } = this.size();
    if (!this.points.length || w === 0) return;
    const b = this.bounds();
    const k = clamp(Math.min(w / (b.x1 - b.x0), h / (b.y1 - b.y0), 1.2) * 0.94, MIN_SCALE, MAX_SCALE);
    this.setTransform({ k, x: w / 2 - ((b.x0 + b.x1) / 2) * k, y: h / 2 - ((b.y0 + b.y1) / 2) * k }, false, auto);
  }

  centerOn(key: string): void {
    const p = this.pointByKey.get(key);
    const { w, h } = this.size();
    if (!p || w === 0) return;
    const k = Math.max(this.t.k, 0.8);
    this.setTransform({ k, x: w / 2 - (p.x + NODE_W / 2) * k, y: h / 2 - (p.y + NODE_H / 2) * k });
  }

  /** Highlights the nodes whose question matches; opens their ancestors. Returns the match count. */
  setSearch(query: string): number {
    this.searchQuery = query.trim();
    this.computeSearch();
    this.layout();
    this.redraw(true);
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

  get transform(): Transform {
    return { ...this.t };
  }

  focus(): void {
    this.el.focus({ preventScroll: true });
  }

  // ------------------------------------------------------------------ layout

  private computeSearch(): void {
    this.matches.clear();
    this.matchOrder = [];
    this.revealed.clear();
    if (!this.ix || !this.searchQuery) return;
    for (const n of searchNodes(this.ix, this.searchQuery)) {
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
    while (n && !this.pointByKey.has(n.key)) n = n.parent ?? undefined;
    return n?.key ?? '';
  }

  private layout(): void {
    const t0 = performance.now();
    this.points = [];
    this.pointByKey.clear();
    if (this.ix) {
      const root = hierarchy<INode>(this.ix.root, (n) => (this.isOpen(n) ? n.children : null));
      const laid = d3tree<INode>()
        .nodeSize([NODE_H + GAP_Y, NODE_W + GAP_X])
        .separation((a, b) => (a.parent === b.parent ? 1 : 1.25) + (a.data.children.length && !this.isOpen(a.data) ? MORE_H / (NODE_H + GAP_Y) : 0))(root);
      const made = new Map<HierarchyPointNode<INode>, Point>();
      laid.each((p) => {
        // d3.tree lays out top-down (x across, y down); the Explorer's tree grows to the right.
        const pt: Point = { data: p.data, x: p.y, y: p.x - NODE_H / 2, parent: p.parent ? made.get(p.parent)! : null };
        made.set(p, pt);
        this.points.push(pt);
        this.pointByKey.set(p.data.key, pt);
      });
    }
    this.stats.layoutMs = performance.now() - t0;
    this.stats.laidOut = this.points.length;
    // Positions changed: every node element is drawn again.
    this.nodesLayer.replaceChildren();
    this.rendered.clear();
    this.region = null;
  }

  /** Changes open state while keeping `key` at the same place on the screen. */
  private relayoutKeeping(key: string, change: () => void): void {
    const anchor = this.screenOf(key);
    change();
    this.layout();
    const p = this.pointByKey.get(key);
    if (anchor && p) this.setTransform({ k: this.t.k, x: anchor.x - p.x * this.t.k, y: anchor.y - p.y * this.t.k }, true);
    else this.redraw(true);
    this.cb.viewChanged();
  }

  private bounds(): { x0: number; y0: number; x1: number; y1: number } {
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const p of this.points) {
      x1 = Math.max(x1, p.x + NODE_W);
      y0 = Math.min(y0, p.y);
      y1 = Math.max(y1, p.y + NODE_H + 16);
    }
    return { x0: -16, y0: y0 - 12, x1: x1 + 16, y1: y1 + 8 };
  }

  private initialView(): void {
    const { w, h } = this.size();
    if (!this.points.length) return;
    if (w === 0 || h === 0) {
      this.pendingInitialView = true;
      return;
    }
    this.pendingInitialView = false;
    const b = this.bounds();
    this.autoView = true;
    const kFit = Math.min(w / (b.x1 - b.x0), h / (b.y1 - b.y0), 1.1) * 0.94;
    if (kFit >= 0.7) {
      this.fit(true);
    } else {
      // Too big to fit readably: the root at the left, at a readable scale.
      const k = 0.8;
      const root = this.pointByKey.get('')!;
      // The top of the tree in view if that keeps the root in the upper three quarters; else the
      // root at three quarters of the height (never at the bottom edge, half hidden).
      const rootMid = (root.y + NODE_H / 2) * k;
      const y = Math.min(Math.max(h / 2 - rootMid, 8 - b.y0 * k), 0.75 * h - rootMid);
      this.setTransform({ k, x: 24 - root.x * k, y }, false, true);
    }
  }

  private size(): { w: number; h: number } {
    return { w: this.svgEl.clientWidth, h: this.svgEl.clientHeight };
  }

  /** Screen position (relative to the svg) of a laid-out node's top-centre. */
  private screenOf(key: string): { x: number; y: number } | null {
    const p = this.pointByKey.get(key);
    return p ? { x: this.t.x + p.x * this.t.k, y: this.t.y + p.y * this.t.k } : null;
  }

  private scrollIntoView(key: string): void {
    const p = this.pointByKey.get(key);
    const { w, h } = this.size();
    if (!p || w === 0) return;
    const k = this.t.k;
    const left = this.t.x + (p.x - 24) * k;
    const right = this.t.x + (p.x + NODE_W + 8) * k;
    const top = this.t.y + (p.y - 8) * k;
    const bottom = this.t.y + (p.y + NODE_H + 18) * k;
    let dx = 0;
    let dy = 0;
    const pad = 16;
    if (right - left > w - 2 * pad) dx = w / 2 - (left + right) / 2;
    else if (left < pad) dx = pad - left;
    else if (right > w - pad) dx = w - pad - right;
    if (bottom - top > h - 2 * pad) dy = h / 3 - top;
    else if (top < pad) dy = pad - top;
    else if (bottom > h - pad) dy = h - pad - bottom;
    if (dx || dy) this.setTransform({ k, x: this.t.x + dx, y: this.t.y + dy });
  }

  // ------------------------------------------------------------------ zoom and culling

  private setTransform(t: Transform, forceRedraw = false, auto = false): void {
    if (!auto) this.autoView = false;
    if (forceRedraw) this.region = null;
    this.applyingTransform = true;
    select(this.svgEl).call(this.zoomer.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
    this.applyingTransform = false;
    // zoom.transform dispatches synchronously; make sure the DOM is current either way.
    this.cull();
  }

  private onZoom(t: { x: number; y: number; k: number }): void {
    this.t = { x: t.x, y: t.y, k: t.k };
    this.viewport.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
    if (this.pin) {
      this.pin.transform = { ...this.t };
      this.cb.viewChanged();
    }
    if (this.applyingTransform) return;
    this.autoView = false;
    this.scheduleCull(false);
  }

  private scheduleCull(force: boolean): void {
    if (force) this.region = null;
    if (this.cullFrame) return;
    this.cullFrame = requestAnimationFrame(() => {
      this.cullFrame = 0;
      this.cull();
    });
  }

  /** Draws everything again (after a layout or a change of what nodes show). */
  private redraw(rebuild = true): void {
    if (rebuild) {
      this.nodesLayer.replaceChildren();
      this.rendered.clear();
      this.region = null;
    }
    this.cull();
  }

  /** Brings the DOM up to date with the viewport, when the viewport left the region drawn. */
  private cull(): void {
    const t0 = performance.now();
    const { w, h } = this.size();
    const mode = this.t.k < OVERVIEW_SCALE ? 'overview' : 'detail';
    if (mode !== this.mode) {
      this.mode = mode;
      this.region = null;
      this.nodesLayer.replaceChildren();
      this.rendered.clear();
      this.overviewLayer.replaceChildren();
      this.svgEl.dataset.mode = mode;
    }
    const k = this.t.k;
    const view = { x0: -this.t.x / k, y0: -this.t.y / k, x1: (w - this.t.x) / k, y1: (h - this.t.y) / k };
    if (mode === 'overview' && Math.abs(Math.log(k / this.drawnK)) > 0.15) this.region = null;
    const r = this.region;
    if (r && view.x0 >= r.x0 && view.x1 <= r.x1 && view.y0 >= r.y0 && view.y1 <= r.y1) return;
    // Draw the viewport and half a viewport around it.
    const mx = Math.max((view.x1 - view.x0) * 0.5, NODE_W);
    const my = Math.max((view.y1 - view.y0) * 0.5, NODE_H * 2);
    const reg = { x0: view.x0 - mx, y0: view.y0 - my, x1: view.x1 + mx, y1: view.y1 + my };
    this.region = reg;

    const visible: Point[] = [];
    let d = '';
    for (const p of this.points) {
      const inX = p.x + NODE_W >= reg.x0 && p.x - 24 <= reg.x1;
      const inY = p.y + NODE_H + 18 >= reg.y0 && p.y <= reg.y1;
      if (inX && inY) visible.push(p);
      const q = p.parent;
      if (q) {
        const ax = q.x + NODE_W;
        const ay = q.y + NODE_H / 2;
        const bx = p.x;
        const by = p.y + NODE_H / 2;
        if (bx >= reg.x0 && ax <= reg.x1 && Math.max(ay, by) >= reg.y0 && Math.min(ay, by) <= reg.y1) {
          if (mode === 'overview') d += `M${ax},${ay}L${bx},${by}`;
          else {
            const mx2 = (ax + bx) / 2;
            d += `M${ax},${ay}C${mx2},${ay} ${mx2},${by} ${bx},${by}`;
          }
        }
      }
    }
    this.linksPath.setAttribute('d', d);
    if (mode === 'overview') this.drawOverview(visible);
    else this.drawDetail(visible);
    this.stats.renderMs = performance.now() - t0;
    this.stats.nodesInDom = this.rendered.size;
    this.svgEl.dataset.rendered = String(this.rendered.size);
    this.svgEl.dataset.laidOut = String(this.points.length);
  }

  private drawDetail(visible: Point[]): void {
    const want = new Set<string>();
    const frag = document.createDocumentFragment();
    for (const p of visible) {
      want.add(p.data.key);
      if (!this.rendered.has(p.data.key)) {
        const g = this.nodeElement(p);
        this.rendered.set(p.data.key, g);
        frag.append(g);
      }
    }
    for (const [key, g] of this.rendered) {
      if (!want.has(key)) {
        g.remove();
        this.rendered.delete(key);
      }
    }
    this.nodesLayer.append(frag);
    const sel = this.rendered.get(this.selected);
    if (sel) this.el.setAttribute('aria-activedescendant', sel.id);
    else this.el.removeAttribute('aria-activedescendant');
  }

  private drawOverview(visible: Point[]): void {
    // Wrong nodes last, so that they stay on top when shapes overlap.
    const paths: Record<string, string> = { correct: '', unknown: '', primitive: '', wrong: '', match: '', collapsed: '' };
    // At least 4×3 px on screen, however far out.
    const k = this.t.k;
    this.drawnK = k;
    const w = Math.max(NODE_W, 4 / k);
    const h = Math.max(NODE_H, 3 / k);
    for (const p of visible) {
      const n = p.data.node;
      const rect = `M${p.x},${p.y}h${w}v${h}h${-w}Z`;
      const cls = n.primitive ? 'primitive' : stateOf(n.answer);
      paths[cls] += rect;
      if (this.matches.has(p.data.key)) paths.match += rect;
      if (p.data.children.length && !this.isOpen(p.data)) paths.collapsed += `M${p.x},${p.y + h + 4 / k}h${w}`;
    }
    const els: SVGElement[] = [];
    for (const [cls, d] of Object.entries(paths)) if (d) els.push(svg('path', { d }, `ov ov-${cls}`));
    const sp = this.pointByKey.get(this.selected);
    const pad = 4 / k;
    if (sp) els.push(svg('rect', { x: sp.x - pad, y: sp.y - pad, width: w + 2 * pad, height: h + 2 * pad }, 'ov-selected'));
    this.overviewLayer.replaceChildren(...els);
    this.el.removeAttribute('aria-activedescendant');
  }

  // ------------------------------------------------------------------ one node

  private chipsOf(inode: INode): Chip[] {
    const n = inode.node;
    const chips: Chip[] = [];
    const src = n.source;
    if (src === 'override') chips.push({ tag: '✎', value: n.answer.label, state: stateOf(n.answer), used: true, kind: 'override' });
    else if (src === 'lookup' || (n.primitive && src !== 'X' && src !== 'H')) chips.push({ tag: 'lookup', value: n.answer.label, state: stateOf(n.answer), used: true, kind: 'lookup' });
    else if ((src !== 'X' && src !== 'H') || (src === 'X' && !n.x) || (src === 'H' && !n.h)) chips.push({ tag: src, value: n.answer.label, state: stateOf(n.answer), used: true, kind: 'other' });
    if (n.x) chips.push({ tag: 'X', value: n.x.label, state: stateOf(n.x), used: src === 'X', kind: 'x' });
    if (n.h) chips.push({ tag: 'H', value: n.h.label, state: stateOf(n.h), used: src === 'H', kind: 'h' });
    if (!this.hideTruth) chips.push({ tag: 'T', value: n.truth.label, state: 'truth', used: false, kind: 'truth' });
    return chips;
  }

  private nodeElement(p: Point): SVGGElement {
    const inode = p.data;
    const n = inode.node;
    const state = stateOf(n.answer);
    const open = this.isOpen(inode);
    const collapsed = inode.children.length > 0 && !open;
    const classes = ['node', `s-${state}`];
    if (n.primitive) classes.push('primitive');
    if (n.source === 'override') classes.push('overridden');
    if (n.changed) classes.push('changed');
    if (n.compared?.differs) classes.push('differs');
    if (n.annotations > 0) classes.push('annotated');
    if (n.error) classes.push('has-error');
    if (collapsed) classes.push('collapsed');
    if (n.expandable) classes.push('expandable');
    if (n.opened) classes.push('opened');
    if (inode.key === this.selected) classes.push('selected');
    if (this.searchQuery) classes.push(this.matches.has(inode.key) ? 'match' : 'dim');
    if (this.flashKeys.delete(inode.key)) classes.push('flash');

    const g = svg('g', { transform: `translate(${p.x},${p.y})` }, classes.join(' '));
    g.id = `node-${inode.key === '' ? 'root' : inode.key.replace(/\./g, '-')}`;
    g.dataset.key = inode.key;
    g.dataset.label = n.label;
    g.dataset.state = state;
    g.setAttribute('role', 'treeitem');
    g.setAttribute('aria-level', String(inode.depth + 1));
    g.setAttribute('aria-selected', String(inode.key === this.selected));
    if (inode.children.length || n.expandable) g.setAttribute('aria-expanded', String(open));
    const chips = this.chipsOf(inode);
    g.setAttribute('aria-label', describe(inode, chips));

    const title = svg('title');
    title.textContent = `${n.label}  [${n.question.join(' ')}]${n.error ? `\n⚠ ${n.error}` : ''}`;
    g.append(title);

    if (collapsed) g.append(svg('rect', { x: 4, y: 4, width: NODE_W, height: NODE_H, rx: 5 }, 'stack'));
    g.append(svg('rect', { width: NODE_W, height: NODE_H, rx: n.primitive ? 16 : 5 }, 'card'));
    g.append(svg('rect', { x: 0, y: 0, width: 4, height: NODE_H, rx: 2 }, 'state-bar'));

    // Row 1: the question, then badges (right-aligned): Δ, ⚠, note count.
    const badges: { text: string; cls: string; label: string }[] = [];
    if (n.expandable && inode.children.length === 0) badges.push({ text: '⊕', cls: 'b-expand more', label: 'expand into its own decomposition (→ or double-click)' });
    if (n.opened && inode.children.length > 0) badges.push({ text: '⊖', cls: 'b-opened more', label: 'opened on request: click or ← closes it' });
    if (n.changed) badges.push({ text: 'Δ', cls: 'b-changed', label: 'changed since the previous round' });
    if (n.compared?.differs) badges.push({ text: '≠', cls: 'b-differs', label: `differs in the compared tree: answer ${n.compared.answer.label}${n.compared.x ? `, X ${n.compared.x.label}` : ''}` });
    if (n.error) badges.push({ text: '⚠', cls: 'b-error', label: n.error });
    if (n.annotations > 0) badges.push({ text: `✉${n.annotations}`, cls: 'b-note', label: `${n.annotations} note(s)` });
    let bx = NODE_W - 8;
    for (const b of badges.reverse()) {
      const w = textWidth(b.text, b.cls.startsWith('b-expand') || b.cls.startsWith('b-opened') ? this.fontLabel : this.fontChip);
      const t = svg('text', { x: bx, y: 17, 'text-anchor': 'end' }, `badge ${b.cls}`);
      t.textContent = b.text;
      const tip = svg('title');
      tip.textContent = b.label;
      t.append(tip);
      g.append(t);
      bx -= w + 6;
    }
    const labelText = svg('text', { x: 11, y: 17 }, 'label');
    labelText.textContent = fitText(n.label, this.fontLabel, bx - 11);
    g.append(labelText);

    // Row 2: answer chips.
    const avail = NODE_W - 11 - 6;
    const gap = 4;
    const fmt = (c: Chip, max: number): string => {
      const v = c.value.length > max ? `${c.value.slice(0, Math.max(1, max - 1))}…` : c.value;
      return c.state === 'truth' ? v : `${v} ${iconOf(c.state)}`;
    };
    let max = 14;
    const widthOf = (m: number): number =>
      chips.reduce((s, c) => s + textWidth(`${c.tag} ${fmt(c, m)}`, this.fontChip) + 10 + gap, -gap);
    while (max > 1 && widthOf(max) > avail) max--;
    let cx = 11;
    for (const c of chips) {
      const body = fmt(c, max);
      const w = textWidth(`${c.tag} ${body}`, this.fontChip) + 10;
      const cg = svg('g', { transform: `translate(${cx},26)` }, `chip c-${c.kind} cs-${c.state}${c.used ? ' used' : ''}`);
      cg.append(svg('rect', { width: w, height: 17, rx: 3 }));
      const t = svg('text', { x: 5, y: 12.5 });
      const tag = svg('tspan', {}, 'tag');
      tag.textContent = `${c.tag} `;
      const val = svg('tspan', {}, 'val');
      val.textContent = body;
      t.append(tag, val);
      cg.append(t);
      g.append(cg);
      cx += w + gap;
    }

    // Below: what a collapsed subtree hides, or that a leaf can be opened.
    if (collapsed) {
      const more = svg('text', { x: 10, y: NODE_H + 13 }, `more${inode.wrongBelow ? ' has-wrong' : ''}`);
      more.textContent = `▸ ${inode.below} hidden${inode.wrongBelow ? ` · ${inode.wrongBelow} ✗` : ' · all ✓/?'}`;
      g.append(more);
    }

    // The edge label: the subquestion's order.
    if (inode.parent) {
      const o = svg('g', { transform: `translate(-15,${NODE_H / 2})` }, 'order');
      o.append(svg('circle', { r: 8.5 }));
      const t = svg('text', { y: 4, 'text-anchor': 'middle' });
      t.textContent = String(inode.index + 1);
      o.append(t);
      g.append(o);
    }
    return g;
  }

  private updateSelectionClasses(prev: string): void {
    const a = this.rendered.get(prev);
    if (a) {
      a.classList.remove('selected');
      a.setAttribute('aria-selected', 'false');
    }
    const b = this.rendered.get(this.selected);
    if (b) {
      b.classList.add('selected');
      b.setAttribute('aria-selected', 'true');
      this.el.setAttribute('aria-activedescendant', b.id);
    }
    if (this.mode === 'overview') {
      this.region = null;
      this.cull();
    }
  }

  private announce(): void {
    const n = this.ix?.byKey.get(this.selected);
    if (n) this.live.textContent = describe(n, this.chipsOf(n));
  }

  private hostExpand(key: string, open: boolean): void {
    if (!this.pin) return;
    // The host's next tree says whether the node is open (`opened`); a local choice would shadow it.
    delete this.pin.open[key];
    this.cb.hostExpand(key, open);
    this.cb.viewChanged();
  }

  // ------------------------------------------------------------------ input

  private keyAt(ev: Event): string | null {
    const target = ev.target as Element | null;
    const g = target?.closest?.('g.node') as SVGGElement | null;
    if (g) return g.dataset.key ?? null;
    if (this.mode === 'overview' && ev instanceof MouseEvent) {
      const rect = this.svgEl.getBoundingClientRect();
      const x = (ev.clientX - rect.left - this.t.x) / this.t.k;
      const y = (ev.clientY - rect.top - this.t.y) / this.t.k;
      let best: Point | null = null;
      let bestD = Infinity;
      for (const p of this.points) {
        const dx = Math.max(0, Math.abs(x - (p.x + NODE_W / 2)) - NODE_W / 2);
        const dy = Math.max(0, Math.abs(y - (p.y + NODE_H / 2)) - NODE_H / 2);
        const d = dx * dx + dy * dy;
        if (d < bestD) {
          bestD = d;
          best = p;
        }
      }
      if (best && bestD <= (12 / this.t.k) ** 2) return best.data.key;
    }
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
    if (this.mode === 'overview') {
      this.centerOn(key);
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

function describe(n: INode, chips: Chip[]): string {
  const parts = [n.node.label];
  for (const c of chips) parts.push(c.state === 'truth' ? `truth ${c.value}` : `${c.tag === '✎' ? 'override' : c.tag} ${c.value} ${stateWord(c.state)}${c.used ? ' (used)' : ''}`);
  if (n.node.primitive) parts.push('primitive lookup');
  if (n.node.changed) parts.push('changed since the previous round');
  if (n.node.compared?.differs) parts.push(`differs in the compared tree (answer ${n.node.compared.answer.label})`);
  if (n.node.annotations) parts.push(`${n.node.annotations} notes`);
  if (n.children.length) parts.push(`${n.children.length} subquestions`);
  if (n.node.expandable) parts.push('expandable');
  if (n.node.opened) parts.push('opened on request');
  return parts.join(', ');
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
