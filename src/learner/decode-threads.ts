/**
 * H′'s decoding on two threads. TensorFlow.js's wasm backend runs on one thread in Node, so while
 * H′ decodes a round's transcripts the second core idles. `DecodeThreads` keeps a copy of H′ in a
 * worker thread (decode-worker-main.ts); its decoders split the open transcripts between the
 * model's own thread and the worker — identical transcripts are grouped first and a group is decoded
 * once, on one thread (expert-dedup.ts); each transcript stays on the thread that decoded its first
 * action, where its kept keys/values are — and merge the actions back in order. The worker gets
 * H′'s weights through shared memory once per training step of H′ (on the first call after it).
 *
 * `attach()` makes them the model's (`model.decoder()` then decodes on both threads; the learner's
 * factory does so for a run's H′ when two cores are there, learner/factory.ts).
 *
 * `next` stays synchronous: the model posts the worker's share, decodes its own, then waits for the
 * worker with `Atomics.wait` and takes its actions with `receiveMessageOnPort`. A failure in the
 * worker is thrown by `next` as an error: an exception while decoding fails that call (as it would
 * on one thread); the worker's exit, or no answer within `timeoutMs` (a wedged thread), fails it and
 * every later call.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { TransformerModelH } from './model-h';
import { replicaFile } from './parallel';
import { groupTranscripts, spreadActions } from './expert-dedup';
import type { BackendName, ExpertAction, ExpertDecoder, PartialTranscript } from './types';

/** What the worker needs to rebuild H′ (sent once, at start). */
export interface DecodeWorkerInit {
  description: ReturnType<TransformerModelH['describe']>;
  backend: BackendName;
  /** [state]: 0 = busy, 1 = done, 2 = failed (then a message with the error is on the port). */
  control: SharedArrayBuffer;
  params: SharedArrayBuffer;
  port: MessagePort;
}

/** A request to the worker: its share of one `next` call of decoder `decoder` (groups of identical transcripts). */
export interface DecodeRequest {
  decoder: number;
  /** Set when the weights in shared memory are new (H′'s step). */
  step?: number;
  /** Transcripts the worker decoded that are finished (their memos are dropped). */
  forget: number[];
  /** The transcripts' ids, by group (one state per group: its members are identical). */
  groups: number[][];
  states: PartialTranscript[];
  forceAnswer: boolean;
}

export type DecodeReply = { actions: ExpertAction[] } | { error: string };

export class DecodeThreads {
  private readonly control: Int32Array;
  private readonly params: Float32Array;
  private workerStep = -1;
  private decoders = 0;
  private failure: string | undefined;
  private closed = false;

  private constructor(private readonly model: TransformerModelH, private readonly worker: Worker, private readonly port: MessagePort, control: SharedArrayBuffer, params: SharedArrayBuffer, private readonly timeoutMs: number) {
    this.control = new Int32Array(control);
    this.params = new Float32Array(params);
    worker.on('error', (e) => (this.failure ??= `the H′ decode worker failed: ${e.message}`));
    worker.on('exit', (code) => (this.failure ??= `the H′ decode worker exited (code ${code})`));
    worker.unref();
  }

  /** Starts the worker with a copy of `model`'s architecture (its weights follow with the first decoding). */
  static async start(model: TransformerModelH, options: { file?: string; timeoutMs?: number } = {}): Promise<DecodeThreads> {
    const params = new SharedArrayBuffer(model.readParams().length * 4);
    const control = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const init: DecodeWorkerInit = { description: model.describe(), backend: model.backend, control, params, port: port2 };
    const worker = new Worker(options.file ?? replicaFile('learner-decode.js'), { workerData: init, transferList: [port2] });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.once('message', (m: { type: string; error?: string }) => (m.type === 'ready' ? resolve() : reject(new Error(`the H′ decode worker failed to start: ${m.error}`))));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the H′ decode worker exited with code ${code} before it was ready`)));
      });
    } catch (e) {
      port1.close();
      await worker.terminate();
      throw e;
    }
    worker.removeAllListeners();
    return new DecodeThreads(model, worker, port1, control, params, options.timeoutMs ?? 120_000);
  }

  /** Makes these threads the model's: its `decoder()` decodes on them until `close`. */
  attach(): this {
    if (this.closed) throw new Error('H′ decoding on two threads: closed');
    this.model.setDecodeThreads(this);
    return this;
  }

  /**
   * A decoder over both threads (the actions `model.localDecoder()` gives). Like the model's own, it is
   * valid while the weights do not change.
   */
  decoder(): ExpertDecoder {
    const own = this.model.localDecoder();
    const vocabulary = this.model.vocabulary;
    const decoder = ++this.decoders;
    /** The transcripts the worker decodes (the rest are the model's). */
    const theirs = new Set<number>();
    const known = new Set<number>();
    let forgotten: number[] = [];
    let turn = 0;
    return {
      next: (ids, states, options = {}) => {
        if (ids.length !== states.length) throw new Error('H′ decoder: one id per state');
        // Identical transcripts are decoded once, on one thread (expert-dedup.ts): the threads share
        // the distinct ones. A state that cannot be encoded stays alone and fails where it is decoded.
        const seqs = states.map((s) => {
          try {
            return vocabulary.encode(s);
          } catch {
            return undefined;
          }
        });
        const groups = groupTranscripts(seqs);
        // A new group goes to the threads in turn; a known one stays where its kept keys/values are.
        const mine: number[] = [];
        const worker: number[] = [];
        groups.members.forEach((js, g) => {
          const home = js.map((j) => ids[j]).find((id) => known.has(id));
          const toWorker = home === undefined ? turn++ % 2 === 1 : theirs.has(home);
          for (const j of js) {
            const id = ids[j];
            // A member kept on the other thread moves with its group: that thread drops what it kept.
            if (known.has(id) && theirs.has(id) !== toWorker) {
              if (toWorker) own.forget(id);
              else forgotten.push(id);
            }
            known.add(id);
            if (toWorker) theirs.add(id);
            else theirs.delete(id);
          }
          (toWorker ? worker : mine).push(g);
        });
        const idsOf = (g: number): number[] => groups.members[g].map((j) => ids[j]);
        if (worker.length > 0) {
          this.post({ decoder, forget: forgotten, groups: worker.map(idsOf), states: worker.map((g) => states[groups.reps[g]]), forceAnswer: options.forceAnswer === true });
          forgotten = [];
        }
        const byGroup = new Array<ExpertAction>(groups.reps.length);
        let got: ExpertAction[] = [];
        try {
          if (mine.length > 0) got = own.nextGroups(mine.map(idsOf), mine.map((g) => states[groups.reps[g]]), options, mine.map((g) => seqs[groups.reps[g]]));
        } catch (e) {
          // The worker's answer to this call must not be taken for the next call's.
          if (worker.length > 0) this.receive(true);
          throw e;
        }
        mine.forEach((g, n) => (byGroup[g] = got[n]));
        if (worker.length > 0) this.receive().forEach((a, n) => (byGroup[worker[n]] = a));
        return spreadActions(byGroup, groups.of);
      },
      forget: (id) => {
        own.forget(id);
        known.delete(id);
        if (theirs.delete(id)) forgotten.push(id);
      },
      // The worker's share is closed when its next request names another decoder.
      close: () => own.close?.(),
    };
  }

  private post(request: DecodeRequest): void {
    if (this.closed) throw new Error('H′ decoding on two threads: closed');
    if (this.failure) throw new Error(this.failure);
    if (this.model.step !== this.workerStep) {
      this.params.set(this.model.readParams());
      request.step = this.workerStep = this.model.step;
    }
    Atomics.store(this.control, 0, 0);
    this.worker.postMessage(request);
  }

  /** The worker's actions, or its error thrown here (`drain`: waits for its answer and drops it). */
  private receive(drain = false): ExpertAction[] {
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(this.control, 0) === 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.failure = `the H′ decode worker gave no answer within ${Math.round(this.timeoutMs / 1000)} s`;
        throw new Error(this.failure);
      }
      Atomics.wait(this.control, 0, 0, left);
    }
    const reply = receiveMessageOnPort(this.port)?.message as DecodeReply | undefined;
    // No answer: the worker stopped (its exit signals the state 2 without a message).
    if (!reply) throw new Error((this.failure = 'the H′ decode worker stopped without an answer'));
    if (drain) return [];
    // An error while decoding (e.g. a transcript H′ cannot encode) fails this call, as on one thread.
    if ('error' in reply) throw new Error(`the H′ decode worker failed: ${reply.error}`);
    return reply.actions;
  }

  /** Stops the worker (the model decodes on its own thread again). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.model.decodeThreadGroup === this) this.model.setDecodeThreads(undefined);
    this.port.close();
    await this.worker.terminate();
  }
}
