/**
 * The bookkeeping of H′'s cached decoding (model-h.ts): the per-layer keys/values of a batch being
 * decoded, with the padding columns each row does not have, and a transcript's memo — its tokens'
 * keys/values without padding, kept by a decoder from one of its actions to the next.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { EncodedTranscript } from './expert-tokens';
import { NEG, type KeyValue } from './layers';

/** Keys and values of every column decoded so far, for appending tokens without recomputing. */
export interface DecodeCache {
  kv: KeyValue[];
  /** Copy keys [A, C, d]. */
  keys: tfjs.Tensor;
  /** Symbol ids of every column, per row. */
  ids: number[][];
  /** Per row, true for the columns it does not have (padding): the bias hides them. */
  hidden: boolean[][];
}

/** A transcript's tokens with their keys/values (no padding), kept by a decoder between its actions. */
export interface DecodeMemo {
  tokens: Pick<EncodedTranscript, 'ids' | 'types' | 'offsets' | 'segments'>;
  /** Per layer [H, n, dk]. */
  k: Float32Array[];
  v: Float32Array[];
  /** Copy keys [n, d]. */
  keys: Float32Array;
}

/** The column bias [A, C] of a decoding cache: 0 where a row has a token, NEG in its holes. */
export function cacheBias(cache: DecodeCache): Float32Array {
  const C = cache.ids[0].length;
  const bias = new Float32Array(cache.hidden.length * C);
  cache.hidden.forEach((hidden, i) => hidden.forEach((h, c) => h && (bias[i * C + c] = NEG)));
  return bias;
}

/** The memo if the sequence continues the tokens it covers (with at least one more), else undefined. */
export function memoFor(memo: DecodeMemo | undefined, seq: EncodedTranscript): DecodeMemo | undefined {
  if (!memo) return undefined;
  const t = memo.tokens;
  const n = t.ids.length;
  if (seq.ids.length <= n) return undefined;
  for (let i = 0; i < n; i++) {
    if (seq.ids[i] !== t.ids[i] || seq.types[i] !== t.types[i] || seq.offsets[i] !== t.offsets[i] || seq.segments[i] !== t.segments[i]) return undefined;
  }
  return memo;
}

/**
 * For row j of values read from a cache ([rows, heads, C, width] each), a function that copies the
 * row's columns (those not `hidden`; `tokens` of them) into [heads, tokens, width] without holes.
 */
export function compactor(hidden: readonly boolean[], C: number, j: number, tokens: number): (src: Float32Array, heads: number, width: number) => Float32Array {
  // The row's columns come in a few runs (memo, new tokens, appended tokens) between holes.
  const runs: [number, number][] = [];
  hidden.forEach((h, c) => {
    if (h) return;
    const last = runs[runs.length - 1];
    if (last && last[1] === c) last[1]++;
    else runs.push([c, c + 1]);
  });
  const n = runs.reduce((m, [a, b]) => m + b - a, 0);
  if (n !== tokens) throw new Error(`H′ decoding: ${n} cached columns for ${tokens} tokens`);
  return (src, heads, width) => {
    const out = new Float32Array(heads * n * width);
    for (let h = 0; h < heads; h++) {
      const base = (j * heads + h) * C * width;
      let at = h * n * width;
      for (const [a, b] of runs) {
        out.set(src.subarray(base + a * width, base + b * width), at);
        at += (b - a) * width;
      }
    }
    return out;
  };
}
