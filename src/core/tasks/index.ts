/** The paper's five tasks, by the names the CLI, settings and run files use. */
import type { AnyTask } from '../types';
import { permutationPowering } from './permutation-powering';
import { sequentialAssignments } from './sequential-assignments';
import { shortestPath } from './shortest-path';
import { unionFind } from './union-find';
import { wildcardSearch } from './wildcard-search';

export { permutationPowering, sequentialAssignments, shortestPath, unionFind, wildcardSearch };

export const BUILTIN_TASKS: readonly AnyTask[] = Object.freeze([
  permutationPowering,
  sequentialAssignments,
  wildcardSearch,
  shortestPath,
  unionFind,
]);

export const DEFAULT_TASK = permutationPowering.name;

/** A built-in task by name, or undefined. */
export function builtinTask(name: string): AnyTask | undefined {
  return BUILTIN_TASKS.find((t) => t.name === name);
}
