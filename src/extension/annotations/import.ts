/**
 * Import Annotations: merges a file of notes (the JSON Lines that Export Annotations writes) back
 * into the runs they belong to, validated line by line. No vscode here, so it is unit-tested.
 */
import { RunFolder } from '../../engine/run-folder';
import type { AnnotationEvent } from '../../engine/run-types';
import type { RunItem } from '../run-discovery';

export interface ImportResult {
  /** Notes added, per run folder. */
  added: Map<string, number>;
  /** Notes the runs had already (same id). */
  present: number;
  /** Lines that were not used, with why (1-based line numbers). */
  skipped: { line: number; reason: string }[];
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isSymbols = (x: unknown): x is string[] => Array.isArray(x) && x.length > 0 && x.length <= 64 && x.every((s) => isStr(s) && s.length > 0 && s.length <= 64 && !/\s/.test(s));
const isIndex = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

/** Why a parsed line is not a note this import can add, or undefined. */
function problem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'not a JSON object';
  const a = x as Record<string, unknown>;
  if (!isStr(a.run) || a.run.length === 0) return 'no run (the id of the run the note belongs to)';
  if (a.op !== 'add') return 'op is not add (an export holds the notes in force)';
  if (!isStr(a.id) || a.id.length === 0 || a.id.length > 200) return 'no id';
  if (!isStr(a.at)) return 'no time (at)';
  if (a.note !== undefined && (!isStr(a.note) || a.note.length > 10000)) return 'note is not a string of at most 10,000 characters';
  if (a.tags !== undefined && !(Array.isArray(a.tags) && a.tags.length <= 32 && a.tags.every(isStr))) return 'tags is not a list of strings';
  if (a.path !== undefined && !(Array.isArray(a.path) && a.path.length <= 256 && a.path.every(isIndex))) return 'path is not a list of child indexes';
  if (a.round !== undefined && !isIndex(a.round)) return 'round is not a round number';
  if (a.key !== undefined) {
    const k = a.key as Record<string, unknown> | null;
    const i = k?.instance as Record<string, unknown> | undefined;
    if (!k || !isSymbols(k.question) || !i || !Number.isInteger(i.size) || !Number.isInteger(i.index) || !(isStr(i.seed) || (Array.isArray(i.seed) && i.seed.every(isStr)))) return 'key is not { instance: { size, seed, index }, question }';
  }
  if (a.node !== undefined) {
    const n = a.node as Record<string, unknown> | null;
    if (!n || !isSymbols(n.question) || !isSymbols(n.answer) || !isSymbols(n.truth) || !isStr(n.source)) return 'node is not { question, answer, source, truth, … }';
    if ((n.x !== undefined && !isSymbols(n.x)) || (n.h !== undefined && !isSymbols(n.h)) || (n.xProbability !== undefined && typeof n.xProbability !== 'number')) return 'node.x, node.h or node.xProbability is malformed';
  }
  return undefined;
}

/** The note as a run stores it (what an export added — run, task, the question's text — left out). */
function event(a: Record<string, unknown>): AnnotationEvent {
  const keep = ['op', 'id', 'at', 'key', 'path', 'round', 'note', 'tags', 'node'] as const;
  return Object.fromEntries(keep.filter((k) => a[k] !== undefined).map((k) => [k, a[k]])) as unknown as AnnotationEvent;
}

/** Adds each valid line's note to the run it names (by run id, among `runs`), unless that run has it already. */
export function importAnnotations(text: string, runs: readonly RunItem[]): ImportResult {
  const byId = new Map(runs.map((r) => [r.meta.id, r.folder]));
  const result: ImportResult = { added: new Map(), present: 0, skipped: [] };
  const known = new Map<string, Set<string>>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      result.skipped.push({ line, reason: 'not JSON' });
      return;
    }
    const why = problem(parsed);
    if (why) {
      result.skipped.push({ line, reason: why });
      return;
    }
    const a = parsed as Record<string, unknown>;
    const folder = byId.get(a.run as string);
    if (!folder) {
      result.skipped.push({ line, reason: `no run '${a.run as string}' in this workspace` });
      return;
    }
    const f = RunFolder.open(folder);
    let ids = known.get(folder);
    if (!ids) known.set(folder, (ids = new Set(f.annotations().map((n) => n.id))));
    if (ids.has(a.id as string)) {
      result.present++;
      return;
    }
    f.appendAnnotation(event(a));
    ids.add(a.id as string);
    result.added.set(folder, (result.added.get(folder) ?? 0) + 1);
  });
  return result;
}
