/** Runs: the Runs view, New Run…, Refresh, Open Run… (a run or an experiment) and Compare Runs…. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { counted } from '../../protocol/explorer';
import { discoverRuns, isExperiment } from '../run-discovery';
import type { ExtensionState } from '../state';
import { runRoots } from '../workspace';
import { newRun, type NewRunOptions } from './new-run';
import { RunsProvider } from './runs-view';

export function registerRuns(state: ExtensionState): vscode.Disposable[] {
  const runs = new RunsProvider(runRoots, () => state.extraRuns(), (f) => state.sessions.get(path.resolve(f)));
  return [
    state.onRunsChanged(() => runs.refresh()),
    vscode.window.registerTreeDataProvider('amplification.runs', runs),
    state.command('amplification.newRun', (preset?: NewRunOptions) => newRun(state, preset)),
    state.command('amplification.refreshRuns', async () => {
      state.refreshRuns();
      state.refreshAnnotations();
    }),
    state.command('amplification.openRun', () => openRun(state)),
    state.command('amplification.compareRuns', () => compareRuns(state)),
  ];
}

async function openRun(state: ExtensionState): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Open a run folder (with run.json) or an experiment folder', defaultUri: runRoots()[0] ? vscode.Uri.file(runRoots()[0]) : undefined });
  if (!picked?.[0]) return;
  let folder = picked[0].fsPath;
  if (isExperiment(folder)) {
    // An experiment (amplify experiment figure2): all its runs join the Runs view; the user picks one to open.
    await state.addExtraRun(path.resolve(folder));
    state.refreshRuns();
    const items = discoverRuns([], [folder]);
    const choice = await vscode.window.showQuickPick(
      items.map((r) => ({ label: r.meta.id, description: `${r.meta.config.mode} · round ${r.round}${r.accuracy === undefined ? '' : ` · X ${(100 * r.accuracy).toFixed(0)}%`}`, folder: r.folder })),
      { title: `Experiment ${path.basename(folder)}: ${counted(items.length, 'run')} (all now in the Runs view)`, placeHolder: 'Open which run in the Explorer?' },
    );
    if (!choice) return;
    folder = choice.folder;
  }
  const s = await state.openSession(folder);
  await state.addExtraRun(s.folder.dir);
  state.refreshRuns();
  await state.showExplorer(s);
}

/** Two runs side by side in the Explorer, or one run against one of its earlier rounds. */
async function compareRuns(state: ExtensionState): Promise<void> {
  const items = discoverRuns(runRoots(), state.extraRuns());
  if (items.length === 0) throw new Error('there is no run to compare: start one with "Amplification: New Run…"');
  const picks = await vscode.window.showQuickPick(items.map((r) => ({ label: r.meta.id, description: `${r.meta.taskName} · ${r.meta.config.mode} · round ${r.round}`, r })), {
    canPickMany: true, title: 'Compare two runs — or pick one run to compare two of its rounds',
  });
  if (!picks || picks.length === 0) return;
  if (picks.length > 2) throw new Error('pick two runs (or one run, to compare two of its rounds)');
  const a = await state.openSession(picks[0].r.folder);
  if (picks.length === 2) {
    const p = await state.showExplorer(a);
    await p.controller.setCompare(await state.openSession(picks[1].r.folder));
    return;
  }
  const latest = a.latestRound();
  if (latest < 2) throw new Error(`${a.meta.id} has ${counted(latest, 'recorded round')}: comparing two rounds needs two`);
  const text = await vscode.window.showInputBox({
    title: `Compare ${a.meta.id} with which of its rounds?`, prompt: `The tree shows the round selected in the Explorer; the compared round stays fixed (1–${latest}).`,
    value: '1', validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= latest ? undefined : `a round from 1 to ${latest}`),
  });
  if (!text) return;
  const p = await state.showExplorer(a);
  await p.controller.setCompare(a, Number(text));
}
