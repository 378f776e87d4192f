/**
 * "Targets for this question" in the inspector: where X's belief about the selected node comes
 * from — the training targets the run recorded for its question (round, answer, who made it,
 * ✓/✗ unless the truth is hidden), whether X agrees with them now, and its class per round. The
 * host answers a `targets` request (src/protocol/targets.ts); it is asked once per node, round
 * and question, when the node is first shown in the inspector.
 */
import { counted, type TreeView, type WebviewMessage } from '../../src/protocol/explorer';
import type { TargetsView } from '../../src/protocol/targets';
import { h } from '../dom';
import { iconOf, stateOf, stateWord, type INode } from './model';

/** Rows of the class summary shown (newest first); the host sends more. */
const CLASS_ROWS = 8;

export class Provenance {
  private views = new Map<string, TargetsView>();
  /** Keys asked for while `tree` is shown: a new tree may ask again for what was never answered (the host had moved to another round). */
  private asked = new Set<string>();
  private tree: TreeView | null = null;

  constructor(private readonly post: (m: WebviewMessage) => unknown) {}

  /** The view of a node of `tree` (not a lookup), or null while it is asked for (the first call asks the host). */
  view(tree: TreeView | null, n: INode | null): TargetsView | null {
    if (!tree || !n || n.node.primitive) return null;
    if (tree !== this.tree) {
      this.tree = tree;
      this.asked.clear();
    }
    const key = `${tree.pin}|${tree.round}|${n.key}|${n.node.label}`;
    const got = this.views.get(key);
    if (got) return got;
    if (!this.asked.has(key)) {
      this.asked.add(key);
      this.post({ type: 'targets', path: n.node.path });
    }
    return null;
  }

  /** Keeps the host's answer; true when it is new. */
  receive(m: { pin: string; round: number; path: number[]; view: TargetsView }): boolean {
    const key = `${m.pin}|${m.round}|${m.path.join('.')}|${m.view.question}`;
    const had = this.views.has(key);
    this.views.set(key, m.view);
    return !had;
  }
}

/** The inspector's section for node `n` (`v` null: still asked for). */
export function targetsSection(v: TargetsView | null, n: INode, hideTruth: boolean): HTMLElement {
  const body = h('div', { cls: 'provenance' });
  let meta = '';
  if (!v) body.append(h('p', { cls: 'muted', text: 'Asking the run…' }));
  else if (v.note) body.append(h('p', { cls: 'muted', text: `Nothing recorded: ${v.note}.` }));
  else {
    const here = v.targets.filter((t) => t.sameContext);
    const total = v.targets.length + v.more;
    meta = total ? `${counted(total, 'target')} · ${here.length} in this context` : 'none recorded';
    const x = n.node.x;
    if (x && here.length) {
      const agree = here.filter((t) => t.answer.symbols.join(' ') === x.symbols.join(' ')).length;
      body.append(h('p', { cls: 'prov-x' }, 'X now answers ', h('span', { cls: 'mono', text: x.label }), `: agrees with ${agree} of ${counted(here.length, 'target')} in this context.`));
    }
    if (v.targets.length) {
      const list = h('ol', { cls: 'prov-targets', attrs: { 'aria-label': `Targets of ${v.question}, newest first` } });
      for (const t of v.targets) {
        const s = stateOf(t.answer, hideTruth);
        const where = t.sameContext ? 'this context' : 'another context';
        const agrees = t.sameContext && x ? (t.answer.symbols.join(' ') === x.symbols.join(' ') ? 'X agrees' : 'X differs') : '';
        list.append(h('li', {
          cls: `prov-target s-${s}`,
          attrs: { 'aria-label': `round ${t.round}: ${t.answer.label} by ${t.maker}${s === 'hidden' ? '' : `, ${stateWord(s)}`}, ${where}${agrees ? `, ${agrees}` : ''}` },
        },
          h('span', { cls: 'prov-round', text: `r${t.round}` }),
          h('span', { cls: 'mono a', text: t.answer.label }),
          h('span', { cls: `icon s-${s}`, text: iconOf(s) }),
          h('span', { cls: `who who-${t.maker === 'override' || t.maker === 'fault' ? t.maker : 'maker'}`, text: t.maker }),
          h('span', { cls: 'muted prov-where', text: agrees ? `${where} · ${agrees}` : where }),
        ));
      }
      body.append(list);
      if (v.more) body.append(h('p', { cls: 'muted', text: `… and ${v.more} older.` }));
      if (!here.length) body.append(h('p', { cls: 'muted', text: 'None in this context: these asked the same question text in other contexts (another σ), so X’s answer here is not compared with them.' }));
    } else {
      body.append(h('p', { cls: 'muted', text: `No recorded target asked this question (the run keeps ${v.perClass} per class per round, and every override’s and fault’s).` }));
    }
    body.append(classTable(v, hideTruth));
  }
  return h('section', { cls: 'insp-section targets-section', attrs: { 'aria-label': 'Targets for this question' } },
    h('h3', {}, 'Targets for this question', meta ? h('span', { cls: 'meta', text: meta }) : null),
    body,
  );
}

/** Per round, newest first: the class's targets sampled (of made), % right (not in blind mode), who made them. */
function classTable(v: TargetsView, hideTruth: boolean): HTMLElement {
  const rows = v.classRounds.slice(0, CLASS_ROWS);
  const wrap = h('div', { cls: 'prov-class' }, h('div', { cls: 'k', text: `Its class, ${v.cls}: targets per round` }));
  if (!rows.length) {
    wrap.append(h('p', { cls: 'muted', text: 'No round up to this one made a target of this class.' }));
    return wrap;
  }
  const head = h('tr', {}, h('th', { text: 'round' }), h('th', { text: 'sampled' }), hideTruth ? null : h('th', { text: 'right' }), h('th', { text: 'made by' }));
  const table = h('table', { cls: 'prov-table', attrs: { 'aria-label': `Targets of class ${v.cls} per round` } }, h('thead', {}, head));
  const tbody = h('tbody');
  for (const r of rows) {
    const makers = Object.entries(r.makers).sort((a, b) => b[1] - a[1]).map(([m, k]) => `${m} ${k}`).join(', ');
    tbody.append(h('tr', {},
      h('td', { text: String(r.round) }),
      h('td', { text: `${r.sampled} of ${r.made}` }),
      hideTruth ? null : h('td', { text: r.sampled ? `${Math.round((100 * r.right) / r.sampled)}%` : '—' }),
      h('td', { text: makers }),
    ));
  }
  table.append(tbody);
  wrap.append(table);
  if (v.classRounds.length > rows.length) wrap.append(h('p', { cls: 'muted', text: `… ${counted(v.classRounds.length - rows.length, 'earlier round')} not shown.` }));
  return wrap;
}
