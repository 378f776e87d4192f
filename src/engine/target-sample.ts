/**
 * The record of a round's targets (targets.jsonl, docs/run-folder.md): a bounded sample — up to
 * TARGETS_PER_CLASS per question class, drawn uniformly, plus every target an override or an
 * injected fault made, which are few and are what a user asks about.
 */
import { createRng } from '../core/index';
import type { TargetSample, TargetsRecord } from './run-types';

/** Targets kept per question class per round (besides those of overrides and faults). */
export const TARGETS_PER_CLASS = 32;

/** A target an override or a fault made: always kept. */
function always(t: TargetSample): boolean {
  return t.maker === 'override' || t.maker === 'fault';
}

/**
 * The round's record: per class, every target of an override or a fault, and up to `perClass`
 * of the others, in the round's order. Drawn with its own generator (seeded by the run's seed and the
 * round), so recording never changes what the round trains on.
 */
export function sampleTargets(seed: number, round: number, targets: readonly TargetSample[], perClass = TARGETS_PER_CLASS): TargetsRecord {
  const rng = createRng([seed, 'targets-record', round]);
  const made: Record<string, number> = {};
  const others = new Map<string, number[]>();
  const keep = new Set<number>();
  targets.forEach((t, i) => {
    made[t.cls] = (made[t.cls] ?? 0) + 1;
    if (always(t)) keep.add(i);
    else {
      const list = others.get(t.cls) ?? [];
      list.push(i);
      others.set(t.cls, list);
    }
  });
  for (const list of others.values()) {
    // A partial Fisher–Yates shuffle: the first `perClass` of a uniform permutation.
    for (let i = 0; i < Math.min(perClass, list.length); i++) {
      const j = i + rng.int(list.length - i);
      [list[i], list[j]] = [list[j], list[i]];
      keep.add(list[i]);
    }
  }
  const sorted = Object.fromEntries(Object.entries(made).sort(([a], [b]) => a.localeCompare(b)));
  return { round, perClass, made: sorted, targets: [...keep].sort((a, b) => a - b).map((i) => targets[i]) };
}
