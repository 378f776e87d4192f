/** The decoding of X's answers: beam search over the answer steps (greedy is width 1). */
import type { Tokenizer } from './tokenizer';
import type { ScoredAnswer } from './types';

/**
 * Beam search of width k over the answer steps of n questions; `run(rows, prev, t)` gives the
 * next-symbol distributions [rows, V] at step t of the questions `rows` after the symbols `prev`.
 * Step 0 may not end the answer; the last step must; reserved ids are never produced.
 * Probabilities are renormalised over the allowed ids.
 */
export function beamSearch(tok: Tokenizer, n: number, k: number, run: (rows: readonly number[], prev: readonly number[][], t: number) => Float32Array): ScoredAnswer[][] {
  const T = tok.answerSteps;
  const V = tok.size;
  interface Hyp {
    ids: number[];
    logp: number;
    done: boolean;
  }
  let beams: Hyp[][] = Array.from({ length: n }, () => [{ ids: [], logp: 0, done: false }]);
  for (let t = 0; t < T; t++) {
    const rows: number[] = [];
    const prevs: number[][] = [];
    const owners: Hyp[] = [];
    beams.forEach((bs, i) =>
      bs.forEach((h) => {
        if (h.done) return;
        rows.push(i);
        prevs.push([tok.startId, ...h.ids]);
        owners.push(h);
      }),
    );
    if (rows.length === 0) break;
    const probs = run(rows, prevs, t);
    const expansions = new Map<Hyp, Hyp[]>();
    owners.forEach((h, r) => {
      const allowed: number[] = [];
      for (let id = 0; id < V; id++) {
        const isEnd = id === tok.endId;
        if (tok.isReserved(id) && !isEnd) continue;
        if (isEnd ? t === 0 : t === T - 1) continue;
        allowed.push(id);
      }
      let total = 0;
      for (const id of allowed) total += probs[r * V + id];
      const cands = allowed.map((id) => ({ id, p: total > 0 ? probs[r * V + id] / total : 1 / allowed.length }));
      cands.sort((a, b) => b.p - a.p);
      expansions.set(
        h,
        cands.slice(0, k).map((c) => ({ ids: c.id === tok.endId ? h.ids : [...h.ids, c.id], logp: h.logp + Math.log(Math.max(c.p, 1e-30)), done: c.id === tok.endId })),
      );
    });
    beams = beams.map((bs) => {
      const next = bs.flatMap((h) => (h.done ? [h] : (expansions.get(h) ?? [])));
      next.sort((a, b) => b.logp - a.logp);
      return next.slice(0, k);
    });
  }
  return beams.map((bs) => bs.map((h) => ({ answer: tok.decodeAnswer(h.ids), probability: Math.exp(h.logp) })));
}
