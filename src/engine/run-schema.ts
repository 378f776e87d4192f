/**
 * The schemas of a run folder's files (run-types.ts), as small hand validators: each returns what
 * is wrong with a parsed value ("round: not a non-negative integer"), or undefined when it fits.
 * RunFolder checks every file it reads against them, so nothing read from disk is used (as a path,
 * a number, a record) before it has been checked.
 */
import { TARGET_MAKERS } from './modes/index';
import { EXPERT_TRAINING, GATE_RULES, RUN_FORMAT_VERSION } from './run-types';

type Problem = string | undefined;
type Check = (x: unknown, at: string) => Problem;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const field = (at: string, name: string) => (at ? `${at}.${name}` : name);

const str: Check = (x, at) => (typeof x === 'string' ? undefined : `${at}: not a string`);
const num: Check = (x, at) => (typeof x === 'number' && Number.isFinite(x) ? undefined : `${at}: not a number`);
const nonNegInt: Check = (x, at) => (Number.isInteger(x) && (x as number) >= 0 ? undefined : `${at}: not a non-negative integer`);
const posInt: Check = (x, at) => (Number.isInteger(x) && (x as number) >= 1 ? undefined : `${at}: not a positive integer`);
const bool: Check = (x, at) => (typeof x === 'boolean' ? undefined : `${at}: not true or false`);
const obj: Check = (x, at) => (isObj(x) ? undefined : `${at}: not an object`);
const strings: Check = (x, at) => (Array.isArray(x) && x.every((s) => typeof s === 'string') ? undefined : `${at}: not a list of strings`);
const numberMap: Check = (x, at) => (isObj(x) && Object.values(x).every((v) => typeof v === 'number') ? undefined : `${at}: not a table of numbers`);
const optional = (c: Check): Check => (x, at) => (x === undefined ? undefined : c(x, at));
const arrayOf = (c: Check): Check => (x, at) => {
  if (!Array.isArray(x)) return `${at}: not a list`;
  for (let i = 0; i < x.length; i++) {
    const p = c(x[i], `${at}[${i}]`);
    if (p) return p;
  }
  return undefined;
};
const shape = (fields: Record<string, Check>): Check => (x, at) => {
  if (!isObj(x)) return `${at || 'the file'}: not an object`;
  for (const [name, c] of Object.entries(fields)) {
    const p = c(x[name], field(at, name));
    if (p) return p;
  }
  return undefined;
};
const mapOf = (c: Check): Check => (x, at) => {
  if (!isObj(x)) return `${at}: not an object`;
  for (const [k, v] of Object.entries(x)) {
    const p = c(v, field(at, k));
    if (p) return p;
  }
  return undefined;
};
const oneOf = (...values: unknown[]): Check => (x, at) => (values.includes(x) ? undefined : `${at}: not one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);

/** A checkpoint's name, as RunState records it: `checkpoints/round-NNNN`. */
export const CHECKPOINT_NAME = /^checkpoints\/round-\d{4,}$/;
const checkpointName: Check = (x, at) => (typeof x === 'string' && CHECKPOINT_NAME.test(x) ? undefined : `${at}: not a checkpoint name (checkpoints/round-NNNN)`);

const seed: Check = (x, at) =>
  typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)) || (Array.isArray(x) && x.every((s) => typeof s === 'string' || typeof s === 'number'))
    ? undefined
    : `${at}: not a seed`;
const instance = shape({ size: posInt, seed, index: nonNegInt });
const editKeyShape = shape({ instance, question: strings });

const version: Check = (x, at) => (x === RUN_FORMAT_VERSION ? undefined : `${at}: run format version ${JSON.stringify(x)} is not supported (this version reads ${RUN_FORMAT_VERSION})`);

const average = shape({ sum: num, weight: num });
const gateAverages = shape({ steps: nonNegInt, all: average, grounded: average, classes: optional(mapOf(average)) });

const config = shape({
  task: str, mode: str, size: posInt, curriculum: bool, maxSize: posInt, rounds: posInt, stepsPerRound: posInt, batchSize: posInt,
  contextsPerRound: posInt, questionsPerContext: posInt, bufferSize: posInt, evalContexts: posInt, model: str, backend: str, seed: num,
  gate: shape({ threshold: num, horizon: posInt, rule: optional(oneOf(...GATE_RULES)) }), overridesFeedTraining: bool, threads: optional(nonNegInt), pinnedDepth: optional(nonNegInt),
  teacherHorizon: optional(posInt), expertTraining: optional(oneOf(...EXPERT_TRAINING)),
});

const schemas = {
  /** run.json */
  meta: shape({
    formatVersion: version, id: str, createdAt: str, taskName: str, taskFile: optional(str), kind: optional(oneOf('run', 'check')),
    config, backend: str, threads: optional(nonNegInt), versions: obj,
  }),
  /** state.json, and each checkpoint's copy of it */
  state: shape({
    formatVersion: version, round: nonNegInt, size: posInt, agreementWindow: arrayOf(oneOf(0, 1)), gateAverages: optional(gateAverages), callsToHTotal: nonNegInt, questionsTotal: nonNegInt,
    examplesTotal: nonNegInt, elapsed: num, hasModel: bool, checkpoint: optional(checkpointName), previousCheckpoint: optional(checkpointName),
  }),
  /** a line of rounds.jsonl: the fields every reader uses */
  round: shape({
    round: posInt, size: posInt, accuracy: num, accuracyByClass: numberMap, targetAccuracy: num, targetAccuracyByClass: numberMap, agreement: num,
    agreementAverage: num, groundedAgreement: optional(num), groundedAverage: optional(num), agreementAverageByClass: optional(numberMap), agreementByClass: optional(numberMap), loss: num, stepsTrained: nonNegInt, callsToH: nonNegInt, callsToHTotal: nonNegInt, subquestionsToX: nonNegInt,
    questionsTotal: nonNegInt, examplesTotal: nonNegInt, overridesUsed: nonNegInt, faultsInjected: nonNegInt,
    seconds: shape({ targets: num, train: num, eval: num, total: num }), elapsed: num,
  }),
  /** a line of targets.jsonl: a round's sampled targets */
  targets: shape({
    round: posInt, perClass: posInt, made: numberMap,
    // The makers are read when a line is checked (the mode table imports modules that import this one).
    targets: arrayOf((x, at) => shape({ cls: str, instance, question: strings, answer: strings, maker: oneOf(...TARGET_MAKERS), ok: bool })(x, at)),
  }),
  /** a line of overrides.jsonl */
  override: (x: unknown, at: string): Problem => {
    const p = shape({ op: oneOf('set', 'clear'), key: editKeyShape, at: str, note: optional(str) })(x, at);
    if (p) return p;
    return (x as { op: string }).op === 'set' ? strings((x as { answer?: unknown }).answer, field(at, 'answer')) : undefined;
  },
  /** a line of annotations.jsonl */
  annotation: shape({
    op: oneOf('add', 'remove'), id: str, at: str, key: optional(editKeyShape), path: optional(arrayOf(nonNegInt)), round: optional(nonNegInt),
    note: optional(str), tags: optional(strings),
  }),
  /** pinned.json */
  pinned: arrayOf(shape({ id: str, instance, question: strings, label: optional(str) })),
  /** pinned/round-NNNN.json */
  pinnedRound: shape({ round: nonNegInt, size: posInt, answers: arrayOf(shape({ pin: str, question: strings, truth: strings, x: obj, amplified: obj, tree: obj, answers: obj })) }),
  /** a checkpoint's buffer.json (X's replay buffer) */
  buffer: shape({
    capacity: posInt, perContext: posInt,
    groups: shape({ capacity: posInt, next: nonNegInt, items: arrayOf(arrayOf(shape({ facts: arrayOf(strings), question: strings, answer: strings }))) }),
  }),
  /** a checkpoint's expert-buffer.json (H's transcripts for H′) */
  expertBuffer: shape({ capacity: posInt, next: nonNegInt, items: arrayOf(shape({ answer: strings })) }),
  /** a checkpoint's manifest.json: every file of the checkpoint with its size and sha256 */
  manifest: shape({
    round: nonNegInt,
    files: arrayOf(shape({ path: (x, at) => (typeof x === 'string' && /^[\w.-]+(\/[\w.-]+)*$/.test(x) && !x.split('/').includes('..') ? undefined : `${at}: not a file of the checkpoint`), size: nonNegInt, sha256: (x, at) => (typeof x === 'string' && /^[0-9a-f]{64}$/.test(x) ? undefined : `${at}: not a sha256`) })),
  }),
} satisfies Record<string, Check>;

export type SchemaName = keyof typeof schemas;

/** What is wrong with `x` as a value of `schema`, or undefined. */
export function schemaProblem(schema: SchemaName, x: unknown): Problem {
  return schemas[schema](x, '');
}
