/**
 * The tree's layout and viewport: d3.hierarchy + d3.tree place the open nodes, d3.zoom pans and
 * zooms, and culling keeps the DOM small for big trees:
 * - only the nodes in (a margin around) the viewport are in the DOM, and panning inside that
 *   margin touches nothing but one transform attribute;
 * - all edges are one <path>;
 * - zoomed out (scale < 0.4) the tree is drawn as an overview: one <path> per node state, no text.
 */
import { hierarchy, tree as d3tree, type HierarchyPointNode } from 'd3-hierarchy';
import { select } from 'd3-selection';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior } from 'd3-zoom';
import { svg } from '../dom';
import type { INode, IndexedTree } from './model';
import type { Transform } from './state';
import { NODE_H, NODE_W, type NodeLayers, type Point } from './tree-nodes';

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
/** The smallest scale a fit uses: chip text (11 px) stays at least 10 px on screen; beyond it, pan. */
export const MIN_READABLE_SCALE = 10 / 11;
/** The largest scale a fit uses (a small tree is not blown up). */
const MAX_FIT_SCALE = 1.1;

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A screen position relative to the svg. */
export interface ScreenPoint {
  x: number;
  y: number;
}

export class Viewport {
  readonly svgEl: SVGSVGElement;
  private g: SVGGElement;
  private linksPath: SVGPathElement;
  private zoomer: ZoomBehavior<SVGSVGElement, unknown>;
  private points: Point[] = [];
  private pointByKey = new Map<string, Point>();
  /** The region (layout coordinates) the DOM currently covers. */
  private region: Region | null = null;
  private drawn: 'detail' | 'overview' = 'detail';
  /** The scale the overview was drawn at (its shapes have a minimum size on screen). */
  private drawnK = 1;
  private t: Transform = { x: 0, y: 0, k: 1 };
  private pendingFit = false;
  /** The view is the automatic fit (no pan or zoom by the user since): redone on resize and on every tree change. */
  private autoView = false;
  private applyingTransform = false;
  private cullFrame = 0;

  /** `moved`: the transform changed (by the user or by a call here). */
  constructor(private layers: NodeLayers, private moved: (t: Transform) => void) {
    this.svgEl = svg('svg', {}, 'tree-svg');
    this.svgEl.setAttribute('aria-hidden', 'false');
    this.g = svg('g', {}, 'viewport');
    this.linksPath = svg('path', { d: '' }, 'links');
    this.g.append(this.linksPath, layers.overview, layers.nodes);
    this.svgEl.append(this.g);

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
  }

  /** Drawn as cards (detail) or as shapes (overview). */
  get mode(): 'detail' | 'overview' {
    return this.drawn;
  }

  /** Is the node laid out (its ancestors open)? */
  has(key: string): boolean {
    return this.pointByKey.has(key);
  }

  /** Lays out the open nodes of `ix` (none for null); every node element is drawn again. */
  layout(ix: IndexedTree | null, isOpen: (n: INode) => boolean): void {
    this.points = [];
    this.pointByKey.clear();
    if (ix) {
      const root = hierarchy<INode>(ix.root, (n) => (isOpen(n) ? n.children : null));
      const collapsed = (n: INode): boolean => n.children.length > 0 && !isOpen(n);
      const laid = d3tree<INode>()
        .nodeSize([NODE_H + GAP_Y, NODE_W + GAP_X])
        // Room for a collapsed node's "n hidden" line below it. d3 passes the pair in either order
        // (upper, lower or lower, upper), so either collapsed makes room.
        .separation((a, b) => (a.parent === b.parent ? 1 : 1.25) + (collapsed(a.data) || collapsed(b.data) ? MORE_H / (NODE_H + GAP_Y) : 0))(root);
      const made = new Map<HierarchyPointNode<INode>, Point>();
      laid.each((p) => {
        // d3.tree lays out top-down (x across, y down); the Explorer's tree grows to the right.
        const pt: Point = { data: p.data, x: p.y, y: p.x - NODE_H / 2, parent: p.parent ? made.get(p.parent)! : null };
        made.set(p, pt);
        this.points.push(pt);
        this.pointByKey.set(p.data.key, pt);
      });
    }
    this.layers.clearNodes();
    this.region = null;
  }

  /** Is the view the automatic fit (the user has not panned or zoomed since)? */
  get fitted(): boolean {
    return this.autoView || this.pendingFit;
  }

  /** The panel was resized: fit again if the view is the automatic fit, else draw what came into view. */
  resized(): void {
    if (this.fitted && this.size().w > 0) this.fit();
    else this.scheduleCull(true);
  }

  centerOn(key: string): void {
    const p = this.pointByKey.get(key);
    const { w, h } = this.size();
    if (!p || w === 0) return;
    const k = Math.max(this.t.k, 0.8);
    this.setTransform({ k, x: w / 2 - (p.x + NODE_W / 2) * k, y: h / 2 - (p.y + NODE_H / 2) * k });
  }

  /**
   * Fits the whole (open) tree into the view when it is readable so (the scale at least
   * MIN_READABLE_SCALE); else the root at the left at that scale, the rest reached by panning.
   * The view is then the automatic fit until the user pans or zooms.
   */
  fit(): void {
    const { w, h } = this.size();
    if (!this.points.length) return;
    if (w === 0 || h === 0) {
      this.pendingFit = true;
      return;
    }
    this.pendingFit = false;
    const b = this.bounds();
    const kFit = Math.min(w / (b.x1 - b.x0), h / (b.y1 - b.y0), MAX_FIT_SCALE) * 0.94;
    if (kFit >= MIN_READABLE_SCALE) {
      this.setTransform({ k: kFit, x: w / 2 - ((b.x0 + b.x1) / 2) * kFit, y: h / 2 - ((b.y0 + b.y1) / 2) * kFit }, false, true);
      return;
    }
    const k = MIN_READABLE_SCALE;
    const root = this.pointByKey.get('')!;
    // Centred across when the tree is narrow enough, else the root at the left; the top of the
    // tree in view if that keeps the root in the upper three quarters, else the root at three
    // quarters of the height (never at the bottom edge, half hidden).
    const x = (b.x1 - b.x0) * k <= w ? w / 2 - ((b.x0 + b.x1) / 2) * k : 8 - b.x0 * k;
    const rootMid = (root.y + NODE_H / 2) * k;
    const y = (b.y1 - b.y0) * k <= h ? h / 2 - ((b.y0 + b.y1) / 2) * k : Math.min(Math.max(h / 2 - rootMid, 8 - b.y0 * k), 0.75 * h - rootMid);
    this.setTransform({ k, x, y }, false, true);
  }

  /** Screen position of a laid-out node's top-left corner. */
  screenOf(key: string): ScreenPoint | null {
    const p = this.pointByKey.get(key);
    return p ? { x: this.t.x + p.x * this.t.k, y: this.t.y + p.y * this.t.k } : null;
  }

  /**
   * After a new layout: pans so that `key` is back where `screenOf` saw it. False (and nothing
   * moves) when the node or the anchor is missing.
   */
  keepAt(key: string, anchor: ScreenPoint | null, forceRedraw = false): boolean {
    const p = this.pointByKey.get(key);
    if (!anchor || !p) return false;
    this.setTransform({ k: this.t.k, x: anchor.x - p.x * this.t.k, y: anchor.y - p.y * this.t.k }, forceRedraw);
    return true;
  }

  /** Pans (at the same scale) just enough to show a node with its order label and "hidden" line. */
  scrollIntoView(key: string): void {
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

  /** The overview's hit test: the node within 12 px (on screen) of a mouse position, if any. */
  keyNear(ev: MouseEvent): string | null {
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
    return best && bestD <= (12 / this.t.k) ** 2 ? best.data.key : null;
  }

  /** `auto`: the transform is the automatic fit (see `fitted`). */
  setTransform(t: Transform, forceRedraw = false, auto = false): void {
    this.autoView = auto;
    this.pendingFit = false;
    if (forceRedraw) this.region = null;
    this.applyingTransform = true;
    select(this.svgEl).call(this.zoomer.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
    this.applyingTransform = false;
    // zoom.transform dispatches synchronously; make sure the DOM is current either way.
    this.cull();
  }

  /** Draws everything again (after a layout or a change of what nodes show). */
  redraw(rebuild = true): void {
    if (rebuild) {
      this.layers.clearNodes();
      this.region = null;
    }
    this.cull();
  }

  /** Draws the region again, keeping the node elements (the overview has none to keep). */
  refresh(): void {
    this.region = null;
    this.cull();
  }

  private onZoom(t: { x: number; y: number; k: number }): void {
    this.t = { x: t.x, y: t.y, k: t.k };
    this.g.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
    if (!this.applyingTransform) this.autoView = false;
    this.svgEl.dataset.fitted = String(this.autoView);
    this.moved({ ...this.t });
    if (this.applyingTransform) return;
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

  /** Brings the DOM up to date with the viewport, when the viewport left the region drawn. */
  private cull(): void {
    const { w, h } = this.size();
    const mode = this.t.k < OVERVIEW_SCALE ? 'overview' : 'detail';
    if (mode !== this.drawn) {
      this.drawn = mode;
      this.region = null;
      this.layers.clearNodes();
      this.layers.clearOverview();
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
    if (mode === 'overview') {
      this.drawnK = k;
      this.layers.drawOverview(visible, k, this.pointByKey);
    } else {
      this.layers.drawDetail(visible);
    }
    this.svgEl.dataset.rendered = String(this.layers.count);
    this.svgEl.dataset.laidOut = String(this.points.length);
  }

  private bounds(): Region {
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

  private size(): { w: number; h: number } {
    return { w: this.svgEl.clientWidth, h: this.svgEl.clientHeight };
  }
}

