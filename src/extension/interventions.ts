/**
 * Where a user task file defines its expert H (for "Why is this wrong?" on an expert bug): read as
 * text, never run. What an override did to a tree (`overrideEffects`) is in explorer/view-model.ts;
 * blame itself and the counterfactual are core/blame.ts, run through the session's task
 * (explorer/task-views.ts).
 */
import * as fs from 'node:fs';

/**
 * The 1-based line of a task file where its expert H is defined (a line starting `expert(`,
 * `*expert(`, `expert:`), or undefined when the file cannot be read or has no such line.
 */
export function expertLine(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const i = text.split('\n').findIndex((l) => /^\s*(async\s+)?\*?\s*expert\s*[(:=]/.test(l));
  return i < 0 ? undefined : i + 1;
}
