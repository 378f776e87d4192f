/// <reference lib="dom" />
/**
 * Tiny DOM helpers. Everything is built with createElement and textContent: no innerHTML, no
 * style attributes (the webview's CSP forbids inline styles; CSSOM `style.setProperty` is fine).
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  /** Space-separated class names. */
  cls?: string;
  text?: string;
  /** Attributes (aria-*, role, type, title, data-*…); `false`/`undefined` omits one. */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.cls) el.className = props.cls;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.attrs) {
    for (const [k, v] of Object.entries(props.attrs)) {
      if (v === undefined || v === false) continue;
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  if (props.on) {
    for (const [k, fn] of Object.entries(props.on)) el.addEventListener(k, fn as EventListener);
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** Replaces an element's children. */
export function setChildren(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A button with a visible label and an accessible name. */
export function button(label: string, aria: string, onClick: (ev: MouseEvent) => void, cls = '', ico?: SVGSVGElement): HTMLButtonElement {
  const b = h('button', { cls: `btn ${cls}${ico ? ' with-icon' : ''}`.trim(), attrs: { type: 'button', 'aria-label': aria, title: aria }, on: { click: onClick } });
  if (ico) b.append(ico);
  b.append(label);
  return b;
}

/** An icon-only button (the glyph is hidden from screen readers, the aria-label names it). */
export function iconButton(glyph: string | SVGSVGElement, aria: string, onClick: (ev: MouseEvent) => void, cls = ''): HTMLButtonElement {
  const b = h('button', { cls: `icon-btn ${cls}`.trim(), attrs: { type: 'button', 'aria-label': aria, title: aria }, on: { click: onClick } });
  b.append(typeof glyph === 'string' ? h('span', { text: glyph, attrs: { 'aria-hidden': 'true' } }) : glyph);
  return b;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, cls?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (cls) el.setAttribute('class', cls);
  return el;
}

/** Is the event's target a text field (where single-key shortcuts must not fire)? */
export function isTextField(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  if (t instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset'].includes(t.type);
  return false;
}

export function pct(x: number | null | undefined, digits = 0): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;
}
