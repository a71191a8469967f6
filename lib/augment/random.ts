/**
 * Seed derivation and draws on top of `lib/util/random.ts`' mulberry32 (the project's one
 * PRNG): a per-(seed, clip, copy) seed, Gaussian and Gamma/Beta variates.
 * @module
 */
import { mulberry32, type RandomSource } from "../util/mod.ts";

/** 32-bit finaliser of MurmurHash3: spreads nearby inputs (copy 0, 1, 2 ...) over all bits. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a hash of a string's UTF-16 code units, for string clip ids. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The seed of one augmented copy: a hash of the run seed, the clip id and the copy index, so
 * each (seed, clip, copy) gets its own stream whatever order clips are processed in (workers,
 * caches) and adding clips does not change other clips' augmentations.
 *
 * @param seed run seed (any finite number; reduced to 32 bits)
 * @param clipId a stable clip identifier (a number, or a string such as a relative path)
 * @param copyIndex 0-based augmented copy number
 */
export function augmentationSeed(seed: number, clipId: string | number, copyIndex: number): number {
  if (!Number.isFinite(seed)) {
    throw new RangeError(`lib/augment: seed must be a finite number, got ${seed}`);
  }
  if (!Number.isInteger(copyIndex) || copyIndex < 0) {
    throw new RangeError(
      `lib/augment: copyIndex must be a non-negative whole number, got ${copyIndex}`,
    );
  }
  const id = typeof clipId === "string" ? hashString(clipId) : fmix32(Math.trunc(clipId) >>> 0);
  let h = fmix32((Math.trunc(seed) >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ id);
  h = fmix32(h ^ Math.imul(copyIndex + 1, 0x27d4eb2d));
  return h;
}

/** The generator of one augmented copy (mulberry32 seeded by {@link augmentationSeed}). */
export function augmentationRandom(
  seed: number,
  clipId: string | number,
  copyIndex: number,
): RandomSource {
  return mulberry32(augmentationSeed(seed, clipId, copyIndex));
}

/** A standard normal variate (Box-Muller; the second value is discarded for simplicity). */
export function gaussian(random: RandomSource): number {
  // 1 - u is in (0, 1], so the log is finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A Gamma(shape, 1) variate (Marsaglia & Tsang, 2000; shape < 1 by the boost u^(1/shape)). */
export function gammaVariate(random: RandomSource, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`lib/augment: gamma shape must be > 0, got ${shape}`);
  if (shape < 1) {
    return gammaVariate(random, shape + 1) * Math.pow(1 - random(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = gaussian(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) variate in [0, 1], from two Gamma variates. */
export function betaVariate(random: RandomSource, a: number, b: number): number {
  const x = gammaVariate(random, a);
  const y = gammaVariate(random, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}
