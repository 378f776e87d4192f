/**
 * User-written tasks (`**\/*.task.ts`): compiled with esbuild (trusted workspaces only), checked
 * for consistency, counterexamples published as diagnostics at the expert with a link that opens
 * the failing question in the Explorer; a CodeLens above each task offers "Check | Explore".
 */
import * as vscode from 'vscode';
import type { Counterexample } from '../../core/index';
import { counted } from '../../protocol/explorer';
import { TaskLoadError } from '../../engine/task-loader';
import { DEFAULT_LIMITS, TaskSandbox, describeFailure } from '../../engine/task-sandbox';
import type { TaskMeta } from '../../engine/task-sandbox-calls';
import { problemText } from './problem-message';

export const TASK_TEMPLATE = `// An Amplification Explorer task: a context, questions, ground truth, and the expert H.
// Check it with the "Check" CodeLens above defineTask (or "Amplification: Check Decomposition").
import { defineTask, type Answer, type Question } from 'amplification-explorer';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const position = (i: number) => \`i\${i}\`;
const index = (s: string | undefined) => (s !== undefined && /^i\\d{1,2}$/.test(s) ? Number(s.slice(1)) : undefined);

export default defineTask<{ digits: string[] }>({
  name: 'range-sum-mod-10',
  description: 'The sum mod 10 of the digits at positions i..j; H splits the range in two.',
  maxSubquestions: 2,
  sizes: { min: 4, max: 64, default: 16 },

  context(rng, size) {
    const digits = Array.from({ length: size }, () => rng.pick(DIGITS));
    return { facts: digits.map((d, i) => [position(i), d]), data: { digits } };
  },

  question(rng, ctx) {
    const n = ctx.data.digits.length;
    const i = rng.int(n - 1);
    return ['sum', position(i), position(i + 1 + rng.int(n - 1 - i))];
  },

  isPrimitive: (q) => q[0] === 'sum' && q[1] === q[2],

  answer(ctx, q) {
    const i = index(q[1]);
    const j = index(q[2]);
    if (q[0] !== 'sum' || i === undefined || j === undefined || i > j || j >= ctx.data.digits.length) return ['?'];
    return [String(ctx.data.digits.slice(i, j + 1).reduce((s, d) => s + Number(d), 0) % 10)];
  },

  *expert(q: Question): Generator<Question, Answer, Answer> {
    const i = index(q[1]);
    const j = index(q[2]);
    if (q[0] !== 'sum' || i === undefined || j === undefined || i >= j) return ['?'];
    const mid = Math.floor((i + j) / 2);
    const left = (yield ['sum', position(i), position(mid)])[0];
    const right = (yield ['sum', position(mid + 1), position(j)])[0];
    if (!DIGITS.includes(left) || !DIGITS.includes(right)) return ['?'];
    return [String((Number(left) + Number(right)) % 10)];
  },

  format: {
    question: (q) => \`sum(\${q[1]}..\${q[2]}) mod 10\`,
    fact: (f) => \`\${f[0]} = \${f[1]}\`,
  },
});
`;

/** Where in the file H is defined (the `expert` member), else where the task is defined. */
export function expertRange(doc: vscode.TextDocument): vscode.Range {
  const text = doc.getText();
  // The member `expert` (`*expert(`, `expert(`, `expert:`) at the start of a line — not the word in a comment.
  const m = /^[ \t]*(?:async\s*)?\*?\s*expert\s*[(:]/m.exec(text) ?? /defineTask\s*[<(]/.exec(text);
  const start = doc.positionAt(m ? m.index + m[0].indexOf('expert') : 0);
  return new vscode.Range(start, doc.lineAt(start.line).range.end);
}

export interface CheckOutcome {
  task?: TaskMeta;
  counterexamples: Counterexample[];
  failures: number;
  checked: number;
  loadError?: TaskLoadError;
}

export class UserTasks implements vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('amplification');
  private readonly lensChanged = new vscode.EventEmitter<void>();

  constructor(private readonly output: vscode.OutputChannel) {}

  /**
   * Compiles and checks a task file in a sandbox process (never on the extension host's thread),
   * within the time and memory limits of the settings; publishes diagnostics. Refuses in untrusted
   * workspaces. Code that hangs, ends its process, runs out of memory or throws outside H becomes
   * a diagnostic and an output line, and then an error (the check has no result).
   */
  async check(uri: vscode.Uri, samples: number, sizes?: number[]): Promise<CheckOutcome> {
    if (!vscode.workspace.isTrusted) {
      throw new Error('task files are code: they are compiled and run only in a trusted workspace (Workspaces: Manage Workspace Trust)');
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty) await doc.save();
    const config = vscode.workspace.getConfiguration('amplification');
    const sandbox = new TaskSandbox(uri.fsPath, {
      timeoutSeconds: config.get<number>('checkTimeoutSeconds', DEFAULT_LIMITS.timeoutSeconds),
      maxMemoryMb: config.get<number>('checkMemoryMb', DEFAULT_LIMITS.maxMemoryMb),
      onOutput: (text) => this.output.append(text),
    });
    try {
      const loaded = await sandbox.tasks();
      if (loaded.kind === 'load-error') {
        const line = Math.max(0, (loaded.line ?? 1) - 1);
        const range = doc.lineAt(Math.min(line, doc.lineCount - 1)).range;
        this.diagnostics.set(uri, [new vscode.Diagnostic(range, loaded.message, vscode.DiagnosticSeverity.Error)]);
        return { counterexamples: [], failures: 1, checked: 0, loadError: new TaskLoadError(loaded.message, loaded.file, loaded.line, loaded.column) };
      }
      if (loaded.kind !== 'ok') throw this.sandboxFailed(doc, describeFailure(loaded, uri.fsPath), doc.lineAt(0).range);
      const diags: vscode.Diagnostic[] = [];
      let all: Counterexample[] = [];
      let failures = 0;
      let checked = 0;
      for (const task of loaded.value) {
        const r = await sandbox.check(task.name, { samples, seed: '0', sizes: sizes ?? [...new Set([task.sizes.min, task.sizes.default, task.sizes.max])], maxCounterexamples: 10 });
        if (r.kind !== 'ok') throw this.sandboxFailed(doc, `${task.name}: ${describeFailure(r, uri.fsPath)}`, expertRange(doc));
        const { report, rendered } = r.value;
        failures += report.failures;
        checked += report.checked;
        all = all.concat(report.counterexamples);
        this.output.appendLine(`${task.name}: ${counted(report.checked, 'sample')}, ${counted(report.failures, 'failure')}`);
        report.counterexamples.forEach((c, i) => {
          const text = rendered[i];
          this.output.appendLine(text.text);
          const problem = problemText(task.name, c, text);
          const d = new vscode.Diagnostic(expertRange(doc), problem.message, vscode.DiagnosticSeverity.Error);
          d.relatedInformation = problem.related.map((line) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, expertRange(doc)), line));
          d.source = 'amplification';
          const args = encodeURIComponent(JSON.stringify([{ file: uri.fsPath, task: task.name, instance: c.instance, question: c.question, index: i + 1, of: report.counterexamples.length }]));
          d.code = { value: 'open tree', target: vscode.Uri.parse(`command:amplification.exploreCounterexample?${args}`) };
          diags.push(d);
        });
      }
      this.diagnostics.set(uri, diags);
      return { task: loaded.value[0], counterexamples: all, failures, checked };
    } finally {
      sandbox.dispose();
    }
  }

  /** A check that ended without a result (hang, exit, out of memory): a diagnostic, an output line, the error to throw. */
  private sandboxFailed(doc: vscode.TextDocument, message: string, range: vscode.Range): Error {
    const d = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
    d.source = 'amplification';
    this.diagnostics.set(doc.uri, [d]);
    this.output.appendLine(message);
    return new Error(message);
  }

  /** "Check | Explore" above each defineTask call of a task file. */
  codeLensProvider(): vscode.CodeLensProvider {
    return {
      onDidChangeCodeLenses: this.lensChanged.event,
      provideCodeLenses: (doc) => {
        const lenses: vscode.CodeLens[] = [];
        const text = doc.getText();
        const re = /defineTask\s*[<(]/g;
        for (let m = re.exec(text); m; m = re.exec(text)) {
          const range = doc.lineAt(doc.positionAt(m.index).line).range;
          lenses.push(
            new vscode.CodeLens(range, { title: 'Check', command: 'amplification.checkDecomposition', arguments: [doc.uri], tooltip: 'Run H with ground-truth subanswers and compare with ground truth' }),
            new vscode.CodeLens(range, { title: 'Explore', command: 'amplification.newRun', arguments: [{ taskFile: doc.uri.fsPath }], tooltip: 'Train X on this task and open the Explorer' }),
          );
        }
        return lenses;
      },
    };
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.lensChanged.dispose();
  }
}
