/**
 * The Explorer's header: the run and its status, the run commands, the rounds (slider, ◀ ▶, the
 * selected round's numbers), training (Run n rounds, Pause, Step), the compare bar; and the
 * progress line while training runs.
 */
import { counted, roundWords, type ExplorerCommand, type RoundView, type RunView, type StatusView, type TreeView, type WebviewMessage } from '../../src/protocol/explorer';
import { button, h, iconButton, pct, setChildren } from '../dom';
import { icon } from '../icons';

export interface HeaderData {
  run: RunView | null;
  compare: RunView | null;
  status: StatusView;
  /** The shown tree's comparison (compare mode). */
  treeCompare: TreeView['compare'];
  /** The round selected, else the last one recorded. */
  round: number | null;
  /** Blind mode: no figure that compares with ground truth (X's and the targets' accuracy). */
  hideTruth: boolean;
  /** The shown question's label (a check's title says which counterexample it is). */
  pinLabel: string | null;
}

export interface HeaderActions {
  post(m: WebviewMessage): void;
  stepRound(dir: 1 | -1): void;
  selectRound(round: number): void;
}

export class Header {
  readonly el = h('header', { cls: 'top' });
  readonly progress = h('div', { cls: 'progress', attrs: { role: 'status', 'aria-live': 'polite' } });
  private slider = h('input', { cls: 'slider', attrs: { type: 'range', min: 0, max: 0, step: 1, 'aria-label': 'Round' } });
  private runCount = h('input', { cls: 'run-count', attrs: { type: 'number', min: 1, max: 10000, value: 10, 'aria-label': 'Rounds to run' } });
  /** The last round a runRounds asked for (for the ETA). */
  private runTarget: number | null = null;
  private data: HeaderData = { run: null, compare: null, status: { status: 'none', round: 0 }, treeCompare: undefined, round: null, hideTruth: false, pinLabel: null };

  constructor(private actions: HeaderActions) {
    this.slider.addEventListener('input', () => this.renderRoundInfo(Number(this.slider.value)));
    this.slider.addEventListener('change', () => this.actions.selectRound(Number(this.slider.value)));
  }

  /** Training stopped (or never ran): no ETA to a target round. */
  trainingStopped(): void {
    this.runTarget = null;
  }

  render(d: HeaderData): void {
    this.data = d;
    const { run, status: st } = d;
    // A check of a task (its counterexample) is read-only: no rounds, no training, no run commands' status.
    const check = run?.kind === 'check';
    const statusText = check ? 'read-only' :
      st.status === 'running' ? roundWords(st) :
      st.status === 'crashed' ? `crashed${st.message ? `: ${st.message}` : ''}` :
      st.status === 'none' ? 'no run' : st.status;
    const statusGlyph = st.status === 'running' ? '⟳' : st.status === 'crashed' ? '✕' : st.status === 'stopped' ? '■' : '●';
    const command = (command: ExplorerCommand) => (): void => this.actions.post({ type: 'command', command });
    const title = h('div', { cls: 'title-row' },
      h('h1', { text: 'Amplification Explorer' }),
      run ? h('span', { cls: 'run-summary' }, ...(check ? ['check', run.task, d.pinLabel ?? run.id] : [run.task, run.id, run.mode, run.model, run.backend]).flatMap((s, i) => (i ? [h('span', { cls: 'dot', text: '·', attrs: { 'aria-hidden': 'true' } }), h('span', { text: s })] : [h('strong', { text: s })]))) : null,
      h('span', { cls: `status st-${st.status}`, attrs: { role: 'status', 'aria-label': `Status: ${statusText}` } }, h('span', { cls: 'glyph', text: statusGlyph, attrs: { 'aria-hidden': 'true' } }), statusText),
      run ? skippedItem(run) : null,
      h('span', { cls: 'spacer' }),
      iconButton(icon('plus'), 'New Run…', command('newRun')),
      iconButton(icon('folder'), 'Open Run…', command('openRun')),
      iconButton(icon('compare'), 'Compare with another run…', command('compareRuns')),
      iconButton(icon('tree'), 'Export the tree (SVG, PNG, JSON, Markdown)…', command('exportTree')),
      iconButton(icon('export'), 'Export the notes', command('exportAnnotations')),
    );
    const rows: HTMLElement[] = [title];
    if (run && !check) rows.push(this.timeline(run, st, d.round));
    if (run && d.compare) {
      const c = d.treeCompare;
      const text = !c
        ? `Comparing with ${d.compare.id}`
        : c.found
          ? `Compared with ${c.label}: ${c.differing === 0 ? 'no node differs' : `${counted(c.differing, 'node')} ${c.differing === 1 ? 'differs' : 'differ'} (marked ≠)`}`
          : `Compared with ${c.label}: ${c.reason ?? 'no tree to compare'}`;
      rows.push(h('div', { cls: 'compare-bar', attrs: { role: 'status' } },
        h('span', { cls: 'badge b-differs', text: '≠', attrs: { 'aria-hidden': 'true' } }),
        h('span', { cls: 'compare-text', text }),
        button('Stop comparing', 'Stop comparing runs', command('stopComparing'), 'small'),
      ));
    }
    setChildren(this.el, ...rows);
    if (run && !check) this.renderRoundInfo(d.round);
  }

  /** While training runs: the round and phase under way, and the time per round and to the target. */
  renderProgress(d: HeaderData): void {
    const st = d.status;
    if (st.status !== 'running') {
      this.progress.hidden = true;
      setChildren(this.progress);
      return;
    }
    this.progress.hidden = false;
    const rs = d.run?.rounds ?? [];
    let eta = '';
    if (rs.length >= 2) {
      const per = (rs[rs.length - 1].elapsed - rs[0].elapsed) / (rs[rs.length - 1].round - rs[0].round || 1);
      if (per > 0) {
        eta = ` · ~${fmtSeconds(per)} per round`;
        // st.round rounds are trained: runTarget − st.round are left, the one under way included.
        if (this.runTarget !== null && this.runTarget > st.round) eta += ` · ~${fmtSeconds(per * (this.runTarget - st.round))} left (to round ${this.runTarget})`;
      }
    }
    setChildren(this.progress,
      h('div', { cls: 'bar', attrs: { 'aria-hidden': 'true' } }, h('div', { cls: 'bar-fill' })),
      h('span', { text: `${capitalized(roundWords(st))}${eta}. The recorded rounds stay browsable.` }),
    );
  }

  /** ◀ ▶, the round slider, Run/Pause with the rounds to run, Step, and the round's numbers. */
  private timeline(run: RunView, st: StatusView, cur: number | null): HTMLElement {
    const rs = run.rounds.map((r) => r.round);
    const i = cur === null ? -1 : rs.indexOf(cur);
    const running = st.status === 'running';
    this.slider.min = '0';
    this.slider.disabled = rs.length === 0;
    if (rs.length) {
      this.slider.min = String(rs[0]);
      this.slider.max = String(rs[rs.length - 1]);
      this.slider.value = String(cur ?? rs[rs.length - 1]);
    }
    const prev = iconButton('◀', 'Previous round ([)', () => this.actions.stepRound(-1));
    const next = iconButton('▶', 'Next round (])', () => this.actions.stepRound(1));
    prev.disabled = i <= 0;
    next.disabled = i < 0 || i >= rs.length - 1;
    const play = running
      ? compactButton('Pause', 'Pause training', () => this.actions.post({ type: 'pause' }), 'pause', icon('pause'))
      : compactButton('Run', 'Run more rounds of training', () => {
          const n = Math.max(1, Math.min(10000, Math.round(Number(this.runCount.value) || 1)));
          this.runTarget = (rs.at(-1) ?? 0) + n;
          this.actions.post({ type: 'runRounds', rounds: n });
        }, 'play', icon('play'));
    const step = compactButton('Step', 'Train one round', () => this.actions.post({ type: 'step' }), '', icon('step'));
    step.disabled = running;
    this.runCount.disabled = running;
    return h('div', { cls: 'timeline', attrs: { role: 'group', 'aria-label': 'Rounds and training' } },
      prev, next,
      h('span', { cls: 'round-label', attrs: { 'aria-live': 'polite' } }),
      this.slider,
      h('span', { cls: 'group' }, play, this.runCount, h('span', { cls: 'muted wide-only', text: 'rounds' }), step),
      h('span', { cls: 'round-info' }),
    );
  }

  /** The selected (or previewed, while dragging the slider) round's numbers. */
  private renderRoundInfo(round: number | null): void {
    const rs = this.data.run?.rounds ?? [];
    const compare = this.data.compare;
    const r: RoundView | undefined = rs.find((x) => x.round === round);
    const label = this.el.querySelector('.round-label');
    const info = this.el.querySelector('.round-info');
    if (label) label.textContent = rs.length ? `round ${round ?? '—'} / ${rs[rs.length - 1].round}` : 'no rounds yet';
    if (!info) return;
    if (!r) {
      setChildren(info);
      return;
    }
    // Blind mode keeps what training itself sees (N, X's agreement with its targets) and leaves out
    // every figure measured against ground truth.
    const truth = !this.data.hideTruth;
    setChildren(info,
      metric('N', 'N', String(r.size), 'size N of the contexts this round'),
      truth ? metric('X acc', 'X', pct(r.accuracy), 'X alone against ground truth') : null,
      truth ? metric('targets', 'tgt', pct(r.targetAccuracy), 'accuracy of the amplified targets') : null,
      metric('agree', 'agr', pct(r.agreementAverage), 'X’s agreement with its targets (the curriculum gate; no ground truth)'),
      truth && compare ? metric('compare X', 'cmp', pct(compare.rounds.find((c) => c.round === r.round)?.accuracy), `X of ${compare.id}`) : null,
    );
  }
}

/**
 * Lines of the run's JSON Lines files that were skipped (damaged), as one warning item ("3 lines
 * skipped in rounds.jsonl"); its tooltip lists each line (file:line: why). Null when none was.
 */
function skippedItem(run: RunView): HTMLElement | null {
  if (run.skipped.length === 0) return null;
  const byFile = new Map<string, number>();
  for (const k of run.skipped) byFile.set(k.file, (byFile.get(k.file) ?? 0) + 1);
  const text = [...byFile].map(([file, n], i) => (i === 0 ? `${counted(n, 'line')} skipped in ${file}` : `${n} in ${file}`)).join(', ');
  const tooltip = ['Lines that could not be read (e.g. a truncated last line after a crash) and were skipped:', ...run.skipped.map((k) => `${k.file}:${k.line}: ${k.reason}`)].join('\n');
  return h('span', { cls: 'skipped-lines', attrs: { role: 'note', title: tooltip, 'aria-label': `Warning: ${text}` } }, h('span', { cls: 'glyph', text: '⚠', attrs: { 'aria-hidden': 'true' } }), text);
}

/** A figure with its name, long or (in a narrow header) short: `title` says what it is either way. */
function metric(k: string, short: string, v: string, title: string): HTMLElement {
  return h('span', { cls: 'metric', attrs: { title } }, h('span', { cls: 'mk' }, h('span', { cls: 'wide-only', text: k }), h('span', { cls: 'narrow-only', text: short })), h('span', { cls: 'mv', text: v }));
}

/** A button with an icon whose label a narrow header leaves out (its name stays in aria-label and title). */
function compactButton(label: string, aria: string, onClick: (ev: MouseEvent) => void, cls: string, ico: SVGSVGElement): HTMLButtonElement {
  const b = button('', aria, onClick, cls, ico);
  b.append(h('span', { cls: 'wide-only', text: label }));
  return b;
}

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function fmtSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
