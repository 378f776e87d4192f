/**
 * H′'s greedy choice of a transcript's next action, one token at a time (model-h-decoding.ts and
 * decode-rows.ts share it): the marker (ASK or ANS; only ANS when forced or after k subquestions),
 * then the likeliest symbol until SEP (a subquestion) or END (the answer). A malformed generation
 * (empty, too long, a reserved token in the middle) is the answer `?`.
 */
import { ANS_ID, ASK_ID, END_ID, SEP_ID, TokenType, type EncodedTranscript, type ExpertVocabulary } from './expert-tokens';
import type { ExpertAction } from './types';

/** A transcript being decoded: its tokens (appended to as tokens are chosen) and the action so far. */
export interface ActionRow {
  seq: EncodedTranscript;
  /** The action's segment (the question's is 0, step i's i). */
  segment: number;
  /** Undefined until the marker is chosen. */
  asking?: boolean;
  symbols: string[];
  /** Set once the action is complete. */
  result?: ExpertAction;
}

/** A row for a transcript's next action (`seq` is taken over: chosen tokens are appended to it). */
export function actionRow(seq: EncodedTranscript): ActionRow {
  return { seq, segment: seq.segments[seq.segments.length - 1] + 1, symbols: [] };
}

/** The action of a malformed generation (a new object each time: callers may change what they get). */
const malformed = (): ExpertAction => ({ answer: ['?'] });

/**
 * Chooses the row's next token from `p` (its next-token distribution over the vocabulary): appends
 * it to the row's tokens, or completes the row's action (`result`) at its terminator or when it is
 * malformed.
 */
export function takeToken(r: ActionRow, p: Float32Array, voc: ExpertVocabulary, forceAnswer: boolean): void {
  const { maxQuestionLength, maxAnswerLength, maxSubquestions } = voc.lengths;
  const push = (id: number, type: number, offset: number): void => {
    r.seq.ids.push(id);
    r.seq.types.push(type);
    r.seq.offsets.push(offset);
    r.seq.segments.push(r.segment);
    r.seq.scored.push(1);
  };
  if (r.asking === undefined) {
    r.asking = !forceAnswer && r.segment <= maxSubquestions && p[ASK_ID] > p[ANS_ID];
    push(r.asking ? ASK_ID : ANS_ID, TokenType.marker, 0);
    return;
  }
  let id = 0;
  for (let v = 1; v < voc.size; v++) if (p[v] > p[id]) id = v;
  const terminator = r.asking ? SEP_ID : END_ID;
  const max = r.asking ? maxQuestionLength : maxAnswerLength;
  if (id === terminator) {
    r.result = r.symbols.length === 0 ? malformed() : r.asking ? { ask: r.symbols } : { answer: r.symbols };
  } else if (voc.isReserved(id) || r.symbols.length >= max) {
    r.result = malformed();
  } else {
    r.symbols.push(voc.symbol(id));
    push(id, r.asking ? TokenType.subquestion : TokenType.answer, r.symbols.length - 1);
  }
}
