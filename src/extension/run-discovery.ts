/** Finding run folders for the Runs view (no vscode here, so it is unit-tested). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunFolder } from '../engine/run-folder';
import type { RunMeta } from '../engine/run-types';

export interface RunItem {
  kind: 'run';
  folder: string;
  meta: RunMeta;
  round: number;
  accuracy: number | undefined;
  size: number | undefined;
  /** The experiment folder's name when the run is one curve of an experiment (`amplify experiment`). */
  experiment?: string;
}

function isRun(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json'));
}

/** The run folders directly inside `dir` (an experiment folder holds one per task and mode). */
export function runsInside(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((n) => path.join(dir, n)).filter(isRun).map((d) => path.resolve(d));
  } catch {
    return []; // not a readable folder (a file, a dangling link)
  }
}

/** An experiment folder: not a run itself, with run folders inside. */
export function isExperiment(dir: string): boolean {
  return !isRun(dir) && runsInside(dir).length > 0;
}

/**
 * Run folders: every `<root>/<id>/run.json`, every run of an experiment folder `<root>/<experiment>/<id>/run.json`,
 * plus folders opened from elsewhere (a run, or an experiment: all its runs).
 */
export function discoverRuns(roots: readonly string[], extra: readonly string[]): RunItem[] {
  const dirs = new Map<string, string | undefined>();
  const addExperiment = (dir: string) => {
    for (const d of runsInside(dir)) dirs.set(d, path.basename(dir));
  };
  for (const d of extra) {
    if (isRun(d)) dirs.set(path.resolve(d), undefined);
    else addExperiment(d);
  }
  for (const root of roots) {
    if (!fs.existsSync(root)) continue;
    for (const name of fs.readdirSync(root)) {
      const dir = path.join(root, name);
      if (isRun(dir)) dirs.set(path.resolve(dir), undefined);
      else addExperiment(dir);
    }
  }
  const items: RunItem[] = [];
  for (const [dir, experiment] of dirs) {
    try {
      const f = RunFolder.open(dir);
      const last = f.rounds().records.at(-1);
      items.push({ kind: 'run', folder: dir, meta: f.meta(), round: last?.round ?? 0, accuracy: last?.accuracy, size: last?.size, ...(experiment ? { experiment } : {}) });
    } catch {
      // Not a readable run: left out of the list (opening it explicitly reports why).
    }
  }
  return items.sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt));
}
