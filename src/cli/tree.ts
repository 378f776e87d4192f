/**
 * `amplify tree`: the HCH tree of a question, every node with its ground truth — answered beyond
 * the depth limit by ground truth, or by X of a run (`--run DIR [--round R]`); with the user's
 * overrides (`--override PATH=ANSWER`: the counterfactual tree, and the root before → after) and
 * blame (`--explain`: where the root's error starts, core/blame.ts, and the counterfactual).
 */
import * as path from 'node:path';
import {
  blame, checkAnswer, counterfactual, expandHCH, makeContext, makeQuestion, nodeAt, renderFacts, renderTree, resolveSize, sameTuple, taskKinds,
  taskVocabulary, truthAnswerer, tupleProblem, type Answer, type Answerer, type AnyTask, type HCHOptions, type Question,
} from '../core/index';
import { modelAnswerer, type LearnerFactory } from '../engine/run';
import { RunFolder, RunFolderError } from '../engine/run-folder';
import { resolveTasks } from '../engine/task-loader';
import type { Io } from './main';
import { optionsHelp, parseCommand } from './options';

/** A usage error of `amplify tree` (main turns it into its own: exit 2 with the usage). */
export class TreeUsageError extends Error {}

export const TREE_HELP = `amplify tree <task | file.task.ts> [--size N] [--seed S] [--index I] [--question "..."] [--depth D]
    [--override PATH=ANSWER]... [--explain] [--run DIR [--round R]] [--json]
${optionsHelp('tree')}`;

/** "2.1" → [1, 0]. */
function parsePath(text: string): number[] {
  if (!/^\d+(\.\d+)*$/.test(text) || text.split('.').some((p) => Number(p) < 1)) throw new TreeUsageError(`--override: '${text}' is not a node path (1-based child indexes joined by dots, e.g. 2.1)`);
  return text.split('.').map((p) => Number(p) - 1);
}

/** Symbols separated by spaces, or one symbol as the task writes it (e.g. `∞` for `inf`). */
function parseAnswer(task: AnyTask, text: string): Answer {
  const written = taskVocabulary(task).find((s) => task.format.answer([s]) === text.trim() && s !== text.trim());
  const parsed = written ? [written] : text.trim().split(/\s+/).filter((s) => s.length > 0);
  const problem = tupleProblem(parsed, 'the answer');
  if (problem) throw new TreeUsageError(`--override: cannot read the answer '${text}': ${problem}`);
  return parsed;
}

/** X of a run's checkpoint, as the answerer at the leaves (the EMA teacher: the X that answers H's subquestions in training). */
async function runAnswerer(dir: string, round: number | undefined, task: AnyTask, factory: LearnerFactory) {
  let folder: RunFolder;
  try {
    folder = RunFolder.open(dir);
  } catch (e) {
    if (e instanceof RunFolderError) throw new TreeUsageError(e.message);
    throw e;
  }
  const meta = folder.meta();
  if (meta.taskName !== task.name) throw new TreeUsageError(`${dir} is a run of ${meta.taskName}, not ${task.name}`);
  const state = folder.state();
  if (!state?.hasModel || !state.checkpoint) throw new TreeUsageError(`${dir} has no checkpoint yet (train at least one round)`);
  if (round !== undefined && round !== state.round) throw new TreeUsageError(`${dir} keeps X of round ${state.round} only (its last checkpoint), not round ${round}`);
  const model = await factory.load(path.join(folder.dir, state.checkpoint), meta.config.backend, 1);
  return { answerer: modelAnswerer(model, true), round: state.round, size: state.size, dispose: () => model.dispose() };
}

export async function cmdTree(args: string[], io: Io, factory: LearnerFactory): Promise<number> {
  const { values, help, positionals } = parseCommand('tree', args);
  if (help) {
    io.out(TREE_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new TreeUsageError('tree takes one task name or file');
  const runDir = values.run as string | undefined;
  const task = (await resolveTasks(positionals[0] ?? (runDir ? RunFolder.open(runDir).meta().taskFile ?? RunFolder.open(runDir).meta().taskName : undefined)))[0].task;
  const round = values.round as number | undefined;
  if (round !== undefined && !runDir) throw new TreeUsageError('--round goes with --run');
  const x = runDir ? await runAnswerer(runDir, round, task, factory) : undefined;
  try {
    let size: number;
    try {
      size = resolveSize(task, (values.size as number | undefined) ?? x?.size);
    } catch (e) {
      throw new TreeUsageError((e as Error).message);
    }
    const id = { size, seed: (values.seed as string | undefined) ?? '0', index: (values.index as number | undefined) ?? 0 };
    const ctx = makeContext(task, id);
    let question: Question;
    if (values.question !== undefined) {
      const parsed = task.format.parseQuestion?.(values.question as string);
      const problem = tupleProblem(parsed, 'the question');
      if (!parsed || problem) throw new TreeUsageError(`cannot read the question '${values.question}': ${problem ?? 'not in the task’s notation'}`);
      const kinds = Object.keys(taskKinds(task));
      if (!kinds.includes(parsed[0])) throw new TreeUsageError(`cannot read the question '${values.question}': its kind '${parsed[0]}' is not one of ${kinds.join(', ')}`);
      question = parsed;
    } else question = makeQuestion(task, id, ctx);
    const depth = (values.depth as number | undefined) ?? 3;
    const answerer: Answerer = x?.answerer ?? truthAnswerer(task);
    const base: HCHOptions = { answerer, depth, truth: true };
    const before = expandHCH(task, ctx, question, base);

    // Overrides, by path: each must name a node of the tree (as overridden so far) that is not a lookup, with an answer that fits it.
    const overrides = new Map<string, Answer>();
    const options = (): HCHOptions => ({ ...base, override: (_q, p) => overrides.get(p.join('.')) });
    for (const spec of (values.override as string[] | undefined) ?? []) {
      const eq = spec.indexOf('=');
      if (eq < 0) throw new TreeUsageError(`--override takes PATH=ANSWER (got '${spec}')`);
      const at = parsePath(spec.slice(0, eq));
      const node = nodeAt(expandHCH(task, ctx, question, options()).root, at);
      if (!node) throw new TreeUsageError(`--override: the tree has no node ${spec.slice(0, eq)}`);
      if (node.primitive) throw new TreeUsageError(`--override: ${task.format.question(node.question)} (${spec.slice(0, eq)}) is a lookup in the context: override its parent instead`);
      const answer = parseAnswer(task, spec.slice(eq + 1));
      const problem = checkAnswer(task, node.question, answer, ctx);
      if (problem) throw new TreeUsageError(`--override ${spec}: ${problem}`);
      overrides.set(at.join('.'), answer);
    }
    const tree = overrides.size > 0 ? expandHCH(task, ctx, question, options()) : before;
    const b = blame(task, ctx, tree.root);
    const blameJson = { kind: b.kind, path: b.path.map((i) => i + 1), question: task.format.question(b.question), detail: b.detail };
    let cf: string | undefined;
    if (values.explain && b.kind !== 'none') cf = counterfactual(task, ctx, question, options(), { path: b.path, question: b.question, proposal: b.proposal }).detail;
    const mark = (a: Answer) => (sameTuple(a, tree.root.truth!) ? '✓' : '✗');
    const rootLine = `root: ${task.format.answer(before.root.answer)} ${mark(before.root.answer)} → ${task.format.answer(tree.root.answer)} ${mark(tree.root.answer)}`;

    if (values.json) {
      io.out(JSON.stringify({
        instance: id, facts: ctx.facts, tree, blame: blameJson,
        ...(cf ? { counterfactual: cf } : {}),
        ...(overrides.size > 0 ? { root: { before: before.root.answer, after: tree.root.answer } } : {}),
        ...(x ? { answerer: `X of round ${x.round}` } : {}),
      }));
      return 0;
    }
    io.out(`${task.name}, size ${size}, seed ${id.seed}, instance ${id.index}${x ? `; leaves answered by X of round ${x.round} (${runDir})` : ''}`);
    io.out(renderFacts(task, ctx.facts, 64));
    io.out('');
    io.out(renderTree(task, tree));
    if (overrides.size > 0) io.out(`\n${[...overrides.keys()].length === 1 ? 'override' : 'overrides'} at ${[...overrides.keys()].map((k) => k.split('.').map((i) => Number(i) + 1).join('.')).join(', ')}; ${rootLine}`);
    if (values.explain) {
      io.out(`\nwhy: ${b.detail}${b.path.length ? ` (at ${blameJson.path.join('.')})` : ''}`);
      if (cf) io.out(cf);
    }
    io.out(`\n✓/✗: node answer vs ground truth; [source]: who answered; … marks a leaf answered by ${x ? 'X' : 'ground truth'} that H could expand (--depth).`);
    return 0;
  } finally {
    x?.dispose();
  }
}
