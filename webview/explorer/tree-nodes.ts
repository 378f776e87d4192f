/**
 * Drawing the tree's nodes in SVG. Close up (detail), each node is a card: the question, badges
 * (Δ, ≠, ⚠, notes, ⊕/⊖), the answer chips (who answered, X, H, the truth), what a collapsed
 * subtree hides and the subquestion's order. Zoomed out (overview), the nodes are one <path> per
 * state, with no text. Only the nodes the viewport asks for are in the DOM (see tree-viewport.ts).
 */
import { counted } from '../../src/protocol/explorer';
import { svg } from '../dom';
import { iconOf, stateOf, stateWord, type AnswerState, type INode } from './model';
import { personBadge, personWords } from './person';

export const NODE_W = 204;
export const NODE_H = 48;

/** A laid-out node: (x, y) is the top-left corner of its card; the tree grows to the right. */
export interface Point {
  data: INode;
  x: number;
  y: number;
  parent: Point | null;
}

/** What a node's look depends on besides the node itself (the tree view's state). */
export interface NodeLook {
  readonly selected: string;
  readonly hideTruth: boolean;
  /** A search is under way: matches are marked, the other nodes dimmed. */
  readonly searching: boolean;
  readonly matches: ReadonlySet<string>;
  isOpen(n: INode): boolean;
  /** True once for a node that should flash (changed since the previous round), then false. */
  takeFlash(key: string): boolean;
  /** "Why is this wrong?": the nodes from the one asked about down to where the error starts, and that node. */
  readonly blamePath: ReadonlySet<string>;
  readonly blameOrigin: string | null;
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

/** A tooltip (an SVG <title>) on an element. */
function tip(el: SVGElement, text: string): void {
  const t = svg('title');
  t.textContent = text;
  el.append(t);
}

const CHIP_WHO: Record<string, string> = {
  x: 'X, the learned model', h: 'H combining the subanswers (Amplify)', lookup: 'a lookup in the facts (primitive question)', override: 'your override', truth: 'the ground truth',
};

/** A chip's tooltip: who answered, the full answer, whether it is right (unless blind) and used. */
function chipTip(c: Chip): string {
  const who = CHIP_WHO[c.kind] ?? `answered by ${c.tag}`;
  if (c.state === 'truth') return `T: ${who}: ${c.value}`;
  const right = c.state === 'hidden' ? '' : ` — ${stateWord(c.state)} ${iconOf(c.state)}`;
  return `${c.tag}: ${who}: ${c.value}${right}${c.used ? ' (bold border: the answer this node passes up)' : ''}`;
}

/** The layers the nodes are drawn in, and the node elements in the DOM by key. */
export class NodeLayers {
  readonly nodes = svg('g', {}, 'nodes');
  readonly overview = svg('g', {}, 'overview');
  private rendered = new Map<string, SVGGElement>();
  private fontLabel = '600 12px monospace';
  private fontChip = '11px monospace';

  /** `owner`: the tree element, whose aria-activedescendant follows the selected node. */
  constructor(private look: NodeLook, private owner: HTMLElement) {}

  /** The fonts the cards are measured in (the theme's font family). */
  setFontFamily(family: string): void {
    this.fontLabel = `600 12px ${family}`;
    this.fontChip = `11px ${family}`;
  }

  /** Node elements in the DOM. */
  get count(): number {
    return this.rendered.size;
  }

  /** Removes every node element (positions or looks changed: they are drawn again). */
  clearNodes(): void {
    this.nodes.replaceChildren();
    this.rendered.clear();
  }

  clearOverview(): void {
    this.overview.replaceChildren();
  }

  /** Detail: the cards of `visible` in the DOM, and no others (those already there are kept). */
  drawDetail(visible: Point[]): void {
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
    this.nodes.append(frag);
    const sel = this.rendered.get(this.look.selected);
    if (sel) this.owner.setAttribute('aria-activedescendant', sel.id);
    else this.owner.removeAttribute('aria-activedescendant');
  }

  /** Overview at scale `k`: one path per node state, the selection outlined. */
  drawOverview(visible: Point[], k: number, pointByKey: ReadonlyMap<string, Point>): void {
    // Wrong nodes last, so that they stay on top when shapes overlap.
    const paths: Record<string, string> = { hidden: '', correct: '', unknown: '', primitive: '', wrong: '', match: '', collapsed: '' };
    // At least 4×3 px on screen, however far out.
    const w = Math.max(NODE_W, 4 / k);
    const h = Math.max(NODE_H, 3 / k);
    for (const p of visible) {
      const n = p.data.node;
      const rect = `M${p.x},${p.y}h${w}v${h}h${-w}Z`;
      const cls = n.primitive ? 'primitive' : stateOf(n.answer, this.look.hideTruth);
      paths[cls] += rect;
      if (this.look.matches.has(p.data.key)) paths.match += rect;
      if (p.data.children.length && !this.look.isOpen(p.data)) paths.collapsed += `M${p.x},${p.y + h + 4 / k}h${w}`;
    }
    const els: SVGElement[] = [];
    for (const [cls, d] of Object.entries(paths)) if (d) els.push(svg('path', { d }, `ov ov-${cls}`));
    const sp = pointByKey.get(this.look.selected);
    const pad = 4 / k;
    if (sp) els.push(svg('rect', { x: sp.x - pad, y: sp.y - pad, width: w + 2 * pad, height: h + 2 * pad }, 'ov-selected'));
    this.overview.replaceChildren(...els);
    this.owner.removeAttribute('aria-activedescendant');
  }

  /** Moves the selected look from `prev` to the current selection (the cards in the DOM). */
  updateSelection(prev: string): void {
    const a = this.rendered.get(prev);
    if (a) {
      a.classList.remove('selected');
      a.setAttribute('aria-selected', 'false');
    }
    const b = this.rendered.get(this.look.selected);
    if (b) {
      b.classList.add('selected');
      b.setAttribute('aria-selected', 'true');
      this.owner.setAttribute('aria-activedescendant', b.id);
    }
  }

  /** A node in words, as a screen reader reads it. */
  describe(n: INode): string {
    return describe(n, this.chipsOf(n));
  }

  private chipsOf(inode: INode): Chip[] {
    const n = inode.node;
    const chips: Chip[] = [];
    const src = n.source;
    if (src === 'override') chips.push({ tag: '✎', value: n.answer.label, state: stateOf(n.answer, this.look.hideTruth), used: true, kind: 'override' });
    else if (src === 'lookup' || (n.primitive && src !== 'X' && src !== 'H')) chips.push({ tag: 'lookup', value: n.answer.label, state: stateOf(n.answer, this.look.hideTruth), used: true, kind: 'lookup' });
    else if ((src !== 'X' && src !== 'H') || (src === 'X' && !n.x) || (src === 'H' && !n.h)) chips.push({ tag: src, value: n.answer.label, state: stateOf(n.answer, this.look.hideTruth), used: true, kind: 'other' });
    if (n.x) chips.push({ tag: 'X', value: n.x.label, state: stateOf(n.x, this.look.hideTruth), used: src === 'X', kind: 'x' });
    if (n.h) chips.push({ tag: 'H', value: n.h.label, state: stateOf(n.h, this.look.hideTruth), used: src === 'H', kind: 'h' });
    if (!this.look.hideTruth) chips.push({ tag: 'T', value: n.truth.label, state: 'truth', used: false, kind: 'truth' });
    return chips;
  }

  private nodeElement(p: Point): SVGGElement {
    const inode = p.data;
    const n = inode.node;
    const state = stateOf(n.answer, this.look.hideTruth);
    const open = this.look.isOpen(inode);
    const collapsed = inode.children.length > 0 && !open;
    const selected = inode.key === this.look.selected;
    const classes = ['node', `s-${state}`];
    if (n.primitive) classes.push('primitive');
    if (n.source === 'override') classes.push('overridden');
    if (n.changed) classes.push('changed');
    if (n.byOverride) classes.push(`ov-${n.byOverride}`);
    if (this.look.blamePath.has(inode.key)) classes.push('blame-path');
    if (this.look.blameOrigin === inode.key) classes.push('blame-origin');
    if (n.compared?.differs) classes.push('differs');
    if (n.annotations > 0) classes.push('annotated');
    if (n.error) classes.push('has-error');
    if (collapsed) classes.push('collapsed');
    if (n.expandable) classes.push('expandable');
    if (n.opened) classes.push('opened');
    if (selected) classes.push('selected');
    if (this.look.searching) classes.push(this.look.matches.has(inode.key) ? 'match' : 'dim');
    if (this.look.takeFlash(inode.key)) classes.push('flash');

    const g = svg('g', { transform: `translate(${p.x},${p.y})` }, classes.join(' '));
    g.id = `node-${inode.key === '' ? 'root' : inode.key.replace(/\./g, '-')}`;
    g.dataset.key = inode.key;
    g.dataset.label = n.label;
    g.dataset.state = state;
    g.setAttribute('role', 'treeitem');
    g.setAttribute('aria-level', String(inode.depth + 1));
    g.setAttribute('aria-selected', String(selected));
    if (inode.children.length || n.expandable) g.setAttribute('aria-expanded', String(open));
    const chips = this.chipsOf(inode);
    g.setAttribute('aria-label', describe(inode, chips));

    const title = svg('title');
    title.textContent = `${n.label}  [${n.question.join(' ')}]${n.error ? `\n⚠ ${n.error}` : ''}`;
    g.append(title);

    if (collapsed) {
      const stack = svg('rect', { x: 4, y: 4, width: NODE_W, height: NODE_H, rx: 5 }, 'stack');
      tip(stack, 'stacked card: a collapsed subtree');
      g.append(stack);
    }
    g.append(svg('rect', { width: NODE_W, height: NODE_H, rx: n.primitive ? 16 : 5 }, 'card'));
    const bar = svg('rect', { x: 0, y: 0, width: 4, height: NODE_H, rx: 2 }, 'state-bar');
    if (state !== 'hidden') tip(bar, `side bar: the answer is ${stateWord(state)}`);
    g.append(bar);
    const labelRight = this.drawBadges(g, inode);
    const labelText = svg('text', { x: 11, y: 17 }, 'label');
    labelText.textContent = fitText(n.label, this.fontLabel, labelRight - 11);
    g.append(labelText);
    this.drawChips(g, chips);

    // Below: what a collapsed subtree hides, or that a leaf can be opened.
    if (collapsed) {
      // Blind mode: how many, not how many are wrong.
      const wrong = this.look.hideTruth ? 0 : inode.wrongBelow;
      const more = svg('text', { x: 10, y: NODE_H + 13 }, `more${wrong ? ' has-wrong' : ''}`);
      more.textContent = `▸ ${inode.below} hidden${this.look.hideTruth ? '' : wrong ? ` · ${wrong} ✗` : ' · all ✓/?'}`;
      tip(more, `${counted(inode.below, 'node')} below, collapsed${wrong ? `, ${wrong} with a wrong answer` : ''}: click to open`);
      g.append(more);
    }

    // The edge label: the subquestion's order.
    if (inode.parent) {
      const o = svg('g', { transform: `translate(-15,${NODE_H / 2})` }, 'order');
      o.append(svg('circle', { r: 8.5 }));
      tip(o, `subquestion ${inode.index + 1} of ${inode.parent.children.length}`);
      const t = svg('text', { y: 4, 'text-anchor': 'middle' });
      t.textContent = String(inode.index + 1);
      o.append(t);
      g.append(o);
    }
    return g;
  }

  /** Row 1, right-aligned after the question: ⊕/⊖, Δ, ≠, ⚠, the note count. Returns where they start. */
  private drawBadges(g: SVGGElement, inode: INode): number {
    const n = inode.node;
    const badges: { text: string; cls: string; label: string }[] = [];
    if (n.expandable && inode.children.length === 0) badges.push({ text: '⊕', cls: 'b-expand more', label: 'expand into its own decomposition (→ or double-click)' });
    if (n.opened && inode.children.length > 0) badges.push({ text: '⊖', cls: 'b-opened more', label: 'opened on request: click or ← closes it' });
    if (n.changed) badges.push({ text: 'Δ', cls: 'b-changed', label: 'changed since the previous round' });
    if (n.byOverride === 'new') badges.push({ text: '+✎', cls: 'b-ov-new', label: 'new: H asks this only because of an override' });
    else if (n.byOverride === 'changed' && n.source !== 'override') badges.push({ text: '~✎', cls: 'b-ov-changed', label: 'answer changed by an override' });
    if (n.compared?.differs) badges.push({ text: '≠', cls: 'b-differs', label: `differs in the compared tree: ${n.compared.label ? `there H asked ${n.compared.label}, ` : ''}answer ${n.compared.answer.label}${n.compared.x ? `, X ${n.compared.x.label}` : ''}` });
    if (n.error) badges.push({ text: '⚠', cls: 'b-error', label: n.error });
    if (n.annotations > 0) badges.push({ text: `✉${n.annotations}`, cls: 'b-note', label: `${n.annotations} note(s)` });
    const person = personBadge(inode);
    if (person) badges.push(person);
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
    return bx;
  }

  /** Row 2: the answer chips, their values shortened alike until they fit — except an override's, never cut (chips after it give way). */
  private drawChips(g: SVGGElement, chips: Chip[]): void {
    const avail = NODE_W - 11 - 6;
    const gap = 4;
    const fmt = (c: Chip, max: number): string => {
      const v = c.kind !== 'override' && c.value.length > max ? `${c.value.slice(0, Math.max(1, max - 1))}…` : c.value;
      return c.state === 'truth' || c.state === 'hidden' ? v : `${v} ${iconOf(c.state)}`;
    };
    let max = 14;
    const widthOf = (m: number): number =>
      chips.reduce((s, c) => s + textWidth(`${c.tag} ${fmt(c, m)}`, this.fontChip) + 10 + gap, -gap);
    while (max > 1 && widthOf(max) > avail) max--;
    let cx = 11;
    for (const c of chips) {
      const body = fmt(c, max);
      const w = textWidth(`${c.tag} ${body}`, this.fontChip) + 10;
      if (cx + w > 11 + avail + 6 && c.kind !== 'override') break; // no room left beside a long override
      const cg = svg('g', { transform: `translate(${cx},26)` }, `chip c-${c.kind} cs-${c.state}${c.used ? ' used' : ''}`);
      cg.append(svg('rect', { width: w, height: 17, rx: 3 }));
      const t = svg('text', { x: 5, y: 12.5 });
      const tag = svg('tspan', {}, 'tag');
      tag.textContent = `${c.tag} `;
      const val = svg('tspan', {}, 'val');
      val.textContent = body;
      t.append(tag, val);
      cg.append(t);
      tip(cg, chipTip(c));
      g.append(cg);
      cx += w + gap;
    }
  }
}

function describe(n: INode, chips: Chip[]): string {
  const parts = [n.node.label];
  for (const c of chips) parts.push(c.state === 'truth' ? `truth ${c.value}` : `${c.tag === '✎' ? 'override' : c.tag} ${c.value}${c.state === 'hidden' ? '' : ` ${stateWord(c.state)}`}${c.used ? ' (used)' : ''}`);
  if (n.node.primitive) parts.push('primitive lookup');
  if (n.node.changed) parts.push('changed since the previous round');
  if (n.node.byOverride === 'new') parts.push('new because of an override');
  else if (n.node.byOverride === 'changed' && n.node.source !== 'override') parts.push('changed by an override');
  if (n.node.compared?.differs) parts.push(`differs in the compared tree (${n.node.compared.label ? `question ${n.node.compared.label}, ` : ''}answer ${n.node.compared.answer.label})`);
  if (n.node.annotations) parts.push(counted(n.node.annotations, 'note'));
  const person = personWords(n);
  if (person) parts.push(person);
  if (n.children.length) parts.push(counted(n.children.length, 'subquestion'));
  if (n.node.expandable) parts.push('expandable');
  if (n.node.opened) parts.push('opened on request');
  return parts.join(', ');
}
