/**
 * The Problems entry of a task-file counterexample, as text: the message leads with the question,
 * expected and got (what a reader needs first, on one line); the rest of the rendered counterexample
 * (kind, instance and what it means, the context, H's transcript) goes to the related information.
 * Pure (no vscode): the task checker turns it into a Diagnostic.
 */
import type { CounterexampleKind } from '../../core/index';
import type { RenderedCounterexample } from '../../engine/task-sandbox-calls';

export interface ProblemText {
  message: string;
  /** One line each, in order. */
  related: string[];
}

export function problemText(taskName: string, c: { kind: CounterexampleKind; message: string }, r: RenderedCounterexample): ProblemText {
  const detail = c.message.split('\n')[0];
  const related = r.text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (!r.question) return { message: `${taskName}: ${c.kind}: ${detail}`, related };
  const outcome = [r.expected !== undefined ? `expected ${r.expected}` : '', r.got !== undefined ? `got ${r.got}` : ''].filter((s) => s !== '').join(', ');
  // A mismatch is said by expected ≠ got; other kinds say what went wrong.
  const why = c.kind === 'mismatch' ? c.kind : `${c.kind}: ${detail}`;
  return { message: `${taskName}: ${r.question}${outcome ? ` — ${outcome}` : ''} · ${why}`, related };
}
