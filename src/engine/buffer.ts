/** A replay buffer (of X's training examples, or of H's transcripts for H′): first in, first out, sampled uniformly. */
import type { Rng } from '../core/index';
import type { TrainingExample } from '../learner/types';

export class ReplayBuffer<T = TrainingExample> {
  private items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`buffer capacity must be a positive integer (got ${capacity})`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Adds examples, overwriting the oldest once full. */
  add(examples: readonly T[]): void {
    for (const e of examples) {
      if (this.items.length < this.capacity) this.items.push(e);
      else {
        this.items[this.next] = e;
        this.next = (this.next + 1) % this.capacity;
      }
    }
  }

  /** `n` examples drawn uniformly with replacement. */
  sample(rng: Rng, n: number): T[] {
    if (this.items.length === 0) return [];
    return Array.from({ length: n }, () => this.items[rng.int(this.items.length)]);
  }

  toJSON(): { capacity: number; next: number; items: T[] } {
    return { capacity: this.capacity, next: this.next, items: this.items };
  }

  /**
   * The buffer `toJSON` saved. At the same capacity it is restored slot for slot (the same items at
   * the same indices, the same next slot), so sampling after a resume draws exactly what it would
   * have drawn without one; at another capacity the items are re-added oldest first.
   */
  static fromJSON<U>(x: { capacity: number; next: number; items: U[] }, capacity = x.capacity): ReplayBuffer<U> {
    const b = new ReplayBuffer<U>(capacity);
    if (capacity === x.capacity && x.items.length <= capacity && x.next < Math.max(1, capacity)) {
      b.items = [...x.items];
      b.next = x.next;
    } else b.add([...x.items.slice(x.next), ...x.items.slice(0, x.next)]);
    return b;
  }
}

/**
 * X's replay buffer: training examples kept by context, so that a batch holds a few contexts with
 * all their questions (the paper's "batch of contexts, each with about N questions": the model
 * encodes each context once, and learns much faster per second than from one question per context).
 * First in, first out; capacity and size count examples.
 */
export class ContextBuffer {
  private groups: ReplayBuffer<TrainingExample[]>;
  private count = 0;

  constructor(readonly capacity: number, private readonly perContext: number) {
    this.groups = new ReplayBuffer<TrainingExample[]>(Math.max(1, Math.ceil(capacity / Math.max(1, perContext))));
  }

  /** Examples held. */
  get size(): number {
    return this.count;
  }

  add(groups: readonly TrainingExample[][]): void {
    for (const g of groups) if (g.length > 0) this.groups.add([g]);
    this.count = this.examples().length;
  }

  /** About `n` examples: whole contexts drawn uniformly with replacement. */
  sample(rng: Rng, n: number): TrainingExample[] {
    if (this.groups.size === 0) return [];
    const out: TrainingExample[] = [];
    while (out.length < n) out.push(...this.groups.sample(rng, 1)[0]);
    return out.slice(0, n);
  }

  /** The examples, oldest first. */
  examples(): TrainingExample[] {
    const { items, next } = this.groups.toJSON();
    return [...items.slice(next), ...items.slice(0, next)].flat();
  }

  toJSON() {
    return { capacity: this.capacity, perContext: this.perContext, groups: this.groups.toJSON() };
  }

  /** The buffer `toJSON` saved: slot for slot at the same capacity (a resume samples as if it had not stopped). */
  static fromJSON(x: { capacity: number; perContext: number; groups: { capacity: number; next: number; items: TrainingExample[][] } }, capacity = x.capacity): ContextBuffer {
    const b = new ContextBuffer(capacity, x.perContext);
    if (capacity === x.capacity) {
      b.groups = ReplayBuffer.fromJSON(x.groups, b.groups.capacity);
      b.count = b.examples().length;
    } else b.add([...x.groups.items.slice(x.groups.next), ...x.groups.items.slice(0, x.groups.next)]);
    return b;
  }
}
