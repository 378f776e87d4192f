/**
 * Checks of what a user types against a task: an override (the user's answer for a node of a
 * tree) and a pin (a question to watch every round). Both end up as training targets or tree
 * questions, so a malformed one either kills training later ("answer [h g] has 2 symbols…") or
 * silently shows nonsense (a question about a name the context does not have, truth `?`).
 *
 * What a task's questions and answers look like is inferred once per task by sampling (the task's
 * own ground truth and H, never a model) and cached:
 * - per question kind: the lengths its questions have, the symbols seen at each place, the
 *   lengths and symbols of its true answers;
 * - which places hold *names*: a place all of whose symbols also occur in facts (σ's elements, the
 *   variables of a program, a graph's vertices). Bits, digits of a count, `*`, a kind's own symbol
 *   never occur in facts, so those places are not names. Places that share a symbol form one class
 *   (names vs. values in sequential assignments), so `val 3` is refused while `f 3 5` is not;
 * - per kind, whether real questions mention names the context's facts do not (shortest path asks
 *   about vertices without edges, answered `inf`): then an absent name is only an error when the
 *   question has no true answer in that context.
 * A symbol of the vocabulary that sampling never saw anywhere is accepted wherever a symbol is
 * expected (sampling may miss rare ones); everything else is checked against what was seen.
 *
 * Every check returns `undefined` when the input is fine, else one human line in the task's
 * notation (task.format.question / answer). Deterministic: the samples have a fixed seed.
 */
import { amplify, groundTruth, isPrimitive, truthAnswerer } from './amplify';
import { makeContext, makeQuestion, taskKinds, taskVocabulary } from './instances';
import { questionKey, tupleProblem } from './task';
import { UNKNOWN, type Answer, type AnyContext, type AnyTask, type Question } from './types';

/** What sampling found out about one question kind. */
export interface KindShape {
  /** The lengths its questions have (the kind's symbol included). */
  questionLengths: ReadonlySet<number>;
  /** The symbols seen at each place of its questions (place 0: the kind itself). */
  places: readonly ReadonlySet<string>[];
  /** The lengths of its true answers other than `?`. */
  answerLengths: ReadonlySet<number>;
  /** The symbols seen at each place of its true answers other than `?`. */
  answerPlaces: readonly ReadonlySet<string>[];
  /** Real questions of this kind mention names no fact of their context mentions. */
  absentNamesSeen: boolean;
  /** … and some of those have no true answer (`?`) all the same. */
  absentNamesUnknown: boolean;
  /** True answers of this kind mention a fact symbol that no fact of their context mentions. */
  absentAnswerSeen: boolean;
}

/** What a task's questions and answers look like, inferred by sampling (see the module comment). */
export interface InputShapes {
  /** The task's vocabulary (as the model's tokenizer knows it: `taskVocabulary`). */
  vocabulary: ReadonlySet<string>;
  /** The question kinds: declared, or seen while sampling. */
  kinds: readonly string[];
  /** Shapes of the kinds sampling saw (a declared kind it never saw has none: not checked further). */
  shapes: ReadonlyMap<string, KindShape>;
  /** Every symbol seen in facts. */
  factSymbols: ReadonlySet<string>;
  /** Every symbol seen in a question or a true answer. */
  placed: ReadonlySet<string>;
  /** For each name place (`kind/index`): the symbols its class allows. */
  nameClasses: ReadonlyMap<string, ReadonlySet<string>>;
  /** Each symbol of a name class → that class. */
  classOf: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Instances sampled per size (min, default and max). */
const SAMPLES_PER_SIZE = 96;
/** How deep H's subquestions are followed from each sampled question (with ground-truth answers). */
const SAMPLE_DEPTH = 2;
/** At most this many distinct questions are looked at per sampled instance. */
const QUESTIONS_PER_INSTANCE = 48;
const SEED = 'validate-input';

const cache = new WeakMap<AnyTask, InputShapes>();

interface Observation {
  question: Question;
  truth: Answer;
  facts: ReadonlySet<string>;
}

/** The task's inferred input shapes (computed once per task object, then cached). */
export function inputShapes(task: AnyTask): InputShapes {
  let shapes = cache.get(task);
  if (!shapes) {
    shapes = inferShapes(task);
    cache.set(task, shapes);
  }
  return shapes;
}

function inferShapes(task: AnyTask): InputShapes {
  const observations = sample(task);
  const factSymbols = new Set<string>();
  // `?` is reserved for "unknown": accepted in a question or an answer place only where seen there.
  const placed = new Set<string>([UNKNOWN]);
  for (const o of observations) {
    o.facts.forEach((s) => factSymbols.add(s));
    o.question.forEach((s) => placed.add(s));
    o.truth.forEach((s) => placed.add(s));
  }

  interface Building {
    questionLengths: Set<number>;
    places: Set<string>[];
    answerLengths: Set<number>;
    answerPlaces: Set<string>[];
    absentNamesSeen: boolean;
    absentNamesUnknown: boolean;
    absentAnswerSeen: boolean;
  }
  const building = new Map<string, Building>();
  for (const { question: q, truth } of observations) {
    let b = building.get(q[0]);
    if (!b) {
      b = { questionLengths: new Set(), places: [], answerLengths: new Set(), answerPlaces: [], absentNamesSeen: false, absentNamesUnknown: false, absentAnswerSeen: false };
      building.set(q[0], b);
    }
    b.questionLengths.add(q.length);
    q.forEach((s, i) => (b.places[i] ??= new Set()).add(s));
    if (!isUnknown(truth)) {
      b.answerLengths.add(truth.length);
      truth.forEach((s, i) => (b.answerPlaces[i] ??= new Set()).add(s));
    }
  }

  // Name places: every symbol seen there also occurs in facts. Places sharing a symbol form one class.
  const namePlaces: [string, Set<string>][] = [];
  const parent = new Map<string, string>();
  const find = (s: string): string => {
    let r = s;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(s, r);
    return r;
  };
  for (const [kind, b] of building) {
    b.places.forEach((seen, i) => {
      if (i === 0 || ![...seen].every((s) => factSymbols.has(s))) return;
      namePlaces.push([`${kind}/${i}`, seen]);
      const first = seen.values().next().value as string;
      for (const s of seen) {
        if (!parent.has(s)) parent.set(s, s);
        if (!parent.has(first)) parent.set(first, first);
        parent.set(find(s), find(first));
      }
    });
  }
  const classes = new Map<string, Set<string>>();
  for (const s of parent.keys()) {
    const r = find(s);
    if (!classes.has(r)) classes.set(r, new Set());
    classes.get(r)!.add(s);
  }
  const classOf = new Map<string, ReadonlySet<string>>([...parent.keys()].map((s) => [s, classes.get(find(s))!]));
  const nameClasses = new Map<string, ReadonlySet<string>>(namePlaces.map(([place, seen]) => [place, classOf.get(seen.values().next().value as string)!]));

  const isNamePlace = (kind: string, i: number) => nameClasses.has(`${kind}/${i}`);
  for (const o of observations) {
    const b = building.get(o.question[0])!;
    const absent = o.question.some((s, i) => isNamePlace(o.question[0], i) && !o.facts.has(s));
    if (absent) {
      b.absentNamesSeen = true;
      if (isUnknown(o.truth)) b.absentNamesUnknown = true;
    }
    if (!isUnknown(o.truth) && o.truth.some((s) => factSymbols.has(s) && !o.facts.has(s))) b.absentAnswerSeen = true;
  }

  let kinds: string[];
  try {
    kinds = Object.keys(task.kinds ?? taskKinds(task));
  } catch {
    kinds = [];
  }
  if (!task.kinds) for (const k of building.keys()) if (!kinds.includes(k)) kinds.push(k);

  return {
    vocabulary: new Set(safeVocabulary(task)),
    kinds,
    shapes: building,
    factSymbols,
    placed,
    nameClasses,
    classOf,
  };
}

function safeVocabulary(task: AnyTask): readonly string[] {
  try {
    return taskVocabulary(task);
  } catch {
    return [UNKNOWN];
  }
}

/** Ground-truth questions and answers over sampled instances: training questions and H's subquestions. */
function sample(task: AnyTask): Observation[] {
  const out: Observation[] = [];
  const truth = truthAnswerer(task);
  const sizes = [...new Set([task.sizes.min, task.sizes.default, task.sizes.max])];
  for (const size of sizes) {
    for (let index = 0; index < SAMPLES_PER_SIZE; index++) {
      try {
        const id = { size, seed: SEED, index };
        const ctx = makeContext(task, id);
        const facts = new Set(ctx.facts.flat());
        const seen = new Set<string>();
        let level: Question[] = [makeQuestion(task, id, ctx)];
        for (let depth = 0; depth <= SAMPLE_DEPTH && level.length > 0; depth++) {
          const next: Question[] = [];
          for (const q of level) {
            const key = questionKey(q);
            if (seen.has(key) || seen.size >= QUESTIONS_PER_INSTANCE || tupleProblem(q) !== undefined) continue;
            seen.add(key);
            out.push({ question: q, truth: groundTruth(task, ctx, q).answer, facts });
            if (depth < SAMPLE_DEPTH && !isPrimitive(task, q)) next.push(...amplify(task, ctx, q, truth).steps.map((s) => s.question));
          }
          level = next;
        }
      } catch {
        // A task whose context() or question() throws is reported by `amplify check`, not here.
      }
    }
  }
  return out;
}

function isUnknown(a: Answer): boolean {
  return a.length === 1 && a[0] === UNKNOWN;
}

function orList(xs: readonly number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length <= 1 ? String(sorted[0]) : `${sorted.slice(0, -1).join(', ')} or ${sorted[sorted.length - 1]}`;
}

function examples(symbols: ReadonlySet<string>): string {
  const sorted = [...symbols].sort();
  return sorted.length > 3 ? `${sorted.slice(0, 3).join(', ')}, …` : sorted.join(', ');
}

/** Symbols outside the vocabulary, or the first of them. */
function unknownSymbol(shapes: InputShapes, t: readonly string[]): string | undefined {
  return t.find((s) => !shapes.vocabulary.has(s));
}

/** Whether `s` may stand at place `i` of a `kind` question. */
function placeAllows(shapes: InputShapes, kind: string, i: number, s: string): { ok: boolean; allowed: ReadonlySet<string> } {
  const allowed = shapes.nameClasses.get(`${kind}/${i}`) ?? shapes.shapes.get(kind)?.places[i] ?? new Set<string>();
  return { ok: allowed.has(s) || !shapes.placed.has(s), allowed };
}

/** The question checks that need no context: well-formed, a known kind of the right length, known symbols in their places. */
function questionShapeProblem(task: AnyTask, shapes: InputShapes, question: Question): string | undefined {
  const problem = tupleProblem(question, 'the question');
  if (problem) return problem;
  const shown = task.format.question(question);
  const kind = question[0];
  if (!shapes.kinds.includes(kind)) return `${shown}: ${kind} is not a question kind of ${task.name} (its kinds: ${shapes.kinds.join(', ')})`;
  const shape = shapes.shapes.get(kind);
  if (shape && !shape.questionLengths.has(question.length)) {
    return `${shown}: a ${kind} question has ${orList([...shape.questionLengths])} symbols, not ${question.length}`;
  }
  const bad = unknownSymbol(shapes, question);
  if (bad !== undefined) return `${shown}: ${bad} is not a symbol of ${task.name}`;
  if (!shape) return undefined;
  for (let i = 1; i < question.length; i++) {
    const { ok, allowed } = placeAllows(shapes, kind, i, question[i]);
    if (!ok) return `${shown}: ${question[i]} cannot be symbol ${i + 1} of a ${kind} question (there: ${examples(allowed)})`;
  }
  return undefined;
}

/**
 * Why `question` is not a question of `task` (about `ctx`, when given), or `undefined` when it is.
 * Checks: well-formed symbols; its kind (first symbol) is one of the task's; its length is one
 * that kind has; every symbol is in the vocabulary and fits its place (a name where names go,
 * a bit where bits go); with a context, every name it mentions occurs in the context's facts
 * (see the module comment for tasks whose questions may mention names without facts).
 */
export function checkQuestion(task: AnyTask, question: Question, ctx?: AnyContext): string | undefined {
  const shapes = inputShapes(task);
  const problem = questionShapeProblem(task, shapes, question);
  if (problem || !ctx) return problem;
  const shape = shapes.shapes.get(question[0]);
  if (!shape) return undefined;
  const facts = new Set(ctx.facts.flat());
  const absent = question.find((s, i) => shapes.nameClasses.has(`${question[0]}/${i}`) && !facts.has(s));
  if (absent === undefined || shape.absentNamesUnknown) return undefined;
  if (shape.absentNamesSeen && !isUnknown(groundTruth(task, ctx, question).answer)) return undefined;
  return `${task.format.question(question)}: no fact mentions ${absent}`;
}

/**
 * Why `answer` cannot be an answer to `question` (about `ctx`, when given), or `undefined` when it
 * can. `?` alone is always accepted ("unknown"). Checks: well-formed symbols in the vocabulary;
 * a length the kind's true answers have; each symbol one that kind's answers use at that place;
 * with a context, a name in the answer occurs in the context's facts (for kinds whose true answers
 * always do). The question itself must be of a known kind with the right length; it may mention
 * names the context lacks (the user may be correcting exactly that node).
 */
export function checkAnswer(task: AnyTask, question: Question, answer: Answer, ctx?: AnyContext): string | undefined {
  const problem = tupleProblem(answer, 'the answer');
  if (problem) return problem;
  if (isUnknown(answer)) return undefined;
  const shapes = inputShapes(task);
  const questionProblem = questionShapeProblem(task, shapes, question);
  if (questionProblem) return questionProblem;
  const kind = question[0];
  const shape = shapes.shapes.get(kind);
  if (shape && shape.answerLengths.size > 0 && !shape.answerLengths.has(answer.length)) {
    return `an answer of ${kind} has ${orList([...shape.answerLengths])} ${[...shape.answerLengths].every((n) => n === 1) ? 'symbol' : 'symbols'}, not ${answer.length}`;
  }
  const bad = unknownSymbol(shapes, answer);
  if (bad !== undefined) return `${task.format.answer(answer)} cannot answer ${task.format.question(question)}: ${bad} is not a symbol of ${task.name}`;
  if (!shape || shape.answerLengths.size === 0) return undefined;
  for (let i = 0; i < answer.length; i++) {
    const s = answer[i];
    const seen = shape.answerPlaces[i] ?? new Set<string>();
    const cls = shapes.classOf.get(s);
    const ok = seen.has(s) || !shapes.placed.has(s) || (cls !== undefined && [...seen].some((x) => cls.has(x)));
    if (!ok) return `${task.format.answer(answer)} cannot answer ${task.format.question(question)}: answers of ${kind} look like ${examples(seen)}`;
  }
  if (ctx && !shape.absentAnswerSeen) {
    const facts = new Set(ctx.facts.flat());
    const absent = answer.find((s) => shapes.factSymbols.has(s) && !facts.has(s));
    if (absent !== undefined) return `${task.format.answer(answer)} cannot answer ${task.format.question(question)}: no fact mentions ${absent}`;
  }
  return undefined;
}
