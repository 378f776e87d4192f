/**
 * Export Tree, webview side: the tree as shown (SVG with the computed styles inlined, so that it
 * stands alone in the current theme; PNG drawn from that SVG on a canvas) and the whole tree with
 * every answer (JSON, a Markdown outline). The host asks (`exportTree`), this builds the content,
 * the host saves it where the user chooses.
 */
import type { ExportedTree, ExportFormat } from '../../src/protocol/export';
import type { AnswerView, NodeView, TreeView } from '../../src/protocol/explorer';

/**
 * The SVG properties whose computed values are inlined (what the stylesheet and the theme decide),
 * as presentation attributes: a style attribute would break the webview's CSP (no inline styles).
 */
const STYLE_PROPS = [
  'display', 'visibility', 'opacity', 'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray',
  'stroke-linecap', 'stroke-linejoin', 'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor',
  'dominant-baseline', 'paint-order', 'letter-spacing', 'text-decoration',
];

/** The tree's SVG as on screen: its size, the current zoom and pan, the theme's colours inlined, and the background. */
export function treeSvg(shown: SVGSVGElement, background: string): { text: string; width: number; height: number } {
  const width = Math.max(1, Math.round(shown.clientWidth));
  const height = Math.max(1, Math.round(shown.clientHeight));
  const copy = shown.cloneNode(true) as SVGSVGElement;
  const from = [shown, ...shown.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const cs = getComputedStyle(el);
    const target = to[i];
    for (const p of STYLE_PROPS) {
      const v = cs.getPropertyValue(p);
      if (v !== '') target.setAttribute(p, v);
    }
    target.removeAttribute('tabindex');
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  for (const [k, v] of Object.entries({ x: '0', y: '0', width: String(width), height: String(height), fill: background })) bg.setAttribute(k, v);
  copy.insertBefore(bg, copy.firstChild);
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

/** The SVG drawn on a canvas at `scale` (crisp on high-density screens): a PNG in base64. */
export async function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  const img = new Image();
  img.src = `data:image/svg+xml;base64,${base64(svgText)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas to draw the PNG on');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

const answer = (a: AnswerView, hideTruth: boolean): { label: string; correct?: boolean | null } => (hideTruth ? { label: a.label } : { label: a.label, correct: a.correct });

/** What marks a node carries, in words (the legend's names for the tree's marks). */
function marks(n: NodeView): string[] {
  const out: string[] = [];
  if (n.primitive) out.push('primitive');
  if (n.source === 'override') out.push('override');
  if (n.byOverride) out.push(`${n.byOverride} by an override`);
  if (n.changed) out.push('changed since the previous round');
  if (n.compared?.differs) out.push('differs from the compared tree');
  if (n.expandable) out.push('expandable');
  if (n.opened) out.push('opened');
  if (n.annotations > 0) out.push(`${n.annotations} note${n.annotations === 1 ? '' : 's'}`);
  if (n.error) out.push(`error: ${n.error}`);
  return out;
}

interface NodeJson {
  path: number[];
  question: string;
  symbols: string[];
  answer: { label: string; correct?: boolean | null; source: string };
  x?: { label: string; correct?: boolean | null; probability: number };
  h?: { label: string; correct?: boolean | null };
  truth?: string;
  replaced?: string;
  marks: string[];
  children: NodeJson[];
}

function nodeJson(n: NodeView, hideTruth: boolean): NodeJson {
  return {
    path: n.path,
    question: n.label,
    symbols: n.question,
    answer: { ...answer(n.answer, hideTruth), source: n.source },
    ...(n.x ? { x: { ...answer(n.x, hideTruth), probability: n.x.probability } } : {}),
    ...(n.h ? { h: answer(n.h, hideTruth) } : {}),
    ...(hideTruth ? {} : { truth: n.truth.label }),
    ...(n.replaced ? { replaced: n.replaced.label } : {}),
    marks: marks(n),
    children: (n.children ?? []).map((c) => nodeJson(c, hideTruth)),
  };
}

/** The whole tree with every answer (X, H, the truth unless it is hidden), its marks and overrides. */
export function treeJson(t: TreeView, hideTruth: boolean): string {
  return JSON.stringify({
    format: 'amplification-explorer/tree', version: 1, pin: t.pin, round: t.round, size: t.size, truthHidden: hideTruth,
    ...(t.overrideSummary ? { overrides: t.overrideSummary.text } : {}),
    ...(t.answeredBy ? { answeredBy: t.answeredBy } : {}),
    facts: t.facts.map((f) => f.label),
    root: nodeJson(t.root, hideTruth),
  }, null, 2);
}

/** An indented outline: one line per node (two spaces a level) with its answers. */
export function treeMarkdown(t: TreeView, hideTruth: boolean): string {
  const mark = (a: AnswerView | undefined): string => (hideTruth || !a || a.correct === null ? '' : a.correct ? ' ✓' : ' ✗');
  const lines = [`# ${t.root.label} — round ${t.round}, N=${t.size}`, ''];
  if (t.overrideSummary) lines.push(`Overrides: ${t.overrideSummary.text}`, '');
  const walk = (n: NodeView, depth: number): void => {
    const parts = [`**${n.label}** → \`${n.answer.label}\`${mark(n.answer)} by ${n.source}`];
    if (n.x) parts.push(`X \`${n.x.label}\`${mark(n.x)}`);
    if (n.h) parts.push(`H \`${n.h.label}\`${mark(n.h)}`);
    if (!hideTruth) parts.push(`truth \`${n.truth.label}\``);
    if (n.replaced) parts.push(`before the override \`${n.replaced.label}\``);
    const m = marks(n).filter((x) => x !== 'override');
    if (m.length) parts.push(`(${m.join(', ')})`);
    lines.push(`${'  '.repeat(depth)}- ${parts.join(' · ')}`);
    for (const c of n.children ?? []) walk(c, depth + 1);
  };
  walk(t.root, 0);
  return `${lines.join('\n')}\n`;
}

/** A file name (without extension) for the tree: its question and round. */
export function exportName(t: TreeView): string {
  return `${t.root.label}-round-${t.round}`.replace(/[^\p{L}\p{N}^()._-]+/gu, '-').slice(0, 120) || 'tree';
}

/** The export message for `format`: the tree on screen (`shown`) or the whole tree (`tree`). */
export async function exportTree(format: ExportFormat, tree: TreeView, shown: SVGSVGElement, background: string, hideTruth: boolean): Promise<ExportedTree> {
  const name = exportName(tree);
  if (format === 'json') return { type: 'exportedTree', format, name, content: treeJson(tree, hideTruth) };
  if (format === 'md') return { type: 'exportedTree', format, name, content: treeMarkdown(tree, hideTruth) };
  const s = treeSvg(shown, background);
  if (format === 'svg') return { type: 'exportedTree', format, name, content: `<?xml version="1.0" encoding="UTF-8"?>\n${s.text}` };
  return { type: 'exportedTree', format, name, content: await svgToPng(s.text, s.width, s.height) };
}
