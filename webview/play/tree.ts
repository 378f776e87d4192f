/// <reference lib="dom" />
/**
 * The play panel's trees, as a compact indented tree with the Explorer's marks (who answered, `…`
 * for an open question, ◀ at the one being answered, ≠ where Compare with H differs): each
 * subquestion is labelled `$n` under its asker.
 */
import type { PlayNodeView } from '../../src/protocol/play';
import { h } from '../dom';

/** The source as a short badge (the same words as the Explorer's chips). */
function sourceWord(source: string): string {
  switch (source) {
    case 'human':
      return 'you';
    case 'open':
      return 'open';
    case 'lookup':
      return 'lookup';
    case 'truth':
      return 'truth';
    case 'skipped':
      return 'skipped';
    default:
      return source;
  }
}

/**
 * The tree as nested lists. `current`: the child indices of the question being answered (marked
 * ◀ when it is still open); null to mark none.
 */
export function renderPlayTree(root: PlayNodeView, current: readonly number[] | null, label: string): HTMLElement {
  const item = (n: PlayNodeView, where: number[]): HTMLLIElement => {
    const here = current !== null && n.source === 'open' && where.length === current.length && where.every((v, i) => v === current[i]);
    const row = h('div', { cls: `play-node src-${n.source.replace(/[^a-zA-Z]/g, '')}${n.differs ? ' differs' : ''}${here ? ' current' : ''}`, attrs: { 'data-path': where.join('.') } },
      where.length > 0 ? h('span', { cls: 'ptr', text: `$${where[where.length - 1] + 1}` }) : null,
      h('span', { cls: 'q', text: n.question }),
      h('span', { cls: 'eq', text: '=' }),
      h('span', { cls: 'a', text: n.answer }),
      h('span', { cls: 'badge', text: sourceWord(n.source) }),
      n.differs ? h('span', { cls: 'mark', text: '≠', attrs: { title: 'differs from the other tree at this position', 'aria-label': 'differs' } }) : null,
      here ? h('span', { cls: 'mark here', text: '◀ you', attrs: { 'aria-label': 'the question you answer now' } }) : null,
    );
    const li = h('li', { attrs: { role: 'treeitem', 'aria-expanded': n.children ? 'true' : undefined } }, row);
    if (n.children && n.children.length > 0) li.append(h('ul', { attrs: { role: 'group' } }, n.children.map((c, i) => item(c, [...where, i]))));
    return li;
  };
  return h('ul', { cls: 'play-tree', attrs: { role: 'tree', 'aria-label': label } }, item(root, []));
}
