/**
 * A scripted, consistent person playing H on permutation powering (through PlaySession, with
 * ground truth answering what is not a lookup), for the tests of H′ learning from people. Their
 * policy differs from H's on odd k: H asks σ^m(x), σ^m(y1), then σ(y2) (m = ⌊k/2⌋); this person
 * applies σ first — σ^1(x), σ^m($1), σ^m($2) — and on even k decomposes as H does: σ^m(x),
 * σ^m($1). They answer with the pointer to the last subanswer.
 */
import { PlaySession, builtinTask, makeContext, makeQuestion, truthAnswerer, type Answer, type InstanceId, type PlayRecord, type Question } from '../../../src/core/index';
import { parsePow } from '../../../src/core/tasks/permutation-powering';
import type { LearnedTranscript } from '../../../src/engine/human-transcripts';

export const pp = builtinTask('permutation-powering')!;

/** The person's lines for σ^k(x) (what they would type in `amplify play`). */
export function personLines(question: Question): string[] {
  const { k, x } = parsePow(question)!;
  const m = k >> 1;
  return k % 2 === 1
    ? [`ask σ^1(${x})`, `ask σ^${m}($1)`, `ask σ^${m}($2)`, 'answer $3']
    : [`ask σ^${m}(${x})`, `ask σ^${m}($1)`, 'answer $2'];
}

/** The person's records for `n` questions of size-8 contexts (`seed`, indices 0..n-1). */
export function personRecords(seed: string, n: number): PlayRecord[] {
  return Array.from({ length: n }, (_, index) => {
    const instance = { size: 8, seed, index };
    return personRecordOf(instance, makeQuestion(pp, instance, makeContext(pp, instance)));
  });
}

/** The person's record of `question` in the context `instance`. */
export function personRecordOf(instance: InstanceId, question: Question): PlayRecord {
  const session = new PlaySession(pp, makeContext(pp, instance), question, { answerer: truthAnswerer(pp), answererName: 'truth', who: 'scripted person', instance, now: () => new Date(Date.UTC(2026, 0, 1)) });
  for (const line of personLines(question)) {
    const [command, ...rest] = line.split(' ');
    const outcome = command === 'ask' ? session.ask(rest.join(' ')) : session.answer(rest.join(' '));
    if (!outcome.ok) throw new Error(`the scripted person's line '${line}' failed: ${outcome.error}`);
  }
  return session.records[0];
}

/** A record's transcript as H′ learns it. */
export function learned(r: PlayRecord): LearnedTranscript {
  return { question: r.transcript.question, steps: r.transcript.steps.map((s) => ({ question: s.question, answer: s.answer as Answer })), answer: r.transcript.answer };
}

/** A transcripts file's text: one JSON line per record. */
export function jsonLines(records: readonly unknown[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}
