/** Plain-text renderings of transcripts, HCH trees and counterexamples (CLI, logs, diagnostics). */
import type { Transcript } from './amplify';
import type { Counterexample } from './check';
import type { HCHNode, HCHTree } from './hch';
import { sameTuple } from './task';
import type { AnyTask, Fact } from './types';

/** The context's facts, formatted, at most `max` of them. */
export function renderFacts(task: AnyTask, facts: readonly Fact[], max = 16): string {
  const shown = facts.slice(0, max).map((f) => task.format.fact(f));
  const more = facts.length > max ? `, … (${facts.length - max} more)` : '';
  return `${facts.length} facts: ${shown.join('; ')}${more}`;
}

export function renderTranscript(task: AnyTask, t: Transcript, indent = ''): string {
  const lines = [`${indent}${task.format.question(t.question)}`];
  t.steps.forEach((s, i) => {
    lines.push(`${indent}  ${i + 1}. ${task.format.question(s.question)} → ${task.format.answer(s.answer)}  [${s.source}]`);
  });
  lines.push(`${indent}  ⇒ ${task.format.answer(t.answer)}${t.error ? `  (error: ${firstLine(t.error)})` : ''}`);
  return lines.join('\n');
}

export function renderCounterexample(task: AnyTask, c: Counterexample): string {
  const { size, seed, index } = c.instance;
  const lines = [`✗ ${c.kind} at size ${size}, seed ${String(seed)}, sample ${index}: ${firstLine(c.message)}`];
  if (c.facts) lines.push(`  context: ${renderFacts(task, c.facts)}`);
  if (c.question) lines.push(`  question: ${task.format.question(c.question)}   (${c.question.join(' ')})`);
  if (c.expected) lines.push(`  expected: ${task.format.answer(c.expected)}`);
  if (c.got) lines.push(`  got:      ${task.format.answer(c.got)}`);
  if (c.transcript) lines.push(`  H's transcript:\n${renderTranscript(task, c.transcript, '    ')}`);
  const stack = c.message.split('\n').slice(1).filter((l) => /^\s+at /.test(l));
  if (stack.length > 0) lines.push(`  stack:\n${stack.slice(0, 8).map((l) => `    ${l.trim()}`).join('\n')}`);
  return lines.join('\n');
}

/** An HCH tree as indented text: every node's answer, who gave it, and (when known) ground truth. */
export function renderTree(task: AnyTask, tree: HCHTree): string {
  const lines: string[] = [];
  const visit = (n: HCHNode, prefix: string, childPrefix: string) => {
    const mark = n.truth === undefined ? ' ' : sameTuple(n.answer, n.truth) ? '✓' : '✗';
    const truth = n.truth !== undefined && !sameTuple(n.answer, n.truth) ? `  (truth ${task.format.answer(n.truth)})` : '';
    const src = n.primitive ? 'lookup' : n.source;
    const extra = `${n.expandable ? ' …' : ''}${n.replaced ? ` (was ${task.format.answer(n.replaced)})` : ''}${n.error ? `  error: ${firstLine(n.error)}` : ''}`;
    lines.push(`${prefix}${mark} ${task.format.question(n.question)} = ${task.format.answer(n.answer)}  [${src}]${truth}${extra}`);
    const kids = n.children ?? [];
    kids.forEach((c, i) => {
      const last = i === kids.length - 1;
      visit(c, `${childPrefix}${last ? '└─' : '├─'}`, `${childPrefix}${last ? '  ' : '│ '}`);
    });
  };
  visit(tree.root, '', '');
  if (tree.truncated) lines.push(`(stopped after ${tree.nodes} nodes)`);
  return lines.join('\n');
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
