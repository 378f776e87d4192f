/**
 * Be the expert: "Answer as the Expert…" (pick a run or a built-in task, a question, an answerer,
 * then play H in a panel) — also called from a node of the Explorer with { run, instance, question }
 * — and "Export Human Transcripts…". Task files are refused here: their code must not run on the
 * extension host's thread, and a play session calls the task's code (H's lookups, the notation).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  BUILTIN_TASKS, DEFAULT_PLAY_BUDGET, builtinTask, isPrimitive, makeContext, makeQuestion, playVocabulary, questionKey, questionProblem,
  type AnyTask, type InstanceId, type Question,
} from '../../core/index';
import { discoverRuns, type RunItem } from '../run-discovery';
import type { ExtensionState } from '../state';
import { runRoots, workspaceRoot } from '../workspace';
import { openPlayPanel } from './panel';
import type { PlayAnswerer, PlaySetup } from './play-controller';
import { humanTranscriptsText, playTranscriptsFile, savePlayRecord } from './transcripts';

/** `amplification.answerAsExpert`'s argument from the Explorer: the node's run, context and question. */
export interface AnswerAsExpertArgs {
  run?: string;
  instance?: InstanceId;
  question?: Question;
}

const isInstance = (x: unknown): x is InstanceId => {
  const i = x as InstanceId | undefined;
  return typeof i === 'object' && i !== null && Number.isInteger(i.size) && Number.isInteger(i.index) && (typeof i.seed === 'string' || typeof i.seed === 'number');
};

function who(): string {
  try {
    return os.userInfo().username || 'anonymous';
  } catch {
    return 'anonymous';
  }
}

export function registerPlay(state: ExtensionState): vscode.Disposable[] {
  return [
    state.command('amplification.answerAsExpert', (args?: AnswerAsExpertArgs) => answerAsExpert(state, args)),
    state.command('amplification.exportHumanTranscripts', (item?: RunItem) => exportHumanTranscripts(state, item)),
  ];
}

async function pickRun(state: ExtensionState, title: string, withTasks: boolean): Promise<{ run?: RunItem; task?: AnyTask } | undefined> {
  const runs = discoverRuns(runRoots(), state.extraRuns());
  const items = [
    ...runs.map((r) => ({ label: r.meta.id, description: `${r.meta.taskName} · round ${r.round}`, run: r as RunItem | undefined, task: undefined as AnyTask | undefined })),
    ...(withTasks ? BUILTIN_TASKS.map((t) => ({ label: t.name, description: 'built-in task, no run', run: undefined, task: t as AnyTask })) : []),
  ];
  const pick = await vscode.window.showQuickPick(items, { title });
  return pick && { run: pick.run, task: pick.task };
}

async function answerAsExpert(state: ExtensionState, args?: AnswerAsExpertArgs): Promise<void> {
  const root = workspaceRoot();
  if (!root) throw new Error('open a folder first: transcripts are saved in the workspace');
  let run: RunItem | undefined;
  let task: AnyTask | undefined;
  if (args?.run) {
    run = discoverRuns([], [args.run])[0];
    if (!run) throw new Error(`${args.run} is not a readable run folder`);
  } else {
    const picked = await pickRun(state, 'Answer as the Expert: which run (X can answer) or task?', true);
    if (!picked) return;
    ({ run, task } = picked);
  }
  if (run) {
    if (run.meta.taskFile) {
      throw new Error(`${run.meta.id} uses the task file ${run.meta.taskFile}: playing H on a task file is not offered in VS Code (its code may not run on the extension host) — use \`amplify play ${run.meta.taskFile} --run ${run.folder}\` in a terminal`);
    }
    task = builtinTask(run.meta.taskName);
  }
  if (!task) throw new Error(`unknown task ${run?.meta.taskName ?? ''}`);
  const size = run?.size ?? run?.meta.config.size ?? task.sizes.default;

  let instance: InstanceId;
  let question: Question;
  if (args?.question && isInstance(args.instance)) {
    instance = args.instance;
    question = args.question;
  } else {
    const how = await vscode.window.showQuickPick([{ label: 'Sample a question', typed: false }, { label: 'Type a question…', typed: true }], { title: `Answer as the Expert (${task.name}): which question?` });
    if (!how) return;
    instance = { size, seed: 'play', index: Math.floor(Math.random() * 1e6) };
    if (how.typed) {
      const t = task;
      const text = await vscode.window.showInputBox({
        title: `A question of ${t.name}`, placeHolder: 'e.g. σ^4(ab) — or its symbols separated by spaces',
        validateInput: (v) => playableProblem(t, v),
      });
      if (!text) return;
      question = parseTyped(task, text)!;
    } else {
      const sampled = sampleQuestion(task, instance);
      if (!sampled) throw new Error(`no question to decompose was sampled for ${task.name} at size ${size}`);
      question = sampled;
    }
  }
  const answerer = await pickAnswerer(state, task, run);
  if (!answerer) return;
  const file = playTranscriptsFile(run?.folder, root);
  const t = task;
  const setup = (inst: InstanceId, q: Question): PlaySetup => ({ task: t, ctx: makeContext(t, inst), instance: inst, question: q, answerer, who: who() });
  const first = setup(instance, question);
  openPlayPanel(state.context.extensionUri, first, {
    save: (record) => {
      const saved = savePlayRecord(file, record);
      state.refreshRuns();
      return saved;
    },
    next: () => {
      instance = { ...instance, index: instance.index + 1 };
      const q = sampleQuestion(t, instance);
      return q && setup(instance, q);
    },
    log: (m) => state.log(m),
  }, `Expert: ${t.format.question(question)}`);
}

/** A sampled question of the instance with something to decompose (not a lookup), or undefined. */
function sampleQuestion(task: AnyTask, instance: InstanceId): Question | undefined {
  const ctx = makeContext(task, instance);
  for (let j = 0; j < 32; j++) {
    const q = makeQuestion(task, instance, ctx, j);
    if (!isPrimitive(task, q)) return q;
  }
  return undefined;
}

function parseTyped(task: AnyTask, text: string): Question | undefined {
  try {
    return task.format.parseQuestion?.(text) ?? text.trim().split(/[\s,]+/);
  } catch {
    return undefined;
  }
}

/** Why `text` is not a question to play (for the input box), or undefined. */
function playableProblem(task: AnyTask, text: string): string | undefined {
  const q = parseTyped(task, text);
  if (!q) return 'not a question in the task\'s notation';
  const problem = questionProblem(playVocabulary(task), q);
  if (problem) return problem;
  return isPrimitive(task, q) ? 'a lookup (primitive): there is nothing to decompose' : undefined;
}

async function pickAnswerer(state: ExtensionState, task: AnyTask, run: RunItem | undefined): Promise<PlayAnswerer | undefined> {
  const items: { label: string; detail: string; who: PlayAnswerer['kind'] }[] = [
    ...(run && run.round > 0 ? [{ label: `X of round ${run.round}`, detail: `${run.meta.id}'s model answers your non-primitive subquestions`, who: 'x' as const }] : []),
    { label: 'Ground truth', detail: 'for practice: the true answer of every subquestion', who: 'truth' },
    { label: 'Me', detail: 'you answer your own subquestions as nested questions (HCH with a person at every node), within a budget', who: 'me' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `Answer as the Expert (${task.name}): who answers your subquestions?` });
  if (!pick) return undefined;
  if (pick.who === 'truth') return { kind: 'truth' };
  if (pick.who === 'me') {
    const text = await vscode.window.showInputBox({ title: 'Budget: nested questions you may be asked', value: String(DEFAULT_PLAY_BUDGET), validateInput: (v) => (/^\d+$/.test(v) && +v <= 1000 ? undefined : 'an integer in 0..1000') });
    return text === undefined ? undefined : { kind: 'me', budget: Number(text) };
  }
  const session = await state.openSession(run!.folder);
  return {
    kind: 'x', round: session.latestRound(),
    // X through the run's worker (the EMA teacher, as in training), never TensorFlow.js on the host.
    xAnswer: async (instance, question) => {
      const w = session.ensureWorker(state.workerOptions());
      const inspected = await w.inspect({ instance, question: [...question], depth: 0, expand: [] });
      return inspected.answers[questionKey(question)]?.teacher;
    },
  };
}

async function exportHumanTranscripts(state: ExtensionState, item?: RunItem): Promise<void> {
  const run = item ?? (await pickRun(state, 'Export the human transcripts of which run?', false))?.run;
  if (!run) return;
  const { text, count, skipped } = humanTranscriptsText(run.folder);
  if (count === 0) {
    void vscode.window.showInformationMessage(`${run.meta.id} has no human transcripts yet (Answer as the Expert… adds them).`);
    return;
  }
  const root = workspaceRoot();
  const uri = await vscode.window.showSaveDialog({ title: 'Export Human Transcripts', filters: { 'JSON Lines': ['jsonl'] }, defaultUri: root ? vscode.Uri.file(path.join(root, `${run.meta.id}-human-transcripts.jsonl`)) : undefined });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  void vscode.window.showInformationMessage(`Exported ${count} human transcript${count === 1 ? '' : 's'} to ${uri.fsPath}${skipped ? ` (${skipped} unreadable line${skipped === 1 ? '' : 's'} left out)` : ''}.`);
}
