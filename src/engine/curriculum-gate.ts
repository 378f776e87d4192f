/**
 * The curriculum's gate (the run's `curriculum` phase, run.ts): after each round's training it reads
 * X's agreement with the round's targets (sampled before training; it never looks at ground truth)
 * and raises N by one when the run's rule passes (scaling.md, "The gate"):
 * - `questions`: the paper's rule as first built — X agrees with > threshold of its last `horizon`
 *   sampled targets;
 * - `grounded`: moving averages over `horizon` optimiser steps of X's agreement with all targets and
 *   with those H built from lookups alone, both > threshold;
 * - `classes`: as `grounded`, and the average of every question class too.
 * It keeps its averages in the run's state (saved with each checkpoint), reset when N rises.
 */
import type { GateRule, MovingAverage, RunConfig, RunState } from './run-types';

/** The averages a round's gate read (RoundRecord's `agreementAverage`, `groundedAverage`, `agreementAverageByClass`). */
export interface GateAverages {
  agreementAverage: number;
  groundedAverage?: number;
  classAverages?: Record<string, number>;
}

/** The run's gate rule: a config without one was made before the `grounded` rule (GateConfig). */
export function gateRule(config: RunConfig): GateRule {
  return config.gate.rule ?? 'questions';
}

/** Moves the gate on one round's agreements (raising `state.size` when it passes) and gives the averages it read. */
export function curriculumGate(
  state: RunState, config: RunConfig, taskMaxSize: number,
  targets: { agreements: readonly number[]; agreementClasses: readonly string[]; groundedAgreements: readonly number[] }, stepsTrained: number,
): GateAverages {
  const { threshold, horizon } = config.gate;
  const rule = gateRule(config);
  const canRaise = config.curriculum && state.size < Math.min(config.maxSize, taskMaxSize);
  const raise = () => {
    state.size = Math.min(config.maxSize, taskMaxSize, state.size + 1);
    state.agreementWindow = [];
    delete state.gateAverages;
  };
  if (rule === 'questions') {
    state.agreementWindow.push(...targets.agreements);
    state.agreementWindow.splice(0, Math.max(0, state.agreementWindow.length - horizon));
    const window = state.agreementWindow;
    const agreementAverage = window.length === 0 ? 0 : window.reduce((a, b) => a + b, 0) / window.length;
    if (canRaise && window.length >= horizon && agreementAverage > threshold) raise();
    return { agreementAverage };
  }
  // Moving averages over `horizon` optimiser steps: a round of S steps weighs 1 − (1 − 1/horizon)^S.
  const g = (state.gateAverages ??= { steps: 0, all: { sum: 0, weight: 0 }, grounded: { sum: 0, weight: 0 } });
  const w = 1 - (1 - 1 / horizon) ** stepsTrained;
  const update = (m: MovingAverage, values: readonly number[]) => {
    if (values.length === 0 || w === 0) return;
    m.sum = (1 - w) * m.sum + w * (values.reduce((a, b) => a + b, 0) / values.length);
    m.weight = (1 - w) * m.weight + w;
  };
  update(g.all, targets.agreements);
  update(g.grounded, targets.groundedAgreements);
  if (rule === 'classes') {
    const perClass = new Map<string, number[]>();
    targets.agreements.forEach((a, i) => perClass.set(targets.agreementClasses[i], [...(perClass.get(targets.agreementClasses[i]) ?? []), a]));
    g.classes ??= {};
    for (const [cls, values] of perClass) update((g.classes[cls] ??= { sum: 0, weight: 0 }), values);
  }
  g.steps += stepsTrained;
  const mean = (m: MovingAverage) => (m.weight > 0 ? m.sum / m.weight : undefined);
  const agreementAverage = mean(g.all) ?? 0;
  const groundedAverage = mean(g.grounded);
  // Class averages a run kept under the classes rule are not read after its rule changed (a resumed run's run.json edited).
  const classAverages = rule === 'classes' && g.classes ? Object.fromEntries(Object.entries(g.classes).sort(([a], [b]) => a.localeCompare(b)).map(([k, m]) => [k, mean(m) ?? 0])) : undefined;
  // No grounded target at this N yet (a task whose every decomposition needs X): the paper's rule alone.
  if (
    canRaise && g.steps >= horizon && agreementAverage > threshold && (groundedAverage === undefined || groundedAverage > threshold) &&
    (!classAverages || Object.values(classAverages).every((a) => a > threshold))
  ) raise();
  return { agreementAverage, ...(groundedAverage !== undefined ? { groundedAverage } : {}), ...(classAverages ? { classAverages } : {}) };
}
