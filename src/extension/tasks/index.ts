/**
 * Task files: the "Check | Explore" CodeLens, Check Decomposition (counterexamples in Problems),
 * a counterexample opened in the Explorer, and New Task from Template.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { InstanceId, Question } from '../../core/index';
import { DEFAULT_CONFIG, newRunId } from '../../engine/run-config';
import { RunFolder } from '../../engine/run-folder';
import { BASELINE_MODE } from '../../engine/modes/index';
import { RUN_FORMAT_VERSION, type RunMeta } from '../../engine/run-types';
import { counted } from '../../protocol/explorer';
import type { ExtensionState } from '../state';
import { workspaceRoot, workspaceTaskFiles } from '../workspace';
import { TASK_TEMPLATE, UserTasks } from './user-tasks';

export function registerTasks(state: ExtensionState): vscode.Disposable[] {
  const userTasks = new UserTasks(state.output);
  return [
    userTasks,
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.task.ts' }, userTasks.codeLensProvider()),
    state.command('amplification.checkDecomposition', (uri?: vscode.Uri) => checkDecomposition(userTasks, uri)),
    state.command('amplification.exploreCounterexample', (arg: CounterexampleLink) => exploreCounterexample(state, arg)),
    state.command('amplification.newTaskFromTemplate', newTaskFromTemplate),
  ];
}

/** Checks a task file (the one given, the active editor's, or one the user picks). */
async function checkDecomposition(userTasks: UserTasks, uri?: vscode.Uri): Promise<void> {
  const target = uri ?? (vscode.window.activeTextEditor?.document.fileName.endsWith('.task.ts') ? vscode.window.activeTextEditor.document.uri : undefined);
  let file = target;
  if (!file) {
    const files = await workspaceTaskFiles();
    const pick = await vscode.window.showQuickPick(files.map((u) => ({ label: vscode.workspace.asRelativePath(u), u })), { title: 'Check Decomposition: which task file?' });
    file = pick?.u;
  }
  if (!file) return;
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${path.basename(file.fsPath)}…` }, () => userTasks.check(file!, 500));
  if (outcome.loadError) void vscode.window.showErrorMessage(`Amplification: ${outcome.loadError.message}`);
  else if (outcome.failures === 0) void vscode.window.showInformationMessage(`${outcome.task?.name}: H agrees with ground truth on ${counted(outcome.checked, 'sample')}.`);
  else void vscode.window.showWarningMessage(`${outcome.task?.name}: ${outcome.failures} of ${counted(outcome.checked, 'sample')} ${outcome.failures === 1 ? 'fails' : 'fail'} — see Problems.`, 'Show Problems').then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
}

/** The argument of a counterexample's "open tree" link in Problems. */
interface CounterexampleLink {
  file?: string;
  task: string;
  instance: InstanceId;
  question?: Question;
  /** Which of the check's counterexamples this is (1-based) and how many there are. */
  index?: number;
  of?: number;
}

/** Opens a counterexample's question in the Explorer, pinned in a check folder of its own. */
async function exploreCounterexample(state: ExtensionState, arg: CounterexampleLink): Promise<void> {
  const root = workspaceRoot();
  if (!root || !arg?.question) throw new Error('this counterexample has no question to show');
  const folder = path.join(root, '.amplification', 'checks', `${newRunId()}-${arg.task}`);
  const meta: RunMeta = {
    formatVersion: RUN_FORMAT_VERSION, id: path.basename(folder), kind: 'check', createdAt: new Date().toISOString(), taskName: arg.task,
    ...(arg.file ? { taskFile: arg.file } : {}), config: { ...DEFAULT_CONFIG, task: arg.task, size: arg.instance.size, mode: BASELINE_MODE }, backend: 'fake', versions: {},
  };
  const f = RunFolder.create(folder, meta);
  f.savePinned([{ id: 'counterexample', instance: arg.instance, question: arg.question, label: counterexampleLabel(arg) }]);
  await state.showExplorer(await state.openSession(folder));
}

/** "counterexample k of n" (the check view's title), or "counterexample" from an older link. */
function counterexampleLabel(arg: CounterexampleLink): string {
  const k = arg.index;
  const n = arg.of;
  return Number.isInteger(k) && Number.isInteger(n) && k! >= 1 && k! <= n! ? `counterexample ${k} of ${n}` : 'counterexample';
}

async function newTaskFromTemplate(): Promise<void> {
  const root = workspaceRoot();
  if (!root) throw new Error('open a folder first');
  const name = await vscode.window.showInputBox({ title: 'New task file', value: 'my-task', validateInput: (v) => (/^[a-z0-9][a-z0-9-]*$/.test(v) ? undefined : 'lower-case letters, digits and dashes') });
  if (!name) return;
  const file = path.join(root, `${name}.task.ts`);
  if (fs.existsSync(file)) throw new Error(`${file} exists already`);
  fs.writeFileSync(file, TASK_TEMPLATE.replace("name: 'range-sum-mod-10'", `name: '${name}'`));
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}
