/**
 * The status bar item's words (no vscode here, so it is unit-tested): the task, the round as every
 * view says it (`roundWords`: "round r", or "training round r + 1" while it trains) and X's
 * accuracy at round r — the latest recorded round, the one the Explorer shows.
 */
import { roundWords, type StatusView } from '../../protocol/explorer';

export function statusBarText(task: string, st: StatusView, latest: { round: number; accuracy: number } | undefined): string {
  const icon = st.status === 'running' ? '$(sync~spin)' : st.status === 'crashed' ? '$(error)' : '$(beaker)';
  const x = latest && latest.round === st.round ? ` · X ${(100 * latest.accuracy).toFixed(0)}%` : '';
  return `${icon} ${task} · ${roundWords(st)}${x}`;
}
