import type { Rng } from './types';

/** A seed: a number, a string, or a list of them (hashed together). */
export type Seed = number | string | readonly (number | string)[];

/** Mixes the bits of a 32-bit integer (the finaliser of a well-known 32-bit hash). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a seed to four 32-bit words. Different seeds give independent streams. */
export function hashSeed(seed: Seed): [number, number, number, number] {
  const text = Array.isArray(seed) ? seed.map((s) => `${typeof s}:${String(s)}`).join('\u0000') : `${typeof seed}:${String(seed)}`;
  const out: [number, number, number, number] = [0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x6a09e667];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    for (let j = 0; j < 4; j++) out[j] = mix32((out[j] ^ c) + Math.imul(j + 1, 0x27d4eb2f) + i);
  }
  for (let j = 0; j < 4; j++) out[j] = mix32(out[j] ^ text.length ^ out[(j + 1) & 3]);
  return out;
}

/** A 32-bit hash of a seed (e.g. for deterministic per-context choices). */
export function hash32(seed: Seed): number {
  return hashSeed(seed)[0];
}

/**
 * A seeded generator (small fast counting generator, 128-bit state).
 * `fork(label)` derives an independent generator, so that adding a random draw in one place
 * does not shift every later draw elsewhere.
 */
export class SeededRng implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly seed: Seed;

  constructor(seed: Seed) {
    this.seed = seed;
    [this.a, this.b, this.c, this.d] = hashSeed(seed);
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** A uniform 32-bit unsigned integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  float(): number {
    // 53 random bits.
    const hi = this.next32() >>> 5;
    const lo = this.next32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int needs a positive integer, got ${n}`);
    if (n <= 0x100000000) {
      // Rejection sampling: no modulo bias.
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const x = this.next32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.float() * n);
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('rng.pick of an empty array');
    return xs[this.int(xs.length)];
  }

  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** `k` distinct elements of `xs`, in random order. */
  sample<T>(xs: readonly T[], k: number): T[] {
    if (k > xs.length) throw new RangeError(`cannot sample ${k} of ${xs.length}`);
    return this.shuffle(xs).slice(0, k);
  }

  /** An independent generator derived from this one's seed and a label. */
  fork(label: string | number): SeededRng {
    const parts = Array.isArray(this.seed) ? this.seed : [this.seed as number | string];
    return new SeededRng([...parts, `fork:${label}`]);
  }
}

export function createRng(seed: Seed): SeededRng {
  return new SeededRng(seed);
}
