/**
 * The legend: what the tree's chips, marks, borders and bars mean, in the VS Code widget look.
 * Toggled by its button or the `l` key. The entries are grouped in LEGEND_SECTIONS; a feature
 * with marks of its own adds a section (or entries) there. Entries about correctness are left out
 * while the truth is hidden (blind mode shows no correctness cue, and no key to one).
 */
import { h, setChildren } from '../dom';
import { PERSON_LEGEND } from './person';

export interface LegendEntry {
  /** What is shown (a glyph, a chip's text) and the class that gives it its look. */
  sample: string;
  cls: string;
  meaning: string;
  /** A correctness cue: not listed while the truth is hidden. */
  truth?: boolean;
}

export interface LegendSection {
  title: string;
  entries: LegendEntry[];
}

export const LEGEND_SECTIONS: LegendSection[] = [
  {
    title: 'Answer chips',
    entries: [
      { sample: 'X ab', cls: 'lg-chip', meaning: 'X, the learned model: its answer to this question' },
      { sample: 'H ab', cls: 'lg-chip', meaning: 'H: the human policy combining the subanswers (Amplify)' },
      { sample: 'lookup ab', cls: 'lg-chip lg-lookup', meaning: 'a primitive question, looked up in the facts' },
      { sample: '✎ ab', cls: 'lg-chip lg-override', meaning: 'your override of this answer' },
      { sample: 'T ab', cls: 'lg-chip lg-truth', meaning: 'the ground truth (hidden with t)', truth: true },
      { sample: 'X ab', cls: 'lg-chip lg-used', meaning: 'bold border: the answer the node passes up' },
      { sample: 'unrecorded', cls: 'lg-word', meaning: 'no recorded X answer for this question in this round (H asked something new)' },
    ],
  },
  {
    title: 'Correctness',
    entries: [
      { sample: '✓', cls: 'lg-mark s-correct', meaning: 'right (equals the ground truth)', truth: true },
      { sample: '✗', cls: 'lg-mark s-wrong', meaning: 'wrong', truth: true },
      { sample: '?', cls: 'lg-mark s-unknown', meaning: 'unknown: no ground truth for this answer', truth: true },
      { sample: '', cls: 'lg-bar s-correct', meaning: 'side bar: the node’s answer is right (green) / wrong (red) / unknown (grey)', truth: true },
      { sample: '▸ 3 hidden · 2 ✗', cls: 'lg-more', meaning: 'a collapsed subtree: how many nodes it hides and how many are wrong', truth: true },
    ],
  },
  {
    title: 'Marks',
    entries: [
      { sample: 'Δ', cls: 'lg-mark lg-changed', meaning: 'changed since the previous round' },
      { sample: '+✎', cls: 'lg-mark lg-ov', meaning: 'new: H asks this only because of an override' },
      { sample: '~✎', cls: 'lg-mark lg-ov', meaning: 'answer changed by an override (compared with the same tree without overrides)' },
      { sample: '≠', cls: 'lg-mark lg-differs', meaning: 'differs in the compared tree (by position or by question)' },
      { sample: '⊕', cls: 'lg-mark lg-link', meaning: 'can be expanded into its own decomposition (→ or double-click)' },
      { sample: '⊖', cls: 'lg-mark lg-link', meaning: 'opened on request: ← closes it' },
      { sample: '✉2', cls: 'lg-mark lg-link', meaning: 'notes on this node' },
      ...PERSON_LEGEND,
      { sample: '⚠', cls: 'lg-mark s-wrong', meaning: 'H failed here (the message is in the tooltip)' },
      { sample: '▸ 3 hidden', cls: 'lg-more', meaning: 'a collapsed subtree (click to open)' },
    ],
  },
  {
    title: 'Borders',
    entries: [
      { sample: '', cls: 'lg-card lg-primitive', meaning: 'dashed, rounded: a primitive question (answered by lookup)' },
      { sample: '', cls: 'lg-card lg-stack', meaning: 'stacked: a collapsed subtree' },
      { sample: '', cls: 'lg-card lg-overridden', meaning: 'coloured: an overridden node' },
      { sample: '', cls: 'lg-card lg-selected', meaning: 'focus colour: the selected node' },
      { sample: '', cls: 'lg-card lg-blame', meaning: 'thick red: the path from a wrong node to where its error starts (Why is this wrong?)', truth: true },
    ],
  },
];

export class Legend {
  readonly el: HTMLDetailsElement;
  private body = h('div', { cls: 'legend-body', attrs: { role: 'list' } });

  constructor() {
    this.el = h('details', { cls: 'legend-panel' },
      h('summary', { text: 'Legend', attrs: { title: 'What the chips, marks and borders mean (l)', 'aria-label': 'Legend (l)' } }),
      this.body,
    );
  }

  toggle(open = !this.el.open): void {
    this.el.open = open;
  }

  /** Lists the entries; without the correctness cues while the truth is hidden. */
  render(hideTruth: boolean): void {
    const sections = LEGEND_SECTIONS.map((s) => ({ ...s, entries: s.entries.filter((e) => !(hideTruth && e.truth)) })).filter((s) => s.entries.length);
    setChildren(this.body, ...sections.flatMap((s) => [
      h('div', { cls: 'legend-title', text: s.title }),
      ...s.entries.map((e) => h('div', { cls: 'legend-row', attrs: { role: 'listitem' } },
        h('span', { cls: `legend-sample ${e.cls}`, text: e.sample, attrs: { 'aria-hidden': 'true' } }),
        h('span', { cls: 'legend-meaning', text: e.meaning }),
      )),
    ]));
  }
}
