/**
 * A few 16×16 line icons drawn as inline SVG (no icon font, no external resource, no emoji that a
 * system may lack). They take the text colour.
 */
import { svg } from './dom';

type Shape = ['path', string] | ['fill', string] | ['circle', number, number, number] | ['rect', number, number, number, number, number];

const ICONS: Record<string, Shape[]> = {
  plus: [['path', 'M8 3v10M3 8h10']],
  folder: [['path', 'M1.5 3.5h4.5l1.5 1.5h7v8h-13z']],
  export: [['path', 'M8 10V2.5M5 5.5l3-3 3 3M2.5 9v4.5h11V9']],
  tree: [['rect', 1.5, 6, 4, 4, 1], ['rect', 10.5, 2, 4, 4, 1], ['rect', 10.5, 10, 4, 4, 1], ['path', 'M5.5 8H8M8 4v8M8 4h2.5M8 12h2.5']],
  compare: [['path', 'M2 5h10M9 2l3 3-3 3M14 11H4M7 8l-3 3 3 3']],
  dice: [['rect', 2.5, 2.5, 11, 11, 2], ['circle', 5.5, 5.5, 1.1], ['circle', 8, 8, 1.1], ['circle', 10.5, 10.5, 1.1]],
  pin: [['path', 'M5.5 2.5h5M6.5 2.5v4L4 9h8L9.5 6.5v-4M8 9v5']],
  play: [['fill', 'M4.5 2.5v11l9-5.5z']],
  pause: [['fill', 'M4 3h3v10H4zM9 3h3v10H9z']],
  error: [['circle', 8, 8, 6.3], ['path', 'M8 4.5v4.3'], ['circle', 8, 11.3, 0.6]],
  step: [['fill', 'M3 3v10l7-5z'], ['path', 'M12.5 3v10']],
};

export function icon(name: keyof typeof ICONS | string): SVGSVGElement {
  const root = svg('svg', { viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' }, `ico ico-${name}`);
  for (const s of ICONS[name] ?? []) {
    if (s[0] === 'path') root.append(svg('path', { d: s[1] }, 'ico-line'));
    else if (s[0] === 'fill') root.append(svg('path', { d: s[1] }, 'ico-fill'));
    else if (s[0] === 'circle') root.append(svg('circle', { cx: s[1], cy: s[2], r: s[3] }, s[3] < 2 ? 'ico-fill' : 'ico-line'));
    else root.append(svg('rect', { x: s[1], y: s[2], width: s[3], height: s[4], rx: s[5] }, 'ico-line'));
  }
  return root;
}
