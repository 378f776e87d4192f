/** Training: Step Round, Run Rounds… (with progress, cancel pauses), Pause, and the status bar. */
import * as vscode from 'vscode';
import { roundWords } from '../../protocol/explorer';
import type { RunSession } from '../session';
import type { ExtensionState } from '../state';
import { settings } from '../workspace';
import { statusBarText } from './status-text';

export function registerTraining(state: ExtensionState): vscode.Disposable[] {
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = 'amplification.openExplorer';
  const updateStatus = () => {
    const s = state.explorerSession;
    if (!s || s.status.status === 'none') {
      status.hide();
      return;
    }
    status.text = statusBarText(s.task.name, s.status, s.rounds().records.at(-1));
    status.tooltip = `Amplification run ${s.id} (${s.meta.config.mode}): ${s.status.status} · ${roundWords(s.status)}`;
    status.show();
  };
  updateStatus();
  return [
    status,
    state.onStatusChanged(updateStatus),
    state.command('amplification.stepRound', async () => {
      const s = trainable(await state.currentSession());
      if (s) s.ensureWorker(state.workerOptions()).send({ type: 'step' });
    }),
    state.command('amplification.runRounds', (n?: number) => runRounds(state, typeof n === 'number' ? n : undefined)),
    state.command('amplification.pause', async () => {
      const s = state.explorerSession;
      if (s?.worker?.alive) s.worker.send({ type: 'pause' });
    }),
  ];
}

/** The session, unless it is a check of a task (read-only: it has no training), which is said. */
function trainable(s: RunSession | undefined): RunSession | undefined {
  if (s?.meta.kind !== 'check') return s;
  void vscode.window.showInformationMessage(`Amplification: ${s.id} is a check of ${s.task.name}, read-only: it has no training. Open or create a run to train.`);
  return undefined;
}

/** Runs `n` rounds (asked for when not given) of the current run, with a cancellable progress notification. */
async function runRounds(state: ExtensionState, n?: number): Promise<void> {
  const s = trainable(await state.currentSession());
  if (!s) return;
  let rounds = n;
  if (rounds === undefined) {
    const text = await vscode.window.showInputBox({ title: 'Run rounds', value: String(settings().rounds), validateInput: (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 10000 ? undefined : 'an integer in 1..10000') });
    if (text === undefined) return;
    rounds = Number(text);
  }
  const w = s.ensureWorker(state.workerOptions());
  const target = s.latestRound() + rounds;
  w.send({ type: 'run', rounds });
  state.refreshStatus();
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `${s.task.name}: training`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        token.onCancellationRequested(() => w.send({ type: 'pause' }));
        const off = w.on((e) => {
          if (e.type === 'round') progress.report({ message: `round ${e.record.round} of ${target} trained · X ${(100 * e.record.accuracy).toFixed(1)}%`, increment: 100 / rounds! });
          if ((e.type === 'status' && e.status !== 'running') || (e.type === 'error' && e.fatal)) {
            off();
            resolve();
          }
        });
      }),
  );
}
