/**
 * Seeded pseudo-random numbers, so splits, shuffles and weight initialisation repeat exactly
 * for the same seed on every machine (`Math.random` cannot be seeded).
 *
 * The generator is mulberry32: 32-bit state, fast, and good enough for shuffling and sampling
 * (not for cryptography).
 *
 * @example
 * ```ts
 * import { mulberry32, shuffled } from "./random.ts";
 * const random = mulberry32(42);
 * random(); // a number in [0, 1), the same one for seed 42 every time
 * const saved = random.getState(); // ... later: random.setState(saved) replays from here
 * shuffled([1, 2, 3, 4], 42); // the same permutation for seed 42 every time
 * ```
 * @module
 */

/** A function returning uniformly distributed numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A seeded generator whose position in its stream can be saved and restored, so a resumed
 * training run draws exactly the numbers an uninterrupted one would.
 */
export interface SeededRandom extends RandomSource {
  /** The 32-bit state (an unsigned integer); the next number depends on nothing else. */
  getState(): number;
  /** Puts the generator back to a state from {@link SeededRandom.getState}. */
  setState(state: number): void;
}

/**
 * Creates a mulberry32 generator.
 *
 * @param seed any finite number; it is reduced to an unsigned 32-bit integer
 * @returns a function returning numbers in [0, 1), deterministic for the seed
 * @example
 * ```ts
 * const random = mulberry32(7);
 * const dice = 1 + Math.floor(random() * 6);
 * ```
 */
export function mulberry32(seed: number): SeededRandom {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  const next = (() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as SeededRandom;
  next.getState = () => state;
  next.setState = (saved: number) => {
    if (!Number.isInteger(saved) || saved < 0 || saved > 0xffffffff) {
      throw new RangeError(`random state must be an unsigned 32-bit integer, got ${saved}`);
    }
    state = saved;
  };
  return next;
}

/**
 * Shuffles `items` in place (Fisher-Yates) and returns it.
 *
 * @param items the array to permute
 * @param random the generator to draw from
 * @example
 * ```ts
 * const order = shuffleInPlace([0, 1, 2, 3], mulberry32(42));
 * ```
 */
export function shuffleInPlace<T>(items: T[], random: RandomSource): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = items[i];
    items[i] = items[j];
    items[j] = held;
  }
  return items;
}

/**
 * A shuffled copy of `items`; the input is left untouched.
 *
 * @param items the values to permute
 * @param seedOrRandom a seed (a fresh mulberry32 is made) or a generator to draw from
 * @example
 * ```ts
 * shuffled(["a", "b", "c"], 42); // same order for seed 42 every time
 * ```
 */
export function shuffled<T>(items: readonly T[], seedOrRandom: number | RandomSource): T[] {
  const random = typeof seedOrRandom === "number" ? mulberry32(seedOrRandom) : seedOrRandom;
  return shuffleInPlace([...items], random);
}
