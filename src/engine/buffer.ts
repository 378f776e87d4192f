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

  static fromJSON<U>(x: { capacity: number; next: number; items: U[] }, capacity = x.capacity): ReplayBuffer<U> {
    const b = new ReplayBuffer<U>(capacity);
    const ordered = [...x.items.slice(x.next), ...x.items.slice(0, x.next)];
    b.add(ordered);
    return b;
  }
}
