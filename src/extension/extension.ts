/**
 * The extension host entry. For now it offers the consistency check of the built-in tasks; the
 * Explorer (runs, webview, overrides) builds on this module.
 */
import * as vscode from 'vscode';
import { BUILTIN_TASKS, checkTask, renderCounterexample } from '../core/index';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Amplification');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('amplification.checkBuiltinTask', async () => {
      const pick = await vscode.window.showQuickPick(
        BUILTIN_TASKS.map((t) => ({ label: t.name, description: `sizes ${t.sizes.min}..${t.sizes.max}`, detail: t.description, task: t })),
        { title: 'Check H against ground truth', placeHolder: 'Task' },
      );
      if (!pick) return;
      const task = pick.task;
      const report = checkTask(task, { sizes: [task.sizes.min, task.sizes.default, task.sizes.max], samples: 300 });
      output.appendLine(`${task.name}: ${report.checked} samples, ${report.failures} failures`);
      for (const c of report.counterexamples) output.appendLine(renderCounterexample(task, c));
      output.show(true);
      if (report.ok) void vscode.window.showInformationMessage(`${task.name}: H agrees with ground truth on ${report.checked} samples.`);
      else void vscode.window.showWarningMessage(`${task.name}: ${report.failures} counterexamples (see the Amplification output).`);
    }),
  );
}

export function deactivate(): void {}
