/**
 * The table of training modes. Everything that names, lists, explains or draws a mode reads it;
 * adding a mode is one file here and one row below.
 */
import { amplify } from './amplify';
import { amplifyLearnedH } from './amplify-learned-h';
import type { ModeSpec } from './mode';
import { supervised } from './supervised';

export type { ModeMaker, ModeNeeds, ModeSpec, RoundTargets, TargetInputs } from './mode';
export { DEFAULT_EXPERT_CALLS, DEFAULT_EXPERT_MODEL, DEFAULT_EXPERT_STEPS, expertTrains } from './amplify-learned-h';

/** Every mode; the first is the default. */
export const MODE_TABLE = [amplify, amplifyLearnedH, supervised] as const;

export type Mode = (typeof MODE_TABLE)[number]['name'];

export const MODES: readonly Mode[] = MODE_TABLE.map((m) => m.name);

export const DEFAULT_MODE: Mode = MODE_TABLE[0].name;

/** The mode whose targets are the ground truth: the baseline the others are compared with. */
export const BASELINE_MODE: Mode = MODE_TABLE.find((m) => m.needs.groundTruth)!.name;

/** Who can make a training target: each mode's maker, the user's override, an injected fault (targets.jsonl). */
export const TARGET_MAKERS = [...new Set(MODE_TABLE.map((m) => m.maker)), 'override', 'fault'] as const;

export function isMode(name: unknown): name is Mode {
  return typeof name === 'string' && (MODES as readonly string[]).includes(name);
}

export function modeSpec(mode: Mode): ModeSpec<Mode>;
export function modeSpec(mode: string): ModeSpec<Mode> | undefined;
export function modeSpec(mode: string): ModeSpec<Mode> | undefined {
  return MODE_TABLE.find((m) => m.name === mode);
}
