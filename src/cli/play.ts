/**
 * `amplify play`: a person plays H in a terminal (src/core/play.ts). On a TTY: a prompt with tab
 * completion, and the tree so far after each step. Otherwise one command a line from stdin, so a
 * session can be scripted. Each finished question is appended to the transcripts file as one line.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import {
  DEFAULT_PLAY_BUDGET, DEFAULT_TASK, OPEN_SOURCE, PlayError, PlaySession, makeContext, makeQuestion, resolveSize, sameTuple, truthAnswerer,
  type AnyTask, type HCHNode, type InstanceId, type PlayOptions, type Question,
} from '../core/index';
import { appendPlayRecord, humanTranscriptsFile } from '../engine/human-transcripts';
import { modelAnswerer, type LearnerFactory } from '../engine/run';
import { RunFolder, RunFolderError } from '../engine/run-folder';
import { resolveTasks } from '../engine/task-loader';
import type { Io } from './main';
import { UsageError, optionsHelp, parseCommand } from './options';

/** The CLI's output, and the commands' input (stdin unless a test gives a stream). */
export type PlayIo = Io & { input?: Readable };

export const PLAY_HELP = `amplify play <task | file.task.ts> [options]     you play H: decompose questions with pointers
${optionsHelp('play')}
Commands, one a line: ask <question> | answer <answer> | undo | skip | tree | help | quit.
$1, $2 … in a question or answer stand for the subanswers so far (replaced by their symbols).
Not on a TTY a malformed line prints a one-line error and the session goes on; exit 0 at the end.`;

const COMMANDS = ['ask ', 'answer ', 'undo', 'skip', 'tree', 'help', 'quit'];

class PlayUsage extends Error {}

function defaultWho(): string {
  try {
    return os.userInfo().username || 'anonymous';
  } catch {
    return process.env.USER ?? 'anonymous';
  }
}

interface Setup {
  task: AnyTask;
  size: number;
  seed: string;
  index: number;
  question?: Question;
  helper: Pick<PlayOptions, 'answerer' | 'answererName' | 'round' | 'budget'>;
  file: string;
  who: string;
  dispose(): void;
}

async function setUp(args: string[], factory: LearnerFactory): Promise<Setup | 'help'> {
  let parsed;
  try {
    parsed = parseCommand('play', args);
  } catch (e) {
    if (e instanceof UsageError) throw new PlayUsage(e.message);
    throw e;
  }
  const { help, positionals } = parsed;
  if (help) return 'help';
  const values = parsed.values as {
    size?: number; seed?: string; index?: number; question?: string; answerer?: string; budget?: number; run?: string; round?: number; transcripts?: string; who?: string;
  };
  if (positionals.length > 1) throw new PlayUsage('play takes one task name or file');
  const task = (await resolveTasks(positionals[0] ?? DEFAULT_TASK))[0].task;
  let folder: RunFolder | undefined;
  try {
    folder = values.run === undefined ? undefined : RunFolder.open(values.run);
  } catch (e) {
    if (e instanceof RunFolderError) throw new PlayUsage(e.message);
    throw e;
  }
  const meta = folder?.meta();
  if (meta && meta.taskName !== task.name) throw new PlayUsage(`${values.run} is a run of ${meta.taskName}, not ${task.name}`);
  const state = folder?.state();
  let size: number;
  try {
    size = resolveSize(task, values.size ?? state?.size ?? meta?.config.size);
  } catch (e) {
    throw new PlayUsage((e as Error).message);
  }
  const which = values.answerer ?? 'truth';
  const round = values.round;
  if (round !== undefined && which !== 'x') throw new PlayUsage('--round goes with --answerer x');
  if (values.budget !== undefined && which !== 'me') throw new PlayUsage('--budget goes with --answerer me');
  let helper: Setup['helper'];
  let dispose = () => {};
  if (which === 'truth') helper = { answerer: truthAnswerer(task), answererName: 'truth' };
  else if (which === 'me') helper = { answerer: 'me', answererName: 'me', budget: values.budget ?? DEFAULT_PLAY_BUDGET };
  else if (which === 'x') {
    if (!folder || !meta) throw new PlayUsage('--answerer x needs --run DIR (X is loaded from the run\'s checkpoint)');
    if (!state?.hasModel || !state.checkpoint) throw new PlayUsage(`${values.run} has no checkpoint yet (train at least one round)`);
    if (round !== undefined && round !== state.round) throw new PlayUsage(`${values.run} keeps X of round ${state.round} only (its last checkpoint), not round ${round}`);
    const problem = folder.checkpointProblem(state.checkpoint);
    if (problem) throw new RunFolderError(`checkpoint ${state.checkpoint} is damaged: ${problem}`, folder.checkpoint(state.checkpoint).dir);
    const model = await factory.load(folder.checkpoint(state.checkpoint).dir, meta.config.backend, 1);
    // The EMA teacher: the X that answers H's subquestions in training.
    helper = { answerer: modelAnswerer(model, true), answererName: 'X', round: state.round };
    dispose = () => model.dispose();
  } else throw new PlayUsage(`--answerer must be truth, x or me (got '${which}')`);
  let question: Question | undefined;
  if (values.question !== undefined) {
    question = task.format.parseQuestion?.(values.question);
    if (!question) throw new PlayUsage(`cannot read the question '${values.question}'`);
  }
  return {
    task, size, seed: values.seed ?? '0', index: values.index ?? 0, question, helper,
    file: values.transcripts ?? (folder ? humanTranscriptsFile(folder.dir) : path.join('.amplification', 'human', 'transcripts.jsonl')),
    who: values.who ?? defaultWho(), dispose,
  };
}

/** The tree so far: `$n` before each subquestion, `…` for open questions, ◀ at the one being answered. */
export function renderPlayTree(task: AnyTask, root: HCHNode, current: readonly number[]): string {
  const lines: string[] = [];
  const visit = (n: HCHNode, where: number[], prefix: string, childPrefix: string) => {
    const label = where.length > 0 ? `$${where[where.length - 1] + 1} ` : '';
    const answer = n.source === OPEN_SOURCE ? '…' : task.format.answer(n.answer);
    const here = sameTuple(where.map(String), current.map(String)) && n.source === OPEN_SOURCE ? '   ◀ you' : '';
    lines.push(`${prefix}${label}${task.format.question(n.question)} = ${answer}  [${n.source}]${here}`);
    const kids = n.children ?? [];
    kids.forEach((c, i) => {
      const last = i === kids.length - 1;
      visit(c, [...where, i], `${childPrefix}${last ? '└─' : '├─'}`, `${childPrefix}${last ? '  ' : '│ '}`);
    });
  };
  visit(root, [], '', '');
  return lines.join('\n');
}

export async function cmdPlay(args: string[], io: PlayIo, factory: LearnerFactory): Promise<number> {
  let setup: Setup | 'help';
  try {
    setup = await setUp(args, factory);
  } catch (e) {
    if (!(e instanceof PlayUsage)) throw e;
    io.err(`amplify play: ${e.message}\n${PLAY_HELP}\n`);
    return 2;
  }
  if (setup === 'help') {
    io.out(PLAY_HELP);
    return 0;
  }
  const { task, size, seed, file, who, helper } = setup;
  const input = io.input ?? process.stdin;
  const tty = io.isTTY && (input as Readable & { isTTY?: boolean }).isTTY === true;
  const fmt = (q: Question) => task.format.question(q);

  let index = setup.index;
  let session: PlaySession | undefined;
  const start = (): boolean => {
    const instance: InstanceId = { size, seed, index };
    const ctx = makeContext(task, instance);
    const question = setup.question ?? makeQuestion(task, instance, ctx);
    try {
      session = new PlaySession(task, ctx, question, { ...helper, who, instance });
    } catch (e) {
      if (!(e instanceof PlayError)) throw e;
      io.err(`amplify play: ${e.message}\n`);
      return false;
    }
    io.out(`\n${task.name}, size ${size}, seed ${seed}, instance ${index}: you are H (you see the question, never the context)`);
    io.out(`Q: ${fmt(question)}`);
    return true;
  };
  if (!start()) {
    setup.dispose();
    return 2;
  }
  const helperText = helper.answerer === 'me' ? `you again (budget ${helper.budget} nested questions)` : helper.answererName === 'X' ? `X of round ${helper.round}` : 'ground truth';
  io.out(`Subquestions: lookup for primitives, ${helperText} for the rest; at most ${task.maxSubquestions} per question. Type 'help' for the commands.`);

  const rl = readline.createInterface({
    input, terminal: tty, ...(tty ? { output: process.stdout, completer: (line: string) => [complete(line), line] as [string[], string] } : {}),
  });
  function complete(line: string): string[] {
    const m = /^(ask|answer)\s+([\s\S]*)$/.exec(line);
    if (m && session) return session.complete(m[2]).map((c) => `${m[1]} ${c}`);
    return COMMANDS.filter((c) => c.startsWith(line));
  }
  const prompt = () => {
    if (!tty || !session) return;
    const s = session;
    const depth = s.path.length > 0 ? `[nested ${s.path.length}] ` : '';
    rl.setPrompt(`${depth}${fmt(s.question)}  (${s.calls} call${s.calls === 1 ? '' : 's'}${s.budget !== undefined ? `, budget ${s.budget}` : ''}) > `);
    rl.prompt();
  };

  let saved = 0;
  let lineNo = 0;
  prompt();
  for await (const raw of rl) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      prompt();
      continue;
    }
    const [command, ...restWords] = line.split(/\s+/);
    const rest = line.slice(command.length).trim();
    if (command === 'quit' || command === 'exit') break;
    const s = session!;
    const depthBefore = s.path.length;
    let outcome: ReturnType<PlaySession['ask']>;
    if (command === 'ask' && rest) outcome = s.ask(rest);
    else if (command === 'answer' && rest) outcome = s.answer(rest);
    else if (command === 'undo' && restWords.length === 0) outcome = s.undo();
    else if (command === 'skip' && restWords.length === 0) outcome = s.skip();
    else if ((command === 'tree' || command === 'help') && restWords.length === 0) {
      io.out(command === 'tree' ? renderPlayTree(task, s.tree(), s.path) : PLAY_HELP.slice(PLAY_HELP.indexOf('Commands')));
      prompt();
      continue;
    } else outcome = { ok: false, error: `unknown command '${line.length > 40 ? `${line.slice(0, 40)}…` : line}' (ask <question> | answer <answer> | undo | skip | tree | help | quit)` };
    if (!outcome.ok) {
      io.err(`amplify play: ${tty ? '' : `line ${lineNo}: `}${outcome.error}\n`);
      prompt();
      continue;
    }
    if (outcome.record) {
      appendPlayRecord(file, outcome.record);
      saved++;
      io.out(`answered ${fmt(outcome.record.question)} = ${task.format.answer(outcome.record.transcript.answer)} (${outcome.record.transcript.steps.length} subquestions; saved to ${file})`);
    }
    const steps = s.steps;
    const last = steps[steps.length - 1];
    if (s.done) {
      if (s.skipped) io.out(`skipped ${fmt(s.rootQuestion)}`);
    } else if (command === 'undo') {
      io.out(`undone: ${s.path.length < depthBefore ? 'the nested question' : 'the last step'}; now at ${fmt(s.question)} with ${steps.length} subanswer${steps.length === 1 ? '' : 's'}`);
    } else if (s.path.length > depthBefore) {
      io.out(`nested question for you (depth ${s.path.length}${s.budget !== undefined ? `, budget ${s.budget} left` : ''}): ${fmt(s.question)}`);
    } else {
      if (s.path.length < depthBefore) io.out(`back at ${fmt(s.question)}`);
      io.out(`$${steps.length} = ${task.format.answer(last.answer)}   ← ${fmt(last.question)}  [${last.source}]`);
    }
    if (tty) io.out(renderPlayTree(task, s.tree(), s.path));
    if (s.done) {
      if (setup.question) break;
      index++;
      if (!start()) break;
    }
    prompt();
  }
  rl.close();
  setup.dispose();
  io.out(`${saved} transcript${saved === 1 ? '' : 's'} saved${saved > 0 ? ` to ${file}` : ''}`);
  return 0;
}
