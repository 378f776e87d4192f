/**
 * Identical partial transcripts are decoded once. H′'s next action is a function of a partial
 * transcript's tokens alone (the question, the subquestions and their subanswers; never the
 * context's facts), and greedy decoding is deterministic for given weights, so transcripts whose
 * encoded tokens are equal get equal actions. A round's 2,048 questions over a task's small
 * question space repeat many transcripts (docs/performance.md §7b): H′'s decoders (model-h-decoding.ts,
 * decode-threads.ts) group a call's states by the exact key of their tokens, decode one per group
 * and give every member the action (a copy: callers may keep or change what they get) and the
 * kept keys/values (memos are never changed after they are made, so they are shared).
 */
import type { EncodedTranscript } from './expert-tokens';
import type { ExpertAction, ExpertDecoder, PartialTranscript } from './types';

/** A decoder that also decodes groups of transcripts known to be identical (DecodeThreads' shares). */
export interface GroupDecoder extends ExpertDecoder {
  /**
   * The action of each group's transcript `states[g]`, decoded once for all the ids `groups[g]`
   * (they all get its kept keys/values). `seqs[g]`, when given, is `states[g]` encoded; it is taken
   * over (decoding appends to it). One action per group, not copied.
   */
  nextGroups(groups: readonly (readonly number[])[], states: readonly PartialTranscript[], options?: { forceAnswer?: boolean }, seqs?: readonly (EncodedTranscript | undefined)[]): ExpertAction[];
}

/** The states of one call in groups of identical tokens. */
export interface TranscriptGroups {
  /** The first state of each group (indices into the call's states). */
  reps: number[];
  /** The states of each group, in order (the first is its rep). */
  members: number[][];
  /** The group of each state. */
  of: Int32Array;
}

let on = true;
let listener: ((states: number, distinct: number) => void) | undefined;

/** Turns grouping off (every state its own group, as before session 8). For A/B timing and tests. */
export function setDedupDecoding(value: boolean): void {
  on = value;
}

/** Called with each decoding call's states and groups (benches: how many states were distinct). */
export function setDedupListener(fn: ((states: number, distinct: number) => void) | undefined): void {
  listener = fn;
}

/** An exact key of a transcript's tokens: ids, types, offsets and segments (four arrays of equal length). */
export function transcriptKey(s: EncodedTranscript): string {
  const parts = [s.ids, s.types, s.offsets, s.segments];
  // One UTF-16 unit per value where every value fits in one (always for this project's vocabularies);
  // the first character tells the two forms apart.
  if (parts.every((p) => p.every((v) => v >= 0 && v <= 0xffff))) return `u${parts.map((p) => String.fromCharCode(...p)).join('')}`;
  return `j${parts.map((p) => p.join(',')).join(';')}`;
}

/** Groups states by their tokens; an undefined entry (a state that could not be encoded) stays alone. */
export function groupTranscripts(seqs: readonly (EncodedTranscript | undefined)[]): TranscriptGroups {
  const byKey = new Map<string, number>();
  const reps: number[] = [];
  const members: number[][] = [];
  const of = new Int32Array(seqs.length);
  seqs.forEach((s, i) => {
    const key = on && s ? transcriptKey(s) : undefined;
    let g = key === undefined ? undefined : byKey.get(key);
    if (g === undefined) {
      g = reps.length;
      reps.push(i);
      members.push([]);
      if (key !== undefined) byKey.set(key, g);
    }
    members[g].push(i);
    of[i] = g;
  });
  listener?.(seqs.length, reps.length);
  return { reps, members, of };
}

/** An action of its own (its symbols copied). */
export function copyAction(a: ExpertAction): ExpertAction {
  return 'ask' in a ? { ask: [...a.ask] } : { answer: [...a.answer] };
}

/** Each state's action from its group's: the first member gets the group's, the others copies. */
export function spreadActions(byGroup: readonly ExpertAction[], of: Int32Array): ExpertAction[] {
  const given = new Uint8Array(byGroup.length);
  return Array.from(of, (g) => {
    if (given[g]) return copyAction(byGroup[g]);
    given[g] = 1;
    return byGroup[g];
  });
}

/**
 * A decoder's `next` over its `nextGroups`: the states encoded and grouped, each group decoded once,
 * its action spread to every member. `check` runs first (the decoder's own checks: open, weights).
 */
export function nextByGroups(encode: (s: PartialTranscript) => EncodedTranscript, nextGroups: GroupDecoder['nextGroups'], check: () => void): ExpertDecoder['next'] {
  return (ids, states, options = {}) => {
    if (ids.length !== states.length) throw new Error('H′ decoder: one id per state');
    check();
    const seqs = states.map(encode);
    const { reps, members, of } = groupTranscripts(seqs);
    return spreadActions(nextGroups(members.map((js) => js.map((j) => ids[j])), reps.map((r) => states[r]), options, reps.map((r) => seqs[r])), of);
  };
}
