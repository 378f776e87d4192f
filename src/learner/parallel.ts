/**
 * Data-parallel training of X on several CPU cores. TensorFlow.js's wasm backend runs on one
 * thread in Node, so a second core only helps if a second copy of the model does part of the work:
 * each step, the batch is split (by whole contexts) between the model and its replicas in
 * `worker_threads`; every replica loads the model's current weights from shared memory, computes
 * the gradient of its shard and writes it back; the model averages the gradients (weighted by
 * target tokens, so the result is the gradient of the whole batch's mean loss) and takes the one
 * optimiser step. Replicas hold no optimiser state: a replica that fails is dropped and training
 * continues on fewer threads.
 *
 * The model waits for its replicas with `Atomics.wait`, so `trainStep` stays synchronous.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TransformerModelX } from './model-x';
import type { BackendName, TrainingExample, TrainStepResult } from './types';

/** What a replica needs to rebuild the model (sent once, at start). */
export interface ReplicaInit {
  description: ReturnType<TransformerModelX['describe']>;
  backend: BackendName;
  replica: number;
  /** [state, error length]: state 0 = busy, 1 = done, 2 = failed. */
  control: SharedArrayBuffer;
  params: SharedArrayBuffer;
  grad: SharedArrayBuffer;
  /** [loss, correct, tokens]. */
  stats: SharedArrayBuffer;
  error: SharedArrayBuffer;
}

export interface ReplicaRequest {
  type: 'gradient';
  step: number;
  batch: readonly TrainingExample[];
}

export const ERROR_BYTES = 4096;
/** Longest wait for a replica's gradient before it is given up (a wedged thread). */
const REPLICA_TIMEOUT_MS = 120_000;

interface Replica {
  worker: Worker;
  control: Int32Array;
  grad: Float32Array;
  stats: Float64Array;
  error: Uint8Array;
  index: number;
}

/** Where a worker bundle (the replica's, or H′'s decode worker) is: beside this bundle (dist/), or the package's dist/ (tests). */
export function replicaFile(name = 'learner-replica.js'): string {
  const candidates = [path.join(__dirname, name)];
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'dist', name));
    if (path.dirname(dir) === dir) break;
  }
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`${name === 'learner-replica.js' ? 'data-parallel training' : 'H′ decoding on two threads'} needs ${name} (looked in ${candidates.slice(0, 2).join(', ')}); run the build`);
  return found;
}

/**
 * How many threads "auto" means here: one per core, at most 2 (each replica holds its own copy of
 * TensorFlow.js and the model; measured on 2 cores: 1.6× the questions per second). More is untested.
 */
export function autoThreads(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(2, cores));
}

/** Splits a batch into `parts` runs of whole contexts (examples of one context are adjacent), as even as possible. */
export function splitByContext(batch: readonly TrainingExample[], parts: number): TrainingExample[][] {
  const runs: TrainingExample[][] = [];
  for (const e of batch) {
    const last = runs[runs.length - 1];
    if (last && last[0].facts === e.facts) last.push(e);
    else runs.push([e]);
  }
  const shards: TrainingExample[][] = Array.from({ length: parts }, () => []);
  const target = batch.length / parts;
  let seen = 0;
  for (const run of runs) {
    shards[Math.min(parts - 1, Math.floor((seen + run.length / 2) / target))].push(...run);
    seen += run.length;
  }
  return shards.filter((x) => x.length > 0);
}

export class DataParallelGroup {
  private replicas: Replica[] = [];
  private readonly params: Float32Array;
  private closed = false;
  /** Why replicas were dropped (reported once by the caller). */
  readonly warnings: string[] = [];

  private constructor(private readonly model: TransformerModelX, private readonly paramsBuffer: SharedArrayBuffer) {
    this.params = new Float32Array(paramsBuffer);
  }

  /** Starts `threads - 1` replicas of `model` and attaches them to it. */
  static async start(model: TransformerModelX, threads: number, file = replicaFile()): Promise<DataParallelGroup> {
    const n = model.parameterCount;
    const group = new DataParallelGroup(model, new SharedArrayBuffer(n * 4));
    try {
      await Promise.all(Array.from({ length: Math.max(0, threads - 1) }, async (_, i) => {
        const init: ReplicaInit = {
          description: model.describe(), backend: model.backend, replica: i + 1,
          control: new SharedArrayBuffer(8), params: group.paramsBuffer, grad: new SharedArrayBuffer(n * 4),
          stats: new SharedArrayBuffer(24), error: new SharedArrayBuffer(ERROR_BYTES),
        };
        const worker = new Worker(file, { workerData: init });
        await new Promise<void>((resolve, reject) => {
          worker.once('message', (m: { type: string; error?: string }) => (m.type === 'ready' ? resolve() : reject(new Error(`replica ${i + 1}: ${m.error}`))));
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`replica ${i + 1} exited with code ${code} before it was ready`)));
        });
        worker.removeAllListeners();
        worker.on('error', () => undefined); // reported through the shared state; never fatal here
        worker.unref();
        group.replicas.push({
          worker, index: i + 1, control: new Int32Array(init.control), grad: new Float32Array(init.grad), stats: new Float64Array(init.stats), error: new Uint8Array(init.error),
        });
      }));
    } catch (e) {
      await group.close();
      throw e;
    }
    group.replicas.sort((a, b) => a.index - b.index);
    model.setPeers(group);
    return group;
  }

  get threads(): number {
    return this.replicas.length + 1;
  }

  trainStep(model: TransformerModelX, batch: readonly TrainingExample[]): TrainStepResult {
    if (model !== this.model) throw new Error('DataParallelGroup: another model');
    const shards = splitByContext(batch, this.threads);
    const working = this.replicas.slice(0, shards.length - 1);
    if (working.length > 0) {
      model.readParams(this.params);
      working.forEach((r, i) => {
        Atomics.store(r.control, 0, 0);
        const request: ReplicaRequest = { type: 'gradient', step: model.step, batch: shards[i + 1] };
        r.worker.postMessage(request);
      });
    }
    const tf = model.tf;
    const stats = tf.tidy(() => {
      const own = model.gradients(shards[0]);
      let grad = own.grad.mul(own.tokens);
      let loss = own.loss.mul(own.tokens);
      let correct = own.correct;
      let tokens = own.tokens;
      let examples = shards[0].length;
      for (const [i, r] of working.entries()) {
        const status = this.await(r);
        if (status !== 1) {
          // Its shard is not learned from this step; the others are.
          this.drop(r, status === 2 ? new TextDecoder().decode(r.error.slice(0, r.control[1])) : 'no answer within 2 minutes');
          continue;
        }
        const [l, c, t] = r.stats;
        grad = grad.add(tf.tensor1d(r.grad).mul(t));
        loss = loss.add(l * t);
        correct = correct.add(c);
        tokens += t;
        examples += shards[i + 1].length;
      }
      const gradNorm = model.applyGradient(grad.div(tokens));
      // Loss and accuracy over the examples learned from (a dropped replica's shard is not).
      return tf.stack([loss.div(tokens), correct.div(examples), gradNorm]);
    });
    const [loss, accuracy, gradNorm] = stats.dataSync();
    stats.dispose();
    return { loss, accuracy, gradNorm };
  }

  private await(r: Replica): number {
    const deadline = Date.now() + REPLICA_TIMEOUT_MS;
    while (Atomics.load(r.control, 0) === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return 0;
      Atomics.wait(r.control, 0, 0, left);
    }
    return Atomics.load(r.control, 0);
  }

  private drop(r: Replica, why: string): void {
    this.warnings.push(`training replica ${r.index} failed and was stopped (${why}); training continues on ${this.threads - 1} thread(s)`);
    this.replicas = this.replicas.filter((x) => x !== r);
    void r.worker.terminate();
  }

  /** Stops the replicas; the model trains alone again. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.model.peerGroup === this) this.model.setPeers(undefined);
    const rs = this.replicas;
    this.replicas = [];
    await Promise.all(rs.map((r) => r.worker.terminate()));
  }
}
