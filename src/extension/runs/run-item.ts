/**
 * What a Runs view row shows, as text (pure, no vscode): within the default sidebar width the
 * label is short (task and mode) and the description carries the round and X's accuracy; the
 * tooltip has the full run id and the details.
 */
import type { RunItem } from '../run-discovery';

export interface RunItemText {
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
}

export function runItemText(r: RunItem, humanTranscripts: number, status: string): RunItemText {
  const acc = r.accuracy === undefined ? '' : ` · X ${(100 * r.accuracy).toFixed(0)}%`;
  const details = [
    `task: ${r.meta.taskName}`,
    `mode: ${r.meta.config.mode}`,
    `model: ${r.meta.config.model} on ${r.meta.backend}`,
    `rounds: ${r.round}`,
    ...(r.accuracy === undefined ? [] : [`X's accuracy: ${(100 * r.accuracy).toFixed(1)}%`]),
    ...(r.size ? [`N=${r.size}`] : []),
    ...(humanTranscripts ? [`human transcripts: ${humanTranscripts}`] : []),
    ...(r.experiment ? [`experiment: ${r.experiment}`] : []),
    `status: ${status}`,
    `folder: \`${r.folder}\``,
  ];
  return {
    label: `${r.meta.taskName} · ${r.meta.config.mode}`,
    description: `r${r.round}${acc}`,
    tooltip: `**${r.meta.id}**\n\n${details.map((d) => `- ${d}`).join('\n')}`,
  };
}
