/** A run's configuration: the defaults, their validation, a new run's id and its first state. */
import type { AnyTask } from '../core/index';
import { DEFAULT_EXPERT_SOURCE, EXPERT_SOURCES } from './human-transcripts';
import { DEFAULT_MODE, MODES, isMode, modeSpec } from './modes/index';
import { EXPERT_TRAINING, GATE_RULES, RUN_FORMAT_VERSION, type RunConfig, type RunState } from './run-types';

export const DEFAULT_CONFIG: Omit<RunConfig, 'task'> = {
  mode: DEFAULT_MODE,
  size: 8,
  curriculum: false,
  maxSize: 64,
  rounds: 100,
  // Each round: 256 new contexts × 8 questions; 16 steps of 32 contexts × 8 questions, so each
  // example is trained on about twice (stepsPerRound × batchSize / new examples) before it leaves
  // a buffer of ~5 rounds. Reusing examples ~20 times (40 steps of 128 on 256 new questions) left
  // X at 28.5% after 15 minutes of supervised training where fresh data reached 90%.
  stepsPerRound: 16,
  batchSize: 256,
  contextsPerRound: 256,
  questionsPerContext: 8,
  bufferSize: 10000,
  evalContexts: 32,
  model: 'small',
  backend: 'auto',
  seed: 1,
  gate: { threshold: 0.85, horizon: 100, rule: 'grounded' },
  overridesFeedTraining: true,
  // Modes with H′: it trains only in a round where it disagreed with H (a config without the key
  // trains every round, as runs made before session 12 did; docs/performance.md §14).
  expertTraining: 'while-disagreeing',
};

export function validateConfig(task: AnyTask, c: RunConfig): void {
  const problems: string[] = [];
  if (!isMode(c.mode)) problems.push(`mode must be one of ${MODES.join(', ')} (got ${String(c.mode)})`);
  const source = c.expertSource ?? DEFAULT_EXPERT_SOURCE;
  if (!EXPERT_SOURCES.includes(source)) problems.push(`expertSource must be one of ${EXPERT_SOURCES.join(', ')} (got ${String(source)})`);
  else if (source !== 'H' && isMode(c.mode) && !modeSpec(c.mode).needs.learnedH) problems.push(`expert source ${source} needs a mode with H′ (${MODES.filter((m) => modeSpec(m).needs.learnedH).join(', ')})`);
  const posInt = (name: keyof RunConfig) => {
    const v = c[name];
    if (!Number.isInteger(v) || (v as number) < 1) problems.push(`${name} must be a positive integer (got ${String(v)})`);
  };
  (['rounds', 'stepsPerRound', 'batchSize', 'contextsPerRound', 'questionsPerContext', 'bufferSize', 'evalContexts'] as const).forEach(posInt);
  if (!Number.isInteger(c.size) || c.size < task.sizes.min || c.size > task.sizes.max) problems.push(`size ${c.size} is outside ${task.name}'s range ${task.sizes.min}..${task.sizes.max}`);
  if (!Number.isInteger(c.maxSize) || c.maxSize < c.size) problems.push(`maxSize must be an integer ≥ size`);
  if (c.fault && (!(c.fault.rate >= 0 && c.fault.rate <= 1) || !['random', 'systematic'].includes(c.fault.kind))) problems.push('fault needs rate in [0, 1] and kind random|systematic');
  if (!(c.gate.threshold > 0 && c.gate.threshold <= 1) || !Number.isInteger(c.gate.horizon) || c.gate.horizon < 1) problems.push('gate needs threshold in (0, 1] and a positive integer horizon');
  if (c.expertTraining !== undefined && !EXPERT_TRAINING.includes(c.expertTraining)) problems.push(`expertTraining must be one of ${EXPERT_TRAINING.join(', ')} (got ${String(c.expertTraining)})`);
  if (c.gate.rule !== undefined && !GATE_RULES.includes(c.gate.rule)) problems.push(`gate rule must be one of ${GATE_RULES.join(', ')} (got ${String(c.gate.rule)})`);
  if (problems.length > 0) throw new RangeError(`invalid run configuration: ${problems.join('; ')}`);
}

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
}

export function freshState(config: RunConfig): RunState {
  return { formatVersion: RUN_FORMAT_VERSION, round: 0, size: config.size, agreementWindow: [], callsToHTotal: 0, questionsTotal: 0, examplesTotal: 0, elapsed: 0, hasModel: false };
}
