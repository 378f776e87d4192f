/** Export Annotations' file: every note of the given runs, as JSON Lines or CSV (no vscode here, so it is unit-tested). */
import { builtinTask, questionKey } from '../../core/index';
import { RunFolder } from '../../engine/run-folder';
import type { AnnotationEvent } from '../../engine/run-types';
import type { RunItem } from '../run-discovery';

/** A note with its run, its task and its question written out. */
export type ExportedAnnotation = AnnotationEvent & { run: string; task: string; question?: string };

/** The notes in force in each run (the question in the task's notation for a built-in task). */
export function collectAnnotations(runs: readonly RunItem[]): ExportedAnnotation[] {
  const all: ExportedAnnotation[] = [];
  for (const r of runs) {
    const task = builtinTask(r.meta.taskName);
    for (const a of RunFolder.open(r.folder).annotations()) all.push({ ...a, run: r.meta.id, task: r.meta.taskName, question: a.key ? (task?.format.question(a.key.question) ?? questionKey(a.key.question)) : undefined });
  }
  return all;
}

/**
 * The file's text: one JSON object a line (everything a note records), or CSV with a header and
 * every cell quoted: the run, task and pinned question, the note, then the annotated node — its
 * context (instance), question and answers when the note was written (symbols joined by spaces).
 */
export function annotationsText(all: readonly ExportedAnnotation[], csv: boolean): string {
  const cell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const symbols = (a: readonly string[] | undefined) => a?.join(' ');
  const header = 'run,task,question,path,round,note,tags,at,instance,node_question,answer,source,x,x_probability,h,truth';
  return csv
    ? [header, ...all.map((a) => [
      a.run, a.task, a.question, (a.path ?? []).join('.'), a.round, a.note, (a.tags ?? []).join(' '), a.at,
      a.key ? JSON.stringify(a.key.instance) : '', symbols(a.node?.question), symbols(a.node?.answer), a.node?.source, symbols(a.node?.x), a.node?.xProbability, symbols(a.node?.h), symbols(a.node?.truth),
    ].map(cell).join(','))].join('\n') + '\n'
    : all.map((a) => JSON.stringify(a)).join('\n') + '\n';
}
