/**
 * Where H′ agrees with the person (runs with H′ and a person's transcripts): the tree's person mark
 * (☺ when H′ does what the person did at every action, ☺≠ when it differs somewhere), its legend
 * entries, the inspector's section — the person's transcript beside H′'s action in place of each of
 * theirs and H's subquestions in this tree — and the run-level notice.
 */
import { counted, type TreeView } from '../../src/protocol/explorer';
import { personSummaryText, type PersonView } from '../../src/protocol/person';
import { h } from '../dom';
import type { LegendEntry } from './legend';
import type { INode } from './model';

export const PERSON_LEGEND: LegendEntry[] = [
  { sample: '☺', cls: 'lg-mark lg-person', meaning: 'a person decomposed this question (Answer as the Expert…) and H′ does what they did at every step' },
  { sample: '☺≠', cls: 'lg-mark lg-person-differs', meaning: 'a person decomposed this question and H′ does something else at some step (the inspector shows where)' },
];

/** How many of the person's actions H′ does otherwise. */
const differing = (p: PersonView): number => p.expert.filter((a) => !a.agrees).length;

/** One line: who decomposed the question, and whether H′ agrees. */
function personLine(p: PersonView): string {
  const who = `${p.who} decomposed this question${p.recorded > 1 ? ` (${p.recorded} times; the latest shown)` : ''}`;
  return p.agrees
    ? `${who}: H′ does what they did at all ${counted(p.expert.length, 'step')}`
    : `${who}: H′ does something else at ${differing(p)} of ${counted(p.expert.length, 'step')}`;
}

/** The node's person badge (drawn by tree-nodes.ts), or undefined. */
export function personBadge(n: INode): { text: string; cls: string; label: string } | undefined {
  const p = n.node.person;
  if (!p) return undefined;
  return { text: p.agrees ? '☺' : '☺≠', cls: `b-person ${p.agrees ? 'p-agrees' : 'p-differs'}`, label: personLine(p) };
}

/** The person mark in words (a node's screen-reader label), or undefined. */
export function personWords(n: INode): string | undefined {
  const p = n.node.person;
  return p && `a person decomposed it, H′ ${p.agrees ? 'agrees' : `differs at ${differing(p)} of ${counted(p.expert.length, 'step')}`}`;
}

/** The run-level figure as a notice, or null. */
export function personNotice(tree: TreeView | null): HTMLElement | null {
  const p = tree?.person;
  return p ? h('div', { cls: 'notice info person-agreement', attrs: { role: 'status' } }, h('strong', { text: '☺ ' }), `${personSummaryText(p)}.`) : null;
}

/**
 * The inspector's section for a node a person decomposed: per step, the person's subquestion (and
 * the subanswer they got), what H′ does in its place given the person's steps before it, and H's
 * subquestion at the same step in this tree; then the three answers. Null for other nodes.
 */
export function personSection(n: INode): HTMLElement | null {
  const p = n.node.person;
  if (!p) return null;
  const agree = (a: PersonView['expert'][number]) => h('span', { cls: `pa-mark ${a.agrees ? 'p-agrees' : 'p-differs'}`, text: a.agrees ? '✓' : '≠', attrs: { title: a.agrees ? 'H′ does what the person did' : 'H′ does something else', 'aria-label': a.agrees ? 'agrees' : 'differs' } });
  const expertCell = (a: PersonView['expert'][number], kind: 'ask' | 'answer') =>
    h('td', { cls: 'mono' }, agree(a), ' ', a.kind === kind ? a.label : `${a.kind === 'ask' ? 'asks' : 'answers'} ${a.label}`);
  const rows = p.steps.map((s, i) => {
    const hStep = n.children[i]?.node;
    return h('tr', { cls: p.expert[i].agrees ? 'p-agrees' : 'p-differs' },
      h('th', { text: `${i + 1}`, attrs: { scope: 'row' } }),
      h('td', { cls: 'mono' }, s.question, h('span', { cls: 'muted', text: ` → ${s.answer}` })),
      expertCell(p.expert[i], 'ask'),
      h('td', { cls: 'mono', text: hStep ? hStep.label : '—' }),
    );
  });
  const last = p.expert[p.steps.length];
  const hAnswer = n.node.h?.label ?? (n.children.length > 0 ? n.node.answer.label : '—');
  rows.push(h('tr', { cls: `answer-row ${last.agrees ? 'p-agrees' : 'p-differs'}` },
    h('th', { text: 'answer', attrs: { scope: 'row' } }),
    h('td', { cls: 'mono', text: p.answer }),
    expertCell(last, 'answer'),
    h('td', { cls: 'mono', text: hAnswer }),
  ));
  const table = h('table', { cls: 'person-table', attrs: { 'aria-label': 'The person’s transcript beside H′ and H' } },
    h('thead', {}, h('tr', {}, h('th', { text: '' }), h('th', { text: 'Person', attrs: { scope: 'col' } }), h('th', { text: 'H′ in their place', attrs: { scope: 'col' } }), h('th', { text: 'H (this tree)', attrs: { scope: 'col' } }))),
    h('tbody', {}, ...rows),
  );
  const meta = `${p.agrees ? 'H′ agrees' : `H′ differs at ${differing(p)} of ${counted(p.expert.length, 'step')}`}`;
  return h('section', { cls: 'insp-section person-section', attrs: { 'aria-label': 'A person’s decomposition' } },
    h('h3', {}, 'A person’s decomposition', h('span', { cls: 'meta', text: meta })),
    h('p', { cls: 'muted', text: `${personLine(p)}. ${p.at.slice(0, 16).replace('T', ' ')}${p.trainedOn ? ' · H′ trained on this transcript' : ' · H′ never trained on it'}. H′ is given the person’s question and subanswers so far at each step.` }),
    table,
  );
}
