/**
 * Chooses and initialises the TensorFlow.js backend.
 *
 * - `tfjs-node` (native TensorFlow) is an optional accelerator: loaded with a guarded require, never
 *   a dependency (it cannot install everywhere).
 * - `wasm` is the default, with two kernel fixes registered first. Its `.wasm` files are found in a
 *   `wasm/` folder beside the running bundle (the extension's bundles include TensorFlow.js and ship
 *   the binaries there), else in the installed `@tensorflow/tfjs-backend-wasm` package (the CLI
 *   and the tests load TensorFlow.js from node_modules).

 * - `cpu` (pure JS) always works, slowly.
 *
 * TensorFlow.js prints a banner when loaded in Node; everything it writes through `console` while we
 * load and initialise it goes to stderr, so a CLI's `--json` stdout stays parseable.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { registerKernelFixes } from './kernels';
import type { BackendName, BackendPreference } from './types';

export type TF = typeof tfjs;

export interface BackendHandle {
  tf: TF;
  backend: BackendName;
}

/** The tfjs backend name of each of ours. */
const TF_NAME: Record<BackendName, string> = { 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    reason: string,
  ) {
    super(`the ${backend} backend is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

let tfModule: TF | undefined;
let wasmLoaded: Promise<void> | undefined;
let wasmVersion: string | undefined;
let nodeVersion: string | undefined;
let current: BackendHandle | undefined;
/** Serialises initialisations (setBackend is async). */
let queue: Promise<unknown> = Promise.resolve();

/** Runs `fn` with console.log/info/warn/debug redirected to stderr. */
export function withConsoleOnStderr<T>(fn: () => T): T;
export function withConsoleOnStderr<T>(fn: () => Promise<T>): Promise<T>;
export function withConsoleOnStderr<T>(fn: () => T | Promise<T>): T | Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn, debug: console.debug };
  const toStderr = (...args: unknown[]): void => console.error(...args);
  console.log = console.info = console.warn = console.debug = toStderr;
  const restore = (): void => {
    Object.assign(console, saved);
  };
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore);
  restore();
  return result;
}

/** A require that bundlers leave alone (the module name is not a literal). */
function runtimeRequire(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional/external modules are resolved at run time, not bundled
  return require(name);
}

/** The TensorFlow.js module (loaded once, quietly). */
export function loadTf(): TF {
  if (!tfModule) {
    tfModule = withConsoleOnStderr(() => {
      // The Node build of @tensorflow/tfjs: the core with its gradients and chained ops, and the cpu
      // backend (and @tensorflow/tfjs-node, when installed, registers with this same core).
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use only (activation must not load TensorFlow.js)
      return require('@tensorflow/tfjs') as TF;
    });
    // Only silences tfjs's own warnings (e.g. the "install tfjs-node" banner at the first cpu tensor).
    tfModule.enableProdMode();
    shareSavedTensors(tfModule);
  }
  return tfModule;
}

/** The parts of tfjs's engine (4.x) that `shareSavedTensors` replaces and uses. */
interface EngineInternals {
  backend: { incRef?: (dataId: object) => void };
  backendName: string;
  state: { gradientDepth: number; tensorInfo: Map<object, { backend: unknown }> };
  clone(x: tfjs.Tensor): tfjs.Tensor;
  makeTensorFromTensorInfo(info: { dataId: object; shape: number[]; dtype: tfjs.DataType }, backend: unknown): tfjs.Tensor;
}

let sharedSaves = true;

/**
 * While the tape records (inside `tf.grad`/`variableGrads`), every tensor a kernel's gradient needs
 * and every tensor a `tf.customGrad` saves goes through the engine's `clone`, which runs an Identity
 * kernel (on wasm a copy of the data) and adds a node to the tape: ~640 kernels of X's training
 * step (docs/performance.md §6c). Here, on wasm and cpu, a saved tensor is instead a new handle on
 * the same data (the backend's reference count raised, as its Reshape kernel does): no kernel, no
 * copy, no tape node. Nothing writes into a tensor's data once made, so the values are the same.
 * Gradients of gradients (a tape inside a tape) keep tfjs's clone, whose tape node they may need.
 */
function shareSavedTensors(tf: TF): void {
  const engine = tf.engine() as unknown as EngineInternals;
  const copy = Object.getPrototypeOf(engine).clone as EngineInternals['clone'];
  engine.clone = function (this: EngineInternals, x: tfjs.Tensor): tfjs.Tensor {
    const backend = this.backend;
    const shares = sharedSaves && this.state.gradientDepth === 1 && (this.backendName === 'wasm' || this.backendName === 'cpu') && this.state.tensorInfo.get(x.dataId)?.backend === backend;
    if (!shares || !backend.incRef) return copy.call(this, x);
    backend.incRef(x.dataId);
    return this.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, backend);
  };
}

/** Turns the sharing of saved tensors (above) on or off (on by default; off: tfjs's Identity copies, for A/B timing). */
export function setSharedSaves(on: boolean): void {
  sharedSaves = on;
}

function loadWasm(tf: TF): Promise<void> {
  wasmLoaded ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use only
    const wasm = withConsoleOnStderr(() => require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(wasmDirectory() + '/');
    wasmVersion = wasm.version_wasm;
    registerKernelFixes(tf, ['wasm']);
  })();
  return wasmLoaded;
}

/** Where the `.wasm` binaries are: `wasm/` beside this bundle, else the installed package's `dist/`. */
export function wasmDirectory(): string {
  const beside = join(__dirname, 'wasm');
  if (existsSync(join(beside, 'tfjs-backend-wasm-simd.wasm'))) return beside;
  try {
    return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  } catch {
    throw new Error(`the wasm binaries are neither in ${beside} nor in an installed @tensorflow/tfjs-backend-wasm`);
  }
}

async function activate(tf: TF, name: BackendName): Promise<void> {
  if (name === 'tfjs-node') {
    try {
      const node = withConsoleOnStderr(() => runtimeRequire('@tensorflow/tfjs-node') as { version?: { 'tfjs-node'?: string } });
      nodeVersion = node.version?.['tfjs-node'];
    } catch (e) {
      throw new BackendUnavailableError(name, `require('@tensorflow/tfjs-node') failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); install it with \`npm install @tensorflow/tfjs-node\` or use --backend wasm`);
    }
    if (!tf.findBackendFactory(TF_NAME[name])) {
      throw new BackendUnavailableError(name, '@tensorflow/tfjs-node loaded but registered no "tensorflow" backend (version mismatch with @tensorflow/tfjs?)');
    }
  } else if (name === 'wasm') {
    try {
      await loadWasm(tf);
    } catch (e) {
      wasmLoaded = undefined;
      throw new BackendUnavailableError(name, e instanceof Error ? e.message : String(e));
    }
  } else {
    registerKernelFixes(tf, ['cpu']);
  }
  let ok: boolean;
  try {
    ok = await withConsoleOnStderr(() => tf.setBackend(TF_NAME[name]));
    if (ok) await tf.ready();
  } catch (e) {
    throw new BackendUnavailableError(name, e instanceof Error ? e.message : String(e));
  }
  if (!ok || tf.getBackend() !== TF_NAME[name]) throw new BackendUnavailableError(name, 'tf.setBackend failed');
}

/**
 * Initialises (or switches to) a backend. `auto` tries tfjs-node, then wasm, then cpu; an explicit
 * preference that is unavailable throws a `BackendUnavailableError`. Calling it again with the same
 * preference returns the same handle without re-initialising.
 */
export function initBackend(pref: BackendPreference = 'auto'): Promise<BackendHandle> {
  const run = queue.then(() => doInit(pref));
  queue = run.catch(() => undefined);
  return run;
}

async function doInit(pref: BackendPreference): Promise<BackendHandle> {
  const tf = loadTf();
  if (current && (pref === 'auto' || pref === current.backend) && tf.getBackend() === TF_NAME[current.backend]) return current;
  const candidates: BackendName[] = pref === 'auto' ? ['tfjs-node', 'wasm', 'cpu'] : [pref];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      await activate(tf, name);
      current = { tf, backend: name };
      return current;
    } catch (e) {
      if (pref !== 'auto') throw e;
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised:\n${failures.join('\n')}`);
}

/** Versions of the TensorFlow.js packages loaded so far (for run metadata). */
export function backendVersions(): Record<string, string> {
  const v: Record<string, string> = {};
  if (tfModule) v['@tensorflow/tfjs-core'] = tfModule.version_core;
  if (wasmVersion) v['@tensorflow/tfjs-backend-wasm'] = wasmVersion;
  if (nodeVersion) v['@tensorflow/tfjs-node'] = nodeVersion;
  return v;
}

/** The backend currently active, if `initBackend` ran. */
export function currentBackend(): BackendHandle | undefined {
  return current;
}
