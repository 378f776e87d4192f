/**
 * Learning curves with d3 (SVG): accuracy per round (X solid, targets dashed, the compared run's X
 * dotted, X's agreement with its targets — the curriculum gate — thin), per-class accuracy as small multiples, size N per round, cumulative calls to H.
 * Clicking a chart selects the nearest round. Blind mode (truth hidden) draws only what training sees:
 * the agreement with the targets, N and the calls to H.
 */
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import type { RoundView, RunView } from '../../src/protocol/explorer';
import { h, pct, setChildren, svg } from '../dom';

interface Series {
  name: string;
  cls: string;
  points: { round: number; value: number }[];
  /** A secondary line: thin, no dots. */
  thin?: boolean;
}

interface ChartSpec {
  title: string;
  series: Series[];
  y: [number, number];
  yFormat: (v: number) => string;
  legend: boolean;
  small?: boolean;
}

export class Charts {
  readonly el: HTMLElement;
  private run: RunView | null = null;
  private compare: RunView | null = null;
  private selected: number | null = null;
  private frame = 0;

  constructor(private onSelect: (round: number) => void, private hideTruth = false) {
    this.el = h('section', { cls: 'charts', attrs: { 'aria-label': 'Learning curves' } });
    new ResizeObserver(() => this.schedule()).observe(this.el);
  }

  set(run: RunView | null, compare: RunView | null, selected: number | null): void {
    this.run = run;
    this.compare = compare;
    this.selected = selected;
    this.schedule();
  }

  /** Blind mode: leave out the curves measured against ground truth. */
  setHideTruth(hide: boolean): void {
    if (hide === this.hideTruth) return;
    this.hideTruth = hide;
    this.schedule();
  }

  setSelected(round: number | null): void {
    if (round === this.selected) return;
    this.selected = round;
    for (const m of this.el.querySelectorAll<SVGLineElement>('line.sel-round')) m.remove();
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draws now (tests and the first paint call this directly). */
  draw(): void {
    const run = this.run;
    if (!run) {
      setChildren(this.el);
      return;
    }
    const rounds = [...run.rounds].sort((a, b) => a.round - b.round);
    if (!rounds.length) {
      setChildren(this.el, h('p', { cls: 'muted charts-empty', text: 'No rounds recorded yet: the curves appear after the first round.' }));
      return;
    }
    const cmp = this.compare ? [...this.compare.rounds].sort((a, b) => a.round - b.round) : [];
    const pts = (rs: RoundView[], f: (r: RoundView) => number): { round: number; value: number }[] => rs.map((r) => ({ round: r.round, value: f(r) })).filter((p) => Number.isFinite(p.value));

    // Blind mode: only what training itself sees (X's agreement with its targets, N, calls to H);
    // every curve measured against ground truth (X, the targets, the compared X, per class) is left out.
    const agreement = pts(rounds, (r) => (typeof r.agreementAverage === 'number' ? r.agreementAverage : NaN));
    const acc: Series[] = this.hideTruth ? [] : [
      { name: 'X', cls: 's-x', points: pts(rounds, (r) => r.accuracy) },
      { name: 'targets (Amplify)', cls: 's-target', points: pts(rounds, (r) => r.targetAccuracy) },
    ];
    if (cmp.length && !this.hideTruth) acc.push({ name: `X, ${this.compare!.id} (${this.compare!.mode})`, cls: 's-compare', points: pts(cmp, (r) => r.accuracy) });
    // Older records may lack it (validated: a number, or absent).
    if (agreement.length) acc.push({ name: 'agreement with targets (gate)', cls: 's-agree', points: agreement, thin: !this.hideTruth });

    const classes = [...new Set(rounds.flatMap((r) => Object.keys(r.accuracyByClass)))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const maxN = Math.max(...rounds.map((r) => r.size), 1);
    const maxCalls = Math.max(...rounds.map((r) => r.callsToHTotal), 1);

    const accBox = this.chartBox({ title: this.hideTruth ? 'Agreement of X with its targets per round' : 'Accuracy per round', series: acc, y: [0, 1], yFormat: (v) => pct(v), legend: true }, rounds);
    const classBox = h('div', { cls: 'chart-box classes' }, h('div', { cls: 'chart-title', text: 'Accuracy by class (X)' }));
    const grid = h('div', { cls: 'multiples' });
    if (this.hideTruth) {
      grid.append(h('p', { cls: 'muted charts-empty', text: 'Hidden with the truth: show it (t) to see X against ground truth.' }));
    } else {
      for (const c of classes.slice(0, 12)) {
        const series: Series[] = [{ name: c, cls: 's-x', points: rounds.filter((r) => c in r.accuracyByClass).map((r) => ({ round: r.round, value: r.accuracyByClass[c] })) }];
        grid.append(this.chartBox({ title: c, series, y: [0, 1], yFormat: (v) => pct(v), legend: false, small: true }, rounds));
      }
      if (!classes.length) grid.append(h('p', { cls: 'muted', text: 'No classes recorded.' }));
    }
    classBox.append(grid);
    const sizeBox = this.chartBox({ title: 'Size N per round', series: [{ name: 'N', cls: 's-size', points: pts(rounds, (r) => r.size) }], y: [0, maxN * 1.1], yFormat: (v) => String(Math.round(v)), legend: false }, rounds);
    const callsBox = this.chartBox({ title: 'Calls to H (cumulative)', series: [{ name: 'calls', cls: 's-calls', points: pts(rounds, (r) => r.callsToHTotal) }], y: [0, maxCalls * 1.1], yFormat: compact, legend: false }, rounds);
    setChildren(this.el, accBox, classBox, sizeBox, callsBox);
    // Lay out first, then draw each chart at its box's size.
    for (const box of this.el.querySelectorAll<HTMLElement>('.chart-box[data-chart]')) this.drawBox(box);
  }

  private specs = new WeakMap<HTMLElement, { spec: ChartSpec; rounds: RoundView[] }>();

  private chartBox(spec: ChartSpec, rounds: RoundView[]): HTMLElement {
    const last = spec.series[0]?.points.at(-1);
    const head = h('div', { cls: 'chart-title' }, spec.title, spec.small && last ? h('span', { cls: 'meta', text: ` ${spec.yFormat(last.value)}` }) : null);
    const box = h('div', { cls: `chart-box${spec.small ? ' small' : ''}`, attrs: { 'data-chart': spec.title } }, head);
    if (spec.legend) {
      box.append(h('div', { cls: 'legend' }, ...spec.series.map((s) => h('span', { cls: `key ${s.cls}` }, h('span', { cls: 'swatch', attrs: { 'aria-hidden': 'true' } }), s.name))));
    }
    const plot = h('div', { cls: 'plot' });
    box.append(plot);
    this.specs.set(box, { spec, rounds });
    return box;
  }

  private drawBox(box: HTMLElement): void {
    const entry = this.specs.get(box);
    const plot = box.querySelector<HTMLElement>('.plot');
    if (!entry || !plot) return;
    const { spec, rounds } = entry;
    const width = Math.max(60, plot.clientWidth);
    const height = Math.max(36, plot.clientHeight);
    const m = spec.small ? { l: 4, r: 4, t: 3, b: 3 } : { l: 38, r: 10, t: 6, b: 20 };
    const first = rounds[0].round;
    const lastR = rounds[rounds.length - 1].round;
    const allRounds = spec.series.flatMap((s) => s.points.map((p) => p.round));
    const x = scaleLinear().domain([Math.min(first, ...allRounds), Math.max(lastR, ...allRounds, first + 1)]).range([m.l, width - m.r]);
    const y = scaleLinear().domain(spec.y).range([height - m.b, m.t]);
    const root = svg('svg', { width, height, role: 'img', 'aria-label': `${spec.title}: ${spec.series.map((s) => `${s.name} ${s.points.length ? spec.yFormat(s.points[s.points.length - 1].value) : 'none'}`).join(', ')}` }, 'chart');
    const sel = select(root);
    if (!spec.small) {
      sel.append('g').attr('class', 'axis y').attr('transform', `translate(${m.l},0)`).call(axisLeft(y).ticks(Math.max(2, Math.floor(height / 28))).tickFormat((v) => spec.yFormat(Number(v))).tickSizeOuter(0));
      sel.append('g').attr('class', 'axis x').attr('transform', `translate(0,${height - m.b})`).call(axisBottom(x).ticks(Math.min(rounds.length, Math.floor(width / 40))).tickFormat((v) => (Number.isInteger(Number(v)) ? String(v) : '')).tickSizeOuter(0));
    }
    if (this.selected !== null) {
      sel.append('line').attr('class', 'sel-round').attr('x1', x(this.selected)).attr('x2', x(this.selected)).attr('y1', m.t).attr('y2', height - m.b);
    }
    const gen = line<{ round: number; value: number }>().x((p) => x(p.round)).y((p) => y(p.value));
    for (const s of spec.series) {
      sel.append('path').attr('class', `series ${s.cls}${s.thin ? ' thin' : ''}`).attr('d', gen(s.points) ?? '');
      if (!spec.small && !s.thin && s.points.length < 40) {
        sel.append('g').attr('class', `dots ${s.cls}`).selectAll('circle').data(s.points).join('circle').attr('cx', (p) => x(p.round)).attr('cy', (p) => y(p.value)).attr('r', 2.2);
      }
    }
    // Click anywhere to select the nearest recorded round.
    sel.append('rect').attr('class', 'hit').attr('x', m.l).attr('y', 0).attr('width', Math.max(0, width - m.l - m.r)).attr('height', height)
      .on('click', (ev: MouseEvent) => {
        const r = root.getBoundingClientRect();
        const rx = x.invert(ev.clientX - r.left);
        let best = rounds[0].round;
        for (const rr of rounds) if (Math.abs(rr.round - rx) < Math.abs(best - rx)) best = rr.round;
        this.onSelect(best);
      })
      .append('title').text('Click to select the round');
    plot.replaceChildren(root);
  }
}

function compact(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(v));
}
