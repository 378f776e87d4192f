/**
 * Loads tasks: built-ins by name, user-written `*.task.ts` files by path. A user file is compiled
 * with esbuild; its import of `amplification-explorer` resolves to this very core (one instance),
 * other imports resolve from the file's own folder.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import * as core from '../core/index';
import { builtinTask, defineTask, isTask, type AnyTask, type TaskSpec } from '../core/index';

/** A task file that cannot be used: it does not compile, throws on load or exports no task. */
export class TaskLoadError extends Error {
  constructor(message: string, readonly file?: string, readonly line?: number, readonly column?: number) {
    super(message);
    this.name = 'TaskLoadError';
  }
}

/** A task file refused because the host does not trust the workspace (task files are code). */
export class UntrustedTaskError extends TaskLoadError {
  constructor(file: string) {
    super(`${file}: task files are code; they are compiled and run only in a trusted workspace`, file);
    this.name = 'UntrustedTaskError';
  }
}

export interface LoadedTask {
  task: AnyTask;
  /** The file it came from (undefined for built-ins). */
  file?: string;
  /** The export name (`default` for the default export). */
  exportName?: string;
}

/** True when the argument names a file rather than a built-in task. */
export function looksLikePath(arg: string): boolean {
  return /[\\/]/.test(arg) || /\.(ts|mts|cts|js|mjs|cjs)$/.test(arg);
}

/** Compiles a task file to CommonJS (in memory). */
export async function compileTaskFile(file: string): Promise<string> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new TaskLoadError(`${file}: no such file`, abs);
  let result: esbuild.BuildResult & { outputFiles: esbuild.OutputFile[] };
  const cwd = process.cwd();
  try {
    result = await esbuild.build({
      absWorkingDir: cwd,
      entryPoints: [abs],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      external: ['amplification-explorer'],
      sourcemap: 'inline',
      // The map's sources are relative to the working directory: anchor them there, so that stack
      // traces name the task file itself (not a path relative to the file's own folder).
      sourceRoot: `${pathToFileURL(cwd).href}/`,
      sourcesContent: false,
      logLevel: 'silent',
    });
  } catch (e) {
    const errors = (e as { errors?: esbuild.Message[] }).errors;
    const first = errors?.[0];
    if (first) {
      const loc = first.location;
      const where = loc ? `${loc.file}:${loc.line}:${loc.column + 1}` : file;
      throw new TaskLoadError(`${where}: ${first.text}`, abs, loc?.line, loc ? loc.column + 1 : undefined);
    }
    throw new TaskLoadError(`${file}: ${(e as Error).message}`, abs);
  }
  return result.outputFiles[0].text;
}

interface InternalModule {
  filename: string;
  paths: string[];
  exports: unknown;
  require(id: string): unknown;
  _compile(code: string, filename: string): void;
}
interface ModuleStatics {
  new (id: string, parent?: unknown): InternalModule;
  _nodeModulePaths(dir: string): string[];
}

/** Where in `file` an exception was thrown: the first frame of its stack in that file (source-mapped). */
function throwSite(e: unknown, file: string): { line: number; column: number } | undefined {
  const stack = (e as Error | undefined)?.stack;
  if (typeof stack !== 'string') return undefined;
  for (const frame of stack.split('\n')) {
    const m = /(?:\(|at )([^()]*):(\d+):(\d+)\)?$/.exec(frame.trim());
    if (m && m[1] === file) return { line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** Evaluates compiled code as the module `file`, with `amplification-explorer` mapped to this core. */
function evaluate(code: string, file: string): Record<string, unknown> {
  const M = Module as unknown as ModuleStatics;
  const m = new M(file);
  m.filename = file;
  m.paths = M._nodeModulePaths(path.dirname(file));
  const ownRequire = Module.createRequire(file);
  m.require = (id: string) => (id === 'amplification-explorer' ? core : ownRequire(id));
  try {
    m._compile(code, file);
  } catch (e) {
    const at = throwSite(e, file);
    const where = at ? `${path.basename(file)}:${at.line}:${at.column}` : path.basename(file);
    throw new TaskLoadError(`${where} threw while loading: ${(e as Error)?.message ?? String(e)}`, file, at?.line, at?.column);
  }
  const exp = m.exports;
  return exp && typeof exp === 'object' ? (exp as Record<string, unknown>) : { default: exp };
}

function looksLikeSpec(x: unknown): x is TaskSpec<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { expert?: unknown }).expert === 'function' && typeof (x as { context?: unknown }).context === 'function';
}

/** Every task a file exports (the default export first). */
export async function loadTaskFile(file: string): Promise<LoadedTask[]> {
  const abs = path.resolve(file);
  const exports = evaluate(await compileTaskFile(abs), abs);
  const names = Object.keys(exports).sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : 0));
  const out: LoadedTask[] = [];
  const seen = new Set<unknown>();
  for (const name of names) {
    const value = exports[name];
    if (seen.has(value)) continue;
    seen.add(value);
    if (isTask(value)) out.push({ task: value, file: abs, exportName: name });
    else if (looksLikeSpec(value)) {
      try {
        out.push({ task: defineTask(value), file: abs, exportName: name });
      } catch (e) {
        throw new TaskLoadError(`${path.basename(file)}: export '${name}': ${(e as Error).message}`, abs);
      }
    }
  }
  if (out.length === 0) {
    throw new TaskLoadError(`${path.basename(file)} does not export a task (write: export default defineTask({ ... }))`, abs);
  }
  return out;
}

/** A built-in task by name, or the tasks of a file by path. */
export async function resolveTasks(arg: string): Promise<LoadedTask[]> {
  const builtin = builtinTask(arg);
  if (builtin) return [{ task: builtin }];
  if (looksLikePath(arg) || fs.existsSync(arg)) return loadTaskFile(arg);
  const names = core.BUILTIN_TASKS.map((t) => t.name).join(', ');
  throw new TaskLoadError(`unknown task '${arg}' (built-in tasks: ${names}; or give a path to a .task.ts file)`);
}

/**
 * Where the task of a run comes from, from its run.json, without running any of it: `taskName`
 * must be a built-in task's name, unless the run records a `taskFile` (an absolute path), which is
 * allowed only when the host says task files are trusted. A `taskName` that is anything else (a
 * path, an unknown name) is refused: it is never loaded.
 */
export function runTaskSource(meta: { taskName: string; taskFile?: string }, trusted: boolean, metaFile = 'run.json'): { builtin: AnyTask } | { file: string; name: string } {
  if (meta.taskFile !== undefined) {
    if (!path.isAbsolute(meta.taskFile)) throw new TaskLoadError(`${metaFile}: taskFile '${meta.taskFile}' is not an absolute path`, metaFile);
    if (!trusted) throw new UntrustedTaskError(meta.taskFile);
    return { file: meta.taskFile, name: meta.taskName };
  }
  const builtin = builtinTask(meta.taskName);
  if (!builtin) throw new TaskLoadError(`${metaFile}: taskName '${meta.taskName}' is not a built-in task (a run of a task file records it as taskFile)`, metaFile);
  return { builtin };
}

/** The task of a run (see `runTaskSource`), loaded in this process: a task file is compiled and run here. */
export async function runTask(meta: { taskName: string; taskFile?: string }, trusted: boolean, metaFile = 'run.json'): Promise<AnyTask> {
  const source = runTaskSource(meta, trusted, metaFile);
  if ('builtin' in source) return source.builtin;
  const loaded = await loadTaskFile(source.file);
  return (loaded.find((l) => l.task.name === source.name) ?? loaded[0]).task;
}
